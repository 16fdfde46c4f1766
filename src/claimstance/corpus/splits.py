"""Split assignment: a stable hash of the smallest id of a document's near-duplicate group
(its own id when it has none), so two versions of one story never sit in different splits,
a document keeps its split as the corpus grows unless a new article joins its group, and
every tool (and every reader, given the groups the card lists) can recompute it."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SPLITS = ("train", "validation", "test")
RULE = ("key = the smallest document id of the document's near-duplicate group (its own id "
        "when it has none); bucket = int(sha256(key as UTF-8).hexdigest()[:8], 16) % 100; "
        "train if bucket < 80, validation if bucket < 90, else test")


def bucket(key: str) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100


def split_of(key: str) -> str:
    """The split of a group key (a document id, for a document in no group)."""
    b = bucket(key)
    return "train" if b < 80 else "validation" if b < 90 else "test"


@dataclass(frozen=True)
class Move:
    """A document that was in one split and is now in another, and why."""

    doc_id: str
    before: str
    after: str
    group: str | None  # the smallest id of the group it is now in (None: in none)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.doc_id, "from": self.before, "to": self.after, "group": self.group}

    def text(self) -> str:
        why = (f"its near-duplicate group is now led by {self.group}" if self.group else
               "it is no longer in a near-duplicate group")
        return f"{self.doc_id}: {self.before} -> {self.after} ({why})"


@dataclass(frozen=True)
class Splits:
    """Which split each document goes to, given the corpus's near-duplicate groups."""

    groups: list[list[str]] = field(default_factory=list)  # each sorted, 2+ documents
    threshold: float | None = None  # the near-duplicate threshold the groups were found at

    @functools.cached_property
    def key(self) -> dict[str, str]:
        """Each grouped document's group key (the group's smallest id)."""
        return {doc_id: g[0] for g in self.groups for doc_id in g}

    def __call__(self, doc_id: str) -> str:
        return split_of(self.key.get(doc_id, doc_id))

    def group_of(self, doc_id: str) -> str | None:
        return self.key.get(doc_id)

    def moves(self, before: Mapping[str, str], doc_ids: Iterable[str]) -> list[Move]:
        """The documents among `doc_ids` that `before` (id -> split) put in another split."""
        return [Move(d, before[d], self(d), self.group_of(d)) for d in sorted(doc_ids)
                if d in before and before[d] != self(d)]


def corpus_splits(root: Any, *, progress: bool = False, jobs: int | None = None) -> Splits:
    """The splits of the corpus at `root`, from its near-duplicate groups (at the threshold
    of its claimstance.toml; a broken one is refused)."""
    from .config import config
    from .layout import Corpus
    from .neardup import groups, refresh

    corpus = Corpus.at(root)
    threshold = config(corpus.root).near_threshold
    index = refresh(corpus, threshold, progress=progress, jobs=jobs)
    return Splits(groups((p.a, p.b) for p in index.named_pairs()), threshold)
