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


def _groups(items: Sequence[Item], by_label: bool) -> dict[Item, list[int]]:
    """Indexes of the items by their offsets (and label, with `by_label`), in canonical
    order within each group: by index where the key holds the whole item, else by (label,
    index)."""
    out: dict[Item, list[int]] = {}
    for k, item in enumerate(items):
        key = item if by_label else item[:2]
        if key in out:
            out[key].append(k)
        else:
            out[key] = [k]
    if not by_label and items and len(items[0]) > 2:
        for key, group in out.items():
            if len(group) > 1:
                group.sort(key=lambda k: (items[k][2:], k))  # type: ignore[misc]
    return out


def match(gold: Sequence[Item], pred: Sequence[Item], *, overlap: bool = False,
          by_label: bool = False) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), sorted by gold index.

    Exact: each gold item, in canonical order, takes the first free predicted item (in
    canonical order) with the same offsets (and label, with `by_label`); so among the items
    of one key, the k-th gold item pairs with the k-th predicted one (found by dict, without
    sorting). Overlap: every pair sharing a character is a candidate; candidates are taken
    by larger overlap, then by the gold item's and then the predicted item's canonical
    position, skipping items already paired.
    """
    if not overlap:
        free = _groups(pred, by_label)
        pairs: list[tuple[int, int]] = []
        for key, group in _groups(gold, by_label).items():
            if key in free:
                pairs += zip(group, free[key])
        pairs.sort()
        return pairs
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
