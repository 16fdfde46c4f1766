"""Krippendorff's unitizing alpha against published values and a brute-force reading of
its definition (every pair of segments; the expected disagreement summed gap by gap)."""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimstance.quality.unitizing import Unitizing, merged, pooled

Span = tuple[int, int]


def one(length: int, a: list[Span], b: list[Span]) -> Unitizing:
    u = Unitizing()
    u.add(length, a, b)
    return u


def test_krippendorff_2004_worked_example() -> None:
    """Content Analysis, 2nd ed., p. 254 (continuum 150-450, as transcribed in DKPro
    Statistics' Krippendorff2004Test): alpha_c = 0.7286, alpha_k = 1, pooled 0.8587."""
    def shift(units: list[Span]) -> list[Span]:
        return [(s - 150, e - 150) for s, e in units]

    c = one(300, shift([(225, 295), (370, 400)]), shift([(220, 300), (355, 375), (400, 420)]))
    # delta2: (225,70)/(220,80) 5^2 + 5^2; (370,30)/(355,20) 15^2 + 25^2; (400,20) in a gap 20^2
    assert c.d_o == F(50 + 850 + 400, 300 ** 2) == F(13, 900)
    assert c.d_e == F(69179, 1299825)
    assert c.alpha == F(201615, 276716) and round(float(c.alpha), 4) == 0.7286
    k = one(300, shift([(180, 240), (300, 350)]), shift([(180, 240), (300, 350)]))
    assert k.d_o == 0 and k.alpha == 1 and round(float(k.d_e or 0), 4) == 0.0490
    both = pooled([c, k])
    assert both == F(7925853267, 9230432738) and round(float(both), 4) == 0.8587


def test_krippendorff_1995_pair_c_at_half_resolution() -> None:
    """Krippendorff (1995, p. 57), coders Gerret and Gill: DKPro's exact values."""
    u = one(12, [(1, 4), (5, 6), (7, 9), (10, 11)], [(0, 1), (2, 4), (5, 7), (8, 9), (10, 11)])
    assert (round(float(u.d_o or 0), 5), round(float(u.d_e or 0), 5)) == (0.02778, 0.05494)
    assert round(float(u.alpha or 0), 3) == 0.494


@pytest.mark.parametrize("a,b,d_o,d_e,alpha", [
    # a unit [2,6) against [3,6): begin differs by 1 -> delta2 1 (each order)
    ([(2, 6)], [(3, 6)], F(1, 100), F(23, 362), F(969, 1150)),
    ([(2, 6)], [(2, 6)], F(0), F(6, 89), F(1)),
    # each unit inside the other's gap: systematic disagreement
    ([(0, 5)], [(5, 10)], F(1, 2), F(11, 85), F(-63, 22)),
])
def test_small_cases_by_hand(a: list[Span], b: list[Span], d_o: F, d_e: F, alpha: F) -> None:
    u = one(10, a, b)
    assert (u.d_o, u.d_e, u.alpha) == (d_o, d_e, alpha)


def test_no_unit_is_na_and_overlapping_units_are_merged_and_counted() -> None:
    assert one(10, [], []).alpha is None
    assert merged([(5, 8), (0, 3), (2, 4), (7, 9)]) == ([(0, 4), (5, 9)], 2)
    assert one(10, [(0, 3), (2, 4)], [(0, 4)]).joined == 1


def test_texts_are_one_continuum_whose_gaps_end_with_each_text() -> None:
    two = Unitizing()
    two.add(10, [(2, 6)], [(3, 6)])
    two.add(10, [(0, 5)], [(0, 5)])
    assert two.length == 20 and sorted(two.gaps.elements()) == [2, 3, 4, 4, 5, 5]
    assert two.d_o == F(2, 2 * 20 ** 2)  # only the first text disagrees: 1 in each order


def partition(units: list[Span], length: int) -> list[tuple[int, int, bool]]:
    """Units (overlapping ones joined) and the gaps between them."""
    joined: list[Span] = []
    for s, e in sorted(units):
        if joined and s < joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], e))
        else:
            joined.append((s, e))
    out, pos = [], 0
    for s, e in joined:
        if s > pos:
            out.append((pos, s - pos, False))
        out.append((s, e - s, True))
        pos = e
    if pos < length:
        out.append((pos, length - pos, False))
    return out


def brute(length: int, a: list[Span], b: list[Span]) -> F | None:
    """alpha_U read off the definition, pair by pair and gap by gap."""
    pa, pb = partition(a, length), partition(b, length)

    def delta2(g: tuple[int, int, bool], h: tuple[int, int, bool]) -> int:
        d = g[0] - h[0]
        if g[2] and h[2] and -g[1] < d < h[1]:
            return d * d + (d + g[1] - h[1]) ** 2
        if g[2] and not h[2] and 0 <= d <= h[1] - g[1]:
            return g[1] ** 2
        if h[2] and not g[2] and h[1] - g[1] <= d <= 0:
            return h[1] ** 2
        return 0

    observed = sum(delta2(g, h) + delta2(h, g) for g in pa for h in pb)
    d_o = F(observed, 2 * length * length)
    units = [x[1] for x in pa + pb if x[2]]
    gaps = [x[1] for x in pa + pb if not x[2]]
    if not units:
        return None
    n = len(units)
    total = sum(F((n - 1) * u * (u - 1) * (2 * u - 1), 3)
                + u * u * sum(g - u + 1 for g in gaps if g >= u) for u in units)
    d_e = F(2, length) * total / (2 * length * (2 * length - 1) - sum(u * (u - 1)
                                                                       for u in units))
    return 1 - d_o / d_e if d_e else None


@st.composite
def layers(draw: st.DrawFn) -> tuple[int, list[Span], list[Span]]:
    length = draw(st.integers(1, 40))

    def units() -> list[Span]:
        cuts = sorted(set(draw(st.lists(st.integers(0, length), max_size=8))))
        pieces = list(itertools.pairwise(cuts))
        chosen = [p for p in pieces if draw(st.booleans())]
        if len(cuts) > 2 and draw(st.booleans()):  # one unit across others: merged first
            chosen.insert(draw(st.integers(0, len(chosen))), (cuts[0], cuts[-2]))
        return chosen

    return length, units(), units()


@settings(max_examples=300, deadline=None)
@given(layers())
def test_the_merge_walk_and_prefix_sums_equal_the_definition(
        case: tuple[int, list[Span], list[Span]]) -> None:
    length, a, b = case
    assert one(length, a, b).alpha == brute(length, a, b)
