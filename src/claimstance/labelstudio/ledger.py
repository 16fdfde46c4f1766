"""What each `ls pull` wrote: one record per layer file, so the next pull can tell a file it
wrote and nobody touched (update it when the annotation changed in Label Studio) from a file
a person edited since (keep it).

The records live in `.claimstance/ls-pulls.jsonl` at the corpus root, one JSON line per
layer, sorted, so they are committed with the files they describe (a colleague's pull on a
fresh clone recognises them) and two branches' pulls merge line by line. They hold the
layer's path, the sha256 of the bytes written, and Label Studio's project, task and
annotation ids and `updated_at`: no e-mail, no name. The build never reads them.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from ..corpus.layout import Corpus
from ..corpus.writing import atomic_write

LEDGER = ".claimstance/ls-pulls.jsonl"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Record:
    layer: str  # annotations/<doc_id>/<annotator>.json
    sha256: str  # of the bytes the pull wrote
    project: str | int | None = None
    task: int | None = None
    annotation: int | None = None
    updated_at: str | None = None


def _record(line: bytes) -> Record | None:
    try:
        d: Any = orjson.loads(line)
        return Record(str(d["layer"]), str(d["sha256"]), d.get("project"), d.get("task"),
                      d.get("annotation"), d.get("updated_at"))
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None


@dataclass
class Ledger:
    path: Path
    records: dict[str, Record]
    unreadable: int = 0  # lines that were not records (they are dropped on save)

    @classmethod
    def of(cls, corpus: Corpus) -> Ledger:
        path = corpus.root / LEDGER
        records: dict[str, Record] = {}
        bad = 0
        if path.is_file():
            for line in path.read_bytes().splitlines():
                if not line.strip():
                    continue
                r = _record(line)
                if r is None:
                    bad += 1
                else:
                    records[r.layer] = r
        return cls(path, records, bad)

    def untouched(self, rel: str, current: bytes) -> Record | None:
        """The record of `rel` when the file still holds what that pull wrote."""
        r = self.records.get(rel)
        return r if r is not None and r.sha256 == digest(current) else None

    def save(self) -> None:
        if not self.records and not self.path.exists():
            return  # nothing pulled yet: no file
        lines = [orjson.dumps(asdict(r)) for _, r in sorted(self.records.items())]
        atomic_write(self.path, b"".join(x + b"\n" for x in lines))
