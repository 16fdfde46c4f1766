"""Validate a corpus, or some of its files, into a `Report`.

Work is planned per document (its seed and its annotation layers) and done one document at
a time, so memory stays flat and a single changed file never triggers a scan of the corpus.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .checks import check_annotation, check_document
from .document import sha256
from .jsonfile import MAX_BYTES, JSONFile, load, load_if_exists
from .layout import ANNOTATOR, DOC_ID, Corpus
from .parallel import gc_paused, map_chunks
from .problems import Level, Problem, Report, problem
from .schema import ready as schema_ready


@dataclass(slots=True)
class DocPlan:
    """What a worker checks for one document: the seed (reported or only read) and some
    layers."""

    report_seed: bool = False
    annotators: set[str] = field(default_factory=set)
    scan_folder: bool = False  # list annotations/<doc_id>/ in the worker, not while planning


@dataclass
class Plan:
    """What to check, by document id, without an object per document (a corpus is large)."""

    problems: list[Problem] = field(default_factory=list)
    seeds: set[str] = field(default_factory=set)  # seeds to check and report
    folders: set[str] = field(default_factory=set)  # annotations/<doc_id>/ for workers to list
    layers: dict[str, set[str]] = field(default_factory=dict)  # layers named while planning

    def layers_of(self, doc_id: str) -> set[str]:
        return self.layers.setdefault(doc_id, set())

    def merge(self, other: Plan) -> None:
        self.problems += other.problems
        self.seeds |= other.seeds
        self.folders |= other.folders
        for doc_id, annotators in other.layers.items():
            self.layers_of(doc_id).update(annotators)

    def work(self) -> list[Work]:
        """The documents in id order, packed small: they are pickled to worker processes."""
        seeds, folders, layers = self.seeds, self.folders, self.layers
        return [(d, (d in seeds) | (d in folders) << 1, tuple(sorted(layers.get(d, ()))))
                for d in sorted(seeds | folders | layers.keys())]


Work = tuple[str, int, tuple[str, ...]]  # doc_id, flags (report seed 1, scan folder 2), layers


def unpack(w: Work) -> tuple[str, DocPlan]:
    doc_id, flags, annotators = w
    return doc_id, DocPlan(bool(flags & 1), set(annotators), bool(flags & 2))


def _entry_problem(corpus: Corpus, path: Path,
                   entry: os.DirEntry[str] | None = None) -> Problem | None:
    """A problem with `path` as a file to read (symlink out, directory), or None."""
    if entry is not None and not entry.is_symlink() and entry.is_file(follow_symlinks=False):
        return None  # the common case, answered from the directory listing without a stat
    rel = corpus.rel(path)
    if path.is_symlink() and not corpus.inside(path):
        return problem("outside-root", rel, "",
                       "symlink points outside the corpus; commit the file itself")
    if not path.exists():
        return problem("file-not-found", rel, "", "no such file")
    if not path.is_file():
        return problem("not-a-file", rel, "", "expected a JSON file, found a directory or other "
                       "non-file")
    return None


def _plan_seed(corpus: Corpus, plan: Plan, path: Path, *, with_layers: bool,
               entry: os.DirEntry[str] | None = None) -> None:
    name = path.name
    stem = name[:-5] if name.endswith(".json") else name
    if not name.endswith(".json"):
        if not name.startswith("."):
            plan.problems.append(problem("unexpected-file", corpus.rel(path), "",
                                         "not a .json file; seeds/ holds <doc_id>.json only"))
        return
    if not DOC_ID.match(stem):
        plan.problems.append(problem(
            "invalid-file-name", corpus.rel(path), "",
            f"{path.name!r} is not a valid seed file name: <doc_id>.json with a doc_id of 3-81 "
            "characters from a-z, 0-9 and '-', starting with a letter or digit"))
        return
    err = _entry_problem(corpus, path, entry)
    if err:
        plan.problems.append(err)
        return
    plan.seeds.add(stem)
    if with_layers:
        plan.layers_of(stem).update(corpus.annotators(stem))


def _plan_annotation(corpus: Corpus, plan: Plan, doc_id: str, path: Path,
                     entry: os.DirEntry[str] | None = None) -> None:
    if not path.name.endswith(".json"):
        if not path.name.startswith("."):
            plan.problems.append(problem("unexpected-file", corpus.rel(path), "",
                                         "not a .json file; annotations/<doc_id>/ holds "
                                         "<annotator>.json only"))
        return
    stem = path.name[:-5]
    if not DOC_ID.match(doc_id) or not ANNOTATOR.match(stem):
        plan.problems.append(problem(
            "invalid-file-name", corpus.rel(path), "",
            "annotation files are annotations/<doc_id>/<annotator>.json with an annotator "
            "pseudonym of 2-40 characters from a-z, 0-9, '_' and '-'"))
        return
    err = _entry_problem(corpus, path, entry)
    if err:
        plan.problems.append(err)
        return
    plan.layers_of(doc_id).add(stem)


def _plan_annotation_dir(corpus: Corpus, plan: Plan, d: Path | str, *,
                         listed: bool = False) -> None:
    """The layers in one annotations/<doc_id>/ folder. Plain, well-named files are taken
    from the listing alone (this runs once per document); the rest get a closer look.
    `listed`: the folder came from a listing that showed it is no symlink."""
    d = str(d)
    if not listed and os.path.islink(d) and not corpus.inside(Path(d)):
        plan.problems.append(problem("outside-root", corpus.rel(Path(d)), "",
                                     "symlink points outside the corpus"))
        return
    doc_id = os.path.basename(d)
    fast = DOC_ID.match(doc_id) is not None
    odd = []
    with os.scandir(d) as entries:
        for e in entries:
            name = e.name
            if (fast and name.endswith(".json") and ANNOTATOR.match(name[:-5])
                    and not e.is_symlink() and e.is_file(follow_symlinks=False)):
                plan.layers_of(doc_id).add(name[:-5])
            else:
                odd.append(e)
    for e in sorted(odd, key=lambda e: e.name):
        _plan_annotation(corpus, plan, doc_id, Path(e.path), e)


_SEED_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{2,80}\.json$")


def plan_all(corpus: Corpus) -> Plan:
    """Every document, from two directory listings; entries that look wrong get a closer look.

    A listing says whether each entry is a plain file or folder without a stat per entry, so
    the common case costs nothing here; a worker lists each document's folder itself.
    """
    plan = Plan()
    if not corpus.seeds_dir.is_dir():
        plan.problems.append(problem(
            "file-not-found", "seeds", "",
            f"no seeds/ folder in {corpus.root}: is this the corpus root? (use --root DIR)"))
    entries = _listing(corpus.seeds_dir)
    good = set(filter(_SEED_NAME.match, [e.name for e in entries
                                         if e.is_file(follow_symlinks=False)]))
    plan.seeds = {name[:-5] for name in good}
    for e in sorted((e for e in entries if e.name not in good), key=lambda e: e.name):
        _plan_seed(corpus, plan, Path(e.path), with_layers=False, entry=e)
    entries = _listing(corpus.annotations_dir)
    plan.folders = set(filter(DOC_ID.match, [e.name for e in entries
                                             if e.is_dir(follow_symlinks=False)]))
    for e in sorted((e for e in entries if e.name not in plan.folders), key=lambda e: e.name):
        _plan_folder(corpus, plan, Path(e.path))
    return plan


def _listing(folder: Path) -> list[os.DirEntry[str]]:
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        return list(entries)


def _plan_folder(corpus: Corpus, plan: Plan, p: Path) -> None:
    """An entry of annotations/ that is not simply a document's folder."""
    if p.name.startswith("."):
        return
    if not p.is_dir():
        plan.problems.append(problem("unexpected-file", corpus.rel(p), "",
                                     "annotations/ holds one folder per document"))
        return
    _plan_annotation_dir(corpus, plan, p)


