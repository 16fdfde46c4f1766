"""A built dataset folder read back: its documents, exactly as the build wrote them.

`export --dist` and `score --gold dist` read what was built (and will be published), not the
corpus: the manifest must be a build's, every documents Parquet file it lists must still
have its sha256, and labels are named by the files' own ClassLabel names. Anything else is
refused (`export-bad-dist`) before a row is read, so a stale, edited or foreign folder never
reaches a figure or an exported file, nor a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus.annotation import empty_provenance
from ..corpus.items import from_layer
from ..corpus.naming import GOLD
from ..corpus.schema import SCHEMA_VERSION
from ..corpus.splits import SPLITS
from ..problems import Code, refuse
from ..quality.evaluate import GoldDoc
from .manifest import MANIFEST, file_sha256, load_manifest

if TYPE_CHECKING:
    import pyarrow as pa

SINGLE = "single"  # annotation_source of a document built from one annotator's layer
Row = dict[str, Any]


def documents_files(dist: Path, split: str | None = None) -> list[tuple[str, Path]]:
    """(split, path) of the documents Parquet files the build's manifest lists (of `split`),
    each checked against its sha256, in split order."""
    manifest, why = load_manifest(dist)
    if manifest is None:
        raise refuse(Code.EXPORT_BAD_DIST, str(dist),
                     f"{dist} is not a folder built by `claimstance build` "
                     f"({why or f'no {MANIFEST}'}); build it first, or read the corpus")
    out = []
    for rel, digest in manifest["outputs"].items():
        if not rel.startswith("data/documents/") or not rel.endswith(".parquet"):
            continue
        path = dist / rel
        try:
            ok = file_sha256(path) == digest
        except OSError:
            ok = False
        part = Path(rel).name.split("-")[0]
        if not ok or part not in SPLITS:
            raise refuse(Code.EXPORT_BAD_DIST, f"{dist}/{rel}",
                         f"{rel} is missing or differs from what the build wrote "
                         f"({MANIFEST}); rebuild {dist}")
        if split is None or part == split:
            out.append((part, path))
    return sorted(out, key=lambda f: (SPLITS.index(f[0]), f[1].name))


def class_names(schema: pa.Schema) -> dict[str, list[str]]:
    """ClassLabel names of the documents config, from the Parquet file's own metadata."""
    features = json.loads(schema.metadata[b"huggingface"])["info"]["features"]
    return {key: features[items]["feature"][field]["names"]
            for key, items, field in (("mention", "mentions", "type"),
                                      ("claim", "claims", "type"),
                                      ("stance", "stances", "label"))}


def rows(files: list[tuple[str, Path]], columns: list[str] | None = None,
         ) -> Iterator[tuple[str, Row, dict[str, list[str]]]]:
    """(split, row, class names) of every document of the files, a batch at a time."""
    import pyarrow.parquet as pq

    for split, path in files:
        f = pq.ParquetFile(path)
        names = class_names(f.schema_arrow)
        for batch in f.iter_batches(batch_size=256, columns=columns):
            for row in batch.to_pylist():
                yield split, row, names


def layer_source(row: Row) -> str:
    """Whose layer a row was built from: gold, or the lone annotator of a single one."""
    return row["annotators"][0] if row["annotation_source"] == SINGLE else GOLD


def as_pair(row: Row, names: dict[str, list[str]]) -> tuple[Row, Row]:
    """A documents row as the (seed, layer) it was built from, labels by name."""
    seed = {k: v for k, v in row.items()
            if k not in ("mentions", "claims", "stances", "annotation_source", "annotators")}
    mentions = [{k: (names["mention"][v] if k == "type" else v) for k, v in m.items()
                 if not (k == "entity" and v is None)} for m in row["mentions"]]
    claims = [c | {"type": names["claim"][c["type"]]} for c in row["claims"]]
    stances = [s | {"label": names["stance"][s["label"]]} for s in row["stances"]]
    annotator = layer_source(row)
    gold = annotator == GOLD
    provenance = empty_provenance("manual") | ({"sources": row["annotators"]} if gold else {})
    layer = {"schema_version": SCHEMA_VERSION,
             "document": {"id": row["id"], "sha256": row["sha256"]},
             "annotator": annotator, "status": "gold" if gold else "submitted",
             "provenance": provenance, "mentions": mentions, "claims": claims,
             "stances": stances}
    return seed, layer


def gold_docs(dist: Path) -> list[GoldDoc]:
    """Every document of a built folder as the gold `score` compares with (each row is what
    a researcher loads, whatever layer it was built from)."""
    out = []
    for split, row, names in rows(documents_files(dist)):
        seed, layer = as_pair(row, names)
        out.append(GoldDoc(seed["id"], split, seed["text"], seed["sha256"], from_layer(layer)))
    return sorted(out, key=lambda d: d.doc_id)
