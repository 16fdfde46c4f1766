"""Krippendorff's unitizing alpha (alpha_U) for two annotators' spans of one category.

Krippendorff (1995), "On the reliability of unitizing continuous data", and Content
Analysis, 2nd ed. (2004), p. 251-256. Each annotator's units of a category and the gaps
between them tile the continuum (here: the characters of the texts). For a segment g of
one annotator and h of the other, with d = begin(g) - begin(h) and lengths l_g, l_h:

    delta2 = d^2 + (d + l_g - l_h)^2   two units that overlap (begin and end differences)
           = l_g^2                     a unit g lying inside a gap h (and the other way)
           = 0                         otherwise

D_o = sum of delta2 over every pair of segments / L^2 (for two annotators), and

    D_e = (2 / L) * sum over units u of both annotators of
              [ (N - 1) l(l-1)(2l-1) / 3  +  l^2 * sum over gaps of length >= l of (gap - l + 1) ]
          / [ 2L (2L - 1) - sum over units of l(l-1) ]

with N units in all; alpha_U = 1 - D_o / D_e, and over several categories
1 - sum D_o / sum D_e. Several texts (or pairs of annotators) are one continuum of length
sum L whose gaps end at each text's end, so no unit is ever placed across two texts.
Units of one category by one annotator that overlap are merged first, and counted.

Checked against Krippendorff's worked example (2004, p. 254: alpha_c = 0.7286).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

Span = tuple[int, int]
Segment = tuple[int, int, bool]  # begin, length, is a unit


def merged(units: Iterable[Span]) -> tuple[list[Span], int]:
    """Units sorted, overlapping ones joined; and how many joins that took."""
    out: list[Span] = []
    joins = 0
    for start, end in sorted(units):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
            joins += 1
        else:
            out.append((start, end))
    return out, joins


def gaps(units: Sequence[Span], length: int) -> list[int]:
    """Lengths of the gaps between non-overlapping sorted units in [0, length)."""
    out = []
    pos = 0
    for start, end in units:
        if start > pos:
            out.append(start - pos)
        pos = end
    if pos < length:
        out.append(length - pos)
    return out


def observed(a: Sequence[Span], b: Sequence[Span]) -> int:
    """Sum of delta2 over every pair of segments, from the units alone (non-overlapping,
    sorted, within the text): two overlapping units give their begin and end differences
    squared; a unit that overlaps no unit of the other annotator lies inside one of their
    gaps and gives its length squared; everything else gives 0. A merge walk meets every
    overlapping pair of units exactly once."""
    total = i = j = 0
    hit_a = hit_b = False  # a[i] (b[j]) overlaps a unit of the other annotator
    while i < len(a) and j < len(b):
        a_start, a_end = a[i]
        b_start, b_end = b[j]
        if a_start < b_end and b_start < a_end:
            total += (a_start - b_start) ** 2 + (a_end - b_end) ** 2
            hit_a = hit_b = True
        if a_end <= b_end:
            if not hit_a:
                total += (a_end - a_start) ** 2
            i += 1
            hit_a = False
        else:
            if not hit_b:
                total += (b_end - b_start) ** 2
            j += 1
            hit_b = False
    for rest, k, hit in ((a, i, hit_a), (b, j, hit_b)):
        total += sum((end - start) ** 2 for start, end in rest[k + hit:])
    return total


#: Lengths a `Unitizing` keeps as a list before it counts them: lists grow in C and
#: `Counter.update` counts a list in C, where adding the counts of each pair of layers
#: would be a dictionary update in Python for every distinct length of every pair.
BATCH = 4096


@dataclass
class Unitizing:
    """What alpha_U of one category needs, summed over texts: mergeable, and as small as
    the number of distinct unit and gap lengths (and a batch of lengths not yet counted)."""

    length: int = 0
    observed: int = 0  # sum of delta2, one order of the two annotators
    joined: int = 0  # overlapping units of one annotator merged
    unit_counts: Counter[int] = field(default_factory=Counter)  # length -> how many units
    gap_counts: Counter[int] = field(default_factory=Counter)
    new_units: list[int] = field(default_factory=list)  # lengths not counted yet
    new_gaps: list[int] = field(default_factory=list)

    def add(self, length: int, a: Iterable[Span], b: Iterable[Span]) -> None:
        """One text of `length` characters and two annotators' units of this category
        (spans within the text)."""
        ua, ja = merged(a)
        ub, jb = merged(b)
        self.length += length
        self.observed += observed(ua, ub)
        self.joined += ja + jb
        self._take([end - start for start, end in ua + ub], gaps(ua, length) + gaps(ub, length))

    def merge(self, other: Unitizing) -> None:
        self.length += other.length
        self.observed += other.observed
        self.joined += other.joined
        if other.unit_counts or other.gap_counts:
            self.unit_counts.update(other.unit_counts)
            self.gap_counts.update(other.gap_counts)
        self._take(other.new_units, other.new_gaps)

    def _take(self, units: list[int], gaps: list[int]) -> None:
        self.new_units += units
        self.new_gaps += gaps
        if len(self.new_units) + len(self.new_gaps) > BATCH:
            self._count()

    def _count(self) -> None:
        self.unit_counts.update(self.new_units)
        self.gap_counts.update(self.new_gaps)
        self.new_units.clear()
        self.new_gaps.clear()

    @property
    def units(self) -> Counter[int]:
        """Length -> how many units."""
        self._count()
        return self.unit_counts

    @property
    def gaps(self) -> Counter[int]:
        self._count()
        return self.gap_counts

    @property
    def n_units(self) -> int:
        return sum(self.unit_counts.values()) + len(self.new_units)

    @property
    def d_o(self) -> Fraction | None:
        return Fraction(self.observed, self.length ** 2) if self.length else None

    @property
    def d_e(self) -> Fraction | None:
        """Expected disagreement (None without any unit: nothing to place), summed over the
        distinct unit lengths."""
        n = self.n_units
        if not n:
            return None
        total_len = self.length
        units, gaps = self.units, self.gaps
        sizes = sorted(gaps)
        count_from = [0] * (len(sizes) + 1)  # gaps at least sizes[k] long, and their length
        length_from = [0] * (len(sizes) + 1)
        for k in range(len(sizes) - 1, -1, -1):
            g, c = sizes[k], gaps[sizes[k]]
            count_from[k] = count_from[k + 1] + c
            length_from[k] = length_from[k + 1] + g * c
        acc = 0  # 3 x the sum, kept in integers
        for u, c in units.items():
            k = bisect.bisect_left(sizes, u)
            fits = length_from[k] - (u - 1) * count_from[k]  # sum over gaps >= u of gap-u+1
            acc += c * ((n - 1) * u * (u - 1) * (2 * u - 1) + 3 * u * u * fits)
        denominator = 2 * total_len * (2 * total_len - 1) - sum(
            c * u * (u - 1) for u, c in units.items())
        return Fraction(2 * acc, 3 * total_len * denominator) if denominator else None

    @property
    def alpha(self) -> Fraction | None:
        d_o, d_e = self.d_o, self.d_e
        return None if d_o is None or not d_e else 1 - d_o / d_e

    def to_dict(self) -> dict[str, Any]:
        a = self.alpha
        return {"alpha": None if a is None else round(float(a), 4), "units": self.n_units}


def pooled(categories: Iterable[Unitizing]) -> Fraction | None:
    """alpha_U over several categories: 1 - sum D_o / sum D_e."""
    d_o: Fraction = Fraction(0)
    d_e: Fraction = Fraction(0)
    for c in categories:
        if c.d_e is not None and c.d_o is not None:
            d_o += c.d_o
            d_e += c.d_e
    return 1 - d_o / d_e if d_e else None
