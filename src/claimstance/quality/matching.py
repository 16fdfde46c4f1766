"""The one span matcher: `score`, `agree` and `adjudicate` all pair items with it.

Pairs are one to one. *Exact*: the same offsets (and, with `by_label`, the same label).
*Overlap*: at least one character in common; the pair with the larger overlap is taken
first. Ties are broken by the items' canonical order, (start, end, label, position in the
input), so the result never depends on how the input happened to be ordered beyond that.

The overlap matcher is greedy, not a maximum matching: for gold [0,10) and [9,20) against
predicted [2,10) and [0,3), it pairs [0,10) with [2,10) (overlap 8) and leaves the others
unpaired, although two pairs exist. Greedy is simple to explain and to check by hand, and it
is what every figure here is defined with.

How, in memory that grows with the items, not with the pairs that overlap (16,000 spans
that all overlap are 256 million candidate pairs; holding them all took gigabytes): every
gold item keeps one entry in a heap, its best free predicted item (largest overlap, then
canonical order). The top entry is taken when its predicted item is still free; otherwise
that gold item looks again among the free ones, after the one it lost: the next of the same
overlap (ties come in canonical order, usually a step away), else its next best ranks, kept
in reserve, twice as many each time it has to look (so an item that keeps losing looks a
logarithmic number of times). An entry only gets worse as items are taken, so the top of the
heap is always the greedy's next pair. Time grows with the overlapping pairs, as before;
memory with the items, except for reserves where many gold items rank the same predicted
items alike at distinct overlaps (a ladder of nested spans), which can reach an eighth of the
overlapping pairs. `tests/test_matching.py` holds it to a brute-force reading of the
definition.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Sequence
from typing import Any

Item = tuple[int, int] | tuple[int, int, str]  # (start, end) or (start, end, label)


def common(a: Item, b: Item) -> int:
    """How much two [start, end) spans share (characters, or tokens of token ranges); 0 when
    apart. The overlap matcher's measure (its inner loop has the same sum inline, for speed),
    and the scorers' (token overlap, NewsClaims' span P and R)."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _order(items: Sequence[Item]) -> list[tuple[int, int, str, int]]:
    """(start, end, label, index) of every item, in canonical order (the items of one list
    are all spans or all labelled spans)."""
    if not items:
        return []
    columns: list[Sequence[Any]] = list(zip(*items, strict=True))
    if len(columns) == 2:
        columns.append([""] * len(items))
    return sorted(zip(*columns, range(len(items)), strict=True))


def _exact(gold: Sequence[Item], pred: Sequence[Item], by_label: bool) -> list[tuple[int, int]]:
    """Exact pairs by dict: among the items of one key, the k-th gold item (in canonical
    order) pairs with the k-th predicted one."""
    def key(item: Item) -> Item:
        return item if by_label else item[:2]

    waiting: dict[Item, list[int]] = {}  # key -> predicted indexes, canonical order
    for j in sorted(range(len(pred)), key=pred.__getitem__):  # (a stable sort)
        waiting.setdefault(key(pred[j]), []).append(j)
    taken: dict[Item, int] = {}  # key -> how many of its predicted items are paired
    pairs = []
    for i in sorted(range(len(gold)), key=gold.__getitem__):
        k = key(gold[i])
        free, n = waiting.get(k), taken.get(k, 0)
        if free is not None and n < len(free):
            pairs.append((i, free[n]))
            taken[k] = n + 1
    pairs.sort()
    return pairs


