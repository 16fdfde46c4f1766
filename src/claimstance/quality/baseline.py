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


def _quoted(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The first quotation inside [start, end), without its marks and outer spaces."""
    for i in range(start, end):
        close = QUOTES.get(text[i])
        if close is None:
            continue
        j = text.find(close, i + 1, end)
        if j < 0:
            return None
        a, b = i + 1, j
        while a < b and (text[a].isspace() or text[b - 1] in FINAL or text[b - 1].isspace()):
            if text[a].isspace():
                a += 1
            else:
                b -= 1
        return (a, b) if a < b else None
    return None


def predict(text: str, seg: Segmentation) -> Items:
    """The baseline's predictions for one document."""
    mentions: list[tuple[int, int, str]] = []
    claims: list[tuple[int, int, str]] = []
    claimants: list[int | None] = []
    mention_type, claim_type = mention_types()[0], claim_types()[0]
    for n, (s0, s1) in enumerate(seg.sentences):
        first, last = seg.tokens_in(n)
        toks = seg.tokens[first:last]
        words = [text[a:b] for a, b in toks]
        verb = next((k for k, w in enumerate(words) if w.lower() in REPORTING_VERBS), None)
        if verb is None:
            continue
        claim = _quoted(text, s0, s1)
        if claim is None:
            k = verb + 1
            while k < len(words) and words[k].lower() in SKIP:
                k += 1
            end = len(words)
            while end > k and all(ch in FINAL for ch in words[end - 1]):
                end -= 1
            if end <= k:
                continue
            claim = (toks[k][0], toks[end - 1][1])
        k = verb - 1
        while k >= 0 and not words[k][:1].isupper():
            k -= 1
        claimant = None
        if k >= 0:
            j = k
            while j > 0 and words[j - 1][:1].isupper():
                j -= 1
            span = (toks[j][0], toks[k][1])
            if not (claim[0] <= span[0] < claim[1]):  # a subject is not part of its claim
                claimant = len(mentions)
                mentions.append((*span, mention_type))
        claims.append((*claim, claim_type))
        claimants.append(claimant)
    return Items(mentions=mentions, claims=claims, claimants=claimants)
