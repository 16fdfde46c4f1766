"""What each `ls pull` wrote: one record per layer file, so the next pull can tell a file it
wrote and nobody touched (update it when the annotation changed in Label Studio) from a file
a person edited since (keep it).

The records live in `.claimstance/ls-pulls.jsonl` at the corpus root, one JSON line per
layer, sorted, so they are committed with the files they describe (a colleague's pull on a
fresh clone recognises them) and two branches' pulls merge line by line. They hold the
layer's path, the sha256 of the bytes written, and Label Studio's project, task and
annotation ids and `updated_at`: no e-mail, no name. The build never reads them.

One more line per project says when it was last pulled from a server and from which moment
(server time) the next pull asks only for the tasks changed since, plus the tasks to ask for
again whatever their time (an annotation refused, a file kept): that is what makes pulls
incremental, and a pull that did not complete never moves it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..corpus.layout import Corpus
from ..corpus.schema import DOCUMENT, definition
from ..corpus.writing import atomic_write
from ..problems import Code, Problem, problem, refuse
from ..validation.locate import pointer_tokens
from ..validation.reader import is_json_int, load_bytes

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


@dataclass(frozen=True)
class Mark:
    """The last completed pull of a project from its server."""

    pull: str  # the project's title
    project_id: int
    at: str  # when the pull finished (UTC, ISO 8601)
    since: str | None  # the next pull asks for tasks updated after this (server time)
    retry: tuple[int, ...] = ()  # tasks the next pull asks for again
    overlap: int | None = None  # annotators asked per task, at the time of the pull


def _mark(d: dict[str, Any]) -> Mark | None:
    """A parsed line as the mark of a project's last pull, or None when it is not one."""
    title, project_id, at, since = d.get("pull"), d.get("project_id"), d.get("at"), \
        d.get("since")
    retry, overlap = d.get("retry", []), d.get("overlap")
    if not (isinstance(title, str) and is_json_int(project_id) and isinstance(at, str)
            and (since is None or isinstance(since, str)) and isinstance(retry, list)
            and all(is_json_int(t) for t in retry)
            and (overlap is None or is_json_int(overlap))):
        return None
    return Mark(title, project_id, at, since, tuple(retry), overlap)


_SHA256 = re.compile(definition(DOCUMENT, "sha256")["pattern"])  # a sha256 as the schema says


def _parsed(line: bytes) -> tuple[dict[str, Any], Problem | None]:
    """A line's object ({} when it is none), and the reader's duplicate-key problem when it
    names a key twice: which of the two a pull wrote is unknown, so such a line is damaged."""
    f = load_bytes(line, LEDGER, max_bytes=len(line))
    twice = next((p for p in f.problems if p.code is Code.DUPLICATE_KEY), None)
    return (f.data if f.parsed and isinstance(f.data, dict) else {}), twice


def _record(d: dict[str, Any]) -> Record | None:
    """A parsed line as a record, or None when it is not one (fields of the wrong type)."""
    layer, sha, project = d.get("layer"), d.get("sha256"), d.get("project")
    task, annotation, updated_at = d.get("task"), d.get("annotation"), d.get("updated_at")
    if not (isinstance(layer, str) and isinstance(sha, str) and _SHA256.match(sha)
            and (project is None or isinstance(project, str) or is_json_int(project))
            and all(v is None or is_json_int(v) for v in (task, annotation))
            and (updated_at is None or isinstance(updated_at, str))):
        return None
    return Record(layer, sha, project, task, annotation, updated_at)


@dataclass
class Ledger:
    path: Path
    records: dict[str, Record]
    problems: list[Problem] = field(default_factory=list)  # lines dropped (on save)
    marks: dict[str, Mark] = field(default_factory=dict)  # project title -> its last pull

    @classmethod
    def of(cls, corpus: Corpus) -> Ledger:
        """The records of the corpus's pulls. Refused when .claimstance/ (or the file) leads
        outside the corpus: a pull would read and write someone else's file."""
        path = corpus.root / LEDGER
        if not corpus.inside(path):
            raise refuse(Code.OUTSIDE_ROOT, LEDGER,
                         f"{LEDGER} leads outside the corpus (a symbolic link?); the pull "
                         "wrote nothing. Make .claimstance/ a folder of the corpus")
        records: dict[str, Record] = {}
        marks: dict[str, Mark] = {}
        problems = []
        if path.is_file():
            for n, line in enumerate(path.read_bytes().split(b"\n"), 1):
                if not line.strip():
                    continue
                d, twice = _parsed(line)
                why = "cut short, or a merge left conflict markers" if twice is None else (
                    f"it holds the key {pointer_tokens(twice.pointer)[-1]!r} twice, and which "
                    "one a pull wrote is unknown")
                column = None if twice is None else twice.column
                if "pull" in d:
                    m = _mark(d) if twice is None else None
                    if m is not None:
                        marks[m.pull] = m
                        continue
                    problems.append(problem(
                        Code.LS_DAMAGED_PULL_RECORD, LEDGER, "",
                        f"line {n} is not the record of a project's last pull ({why}); it was "
                        "dropped, so the next pull of that project exports every task"
                    ).at(n, column))
                    continue
                r = _record(d) if twice is None else None
                if r is None:
                    problems.append(problem(
                        Code.LS_DAMAGED_PULL_RECORD, LEDGER, "",
                        f"line {n} is not a pull record ({why}); it was dropped. The file it "
                        "described counts as not written by `ls pull`: if it differs from "
                        "Label Studio's version it is kept (ls-would-overwrite) until you "
                        "check it").at(n, column))
                else:
                    records[r.layer] = r
        return cls(path, records, problems, marks)

    def untouched(self, rel: str, current: bytes) -> Record | None:
        """The record of `rel` when the file still holds what that pull wrote."""
        r = self.records.get(rel)
        return r if r is not None and r.sha256 == digest(current) else None

    def save(self) -> None:
        if not self.records and not self.marks and not self.path.exists():
            return  # nothing pulled yet: no file
        lines = [orjson.dumps(asdict(r)) for _, r in sorted(self.records.items())]
        lines += [orjson.dumps(asdict(m)) for _, m in sorted(self.marks.items())]
        atomic_write(self.path, b"".join(x + b"\n" for x in lines))
