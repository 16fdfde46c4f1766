"""What an export reads: (seed, layer) pairs from the validated corpus or from a built `dist/`.

From the corpus, the chosen layers (and their seeds) are validated first, and an invalid
one refuses the export with its coded problems. From a built folder, the documents Parquet
files are read back after their sha256 is checked against the build's manifest, so what is
exported is exactly what was built (and will be published), labels named by the folder's own
ClassLabel names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..corpus.annotation import empty_provenance
from ..corpus.layout import Corpus
from ..corpus.naming import GOLD, layer_name
from ..corpus.schema import SCHEMA_VERSION
from ..corpus.splits import SPLITS, split_of
from ..dataset.manifest import MANIFEST, file_sha256
from ..problems import Code, refuse
from ..validation.run import require_valid
from .common import Layer, Seed

SINGLE = "single"  # annotation_source of a document built from one annotator's layer


def export_order(doc_id: str) -> tuple[int, str]:
    """Documents go split by split (train, validation, test), then by id: a built folder's
    order, so the corpus and its build export the same files."""
    return SPLITS.index(split_of(doc_id)), doc_id


@dataclass
class Selection:
    """The documents to export, in order, and how to read them one at a time (a corpus may
    not fit in memory)."""

    origin: str  # "corpus" or "dist"
    doc_ids: list[str]
    without_layer: int  # documents (of the split) that lack the layer
    pairs: Callable[[], Iterator[tuple[Seed, Layer]]]


def from_corpus(corpus: Corpus, source: str, split: str | None) -> Selection:
    ids = [d for d in corpus.doc_ids() if split is None or split_of(d) == split]
    chosen = sorted((d for d in ids if corpus.annotation_path(d, source).is_file()),
                    key=export_order)
    if chosen:
        require_valid(corpus.root, [corpus.root / layer_name(d, source) for d in chosen],
                      f"{len(chosen)} {source} layer(s) to export do not validate: fix them "
                      "first (claimstance validate); nothing was exported")

    def pairs() -> Iterator[tuple[Seed, Layer]]:
        for d in chosen:
            yield corpus.read_seed(d), corpus.read_layer(d, source)

    return Selection("corpus", chosen, len(ids) - len(chosen), pairs)


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
    """(split, path) of the documents Parquet files the manifest lists, each checked, in
    split order."""
    out = []
    for rel, digest in manifest["outputs"].items():
        if not rel.startswith("data/documents/") or not rel.endswith(".parquet"):
            continue
        path = dist / rel
        try:
            ok = file_sha256(path) == digest
        except OSError:
            ok = False
        split = Path(rel).name.split("-")[0]
        if not ok or split not in SPLITS:
            raise refuse(Code.EXPORT_BAD_DIST, f"{dist}/{rel}",
                         f"{rel} is missing or differs from what the build wrote "
                         f"({MANIFEST}); rebuild {dist}")
        out.append((split, path))
    return sorted(out, key=lambda f: (SPLITS.index(f[0]), f[1].name))


def _names(schema: Any) -> dict[str, list[str]]:
    """ClassLabel names of the documents config, from the Parquet file's own metadata."""
    features = json.loads(schema.metadata[b"huggingface"])["info"]["features"]
    return {key: features[items]["feature"][field]["names"]
            for key, items, field in (("mention", "mentions", "type"),
                                      ("claim", "claims", "type"),
                                      ("stance", "stances", "label"))}


def _annotator(source: str | None, annotators: list[str]) -> str:
    return GOLD if source != SINGLE else annotators[0]


def _pair(row: dict[str, Any], names: dict[str, list[str]]) -> tuple[Seed, Layer]:
    seed = {k: v for k, v in row.items()
            if k not in ("mentions", "claims", "stances", "annotation_source", "annotators")}
    mentions = [{k: (names["mention"][v] if k == "type" else v) for k, v in m.items()
                 if not (k == "entity" and v is None)} for m in row["mentions"]]
    claims = [c | {"type": names["claim"][c["type"]]} for c in row["claims"]]
    stances = [s | {"label": names["stance"][s["label"]]} for s in row["stances"]]
    annotator = _annotator(row["annotation_source"], row["annotators"])
    gold = annotator == GOLD
    provenance = empty_provenance("manual") | ({"sources": row["annotators"]} if gold else {})
    layer = {"schema_version": SCHEMA_VERSION,
             "document": {"id": row["id"], "sha256": row["sha256"]},
             "annotator": annotator, "status": "gold" if gold else "submitted",
             "provenance": provenance, "mentions": mentions, "claims": claims,
             "stances": stances}
    return seed, layer


def from_dist(dist: Path, source: str, split: str | None) -> Selection:
    """Layers of a built folder: the gold ones for `source` gold, else the documents built
    from that annotator's lone layer (`build --allow-single`). Rows are read in batches."""
    import pyarrow.parquet as pq

    files = [(s, p) for s, p in _documents_files(dist, _manifest(dist))
             if split is None or s == split]
    chosen: list[str] = []
    total = 0
    for _, path in files:
        who = pq.read_table(path, columns=["id", "annotation_source", "annotators"])
        for row in who.to_pylist():
            total += 1
            if _annotator(row["annotation_source"], row["annotators"]) == source:
                chosen.append(row["id"])

    def pairs() -> Iterator[tuple[Seed, Layer]]:
        for _, path in files:
            f = pq.ParquetFile(path)
            names = _names(f.schema_arrow)
            for batch in f.iter_batches(batch_size=256):
                for row in batch.to_pylist():
                    seed, layer = _pair(row, names)
                    if layer["annotator"] == source:
                        yield seed, layer

    return Selection("dist", chosen, total - len(chosen), pairs)