def plan_paths(corpus: Corpus, paths: Iterable[str | Path]) -> Plan:
    """Plan for explicit paths (as pre-commit passes them), plus what depends on them.

    A seed brings every annotation of its document; an annotation brings its seed (read,
    not reported, unless it was given too).
    """
    plan = Plan()
    for raw in paths:
        path = Path(os.path.normpath(Path(raw).absolute()))
        rel = corpus.rel(path)
        if rel.startswith("../") or rel == ".." or (rel != "." and
                                                     not corpus.inside(path.parent)):
            plan.problems.append(problem("outside-root", rel, "",
                                         f"not inside the corpus root {corpus.root}"))
            continue
        if not (path.exists() or path.is_symlink()):
            plan.problems.append(problem("file-not-found", rel, "", "no such file or directory"))
            continue
        parts = rel.split("/") if rel != "." else []
        if not parts and path.is_dir():
            plan.merge(plan_all(corpus))
        elif parts[0] == "seeds" and len(parts) == 1 and path.is_dir():
            for e in corpus.iter_seed_entries():
                _plan_seed(corpus, plan, Path(e.path), with_layers=True, entry=e)
        elif parts[0] == "seeds" and len(parts) == 2:
            _plan_seed(corpus, plan, path, with_layers=True)
        elif parts[0] == "annotations" and len(parts) == 1 and path.is_dir():
            for e in corpus.iter_annotation_dirs():
                if e.is_dir():
                    _plan_annotation_dir(corpus, plan, Path(e.path))
        elif parts[0] == "annotations" and len(parts) == 2 and path.is_dir():
            _plan_annotation_dir(corpus, plan, path)
        elif parts[0] == "annotations" and len(parts) == 3:
            _plan_annotation(corpus, plan, parts[1], path)
        else:
            plan.problems.append(problem("unexpected-file", rel, "",
                                         "not a corpus file (seeds/*.json or "
                                         "annotations/<doc_id>/*.json); ignored"))
    return plan


