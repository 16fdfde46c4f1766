"""Rewrite annotation layers in canonical form (text order, ids m1.., c1.., s1..).

Files are read with the strict reader and checked against the schema first: a file with a
duplicated key, broken JSON or the wrong shape is refused and left as it is, since
rewriting it would silently keep one of two values or guess at what was meant. What would
be written is read back the same way before it is written: `fmt` never turns a file
`validate` accepts into one it refuses (a compact layer just under the size limit grows
past it when indented). A seed is no layer: `ingest` writes seeds, and reading one against
the annotation schema would only list what it is not, so it is refused with one problem.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.annotation import canonicalize
from ..corpus.layout import Corpus
from ..corpus.lock import corpus_lock
from ..corpus.naming import layer_name
from ..corpus.schema import ANNOTATION, DOCUMENT
from ..corpus.writing import atomic_write, dumps
from ..problems import Code, Level, Problem, Refused, problem
from .plan import plan_layers
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
        lines += [f"refused {p}: left as it is (see above)"
                  for p in self.refused]
        done = "would be reformatted" if self.check else "reformatted"
        lines.append(f"{len(self.changed)} file(s) {done}, {len(self.unchanged)} unchanged, "
                     f"{len(self.refused)} refused")
        return "\n".join(lines)


def corpus_root_of(path: Path) -> Path:
    """The corpus a layer belongs to (annotations/<doc_id>/<annotator>.json), or, for a file
    elsewhere, its folder: what a write to it locks."""
    p = path.absolute()
    return p.parents[2] if len(p.parents) > 2 and p.parents[1].name == "annotations" \
        else p.parent


def format_files(paths: Iterable[Path], *, check: bool = False,
                 progress: bool = False) -> Formatted:
    """Rewrite each file in canonical form (with `check`, only say which would change),
    holding the write lock of every corpus the files belong to."""
    files = [(p, str(p)) for p in paths]
    with contextlib.ExitStack() as locks:
        if not check:
            for root in sorted({corpus_root_of(p) for p, _ in files}):
                if root.is_dir():
                    locks.enter_context(corpus_lock(root, "fmt"))
        return _format(files, check, progress)


def format_corpus(root: str | Path | None, *, check: bool = False,
                  progress: bool = False) -> Formatted:
    """Every annotation layer of the corpus at `root`, as `format_files` (named relative to
    the root); an entry of annotations/ that is no layer is refused with its problem."""
    corpus = Corpus.at(root)
    missing = corpus.not_a_corpus()
    if missing is not None:
        raise Refused(missing.message, [missing])
    with contextlib.ExitStack() as lock:
        if not check:
            lock.enter_context(corpus_lock(corpus.root, "fmt"))
        plan = plan_layers(corpus)
        names = [layer_name(d, a) for d in sorted(plan.layers) for a in sorted(plan.layers[d])]
        out = _format([(corpus.root / n, n) for n in names], check, progress)
    out.problems[:0] = plan.problems
    out.refused = sorted({*out.refused, *(p.path for p in plan.problems)})
    return out


def _errors(f: JSONFile) -> list[Problem]:
    """What the strict reader and the schema refuse in a file."""
    found = list(f.problems)
    if f.parsed and not found:
        found = schema_check(ANNOTATION, f.data, f.path)
    return [p for p in f.locate(found) if p.level is Level.ERROR]


def _not_a_layer(path: Path, f: JSONFile, errors: list[Problem]) -> Problem | None:
    """The one problem of a seed given to fmt: a file in a seeds/ folder, or one the
    annotation schema refuses and the document schema accepts (None: anything else)."""
    if path.parent.name != "seeds" and not (errors and f.parsed and not f.problems
                                            and not schema_check(DOCUMENT, f.data, f.path)):
        return None
    return problem(Code.FMT_NOT_A_LAYER, f.path, "",
                   "a seed, not an annotation layer: fmt rewrites annotations/<doc_id>/"
                   "<annotator>.json; seeds are written by `claimstance ingest` (check this "
                   "one with `claimstance validate`)")


def _format(files: list[tuple[Path, str]], check: bool, progress: bool) -> Formatted:
    out = Formatted(check=check)
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(files), desc="formatting", unit="file", leave=False,
                   mininterval=0.5)
    try:
        for path, shown in files:
            if bar is not None:
                bar.update()
            _format_one(out, path, shown, check)
    finally:
        if bar is not None:
            bar.close()
    return out


def _format_one(out: Formatted, path: Path, shown: str, check: bool) -> None:
    """Rewrite one file (or say it would change, or refuse it), into `out`."""
    f = load(path, shown)
    errors = _errors(f)
    seed = _not_a_layer(path, f, errors)
    if seed is not None:
        out.refused.append(shown)
        out.problems.append(seed)
        return
    if errors or f.raw is None:
        out.refused.append(shown)
        out.problems += errors
        return
    new = dumps(canonicalize(f.data))
    if new == f.raw:
        out.unchanged.append(shown)
        return
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
        return
    out.changed.append(shown)
    if not check:
        atomic_write(path, new)
