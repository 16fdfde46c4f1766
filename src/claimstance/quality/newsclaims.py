"""`claimstance score --mode newsclaims`: NewsClaims' evaluation (Reddy et al., 2022), exactly.

The definitions follow `eval/eval_claim_detection.py` and `eval/eval_F1.py` of
blender-nlp/NewsClaims, so figures are comparable with the ones published there:
- claim sentences (`score_claim`): the sets of sentences holding a gold and a predicted
  claim's start, micro P/R/F1 over documents; P is 0 when nothing is predicted and F1 is 0
  when nothing is right (as there), R is n/a without gold (NewsClaims stops there);
- claim span (`compute_span_f1`, `score_claim_span`): offsets with an inclusive end; per
  gold claim P = overlap / predicted length and R = overlap / gold length; P and R are
  averaged over the gold claims, then F1 = 2PR / (P + R) of the means;
- claimer (`score_claimer`): SQuAD-normalised token F1 between the predicted and the gold
  claimant's text, `<AUTHOR>` standing for "no claimant" (the article's own claim). Gold
  claims with a claimant ("reported") are averaged; gold claims without one
  ("journalist") score P = correct <AUTHOR> / predicted <AUTHOR> and R = correct / gold;
  the two parts are combined weighted by their gold counts.

NewsClaims gives every gold claim sentence exactly one prediction. Here predicted claims
are paired with gold ones by the shared overlap matcher; a gold claim left unpaired scores
P = R = 0 for its span and an empty claimant string (never a correct <AUTHOR>). Where
NewsClaims' script divides by zero (no <AUTHOR> predicted at all, no gold journalist
claim), the figure is n/a and the journalist F1 is 0 when nothing was right.

claimstance stances are third parties' positions towards a claim, not the claimer's own
stance that NewsClaims scores: they are not comparable and are not scored in this mode.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..corpus.items import Items
from ..corpus.segmentation import Segmentation
from .matching import match
from .scoring import PRF, Number, Tally, as_float, ratio

AUTHOR = "<AUTHOR>"
NOTE = ("claimstance stances are third parties' positions towards a claim; they are not "
        "comparable with NewsClaims' stance of the claimer towards the claim, and are not "
        "scored in this mode.")

_PUNCTUATION = frozenset(string.punctuation)  # ASCII only, as in SQuAD's script
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(s: str) -> str:
    """SQuAD's normalisation: lower case, no ASCII punctuation, no articles, single spaces."""
    s = "".join(ch for ch in s.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", s).split())


def token_f1(prediction: str, gold: str) -> Fraction:
    """SQuAD's token F1 between two strings (0 when no token is shared)."""
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return Fraction(0)
    p, r = Fraction(same, len(pred)), Fraction(same, len(ref))
    return 2 * p * r / (p + r)


def span_scores(gold: tuple[int, int], pred: tuple[int, int]) -> tuple[Fraction, Fraction]:
    """NewsClaims' span P and R, on inclusive ends (our ends are exclusive: end - 1)."""
    g0, g1 = gold[0], gold[1] - 1
    p0, p1 = pred[0], pred[1] - 1
    tp = max(min(p1, g1) - max(p0, g0) + 1, 0)
    return Fraction(tp, p1 - p0 + 1), Fraction(tp, g1 - g0 + 1)


def tally(text: str, gold: Items, pred: Items, seg: Segmentation) -> Tally:
    """NewsClaims' counts of one document."""
    t = Tally()
    gold_sents = {seg.sentence_of(s) for s, _, _ in gold.claims}
    pred_sents = {seg.sentence_of(s) for s, _, _ in pred.claims}
    t["sentences.tp"] += len(gold_sents & pred_sents)
    t["sentences.pred"] += len(pred_sents)
    t["sentences.gold"] += len(gold_sents)
    paired = dict(match(gold.claims, pred.claims, overlap=True))
    people = pred.people()
    for i, (start, end, _) in enumerate(gold.claims):
        j = paired.get(i)
        t["span.n"] += 1
        if j is None:
            has_claimer, claimer = True, ""  # no prediction for this claim
        else:
            p, r = span_scores((start, end), pred.claims[j][:2])
            t["span.p"] += p
            t["span.r"] += r
            k = pred.claimants[j]
            has_claimer = k is not None
            claimer = text[people[k][0]:people[k][1]] if k is not None else AUTHOR
        if not has_claimer:
            t["journalist.pred"] += 1
        g = gold.claimants[i]
        if g is None:
            t["journalist.gold"] += 1
            if not has_claimer:
                t["journalist.tp"] += 1
            continue
        m0, m1, _ = gold.mentions[g]
        f = token_f1(claimer, text[m0:m1])
        where = "in" if seg.sentence_of(m0) == seg.sentence_of(start) else "out"
        for key in ("reported", f"{where}_sentence"):
            t[f"{key}.n"] += 1
            t[f"{key}.sum"] += f
    return t


@dataclass(frozen=True)
class Mean:
    total: Number
    n: Number

    @property
    def value(self) -> Fraction | float | None:
        return ratio(self.total, self.n)

    def to_dict(self) -> dict[str, Any]:
        return {"f1": as_float(self.value), "n": self.n}


@dataclass(frozen=True)
class NewsClaimsFigures:
    documents: int
    sentences: PRF
    span_p: Mean
    span_r: Mean
    reported: Mean
    journalist: PRF
    in_sentence: Mean
    out_of_sentence: Mean

    @property
    def sentence_p(self) -> Fraction | float:
        return self.sentences.p or 0  # NewsClaims: P = 0 when nothing is predicted

    @property
    def sentence_f1(self) -> Fraction | float | None:
        p, r = self.sentence_p, self.sentences.r
        if r is None:
            return None
        return 2 * p * r / (p + r) if self.sentences.tp else 0

    @property
    def span_f1(self) -> Fraction | float | None:
        p, r = self.span_p.value, self.span_r.value
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0

    @property
    def journalist_f1(self) -> Fraction | float | None:
        j = self.journalist
        if j.tp:
            p, r = j.p, j.r
            assert p is not None and r is not None
            return 2 * p * r / (p + r)
        return 0 if j.gold or j.pred else None

    @property
    def claimer_f1(self) -> Fraction | float | None:
        """Reported and journalist F1 weighted by their gold counts."""
        parts = [(self.reported.n, self.reported.value),
                 (self.journalist.gold, self.journalist_f1)]
        parts = [(n, v) for n, v in parts if n]
        weight: Any = sum(n for n, _ in parts)
        if not weight:
            return None
        total: Any = sum(n * v for n, v in parts if v is not None)
        return ratio(total, weight)

    def to_dict(self) -> dict[str, Any]:
        s, j = self.sentences, self.journalist
        return {
            "documents": self.documents,
            "claim_sentences": {"p": as_float(self.sentence_p), "r": as_float(s.r),
                                "f1": as_float(self.sentence_f1), "tp": s.tp, "pred": s.pred,
                                "gold": s.gold},
            "claim_span": {"p": as_float(self.span_p.value), "r": as_float(self.span_r.value),
                           "f1": as_float(self.span_f1), "gold_claims": self.span_p.n},
            "claimer": {"f1": as_float(self.claimer_f1),
                        "reported": self.reported.to_dict(),
                        "journalist": {"p": as_float(j.p), "r": as_float(j.r),
                                       "f1": as_float(self.journalist_f1), "tp": j.tp,
                                       "pred": j.pred, "gold": j.gold},
                        "in_sentence": self.in_sentence.to_dict(),
                        "out_of_sentence": self.out_of_sentence.to_dict()},
            "note": NOTE,
        }


def figures(t: Tally, documents: int) -> NewsClaimsFigures:
    return NewsClaimsFigures(
        documents=documents,
        sentences=PRF(t["sentences.tp"], t["sentences.pred"], t["sentences.gold"]),
        span_p=Mean(t["span.p"], t["span.n"]),
        span_r=Mean(t["span.r"], t["span.n"]),
        reported=Mean(t["reported.sum"], t["reported.n"]),
        journalist=PRF(t["journalist.tp"], t["journalist.pred"], t["journalist.gold"]),
        in_sentence=Mean(t["in_sentence.sum"], t["in_sentence.n"]),
        out_of_sentence=Mean(t["out_sentence.sum"], t["out_sentence.n"]),
    )
