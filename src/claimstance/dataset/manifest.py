"""manifest.json: the sha256 of every input and output of a build.

`publish` compares it with the corpus as it is now (`input_hashes(corpus)`) to refuse a stale
or edited build.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..corpus.layout import Corpus
from ..corpus.schema import SCHEMAS, schema_text

MANIFEST = "manifest.json"
INPUT_DOCS = ("DATASHEET.md", "CHANGELOG.md", "CITATION.cff")  # prose the card is made from


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_hashes(corpus: Corpus, read: dict[str, str] | None = None) -> dict[str, str]:
    """sha256 of every input of a build: schemas and prose here, and seeds and layers as
    the build read them (`read`), or as they are on disk now (None, as publish checks)."""
    out = {f"schema/{name}": hashlib.sha256(schema_text(name).encode("utf-8")).hexdigest()
           for name in SCHEMAS}
    for name in INPUT_DOCS:
        if (corpus.root / name).is_file():
            out[name] = file_sha256(corpus.root / name)
    if read is None:
        read = {}
        for doc_id in corpus.doc_ids():
            read[f"seeds/{doc_id}.json"] = file_sha256(corpus.seed_path(doc_id))
            for a in corpus.annotators(doc_id):
                read[f"annotations/{doc_id}/{a}.json"] = file_sha256(
                    corpus.annotation_path(doc_id, a))
    return out | dict(sorted(read.items()))
