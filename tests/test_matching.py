"""The one span matcher against a brute-force reading of its definition.

`match` finds exact pairs by dict and skips predicted items that end before a gold item
starts; the reference below does neither: it walks every item in canonical order (exact)
and takes every pair of items as a candidate (overlap).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from claimstance.quality.matching import Item, match


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


def spans(labelled: bool) -> st.SearchStrategy[list[Item]]:
    def item(start: int, size: int, label: str) -> Item:
        return (start, start + size, label) if labelled else (start, start + size)

    return st.lists(st.builds(item, st.integers(0, 12), st.integers(0, 6),
                              st.sampled_from("xyz")), max_size=10)


@settings(max_examples=500, deadline=None)
@given(st.booleans().flatmap(lambda labelled: st.tuples(spans(labelled), spans(labelled))),
       st.booleans(), st.booleans())
def test_match_equals_its_definition(lists: tuple[list[Item], list[Item]], overlap: bool,
                                     by_label: bool) -> None:
    gold, pred = lists
    assert match(gold, pred, overlap=overlap, by_label=by_label) == reference(
        gold, pred, overlap, by_label)
