"""What an export reads: (seed, layer) pairs from the validated corpus or from a built `dist/`.

From the corpus, the chosen layers (and their seeds) are validated first, and an invalid
one refuses the export with its coded problems. From a built folder, the documents Parquet
files are read back after their sha256 is checked against the build's manifest, so what is
exported is exactly what was built (and will be published), labels named by the folder's own
ClassLabel names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..corpus.annotation import empty_provenance
from ..corpus.layout import Corpus
from ..corpus.naming import GOLD, layer_name
from ..corpus.schema import SCHEMA_VERSION
from ..corpus.splits import split_of
from ..dataset.manifest import MANIFEST, file_sha256
from ..problems import Code, Refused, refuse
from ..validation.run import validate
from .common import Layer, Seed

SINGLE = "single"  # annotation_source of a document built from one annotator's layer


@dataclass
class Selection:
    """The pairs to export, in document id order, and how many documents lacked the layer."""

    pairs: list[tuple[Seed, Layer]]
    without_layer: int
    origin: str  # "corpus" or "dist"


def from_corpus(corpus: Corpus, source: str, split: str | None) -> Selection:
    ids = [d for d in corpus.doc_ids() if split is None or split_of(d) == split]
    chosen = [d for d in ids if corpus.annotation_path(d, source).is_file()]
    if chosen:
        report = validate(corpus.root, [corpus.root / layer_name(d, source) for d in chosen])
        if not report.valid:
            raise Refused(f"{len(chosen)} {source} layer(s) to export do not validate: fix "
                          "them first (claimstance validate); nothing was exported",
                          report.problems, report)
    pairs = [(corpus.read_seed(d), corpus.read_layer(d, source)) for d in chosen]
    return Selection(pairs, len(ids) - len(chosen), "corpus")


def _manifest(dist: Path) -> dict[str, Any]:
    try:
        data = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("outputs"), dict):
        raise refuse(Code.EXPORT_BAD_DIST, str(dist),
                     f"{dist} has no readable {MANIFEST}: it is not a folder built by "
                     "`claimstance build`")
    return data


def _documents_files(dist: Path, manifest: dict[str, Any]) -> list[tuple[str, Path]]:
    """(split, path) of the documents Parquet files the manifest lists, each checked."""
    out = []
    for rel, digest in sorted(manifest["outputs"].items()):
        if not rel.startswith("data/documents/") or not rel.endswith(".parquet"):
            continue
        path = dist / rel
        try:
            ok = file_sha256(path) == digest
        except OSError:
            ok = False
        if not ok:
            raise refuse(Code.EXPORT_BAD_DIST, f"{dist}/{rel}",
                         f"{rel} is missing or differs from what the build wrote "
                         f"({MANIFEST}); rebuild {dist}")
        out.append((Path(rel).name.split("-")[0], path))
    return out


def _names(schema: Any) -> dict[str, list[str]]:
    """ClassLabel names of the documents config, from the Parquet file's own metadata."""
    features = json.loads(schema.metadata[b"huggingface"])["info"]["features"]
    return {key: features[items]["feature"][field]["names"]
            for key, items, field in (("mention", "mentions", "type"),
                                      ("claim", "claims", "type"),
                                      ("stance", "stances", "label"))}


def _pair(row: dict[str, Any], names: dict[str, list[str]]) -> tuple[Seed, Layer]:
    seed = {k: v for k, v in row.items()
            if k not in ("mentions", "claims", "stances", "annotation_source", "annotators")}
    mentions = [{k: (names["mention"][v] if k == "type" else v) for k, v in m.items()
                 if not (k == "entity" and v is None)} for m in row["mentions"]]
    claims = [c | {"type": names["claim"][c["type"]]} for c in row["claims"]]
    stances = [s | {"label": names["stance"][s["label"]]} for s in row["stances"]]
    gold = row["annotation_source"] != SINGLE
    annotator = GOLD if gold else row["annotators"][0]
    provenance = empty_provenance("manual") | ({"sources": row["annotators"]} if gold else {})
    layer = {"schema_version": SCHEMA_VERSION,
             "document": {"id": row["id"], "sha256": row["sha256"]},
             "annotator": annotator, "status": "gold" if gold else "submitted",
             "provenance": provenance, "mentions": mentions, "claims": claims,
             "stances": stances}
    return seed, layer


def from_dist(dist: Path, source: str, split: str | None) -> Selection:
    """Layers of a built folder: gold ones for `source` gold, else the documents built from
    that annotator's lone layer (`build --allow-single`)."""
    import pyarrow.parquet as pq

    files = _documents_files(dist, _manifest(dist))
    pairs: list[tuple[Seed, Layer]] = []
    total = 0
    for file_split, path in files:
        if split is not None and file_split != split:
            continue
        table = pq.read_table(path)
        names = _names(table.schema)
        for row in table.to_pylist():
            total += 1
            seed, layer = _pair(row, names)
            if layer["annotator"] == source:
                pairs.append((seed, layer))
    pairs.sort(key=lambda p: str(p[0]["id"]))
    return Selection(pairs, total - len(pairs), "dist")