def _located(f: JSONFile, problems: list[Problem]) -> list[Problem]:
    return f.locate(f.problems + problems) if problems or f.problems else []


@dataclass
class DocResult:
    """What checking one document found, and what a build needs from the same reading."""

    doc_id: str
    found: list[tuple[str, list[Problem]]] = field(default_factory=list)  # (kind, problems)
    hashes: dict[str, str] = field(default_factory=dict)  # path -> sha256 of the bytes read
    seed: Any = None
    layers: dict[str, Any] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(p.level is Level.ERROR for _, found in self.found for p in found)


def check_doc(corpus: Corpus, doc_id: str, dp: DocPlan, max_bytes: int = MAX_BYTES, *,
              keep: bool = False) -> DocResult:
    """Check the seed (when reported) and each planned layer of one document.

    With `keep`, the parsed data and the hashes of the bytes read come back too, so a
    build reads every file exactly once.
    """
    res = DocResult(doc_id)
    base = corpus.base  # plain strings: pathlib costs more than the reads on this path
    if dp.scan_folder:
        sub = Plan()
        _plan_annotation_dir(corpus, sub, f"{base}/annotations/{doc_id}", listed=True)
        dp = DocPlan(dp.report_seed, dp.annotators | sub.layers.get(doc_id, set()))
        if sub.problems:
            res.found.append(("plan", sub.problems))
    rel = f"seeds/{doc_id}.json"
    sf = load_if_exists(f"{base}/{rel}", rel, max_bytes)
    seed_exists = sf is not None
    text: str | None = None
    digest: str | None = None
    if sf is not None:
        if sf.data is not None and isinstance(sf.data, dict):
            t = sf.data.get("text")
            if isinstance(t, str):
                text, digest = t, sha256(t)
        if dp.report_seed:
            found = (check_document(sf.data, sf.path, doc_id, digest)
                     if sf.data is not None else [])
            res.found.append(("document", _located(sf, found)))
        if keep and sf.raw is not None:
            res.seed = sf.data
            res.hashes[rel] = hashlib.sha256(sf.raw).hexdigest()
    for annotator in sorted(dp.annotators):
        ap = f"{base}/annotations/{doc_id}/{annotator}.json"
        rel = f"annotations/{doc_id}/{annotator}.json"
        af = load(ap, rel, max_bytes)
        found = []
        if af.data is not None:
            found = check_annotation(af.data, af.path, stem=annotator, folder=doc_id, text=text,
                                     text_sha256=digest, seed_exists=seed_exists)
        res.found.append(("annotation", _located(af, found)))
        if keep and af.raw is not None:
            res.layers[annotator] = af.data
            res.hashes[rel] = hashlib.sha256(af.raw).hexdigest()
    return res


def plan_for(corpus: Corpus, paths: Iterable[str | Path] | None) -> tuple[Plan, list[Work]]:
    """The plan, and its work in document order."""
    with gc_paused():
        plan = plan_all(corpus) if paths is None else plan_paths(corpus, paths)
        work = plan.work()
    schema_ready()  # compile before worker processes fork, so each does not compile again
    return plan, work


@dataclass
class Checked:
    """What a chunk of documents adds to a report: counts and problems (small to send back)."""

    documents: int = 0
    annotations: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add(self, res: DocResult) -> None:
        for kind, found in res.found:
            if kind == "document":
                self.documents += 1
            elif kind == "annotation":
                self.annotations += 1
            self.problems += found

    def into(self, report: Report) -> None:
        report.documents += self.documents
        report.annotations += self.annotations
        report.files += self.documents + self.annotations
        report.extend(self.problems)


def check_chunk(corpus: Corpus, max_bytes: int, part: Sequence[Work]) -> Checked:
    """Check a chunk of documents (the cyclic GC rests: parsed JSON makes no cycles)."""
    out = Checked()
    with gc_paused():
        for w in part:
            out.add(check_doc(corpus, *unpack(w), max_bytes))
    return out


def validate(
    root: str | Path | None = None,
    paths: Iterable[str | Path] | None = None,
    *,
    strict: bool = False,
    max_bytes: int = MAX_BYTES,
    progress: bool = False,
    jobs: int | None = None,
) -> Report:
    """Validate the corpus at `root` (or only `paths` and what depends on them).

    `jobs` processes share the work (default: every core for large corpora, one otherwise).
    """
    corpus = Corpus.at(root)
    plan, work = plan_for(corpus, paths)
    report = Report(strict=strict)
    report.extend(plan.problems)
    for checked in map_chunks(partial(check_chunk, corpus, max_bytes), work, jobs=jobs,
                              progress="validating" if progress else None):
        checked.into(report)
    return report
