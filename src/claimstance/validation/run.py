"""Validate a corpus, or some of its files, into a `Report`.

Work is done one document at a time (its seed and its annotation layers), in fixed-size
chunks over every core, so memory stays flat. A document's problems are kept in the
content-addressed cache (`corpus/cache.py`), keyed by the bytes of its seed and of every
layer read, the options that change them and the code: a document whose files, schema
and code are unchanged since it was last checked costs one read of its files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from ..corpus import cache
from ..corpus.document import sha256
from ..corpus.layout import Corpus
from ..corpus.parallel import gc_paused, map_chunks
from ..problems import Code, Level, Problem, Refused, Report, sort_key
from .neardup import corpus_problems
from .plan import DocPlan, Plan, Work, plan_annotation_dir, plan_for, unpack
from .reader import MAX_BYTES, JSONFile, NotAFile, parse, read_bytes
from .rules import check_annotation, check_document


def _located(f: JSONFile, problems: list[Problem]) -> list[Problem]:
    return f.locate(f.problems + problems) if problems or f.problems else []


Read = bytes | int | OSError  # the bytes, the size of a file too large, or why not


@dataclass
class DocResult:
    """What checking one document found, and what a build needs from the same reading:
    the bytes of each file read and their digests (`read`), parsed only when asked."""

    doc_id: str
    found: list[tuple[str, list[Problem]]] = field(default_factory=list)  # (kind, problems)
    files: dict[str, Read] = field(default_factory=dict)  # path -> what reading it gave
    read: cache.Inputs | None = None  # digests of the files, when every one could be read
    report_seed: bool = False
    annotators: list[str] = field(default_factory=list)
    _parsed: dict[str, Any] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(p.level is Level.ERROR for _, found in self.found for p in found)

    @property
    def seed_path(self) -> str:
        return f"seeds/{self.doc_id}.json"

    def layer_path(self, annotator: str) -> str:
        return f"annotations/{self.doc_id}/{annotator}.json"

    @property
    def hashes(self) -> dict[str, str]:
        """path -> sha256 of the bytes of each file read."""
        read = self.read or cache.inputs({k: v for k, v in self.files.items()
                                          if isinstance(v, bytes)})
        return {k: v for k, v in read.digests if v != cache.ABSENT}

    def inputs(self) -> cache.Inputs | None:
        """The digests of the files read, when every one could be read (a seed that is not
        there counts: its layers say so); None otherwise (nothing to key by)."""
        seed = self.files[self.seed_path]
        files = {rel: raw for rel, raw in self.files.items() if isinstance(raw, bytes)}
        if len(files) + isinstance(seed, FileNotFoundError) < len(self.files):
            return None
        return cache.inputs(files | {self.seed_path: seed} if _no_seed(seed) else files)

    def data(self, rel: str) -> Any:
        """The parsed content of a file read (None when it was not JSON)."""
        if rel not in self._parsed:
            raw = self.files.get(rel)
            try:
                self._parsed[rel] = orjson.loads(raw) if isinstance(raw, bytes) else None
            except orjson.JSONDecodeError:
                self._parsed[rel] = None
        return self._parsed[rel]

    @property
    def seed(self) -> Any:
        return self.data(self.seed_path)

    @property
    def layers(self) -> dict[str, Any]:
        """annotator -> parsed layer, of the layers that are JSON."""
        out = {}
        for a in self.annotators:
            raw = self.files.get(self.layer_path(a))
            if isinstance(raw, bytes):
                out[a] = self.data(self.layer_path(a))
        return out


def _read(path: str, max_bytes: int) -> Read:
    try:
        return read_bytes(path, max_bytes)
    except OSError as e:
        return e


def _no_seed(raw: Read) -> bool:
    """Nothing to read where the seed should be (its layers then say so)."""
    return isinstance(raw, FileNotFoundError | NotAFile | NotADirectoryError)


def read_doc(corpus: Corpus, doc_id: str, dp: DocPlan, max_bytes: int = MAX_BYTES,
             ) -> DocResult:
    """Read the seed and each planned layer of one document (listing its folder first when
    the plan says so), without parsing them."""
    res = DocResult(doc_id, report_seed=dp.report_seed)
    base = corpus.base  # plain strings: pathlib costs more than the reads on this path
    if dp.scan_folder:
        sub = Plan()
        plan_annotation_dir(corpus, sub, f"{base}/annotations/{doc_id}", listed=True)
        dp = DocPlan(dp.report_seed, dp.annotators | sub.layers.get(doc_id, set()))
        if sub.problems:
            res.found.append(("plan", sub.problems))
    res.files[res.seed_path] = _read(f"{base}/{res.seed_path}", max_bytes)
    res.annotators = sorted(dp.annotators)
    for a in res.annotators:
        res.files[res.layer_path(a)] = _read(f"{base}/{res.layer_path(a)}", max_bytes)
    return res


def check_read(res: DocResult, max_bytes: int = MAX_BYTES) -> list[tuple[str, list[Problem]]]:
    """Check the seed (when reported) and each layer of a document already read."""
    found: list[tuple[str, list[Problem]]] = []
    rel = res.seed_path
    raw = res.files[rel]
    text: str | None = None
    digest: str | None = None
    if not _no_seed(raw):
        sf = parse(raw, rel, max_bytes)
        res._parsed[rel] = sf.data
        if isinstance(sf.data, dict):
            t = sf.data.get("text")
            if isinstance(t, str):
                text, digest = t, sha256(t)
        if res.report_seed:
            problems = (check_document(sf.data, sf.path, res.doc_id, digest)
                        if sf.parsed else [])
            found.append(("document", _located(sf, problems)))
    seed_exists = not _no_seed(raw)
    for annotator in res.annotators:
        rel = res.layer_path(annotator)
        af = parse(res.files[rel], rel, max_bytes)
        res._parsed[rel] = af.data
        problems = []
        if af.parsed:
            problems = check_annotation(af.data, af.path, stem=annotator, folder=res.doc_id,
                                        text=text, text_sha256=digest,
                                        seed_exists=seed_exists)
        found.append(("annotation", _located(af, problems)))
    return found


#: What cached problems are made of (the unpickler builds nothing else).
_PROBLEM_TYPES = (Problem, Code)


def check_docs(corpus: Corpus, part: Sequence[Work], max_bytes: int = MAX_BYTES, *,
               keep: bool = False) -> list[DocResult]:
    """Check a chunk of documents, asking the cache first: one batched lookup, and one
    batched write of what had to be computed. With `keep`, each result keeps the bytes
    read (a build parses what it needs from them); otherwise only the problems."""
    results = [read_doc(corpus, *unpack(w), max_bytes) for w in part]
    keys: list[bytes | None] = [None] * len(results)
    if cache.enabled():
        for i, res in enumerate(results):
            res.read = res.inputs()
            if res.read is not None:
                keys[i] = cache.key(__name__, "validate", res.read, max_bytes, res.report_seed)
    wanted = [k for k in keys if k is not None]
    known = dict(zip(wanted, cache.fetch(wanted, _PROBLEM_TYPES), strict=True))
    new: list[tuple[bytes, Any]] = []
    for res, k in zip(results, keys, strict=True):
        found = known.get(k) if k is not None else None
        if found is None:
            found = check_read(res, max_bytes)
            if k is not None:
                new.append((k, found))
        res.found += found
        if not keep:
            res.files, res._parsed = {}, {}
    cache.store(new)
    return results


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
        for res in check_docs(corpus, part, max_bytes):
            out.add(res)
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
    use_cache: bool = True,
) -> Validation:
    """Validate the corpus at `root` (or only `paths` and what depends on them), yielding
    problems as chunks of documents finish. `jobs` processes share the work (default: every
    core for large corpora, one otherwise); `use_cache`: take unchanged documents' problems
    from the cache (and keep new ones there)."""
    corpus = Corpus.at(root)
    with cache.disabled(not use_cache):
        plan, work = plan_for(corpus, paths)
    report = Report(strict=strict, keep=keep)

    def problems() -> Iterator[Problem]:
        first = sorted(plan.problems, key=sort_key)
        report.extend(first)
        yield from first
        with cache.disabled(not use_cache):
            for checked in map_chunks(partial(check_chunk, corpus, max_bytes), work,
                                      jobs=jobs, progress="validating" if progress else None):
                checked.into(report)
                yield from checked.problems
        # across documents: never under one document's key (corpus/cache.py)
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
    use_cache: bool = True,
) -> Report:
    """Validate the corpus at `root` (or only `paths`) into a report holding every problem."""
    run = stream(root, paths, strict=strict, max_bytes=max_bytes, progress=progress, jobs=jobs,
                 keep=True, use_cache=use_cache)
    for _ in run:
        pass
    return run.report


def require_valid(root: str | Path | None, paths: Iterable[str | Path] | None, why: str, *,
                  progress: bool = False, jobs: int | None = None) -> None:
    """Refuse, with the validator's coded problems, to work on files that are not valid."""
    report = validate(root, paths, progress=progress, jobs=jobs)
    if not report.valid:
        raise Refused(why, report.problems, report)
