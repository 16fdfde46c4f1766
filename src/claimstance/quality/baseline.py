"""A simple, documented baseline: reported speech attributed to the reporting verb's subject.

For each sentence with a reporting verb (one of `REPORTING_VERBS`, the first one counts):
- the claim is the text inside quotation marks in that sentence, if there is any, else the
  words after the verb (a leading "that" or punctuation skipped) up to the sentence's final
  punctuation;
- its claimant is the nearest run of capitalised words before the verb (the verb's likely
  subject), predicted as a mention; with none, the claim is the article's own.
It predicts no other mention and no stance, and it does not type: every mention gets the
schema's first mention type and every claim its first claim type. It reads only the text
and the shared segmentation, so it is deterministic and needs no training data. Its figures
(in the dataset card, computed by the scorer at build time) are a floor any system should
beat, not a result.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from ..corpus.items import Items
from ..corpus.schema import claim_types, mention_types
from ..corpus.segmentation import Segmentation

REPORTING_VERBS = frozenset({
    "said", "says", "say", "saying", "told", "tells", "accused", "accuses", "accusing", "denied",
    "denies", "deny", "claimed", "claims", "stated", "states", "added", "warned", "warns",
    "insisted", "insists", "argued", "argues", "alleged", "alleges", "announced", "announces",
    "rejected", "rejects", "confirmed", "confirms", "called", "calls", "described", "describes",
    "demanded", "demands", "urged", "urges", "condemned", "condemns", "blamed", "blames",
})
QUOTES = {"\"": "\"", "\u201c": "\u201d", "\u00ab": "\u00bb"}  # opening -> closing mark
SKIP = frozenset({"that", ",", ":", "\u2014", "-"})
FINAL = frozenset(".!?;,\"'\u201d\u2019\u00bb)")


def _alternation(words: Iterable[str]) -> str:
    """A regex matching exactly `words`, as a tree of shared prefixes: the engine tests each
    letter once instead of once per word (tests/test_fast_paths.py)."""
    by_first: dict[str, list[str]] = {}
    for w in sorted(words):
        by_first.setdefault(w[:1], []).append(w[1:])
    branches = [re.escape(c) + _alternation(rest) for c, rest in by_first.items() if c]
    inner = "|".join(branches)
    if "" in by_first:
        return f"(?:{inner})?" if branches else ""
    return f"(?:{inner})" if len(branches) > 1 else inner


# a verb between word boundaries; the lookahead turns most word starts away at one test
_VERB = re.compile(r"\b(?=[" + "".join(sorted({w[0] for w in REPORTING_VERBS})) + "])"
                   + _alternation(REPORTING_VERBS) + r"\b", re.IGNORECASE)
_OPEN = re.compile("[" + re.escape("".join(QUOTES)) + "]")


def _quoted(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The first quotation inside [start, end), without its marks, outer spaces and final
    punctuation."""
    m = _OPEN.search(text, start, end)
    if m is None:
        return None
    a = m.end()
    b = text.find(QUOTES[m.group()], a, end)
    if b < 0:
        return None
    while a < b and text[a].isspace():
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in FINAL):
        b -= 1
    return (a, b) if a < b else None


def predict(text: str, seg: Segmentation) -> Items:
    """The baseline's predictions for one document."""
    mentions: list[tuple[int, int, str]] = []
    claims: list[tuple[int, int, str]] = []
    claimants: list[int | None] = []
    mention_type, claim_type = mention_types()[0], claim_types()[0]
    starts, ends = seg.starts.tolist(), seg.ends.tolist()
    verbs = [m.start() for m in _VERB.finditer(text)]
    for n, (s0, s1) in enumerate(seg.sentences):
        v = bisect.bisect_left(verbs, s0)
        if v == len(verbs) or verbs[v] >= s1:
            continue
        first, last = seg.tokens_in(n)
        verb = bisect.bisect_left(starts, verbs[v], first, last)
        if verb >= last or starts[verb] != verbs[v]:
            continue  # the verb is part of a longer token
        claim = _quoted(text, s0, s1)
        if claim is None:
            k = verb + 1
            while k < last and text[starts[k]:ends[k]].lower() in SKIP:
                k += 1
            end = last
            while end > k and all(ch in FINAL for ch in text[starts[end - 1]:ends[end - 1]]):
                end -= 1
            if end <= k:
                continue
            claim = (starts[k], ends[end - 1])
        k = verb - 1
        while k >= first and not text[starts[k]].isupper():
            k -= 1
        claimant = None
        if k >= first:
            j = k
            while j > first and text[starts[j - 1]].isupper():
                j -= 1
            span = (starts[j], ends[k])
            if not (claim[0] <= span[0] < claim[1]):  # a subject is not part of its claim
                claimant = len(mentions)
                mentions.append((*span, mention_type))
        claims.append((*claim, claim_type))
        claimants.append(claimant)
    return Items(mentions=mentions, claims=claims, claimants=claimants)
