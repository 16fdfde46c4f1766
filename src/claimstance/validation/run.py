"""Validate a corpus, or some of its files, into a `Report`.

Work is done one document at a time (its seed and its annotation layers), in fixed-size
chunks over every core, so memory stays flat.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..corpus.document import sha256
from ..corpus.layout import Corpus
from ..corpus.parallel import gc_paused, map_chunks
from ..problems import Level, Problem, Refused, Report, sort_key
from .neardup import corpus_problems
from .plan import DocPlan, Plan, Work, plan_annotation_dir, plan_for, unpack
from .reader import MAX_BYTES, JSONFile, load, load_if_exists
from .rules import check_annotation, check_document


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
        plan_annotation_dir(corpus, sub, f"{base}/annotations/{doc_id}", listed=True)
        dp = DocPlan(dp.report_seed, dp.annotators | sub.layers.get(doc_id, set()))
        if sub.problems:
            res.found.append(("plan", sub.problems))
    rel = f"seeds/{doc_id}.json"
    sf = load_if_exists(f"{base}/{rel}", rel, max_bytes)
    seed_exists = sf is not None
    text: str | None = None
    digest: str | None = None
    if sf is not None:
        if isinstance(sf.data, dict):
            t = sf.data.get("text")
            if isinstance(t, str):
                text, digest = t, sha256(t)
        if dp.report_seed:
            found = (check_document(sf.data, sf.path, doc_id, digest)
                     if sf.parsed else [])
            res.found.append(("document", _located(sf, found)))
        if keep and sf.raw is not None:
            res.seed = sf.data
            res.hashes[rel] = hashlib.sha256(sf.raw).hexdigest()
    for annotator in sorted(dp.annotators):
        ap = f"{base}/annotations/{doc_id}/{annotator}.json"
        rel = f"annotations/{doc_id}/{annotator}.json"
        af = load(ap, rel, max_bytes)
        found = []
        if af.parsed:
            found = check_annotation(af.data, af.path, stem=annotator, folder=doc_id, text=text,
                                     text_sha256=digest, seed_exists=seed_exists)
        res.found.append(("annotation", _located(af, found)))
        if keep and af.raw is not None:
            res.layers[annotator] = af.data
            res.hashes[rel] = hashlib.sha256(af.raw).hexdigest()
    return res


@dataclass
class Checked:
    """What a chunk of documents adds to a report: counts and problems (small to send back)."""

    documents: int = 0
    annotations: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add(self, res: DocResult) -> None:
        found: list[Problem] = []
        for kind, problems in res.found:
            if kind == "document":
                self.documents += 1
            elif kind == "annotation":
                self.annotations += 1
            found += problems
        self.problems += sorted(found, key=sort_key)

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


@dataclass
class Validation:
    """Problems as they are found, document by document (each document's sorted), so a
    large report streams; `report` holds the counts, complete once they have all been read."""

    report: Report
    problems: Iterator[Problem]

    def __iter__(self) -> Iterator[Problem]:
        return self.problems


def stream(
    root: str | Path | None = None,
    paths: Iterable[str | Path] | None = None,
    *,
    strict: bool = False,
    max_bytes: int = MAX_BYTES,
    progress: bool = False,
    jobs: int | None = None,
    keep: bool = False,
) -> Validation:
    """Validate the corpus at `root` (or only `paths` and what depends on them), yielding
    problems as chunks of documents finish. `jobs` processes share the work (default: every
    core for large corpora, one otherwise)."""
    corpus = Corpus.at(root)
    plan, work = plan_for(corpus, paths)
    report = Report(strict=strict, keep=keep)

    def problems() -> Iterator[Problem]:
        first = sorted(plan.problems, key=sort_key)
        report.extend(first)
        yield from first
        for checked in map_chunks(partial(check_chunk, corpus, max_bytes), work, jobs=jobs,
                                  progress="validating" if progress else None):
            checked.into(report)
            yield from checked.problems
        seeds = None if paths is None else [w[0] for w in work if unpack(w)[1].report_seed]
        across = corpus_problems(corpus, seeds, progress=progress, jobs=jobs)
        report.extend(across)
        yield from across

    return Validation(report, problems())


def validate(
    root: str | Path | None = None,
    paths: Iterable[str | Path] | None = None,
    *,
    strict: bool = False,
    max_bytes: int = MAX_BYTES,
    progress: bool = False,
    jobs: int | None = None,
) -> Report:
    """Validate the corpus at `root` (or only `paths`) into a report holding every problem."""
    run = stream(root, paths, strict=strict, max_bytes=max_bytes, progress=progress, jobs=jobs,
                 keep=True)
    for _ in run:
        pass
    return run.report


def require_valid(root: str | Path | None, paths: Iterable[str | Path] | None, why: str, *,
                  progress: bool = False, jobs: int | None = None) -> None:
    """Refuse, with the validator's coded problems, to work on files that are not valid."""
    report = validate(root, paths, progress=progress, jobs=jobs)
    if not report.valid:
        raise Refused(why, report.problems, report)
