"""The baseline's reporting-verb pattern (a tree of shared prefixes behind a first-letter
lookahead, for speed) finds exactly what the plain alternation of `REPORTING_VERBS` finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from claimstance.quality.baseline import _VERB, REPORTING_VERBS

PLAIN = re.compile(r"\b(?:" + "|".join(sorted(REPORTING_VERBS)) + r")\b", re.IGNORECASE)
# verbs, their tails, letters that match ASCII ones only without case (long s, dotless i,
# dotted capital I, Kelvin sign) and characters at word boundaries
FRAGMENTS = [*sorted(REPORTING_VERBS | {w[1:] for w in REPORTING_VERBS}),
             "sa", "ys", "ing", "ed", "\u017f", "\u0131", "\u0130", "\u212a", "x", "\u00e9",
             "\u0301", "_", "1", "\U0001f600", " ", "-", "'", "\n"]
WORDS = st.sampled_from(FRAGMENTS).flatmap(
    lambda w: st.sampled_from([w, w.upper(), w.title(), w.swapcase()]))


@settings(max_examples=1000, deadline=None)
@given(st.lists(WORDS, max_size=12).map("".join))
def test_the_verb_pattern_matches_what_the_plain_alternation_matches(text: str) -> None:
    assert [m.span() for m in _VERB.finditer(text)] == [m.span() for m in PLAIN.finditer(text)]
