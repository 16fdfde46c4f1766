"""The one span matcher against a brute-force reading of its definition.

`match` finds exact pairs by dict and skips predicted items that end before a gold item
starts; the reference below does neither: it walks every item in canonical order (exact)
and takes every pair of items as a candidate (overlap).
"""

from __future__ import annotations

import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from claimstance.quality.matching import Item, common, match


def canonical(items: list[Item]) -> list[tuple[int, int, str, int]]:
    return sorted((x[0], x[1], str(x[2]) if len(x) > 2 else "", k)
                  for k, x in enumerate(items))


def reference(gold: list[Item], pred: list[Item], overlap: bool,
              by_label: bool) -> list[tuple[int, int]]:
    g, p = canonical(gold), canonical(pred)
    pairs = []
    if not overlap:
        taken: set[int] = set()
        for gs, ge, gl, i in g:
            for ps, pe, pl, j in p:
                if j not in taken and (gs, ge) == (ps, pe) and (not by_label or gl == pl):
                    taken.add(j)
                    pairs.append((i, j))
                    break
        return sorted(pairs)
    candidates = sorted((-(min(ge, pe) - max(gs, ps)), gi, pj, i, j)
                        for gi, (gs, ge, gl, i) in enumerate(g)
                        for pj, (ps, pe, pl, j) in enumerate(p)
                        if min(ge, pe) - max(gs, ps) > 0 and (not by_label or gl == pl))
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, _, _, i, j in candidates:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def spans(labelled: bool, most: int = 10, reach: int = 12) -> st.SearchStrategy[list[Item]]:
    def item(start: int, size: int, label: str) -> Item:
        return (start, start + size, label) if labelled else (start, start + size)

    return st.lists(st.builds(item, st.integers(0, reach), st.integers(0, 6),
                              st.sampled_from("xyz")), max_size=most)


@settings(max_examples=500, deadline=None)
@given(st.booleans().flatmap(lambda labelled: st.tuples(spans(labelled), spans(labelled))),
       st.booleans(), st.booleans())
def test_match_equals_its_definition(lists: tuple[list[Item], list[Item]], overlap: bool,
                                     by_label: bool) -> None:
    gold, pred = lists
    assert match(gold, pred, overlap=overlap, by_label=by_label) == reference(
        gold, pred, overlap, by_label)


@settings(max_examples=300, deadline=None)
@given(st.booleans().flatmap(lambda labelled: st.tuples(spans(labelled, 40, 8),
                                                        spans(labelled, 40, 8))),
       st.booleans())
def test_dense_overlaps_equal_the_definition(lists: tuple[list[Item], list[Item]],
                                             by_label: bool) -> None:
    """Many short spans over few characters: ties, items losing their best candidate over
    and over (the matcher looks again, among ties first, then among the rest)."""
    gold, pred = lists
    assert match(gold, pred, overlap=True, by_label=by_label) == reference(
        gold, pred, True, by_label)


def _peak_bytes(n: int) -> int:
    """Peak memory the overlap matcher allocates for n nested gold and n nested predicted
    spans: every one of the n * n pairs overlaps. (Offsets far from 0: Python keeps small
    numbers once for all, which would hide what the items cost.)"""
    far = 10**6
    gold: list[Item] = [(far + i, far + 3 * n - i) for i in range(n)]
    pred: list[Item] = [(far + j, far + 3 * n - j + 1) for j in range(n)]
    tracemalloc.start()
    try:
        pairs = match(gold, pred, overlap=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(pairs) == n
    return peak


def test_memory_grows_with_the_items_not_with_the_overlapping_pairs() -> None:
    """Every overlapping pair used to be a candidate held in memory at once: 16,000
    mentions took 3.1 GB. The matcher may hold the items and a few of their candidates (the
    items' own copies: a few hundred bytes an item), never a candidate for each pair (a
    million pairs here, 150 MB)."""
    n = 1000
    assert _peak_bytes(n) < 2 * n * 1024


@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))
def test_common_counts_the_shared_characters(a: int, b: int, c: int, d: int) -> None:
    """The one overlap measure (matcher, token overlap, NewsClaims' span P and R)."""
    x, y = (min(a, b), max(a, b)), (min(c, d), max(c, d), "label")
    assert common(x, y) == common(y, x) == len(set(range(*x)) & set(range(*y[:2])))
