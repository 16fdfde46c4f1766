"""What to check: the documents, seeds and layers a validation (or a build) reads.

Planned from directory listings, by document, without an object per document (a corpus is
large); a single changed file never triggers a scan of the corpus.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..corpus import cache
from ..corpus.layout import PROSE_FILES, Corpus
from ..corpus.naming import ANNOTATOR, DOC_ID
from ..corpus.parallel import gc_paused
from ..problems import Code, Problem, problem
from .schema_errors import ready as schema_ready


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
        return problem(Code.OUTSIDE_ROOT, rel, "",
                       "symlink points outside the corpus; commit the file itself")
    if not path.exists():
        return problem(Code.FILE_NOT_FOUND, rel, "", "no such file")
    if not path.is_file():
        return problem(Code.NOT_A_FILE, rel, "", "expected a JSON file, found a directory or other "
                       "non-file")
    return None


def _plan_seed(corpus: Corpus, plan: Plan, path: Path, *, with_layers: bool,
               entry: os.DirEntry[str] | None = None) -> None:
    name = path.name
    stem = name[:-5] if name.endswith(".json") else name
    if not name.endswith(".json"):
        if not name.startswith("."):
            plan.problems.append(problem(Code.UNEXPECTED_FILE, corpus.rel(path), "",
                                         "not a .json file; seeds/ holds <doc_id>.json only"))
        return
    if not DOC_ID.match(stem):
        plan.problems.append(problem(
            Code.INVALID_FILE_NAME, corpus.rel(path), "",
            f"{path.name!r} is not a valid seed file name: <doc_id>.json with a doc_id of 3-81 "
            "characters from a-z, 0-9 and '-', starting with a letter or digit"))
        return
    err = _entry_problem(corpus, path, entry)
    if err:
        plan.problems.append(err)
        return
    plan.seeds.add(stem)
    folder = corpus.annotations_dir / stem
    if with_layers and (folder.is_dir() or folder.is_symlink()):
        plan_annotation_dir(corpus, plan, folder)  # as a full validation lists it


def _plan_annotation(corpus: Corpus, plan: Plan, doc_id: str, path: Path,
                     entry: os.DirEntry[str] | None = None) -> None:
    if not path.name.endswith(".json"):
        if not path.name.startswith("."):
            plan.problems.append(problem(Code.UNEXPECTED_FILE, corpus.rel(path), "",
                                         "not a .json file; annotations/<doc_id>/ holds "
                                         "<annotator>.json only"))
        return
    stem = path.name[:-5]
    if not DOC_ID.match(doc_id) or not ANNOTATOR.match(stem):
        plan.problems.append(problem(
            Code.INVALID_FILE_NAME, corpus.rel(path), "",
            "annotation files are annotations/<doc_id>/<annotator>.json with an annotator "
            "pseudonym of 2-40 characters from a-z, 0-9, '_' and '-'"))
        return
    err = _entry_problem(corpus, path, entry)
    if err:
        plan.problems.append(err)
        return
    plan.layers_of(doc_id).add(stem)


def plan_annotation_dir(corpus: Corpus, plan: Plan, d: Path | str, *,
                         listed: bool = False) -> None:
    """The layers in one annotations/<doc_id>/ folder. Plain, well-named files are taken
    from the listing alone (this runs once per document); the rest get a closer look.
    `listed`: the folder came from a listing that showed it is no symlink."""
    d = str(d)
    if not listed and os.path.islink(d) and not corpus.inside(Path(d)):
        plan.problems.append(problem(Code.OUTSIDE_ROOT, corpus.rel(Path(d)), "",
                                     "symlink points outside the corpus"))
        return
    doc_id = os.path.basename(d)
    fast = DOC_ID.match(doc_id) is not None
    odd = []
    try:
        with os.scandir(d) as it:
            entries = list(it)
    except OSError as err:
        plan.problems.append(_unlistable(corpus, Path(d), err))
        return
    for e in entries:
        name = e.name
        if (fast and name.endswith(".json") and ANNOTATOR.match(name[:-5])
                and not e.is_symlink() and e.is_file(follow_symlinks=False)):
            plan.layers_of(doc_id).add(name[:-5])
        else:
            odd.append(e)
    for e in sorted(odd, key=lambda e: e.name):
        _plan_annotation(corpus, plan, doc_id, Path(e.path), e)




def plan_all(corpus: Corpus) -> Plan:
    """Every document, from two directory listings; entries that look wrong get a closer look.

    A listing says whether each entry is a plain file or folder without a stat per entry, so
    the common case costs nothing here; a worker lists each document's folder itself.
    """
    plan = Plan()
    missing = corpus.not_a_corpus()
    if missing is not None:
        plan.problems.append(missing)
    # the prose the build reads (the settings: `corpus_problems`), never through a link out
    plan.problems += filter(None, map(corpus.leads_out, PROSE_FILES))
    _plan_seeds(corpus, plan)
    _plan_annotations(corpus, plan)
    return plan


def _plan_seeds(corpus: Corpus, plan: Plan) -> None:
    """Every seed in seeds/, from its listing."""
    entries = _listing(corpus, plan, corpus.seeds_dir)
    good = {e.name for e in entries if e.is_file(follow_symlinks=False)
            and e.name.endswith(".json") and DOC_ID.match(e.name[:-5])}
    plan.seeds |= {name[:-5] for name in good}
    for e in sorted((e for e in entries if e.name not in good), key=lambda e: e.name):
        _plan_seed(corpus, plan, Path(e.path), with_layers=False, entry=e)


def _plan_annotations(corpus: Corpus, plan: Plan, only: set[str] | None = None) -> None:
    """Every document's folder in annotations/, from its listing (workers list each folder);
    with `only`, just those documents' folders, and nothing else is looked at."""
    entries = _listing(corpus, plan, corpus.annotations_dir)
    folders = set(filter(DOC_ID.match, [e.name for e in entries
                                        if e.is_dir(follow_symlinks=False)]))
    if only is not None:
        plan.folders |= folders & only
        return
    plan.folders |= folders
    for e in sorted((e for e in entries if e.name not in folders), key=lambda e: e.name):
        _plan_folder(corpus, plan, Path(e.path))