def _overlap(gold: Sequence[Item], pred: Sequence[Item],
             by_label: bool) -> list[tuple[int, int]]:
    """Greedy overlap pairs (see the module's docstring for how)."""
    g_order, p_order = _order(gold), _order(pred)
    if not g_order or not p_order:
        return []
    starts = [p[0] for p in p_order]
    ends = [p[1] for p in p_order]
    labels = [p[2] for p in p_order]
    # reach[k]: the furthest end among the first k + 1 predicted items; items before the
    # first whose reach passes a gold start end before it (no overlap), so a scan starts
    # there (a bisection: reach never decreases)
    reach = list(itertools.accumulate(ends, max))
    n_pred = len(p_order)
    free = bytearray(b"\x01") * n_pred
    # a gold item's rank of a predicted one, smaller first: -overlap * base + position
    base = n_pred + 1

    def tie(gi: int, rank: int) -> int | None:
        """The rank of the next free item of the same overlap after `rank`'s (ties are
        met in canonical order, so this is usually a step or two away), or None."""
        g_start, g_end, g_label, _ = g_order[gi]
        level = -(rank // base)
        for pj in range(max(bisect.bisect_right(reach, g_start), rank % base + 1), n_pred):
            p_start = starts[pj]
            if p_start >= g_end:
                break  # canonical order is by start: no later item overlaps
            if free[pj] and (not by_label or labels[pj] == g_label):
                p_end = ends[pj]
                if (p_end if p_end < g_end else g_end) - (
                        p_start if p_start > g_start else g_start) == level:
                    return rank - rank % base + pj
        return None

    def ranks(gi: int, after: int, size: int) -> list[int]:
        """The `size` best ranks of gold item `gi`'s free candidates after `after` (the
        best alone without a list of them all: the first look-up of every gold item)."""
        g_start, g_end, g_label, _ = g_order[gi]
        found = []
        after_level, after_j = -(after // base), after % base
        best, best_j = 0, -1
        for pj in range(bisect.bisect_right(reach, g_start), n_pred):
            p_start = starts[pj]
            if p_start >= g_end:
                break
            if free[pj] and (not by_label or labels[pj] == g_label):
                p_end = ends[pj]
                common = (p_end if p_end < g_end else g_end) - (p_start if p_start > g_start
                                                                 else g_start)
                if common <= 0 or common > after_level or (common == after_level
                                                           and pj <= after_j):
                    continue
                if size > 1:
                    found.append(-common * base + pj)
                elif common > best:
                    best, best_j = common, pj  # the first of the largest overlap
        if size == 1:
            return [-best * base + best_j] if best_j >= 0 else []
        found.sort()
        return found[:size]

    # per gold item: the ranks it holds in reserve (best last) and how many the next
    # look-up keeps (doubled each time: a gold item that keeps losing its candidates
    # looks again a logarithmic number of times); an exhausted look-up ends the item
    reserve: list[list[int]] = [[] for _ in g_order]
    size = [1] * len(g_order)
    heap = []
    for gi in range(len(g_order)):
        best = ranks(gi, -(g_order[gi][1] - g_order[gi][0] + 1) * base, 1)
        if best:
            heap.append((best[0] // base, gi, best[0]))
    heapq.heapify(heap)
    pairs = []
    while heap:  # (-overlap, gold position, rank): the greedy's order
        _, gi, rank = heapq.heappop(heap)
        pj = rank % base
        if free[pj]:
            free[pj] = 0
            pairs.append((g_order[gi][3], p_order[pj][3]))
            reserve[gi] = []
            continue
        kept = reserve[gi]
        while kept and not free[kept[-1] % base]:
            kept.pop()
        if not kept:
            follow = tie(gi, rank)
            if follow is not None:
                kept.append(follow)
            else:
                size[gi] *= 2
                kept.extend(reversed(ranks(gi, rank, size[gi])))
        if kept:
            rank = kept.pop()
            heapq.heappush(heap, (rank // base, gi, rank))
    pairs.sort()
    return pairs


def match(gold: Sequence[Item], pred: Sequence[Item], *, overlap: bool = False,
          by_label: bool = False) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), sorted by gold index.

    Exact: each gold item, in canonical order, takes the first free predicted item (in
    canonical order) with the same offsets (and label, with `by_label`). Overlap: every
    pair sharing a character is a candidate; candidates are taken by larger overlap, then
    by the gold item's and then the predicted item's canonical position, skipping items
    already paired.
    """
    return (_overlap if overlap else _exact)(gold, pred, by_label)
