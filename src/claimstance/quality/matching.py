"""The one span matcher: `score`, `agree` and `adjudicate` all pair items with it.

Pairs are one to one. *Exact*: the same offsets (and, with `by_label`, the same label).
*Overlap*: at least one character in common; the pair with the larger overlap is taken
first. Ties are broken by the items' canonical order, (start, end, label, position in the
input), so the result never depends on how the input happened to be ordered beyond that.

The overlap matcher is greedy, not a maximum matching: for gold [0,10) and [9,20) against
predicted [2,10) and [0,3), it pairs [0,10) with [2,10) (overlap 8) and leaves the others
unpaired, although two pairs exist. Greedy is simple to explain and to check by hand, and it
is what every figure here is defined with.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from typing import Any

Item = tuple[int, int] | tuple[int, int, str]  # (start, end) or (start, end, label)


def _order(items: Sequence[Item]) -> list[tuple[int, int, str, int]]:
    """(start, end, label, index) of every item, in canonical order (the items of one list
    are all spans or all labelled spans)."""
    if not items:
        return []
    columns: list[Sequence[Any]] = list(zip(*items, strict=True))
    if len(columns) == 2:
        columns.append([""] * len(items))
    return sorted(zip(*columns, range(len(items)), strict=True))


def _keys(items: Sequence[Item], by_label: bool) -> Sequence[Item]:
    """What exact matching compares: the items, or (without `by_label`) their offsets."""
    if by_label or not items or len(items[0]) == 2:
        return items
    return [item[:2] for item in items]


def _exact(gold: Sequence[Item], pred: Sequence[Item], by_label: bool) -> list[tuple[int, int]]:
    """Exact pairs by dict: among the items of one key, the k-th gold item (in canonical
    order) pairs with the k-th predicted one. Each round pairs the first item of every key
    both sides have; only keys repeated on both sides need another round."""
    g_keys, p_keys = _keys(gold, by_label), _keys(pred, by_label)
    g_ix = sorted(range(len(gold)), key=gold.__getitem__)  # canonical order (sort is stable)
    p_ix = sorted(range(len(pred)), key=pred.__getitem__)
    pairs: list[tuple[int, int]] = []
    while g_ix and p_ix:
        # the first index of each key: dict keeps the last value given, so feed them reversed
        g_first = dict(zip(map(g_keys.__getitem__, reversed(g_ix)), reversed(g_ix), strict=True))
        p_first = dict(zip(map(p_keys.__getitem__, reversed(p_ix)), reversed(p_ix), strict=True))
        pairs += [(i, p_first[key]) for key, i in g_first.items() if key in p_first]
        if len(g_first) == len(g_ix) or len(p_first) == len(p_ix):
            break
        g_ix = [i for i in g_ix if g_first[g_keys[i]] != i]
        p_ix = [j for j in p_ix if p_first[p_keys[j]] != j]
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
    if not overlap:
        return _exact(gold, pred, by_label)
    g_order, p_order = _order(gold), _order(pred)
    # reach[k]: the furthest end among the first k + 1 predicted items; items before the
    # first whose reach passes a gold start end before it (no overlap), so the scan starts
    # there (a bisection: reach never decreases)
    reach = list(itertools.accumulate((p[1] for p in p_order), max))
    n_pred = len(p_order)
    candidates = []
    first = 0
    for gi, (g_start, g_end, g_label, i) in enumerate(g_order):
        first = bisect.bisect_right(reach, g_start, first)
        for pj in range(first, n_pred):
            p_start, p_end, p_label, j = p_order[pj]
            if p_start >= g_end:
                break  # canonical order is by start: no later item overlaps
            common = (p_end if p_end < g_end else g_end) - (p_start if p_start > g_start
                                                             else g_start)
            if common > 0 and (not by_label or p_label == g_label):
                candidates.append((-common, gi, pj, i, j))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, _, _, i, j in candidates:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((i, j))
    return sorted(pairs)
