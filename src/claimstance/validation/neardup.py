"""The corpus-level checks: near-duplicate seeds (a warning naming both) and the corpus's
settings file. They run once per validation, after the per-document checks, and are never
part of a document's own result: whether two documents resemble each other depends on both.
"""

from __future__ import annotations

from collections.abc import Collection

from ..corpus.config import read_config
from ..corpus.layout import Corpus
from ..corpus.naming import seed_name
from ..corpus.neardup import SHINGLE, groups, refresh
from ..corpus.splits import Splits
from ..problems import Code, Problem, problem


def corpus_problems(corpus: Corpus, seeds: Collection[str] | None, *, progress: bool = False,
                    jobs: int | None = None) -> list[Problem]:
    """Problems of the settings file, and a `near-duplicate` warning for every pair of
    seeds of which one is in `seeds` (None: every pair in the corpus); nothing when only
    annotation layers are checked."""
    if seeds is not None and not seeds:
        return []  # only annotation layers were asked for
    settings, found = read_config(corpus.root)
    pairs = refresh(corpus, settings.near_threshold, progress=progress, jobs=jobs).named_pairs()
    splits = Splits(groups((p.a, p.b) for p in pairs))
    for p in pairs:
        if seeds is None or p.a in seeds or p.b in seeds:
            found.append(problem(
                Code.NEAR_DUPLICATE, seed_name(p.b), "",
                f"near-duplicate of {seed_name(p.a)} (Jaccard index {p.jaccard:.2f} of "
                f"{SHINGLE}-word shingles, threshold {settings.near_threshold:.2f}): versions "
                f"of one article are kept in one split ({splits(p.a)}); remove one of them "
                "if the corpus should hold a single version"))
    return found
