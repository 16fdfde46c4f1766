"""Where each ingested article came from: `.claimstance/ingested.jsonl` at the corpus root.

One JSON line per document, sorted by id, committed with the seeds (like `ls pull`'s
ledger): the seed's id and text sha256, the input's file name (never the folder it was in:
paths name people's home folders), the input file's sha256 (none for a folder's .txt: the
text's stands) and the line (JSON Lines, CSV) where the article was. A seed left as it was
keeps its record; one written (new, or replaced with --force) gets a new one. The build
never reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..corpus.layout import Corpus
from ..corpus.writing import atomic_write

LEDGER = ".claimstance/ingested.jsonl"


@dataclass(frozen=True)
class Origin:
    id: str
    sha256: str  # of the seed's text
    file: str  # the input's name, e.g. crawl.jsonl, or articles/mali.txt for a folder
    file_sha256: str | None  # of the input file (for a folder: of the .txt)
    line: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sha256": self.sha256, "file": self.file,
                "file_sha256": self.file_sha256, "line": self.line}


def _id_of(line: bytes) -> str | None:
    """The id a record line is about: read from its start, as `record` writes it, else
    parsed (a line edited by hand); None for a line that is no record."""
    if line.startswith(b'{"id":"'):
        end = line.find(b'"', 7)
        if end > 7 and b"\\" not in line[7:end]:
            return line[7:end].decode("utf-8", "replace")
    try:
        d = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return d["id"] if isinstance(d, dict) and isinstance(d.get("id"), str) else None


def read_ledger(corpus: Corpus) -> dict[str, bytes]:
    """Each recorded document's line, by id (lines are kept as they are, not re-made)."""
    path = corpus.root / LEDGER
    records: dict[str, bytes] = {}
    if path.is_file():
        for line in path.read_bytes().splitlines():
            doc_id = _id_of(line)
            if doc_id is not None:
                records[doc_id] = line
    return records


def record(corpus: Corpus, origins: list[Origin]) -> None:
    """Record the origins of the seeds just written (new ones, or written over)."""
    if not origins:
        return
    records = read_ledger(corpus)
    for o in origins:
        records[o.id] = orjson.dumps(o.to_dict())
    atomic_write(Path(corpus.root / LEDGER),
                 b"".join(line + b"\n" for _, line in sorted(records.items())))
