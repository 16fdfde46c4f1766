"""Rewrite annotation layers in canonical form (text order, ids m1.., c1.., s1..).

Files are read with the strict reader and checked against the schema first: a file with a
duplicated key, broken JSON or the wrong shape is refused and left as it is, since
rewriting it would silently keep one of two values or guess at what was meant. What would
be written is read back the same way before it is written: `fmt` never turns a file
`validate` accepts into one it refuses (a compact layer just under the size limit grows
past it when indented).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.annotation import canonicalize
from ..corpus.lock import corpus_lock
from ..corpus.schema import ANNOTATION
from ..corpus.writing import atomic_write, dumps
from ..problems import Code, Level, Problem, problem
from .reader import MAX_BYTES, JSONFile, load, load_bytes
from .schema_errors import check as schema_check


@dataclass
class Formatted:
    check: bool = False
    changed: list[str] = field(default_factory=list)  # reformatted (or would be, with check)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and not (self.check and self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "check": self.check, "changed": self.changed,
                "unchanged": self.unchanged, "refused": self.refused,
                "problems": [p.to_dict() for p in self.problems]}

    def text(self) -> str:
        from .formatters import format_problem

        verb = "would reformat" if self.check else "reformatted"
        lines = [f"{verb} {p}" for p in self.changed]
        lines += [format_problem(p) for p in self.problems]
        lines += [f"refused {p}: not valid enough to rewrite safely (see above)"
                  for p in self.refused]
        n = len(self.changed) + len(self.unchanged) + len(self.refused)
        lines.append(f"{n} file(s): {len(self.changed)} {verb}, {len(self.unchanged)} already "
                     f"canonical, {len(self.refused)} refused")
        return "\n".join(lines)


def corpus_root_of(path: Path) -> Path:
    """The corpus a layer belongs to (annotations/<doc_id>/<annotator>.json), or, for a file
    elsewhere, its folder: what a write to it locks."""
    p = path.absolute()
    return p.parents[2] if len(p.parents) > 2 and p.parents[1].name == "annotations" \
        else p.parent


def format_files(paths: Iterable[Path], *, check: bool = False) -> Formatted:
    """Rewrite each file in canonical form (with `check`, only say which would change),
    holding the write lock of every corpus the files belong to."""
    paths = list(paths)
    with contextlib.ExitStack() as locks:
        if not check:
            for root in sorted({corpus_root_of(p) for p in paths}):
                if root.is_dir():
                    locks.enter_context(corpus_lock(root, "fmt"))
        return _format(paths, check)


def _errors(f: JSONFile) -> list[Problem]:
    """What the strict reader and the schema refuse in a file."""
    found = list(f.problems)
    if f.parsed and not found:
        found = schema_check(ANNOTATION, f.data, f.path)
    return [p for p in f.locate(found) if p.level is Level.ERROR]


def _format(paths: list[Path], check: bool) -> Formatted:
    out = Formatted(check=check)
    for path in paths:
        shown = str(path)
        f = load(path, shown)
        errors = _errors(f)
        if errors or f.raw is None:
            out.refused.append(shown)
            out.problems += errors
            continue
        new = dumps(canonicalize(f.data))
        if new == f.raw:
            out.unchanged.append(shown)
            continue
        after = _errors(load_bytes(new, shown, len(new)))
        if after or len(new) > MAX_BYTES:
            out.refused.append(shown)
            size = (f"{len(new):,} bytes, over the limit of {MAX_BYTES:,} that validate "
                    "enforces" if len(new) > MAX_BYTES else "a file validate refuses")
            out.problems.append(problem(
                Code.FMT_WOULD_BE_INVALID, shown, "",
                f"formatted, this {len(f.raw):,}-byte file would be {size}; it was left as "
                "it is: split the layer, or keep it in its present style"))
            out.problems += after
            continue
        out.changed.append(shown)
        if not check:
            atomic_write(path, new)
    return out
