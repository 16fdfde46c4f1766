"""Ingest many articles at once: all or nothing, every bad row named by its line.

Rows are read and checked first (text, id, date, license, the seed's own rules), then,
under the corpus's write lock, against each other and the corpus: an id used twice, an id
whose seed holds another article, a text already there (the same sha256 after
normalisation). Any problem, and nothing is written (`skip_bad`: the good rows are). Near-
duplicates of the corpus or of each other are warnings: they are ingested, and the splits
keep them together. A row whose seed already holds the same article is left as it is, so a
re-run changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..corpus.config import config
from ..corpus.layout import Corpus
from ..corpus.lock import corpus_lock
from ..corpus.naming import seed_name
from ..corpus.neardup import SHINGLE, refresh, sketch_texts
from ..corpus.neardup.index import store_path
from ..corpus.writing import dumps, finish_together, io_refused, write_together
from ..problems import Code, Level, Problem, Refused, problem, refuse, sort_key
from ..validation.reader import MAX_BYTES
from .provenance import Origin, read_ledger, record
from .rows import Article, to_article
from .sources import Row, open_source


@dataclass
class IngestResult:
    """What an ingest did: documents written and left as they were, rows refused (errors)
    and near-duplicates found (warnings), each at its row."""

    shown: str
    rows: int = 0
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # input columns that are no field
    skip_bad: bool = False

    @property
    def skipped(self) -> int:
        return len({(p.path, p.line) for p in self.problems if p.level is Level.ERROR})

    @property
    def ok(self) -> bool:
        return self.skip_bad or not any(p.level is Level.ERROR for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "input": self.shown, "rows": self.rows,
                "written": self.written, "unchanged": self.unchanged,
                "skipped": self.skipped, "ignored_columns": self.ignored,
                "problems": [p.to_dict() for p in sorted(self.problems, key=sort_key)]}

    def text(self) -> str:
        from ..validation.formatters import format_problem

        lines = [format_problem(p) for p in sorted(self.problems, key=sort_key)]
        near = sum(p.code is Code.NEAR_DUPLICATE for p in self.problems)
        lines.append(f"{self.shown}: {self.rows} article(s): {len(self.written)} written, "
                     f"{len(self.unchanged)} unchanged, {self.skipped} skipped; "
                     f"{near} near-duplicate(s), kept in one split with their originals")
        if self.ignored:
            lines.append(f"ignored column(s), no such field (see --map): "
                         f"{', '.join(self.ignored)}")
        return "\n".join(lines)


def _same(old_path: Path, doc: dict[str, Any]) -> bool | None:
    """Whether the seed there holds this article (its `added` date aside); None: no seed."""
    try:
        old = orjson.loads(old_path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError):
        return False
    return isinstance(old, dict) and {**old, "added": doc["added"]} == doc


def ingest_rows(root: str | Path | None, rows: Iterable[Row], shown: str, *, added: str,
                force: bool = False, skip_bad: bool = False, progress: bool = False,
                jobs: int | None = None, ignored: Iterable[str] = ()) -> IngestResult:
    """Check every row, then write the seeds of the good ones (all, or with `skip_bad` the
    good ones; otherwise `Refused` with every problem, and nothing written)."""
    corpus = Corpus.at(root)
    threshold = config(corpus.root).near_threshold
    result = IngestResult(shown, skip_bad=skip_bad)
    articles: list[tuple[Article, bytes]] = []
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(desc="reading", unit="article", leave=False, mininterval=0.5)
    for row in rows:
        result.rows += 1
        art, found = to_article(row, added)
        if art is not None:
            data = dumps(art.doc)
            if len(data) > MAX_BYTES:
                found = [row.problem(Code.FILE_TOO_LARGE, "text", f"the seed would be "
                                     f"{len(data):,} bytes; a seed may hold {MAX_BYTES:,}: "
                                     "split the article")]
            else:
                articles.append((art, data))
        result.problems += found
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    result.ignored = sorted(ignored)
    if not result.rows:
        raise refuse(Code.INGEST_NOTHING, shown, f"{shown} holds no article (an empty file, "
                     "a CSV with its header only, a folder without .txt files); no article "
                     "written")
    with corpus_lock(corpus.root, "ingest"):
        finish_together(corpus.seeds_dir)  # what a killed ingest left, before comparing
        index = refresh(corpus, threshold, trust_stat=True, progress=progress, jobs=jobs)
        todo, kept = _against_corpus(corpus, index, articles, force, result)
        errors = sorted((p for p in result.problems if p.level is Level.ERROR), key=sort_key)
        if not result.ok:
            raise Refused(f"{result.skipped} of {result.rows} article(s) have problems; "
                          "nothing was written (--skip-bad writes the others)", errors)
        if not todo and not kept:  # --skip-bad, and every article is bad
            raise Refused(f"all {result.rows} article(s) have problems; no article written",
                          [*errors, problem(Code.INGEST_NOTHING, shown, "",
                                            f"all {result.rows} article(s) have problems "
                                            "(--skip-bad): no article written")])
        texts = [a.doc["text"] for a, _ in todo]
        sizes, sigs = sketch_texts(texts, jobs=jobs,
                                   progress="sketching" if progress and len(texts) > 1000
                                   else None)
        pairs = index.against(corpus.base, texts, sizes, sigs)
        _near_duplicates(index.ids, [a for a, _ in todo], pairs, threshold, result)
        write_together(corpus.seeds_dir, [(f"{a.doc['id']}.json", data) for a, data in todo],
                       "ingest")
        try:  # and the seeds left as they were that have no record (a killed run wrote them)
            recorded = read_ledger(corpus) if kept else {}
            record(corpus, [_origin(a) for a, _ in todo] +
                   [_origin(a) for a in kept if a.doc["id"] not in recorded])
        except OSError as e:
            raise io_refused(e, "ingest", "; the seeds were written, where they came from "
                             "was not recorded (the same ingest run again records it)",
                             ) from None
        result.written = sorted(a.doc["id"] for a, _ in todo)
        known = set(index.ids)
        if todo and not any(a.doc["id"] in known for a, _ in todo):  # else: the next refresh
            index.appended(corpus, [a.doc["id"] for a, _ in todo], texts, sizes, sigs,
                           pairs).save(store_path(corpus.root))
    return result


def ingest_source(root: str | Path | None, path: Path, *, mapping: dict[str, str],
                  added: str, force: bool = False, skip_bad: bool = False,
                  progress: bool = False, jobs: int | None = None) -> IngestResult:
    """Ingest every article of a JSON Lines file, a CSV file or a folder of .txt files."""
    src, rows = open_source(path, mapping)
    return ingest_rows(root, rows, src.shown, added=added, force=force, skip_bad=skip_bad,
                       progress=progress, jobs=jobs, ignored=src.ignored)


def _origin(art: Article) -> Origin:
    return Origin(art.doc["id"], art.doc["sha256"], art.row.origin, art.row.origin_sha256,
                  art.row.line)


def _against_corpus(corpus: Corpus, index: Any, articles: list[tuple[Article, bytes]],
                    force: bool, result: IngestResult,
                    ) -> tuple[list[tuple[Article, bytes]], list[Article]]:
    """The articles to write, and those a seed holds already (unchanged, into `result`);
    the others are refused (an id or text used twice), into `result`."""
    import numpy as np

    digests = np.array([bytes.fromhex(a.doc["sha256"]) for a, _ in articles], dtype="S32")
    in_corpus = {bytes(index.shas[i]): index.ids[i]  # only the texts found again
                 for i in np.flatnonzero(np.isin(index.shas, digests))}
    seen_id: dict[str, Row] = {}
    seen_sha: dict[str, Article] = {}
    todo, kept = [], []
    for art, data in articles:
        row, doc = art.row, art.doc
        doc_id, digest = doc["id"], doc["sha256"]
        first = seen_id.get(doc_id)
        if first is not None:
            result.problems.append(row.problem(
                Code.INGEST_DUPLICATE_ID, "id" if row.values.get("id") else "title",
                f"id {doc_id!r} is also {first.label}'s; give each article an id of its own"))
            continue
        twin = seen_sha.get(digest)
        if twin is not None:
            result.problems.append(row.problem(
                Code.INGEST_DUPLICATE_TEXT, "text",
                f"the same text as {twin.row.label} (id {twin.doc['id']!r}); keep one of them"))
            continue
        seen_id[doc_id], seen_sha[digest] = row, art
        same = _same(corpus.seed_path(doc_id), doc)
        if same:
            result.unchanged.append(doc_id)
            kept.append(art)
            continue
        other = in_corpus.get(bytes.fromhex(digest))
        if other is not None and other != doc_id:
            result.problems.append(row.problem(
                Code.INGEST_DUPLICATE_TEXT, "text",
                f"the same text as {seed_name(other)}, already in the corpus"))
            continue
        if same is False and not force:
            what = "this text with other metadata" if other == doc_id else "another article"
            result.problems.append(row.problem(
                Code.INGEST_DUPLICATE_ID, "id" if row.values.get("id") else "title",
                f"{seed_name(doc_id)} holds {what}; give this one another id (or --force to "
                "replace it)"))
            continue
        todo.append((art, data))
    result.unchanged.sort()
    return todo, kept


def _near_duplicates(ids: list[str], todo: list[Article], found: list[tuple[int, int, float]],
                     threshold: float, result: IngestResult) -> None:
    n = len(ids)
    for i, j, value in found:
        art = todo[j - n]
        if i < n:
            if ids[i] == art.doc["id"]:
                continue  # its own earlier version, replaced with --force
            other = seed_name(ids[i])
        else:
            other = f"{todo[i - n].row.label} (id {todo[i - n].doc['id']})"
        result.problems.append(art.row.problem(
            Code.NEAR_DUPLICATE, "text",
            f"near-duplicate of {other} (Jaccard index {value:.2f} of {SHINGLE}-word "
            f"shingles, threshold {threshold:.2f}); ingested, and kept in one split with it"))
