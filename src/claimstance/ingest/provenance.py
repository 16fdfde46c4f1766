"""Where each ingested article came from: `.claimstance/ingested.jsonl` at the corpus root.

One JSON line per document, sorted by id, committed with the seeds (like `ls pull`'s
ledger): the seed's id and text sha256, the input's file name (never the folder it was in:
paths name people's home folders), the input file's sha256 (none for a folder's .txt: the
text's stands) and the line (JSON Lines, CSV) where the article was. A seed left as it was
keeps its record (one without any, put in place by a run killed before it recorded them,
gets one); one written (new, or replaced with --force) gets a new one. The build never
reads it.
"""

from __future__ import annotations

import bisect
import itertools
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


def read_ledger(corpus: Corpus) -> dict[str, dict[str, Any]]:
    """Each recorded document's record, by id."""
    path = corpus.root / LEDGER
    records: dict[str, dict[str, Any]] = {}
    if path.is_file():
        for line in path.read_bytes().splitlines():
            try:
                d = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(d, dict) and isinstance(d.get("id"), str):
                records[d["id"]] = d
    return records


def record(corpus: Corpus, origins: list[Origin]) -> None:
    """Record the origins of the seeds just written (new ones, or written over).

    The file is sorted by id, and a line starts with its id (`{"id":"...`), so lines sort
    as their ids do: a few new records are put in place by bisection, without reading the
    others; a file that is not so (edited by hand) is read and written again whole."""
    if not origins:
        return
    path = corpus.root / LEDGER
    lines = path.read_bytes().splitlines() if path.is_file() else []
    new = {o.id: orjson.dumps(o.to_dict()) for o in origins}
    if len(new) < 1000 and all(a < b for a, b in itertools.pairwise(lines)) and \
            all(line.startswith(b'{"id":"') for line in lines):
        for doc_id, line in sorted(new.items()):
            key = b'{"id":' + orjson.dumps(doc_id)
            k = bisect.bisect_left(lines, key)
            if k < len(lines) and lines[k].startswith(key + b","):
                lines[k] = line
            else:
                lines.insert(k, line)
    else:
        records = {d: orjson.dumps(r) for d, r in read_ledger(corpus).items()} | new
        lines = [line for _, line in sorted(records.items())]
    atomic_write(Path(path), b"".join(line + b"\n" for line in lines))
