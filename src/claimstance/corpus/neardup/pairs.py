"""Deciding candidate pairs by the exact Jaccard index, and grouping the pairs found."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .shingles import jaccard, shingles
from .sketch import candidates, signatures


@dataclass(frozen=True, order=True)
class Pair:
    """Two near-duplicate documents (a < b) and the Jaccard index of their shingles."""

    a: str
    b: str
    jaccard: float

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "jaccard": round(self.jaccard, 4)}


def confirm(rows: Any, text_of: Callable[[int], str], threshold: float,
            ) -> list[tuple[int, int, float]]:
    """The candidate pairs (row numbers, sorted) whose exact Jaccard index is >= threshold.
    Only the first text of the pairs at hand is kept in memory, however many there are."""
    held: tuple[int, set[tuple[str, ...]]] = (-1, set())
    out = []
    for i, j in rows.tolist():
        if held[0] != i:
            held = (i, shingles(text_of(i)))
        a, b = held[1], shingles(text_of(j))
        small, large = sorted((len(a), len(b)))
        if not small or small / large < threshold:
            continue  # |a & b| / |a | b| <= min / max (also as floats): cannot reach it
        value = jaccard(a, b)
        if value >= threshold:
            out.append((i, j, value))
    return out


def near_pairs(texts: Sequence[str], threshold: float) -> list[tuple[int, int, float]]:
    """Every pair of `texts` (by position) whose Jaccard index is >= threshold."""
    sizes, sigs = signatures(texts)
    return confirm(candidates(sigs, sizes, threshold), texts.__getitem__, threshold)


def groups(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The connected groups the pairs make (a version of a version of a story is one group),
    each sorted, ordered by their smallest id."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for x in parent:
        members.setdefault(find(x), []).append(x)
    return sorted(sorted(m) for m in members.values())
