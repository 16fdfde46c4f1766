"""Validate a corpus, or some of its files, into a `Report`.

Work is planned per document (its seed and its annotation layers) and done one document at
a time, so memory stays flat and a single changed file never triggers a scan of the corpus.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .checks import check_annotation, check_document
from .document import sha256
from .jsonfile import MAX_BYTES, JSONFile, load
from .layout import ANNOTATOR, DOC_ID, Corpus
from .problems import Problem, Report, problem


@dataclass
class DocPlan:
    """What to check for one document: the seed (reported or only read) and some layers."""

    report_seed: bool = False
    annotators: set[str] = field(default_factory=set)


@dataclass
class Plan:
    docs: dict[str, DocPlan] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def doc(self, doc_id: str) -> DocPlan:
        return self.docs.setdefault(doc_id, DocPlan())


def _entry_problem(corpus: Corpus, path: Path) -> Problem | None:
    """A problem with `path` as a file to read (symlink out, directory), or None."""
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


def _plan_seed(corpus: Corpus, plan: Plan, path: Path, *, with_layers: bool) -> None:
    rel = corpus.rel(path)
    stem = path.name[:-5] if path.name.endswith(".json") else path.name
    if not path.name.endswith(".json"):
        if not path.name.startswith("."):
            plan.problems.append(problem("unexpected-file", rel, "",
                                         "not a .json file; seeds/ holds <doc_id>.json only"))
        return
    if not DOC_ID.match(stem):
        plan.problems.append(problem(
            "invalid-file-name", rel, "",
            f"{path.name!r} is not a valid seed file name: <doc_id>.json with a doc_id of 3-81 "
            "characters from a-z, 0-9 and '-', starting with a letter or digit"))
        return
    err = _entry_problem(corpus, path)
    if err:
        plan.problems.append(err)
        return
    plan.doc(stem).report_seed = True
    if with_layers:
        plan.doc(stem).annotators.update(corpus.annotators(stem))


def _plan_annotation(corpus: Corpus, plan: Plan, doc_id: str, path: Path) -> None:
    rel = corpus.rel(path)
    if not path.name.endswith(".json"):
        if not path.name.startswith("."):
            plan.problems.append(problem("unexpected-file", rel, "",
                                         "not a .json file; annotations/<doc_id>/ holds "
                                         "<annotator>.json only"))
        return
    stem = path.name[:-5]
    if not DOC_ID.match(doc_id) or not ANNOTATOR.match(stem):
        plan.problems.append(problem(
            "invalid-file-name", rel, "",
            "annotation files are annotations/<doc_id>/<annotator>.json with an annotator "
            "pseudonym of 2-40 characters from a-z, 0-9, '_' and '-'"))
        return
    err = _entry_problem(corpus, path)
    if err:
        plan.problems.append(err)
        return
    plan.doc(doc_id).annotators.add(stem)


def _plan_annotation_dir(corpus: Corpus, plan: Plan, d: Path) -> None:
    if d.is_symlink() and not corpus.inside(d):
        plan.problems.append(problem("outside-root", corpus.rel(d), "",
                                     "symlink points outside the corpus"))
        return
    for e in sorted(os.scandir(d), key=lambda e: e.name):
        _plan_annotation(corpus, plan, d.name, Path(e.path))


def plan_all(corpus: Corpus) -> Plan:
    plan = Plan()
    if not corpus.seeds_dir.is_dir():
        plan.problems.append(problem(
            "file-not-found", "seeds", "",
            f"no seeds/ folder in {corpus.root}: is this the corpus root? (use --root DIR)"))
    for e in corpus.iter_seed_entries():
        _plan_seed(corpus, plan, Path(e.path), with_layers=False)
    for e in corpus.iter_annotation_dirs():
        p = Path(e.path)
        if e.name.startswith("."):
            continue
        if not e.is_dir():
            plan.problems.append(problem("unexpected-file", corpus.rel(p), "",
                                         "annotations/ holds one folder per document"))
            continue
        _plan_annotation_dir(corpus, plan, p)
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
        if rel.startswith("../") or rel == ".." or not corpus.inside(path.parent):
            plan.problems.append(problem("outside-root", rel, "",
                                         f"not inside the corpus root {corpus.root}"))
            continue
        if not (path.exists() or path.is_symlink()):
            plan.problems.append(problem("file-not-found", rel, "", "no such file or directory"))
            continue
        parts = rel.split("/") if rel != "." else []
        if not parts and path.is_dir():
            whole = plan_all(corpus)
            plan.problems.extend(whole.problems)
            for doc_id, dp in whole.docs.items():
                plan.doc(doc_id).report_seed |= dp.report_seed
                plan.doc(doc_id).annotators |= dp.annotators
        elif parts[0] == "seeds" and len(parts) == 1 and path.is_dir():
            for e in corpus.iter_seed_entries():
                _plan_seed(corpus, plan, Path(e.path), with_layers=True)
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


def check_doc(
    corpus: Corpus, doc_id: str, dp: DocPlan, max_bytes: int = MAX_BYTES
) -> Iterator[tuple[str, list[Problem]]]:
    """Yield (kind, problems) for the seed (when reported) and each layer of one document."""
    seed_path = corpus.seed_path(doc_id)
    text: str | None = None
    digest: str | None = None
    seed_exists = seed_path.is_file()
    if seed_exists:
        sf = load(seed_path, corpus.rel(seed_path), max_bytes)
        if sf.data is not None and isinstance(sf.data, dict):
            t = sf.data.get("text")
            if isinstance(t, str):
                text, digest = t, sha256(t)
        if dp.report_seed:
            yield "document", _located(sf, check_document(sf.data, sf.path, doc_id)
                                       if sf.data is not None else [])
    for annotator in sorted(dp.annotators):
        ap = corpus.annotation_path(doc_id, annotator)
        af = load(ap, corpus.rel(ap), max_bytes)
        found = []
        if af.data is not None:
            found = check_annotation(af.data, af.path, stem=annotator, folder=doc_id, text=text,
                                     text_sha256=digest, seed_exists=seed_exists)
        yield "annotation", _located(af, found)


def validate(
    root: str | Path | None = None,
    paths: Iterable[str | Path] | None = None,
    *,
    strict: bool = False,
    max_bytes: int = MAX_BYTES,
    progress: bool = False,
) -> Report:
    """Validate the corpus at `root` (or only `paths` and what depends on them)."""
    corpus = Corpus.at(root)
    plan = plan_all(corpus) if paths is None else plan_paths(corpus, paths)
    report = Report(strict=strict)
    report.extend(plan.problems)
    docs = sorted(plan.docs.items())
    if progress:
        from tqdm import tqdm

        docs_iter: Iterable[tuple[str, DocPlan]] = tqdm(
            docs, desc="validating", unit="doc", leave=False, mininterval=0.5)
    else:
        docs_iter = docs
    for doc_id, dp in docs_iter:
        for kind, found in check_doc(corpus, doc_id, dp, max_bytes):
            report.files += 1
            if kind == "document":
                report.documents += 1
            else:
                report.annotations += 1
            report.extend(found)
    return report