def _unlistable(corpus: Corpus, folder: Path, e: OSError) -> Problem:
    return problem(Code.IO_ERROR, corpus.rel(folder), "",
                   f"cannot list this folder ({e.strerror}); its files were not checked: give "
                   "the reader permission to read it")


def _listing(corpus: Corpus, plan: Plan, folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as e:
        plan.problems.append(_unlistable(corpus, folder, e))
        return []


def _plan_folder(corpus: Corpus, plan: Plan, p: Path) -> None:
    """An entry of annotations/ that is not simply a document's folder."""
    if p.name.startswith("."):
        return
    if not p.is_dir():
        plan.problems.append(problem(Code.UNEXPECTED_FILE, corpus.rel(p), "",
                                     "annotations/ holds one folder per document"))
        return
    plan_annotation_dir(corpus, plan, p)


def plan_layers(corpus: Corpus) -> Plan:
    """Every annotation layer of the corpus, each document's folder listed now (what `fmt`
    rewrites when given no paths), and the entries that are none."""
    plan = Plan()
    _plan_annotations(corpus, plan)
    for doc_id in sorted(plan.folders):
        plan_annotation_dir(corpus, plan, corpus.annotations_dir / doc_id, listed=True)
    plan.folders = set()
    return plan


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
            plan.problems.append(problem(Code.OUTSIDE_ROOT, rel, "",
                                         f"not inside the corpus root {corpus.root}"))
            continue
        if not (path.exists() or path.is_symlink()):
            plan.problems.append(problem(Code.FILE_NOT_FOUND, rel, "", "no such file or directory"))
            continue
        parts = rel.split("/") if rel != "." else []
        if not parts and path.is_dir():
            plan.merge(plan_all(corpus))
        elif parts[0] == "seeds" and len(parts) == 1 and path.is_dir():
            seeds = Plan()
            _plan_seeds(corpus, seeds)
            _plan_annotations(corpus, seeds, only=seeds.seeds)  # each seed brings its layers
            plan.merge(seeds)
        elif parts[0] == "seeds" and len(parts) == 2:
            _plan_seed(corpus, plan, path, with_layers=True)
        elif parts[0] == "annotations" and len(parts) == 1 and path.is_dir():
            _plan_annotations(corpus, plan)
        elif parts[0] == "annotations" and len(parts) == 2 and path.is_dir():
            plan_annotation_dir(corpus, plan, path)
        elif parts[0] == "annotations" and len(parts) == 3:
            _plan_annotation(corpus, plan, parts[1], path)
        else:
            plan.problems.append(problem(Code.UNEXPECTED_FILE, rel, "",
                                         "not a corpus file (seeds/*.json or "
                                         "annotations/<doc_id>/*.json); ignored"))
    return plan


def plan_for(corpus: Corpus, paths: Iterable[str | Path] | None) -> tuple[Plan, list[Work]]:
    """The plan, and its work in document order."""
    with gc_paused():
        plan = plan_all(corpus) if paths is None else plan_paths(corpus, paths)
        work = plan.work()
    schema_ready()  # compile before worker processes fork, so each does not compile again
    cache.ready()
    return plan, work


