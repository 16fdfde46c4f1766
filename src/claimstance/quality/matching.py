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

from collections.abc import Sequence

Item = tuple[int, int] | tuple[int, int, str]  # (start, end) or (start, end, label)


def _label(item: Item) -> str:
    return item[2] if len(item) == 3 else ""


def canonical(items: Sequence[Item]) -> list[int]:
    """Indexes of `items` in canonical order: (start, end, label, position)."""
    return sorted(range(len(items)), key=lambda i: (items[i][0], items[i][1], _label(items[i]), i))


def match(gold: Sequence[Item], pred: Sequence[Item], *, overlap: bool = False,
          by_label: bool = False) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), sorted by gold index.

    Exact: each gold item, in canonical order, takes the first free predicted item (in
    canonical order) with the same offsets (and label, with `by_label`). Overlap: every pair
    sharing a character is a candidate; candidates are taken by larger overlap, then by the
    gold item's and then the predicted item's canonical position, skipping items already
    paired.
    """
    g_order, p_order = canonical(gold), canonical(pred)
    if not overlap:
        free: dict[tuple[int, int, str], list[int]] = {}
        for j in reversed(p_order):
            p = pred[j]
            free.setdefault((p[0], p[1], _label(p) if by_label else ""), []).append(j)
        pairs = []
        for i in g_order:
            g = gold[i]
            same = free.get((g[0], g[1], _label(g) if by_label else ""))
            if same:
                pairs.append((i, same.pop()))
        return sorted(pairs)
    candidates = []
    for gi, i in enumerate(g_order):
        g_start, g_end = gold[i][0], gold[i][1]
        for pj, j in enumerate(p_order):
            p = pred[j]
            if p[0] >= g_end:
                break  # canonical order is by start: no later item overlaps
            common = min(g_end, p[1]) - max(g_start, p[0])
            if common > 0 and (not by_label or _label(p) == _label(gold[i])):
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
