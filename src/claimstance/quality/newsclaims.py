"""NewsClaims' evaluation (Reddy et al., 2022) on the data its official scripts read.

blender-nlp/NewsClaims scores one claim per claim sentence: its gold file maps a document to
its claim sentences, each with one claim (`claim_span`, `has_claimer`, `claimer`,
`claimer_in_sentence`); a prediction file gives one entry per gold claim sentence for the
span and claimer tasks, and the set of sentences predicted to hold a claim for claim
detection (`eval/eval_claim_detection.py`). `entries` turns a gold layer and a prediction
into exactly that data, `claimstance export --format newsclaims` writes it, and `tally`
scores it, so the official scripts run on the export print the figures `score --mode
newsclaims` prints. The rules (one place for each):

- a sentence is keyed by its index in the document's sentences (`all_sents.json`), as a
  string; a claim belongs to the sentence its first character is in;
- a sentence with several gold claims keeps the first in text order; the others cannot be
  represented and are counted (`not_representable`);
- a sentence's prediction is the predicted claim starting in it that overlaps its gold claim
  most (ties: the first in text order), else the first predicted claim starting in it; a
  gold claim sentence in which no predicted claim starts gets `NOTHING`, which scores 0 for
  its span and its claimer and is not a predicted <AUTHOR> (the script needs an entry);
- claim detection is the set of sentences in which a predicted claim starts;
- `claim_span` is [first, last] in code points from the sentence's start, last inclusive
  (the scores depend only on the spans' relative position);
- `claimer` is the text of the claimant (a mention or a predicted span), `has_claimer` is
  false for the article's own claim (<AUTHOR>); `claimer_in_sentence` whether the gold
  claimant starts in the claim's sentence.

The figures follow the script: claim sentences (P 0 when nothing is predicted, F1 0 when
nothing is right); claim span (P = overlap / predicted length and R = overlap / gold length
per gold sentence, averaged, F1 of the means); claimer (SQuAD token F1 between claimer
strings, <AUTHOR> for "no claimer": reported claims averaged, journalist claims as P/R/F1
of <AUTHOR>, combined weighted by their counts). Where the script divides by zero or prints
nan, the figure is n/a and `Figures.reasons` says why.

claimstance stances are third parties' positions towards a claim, not the claimer's own
stance that NewsClaims scores: they are not comparable and are not scored in this mode.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..corpus.items import Items, Span
from ..corpus.segmentation import Segmentation
from .matching import common
from .scoring import Number, Tally, as_float, ratio

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
    """NewsClaims' span P and R of two [first, last] spans (last inclusive)."""
    tp = common((pred[0], pred[1] + 1), (gold[0], gold[1] + 1))
    return Fraction(tp, pred[1] - pred[0] + 1), Fraction(tp, gold[1] - gold[0] + 1)


# --- the data the official scripts read ------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One claim sentence's claim, as NewsClaims' files hold it."""

    claim_span: tuple[int, int]  # [first, last] code points from the sentence's start
    has_claimer: bool
    claimer: str  # the claimant's text; AUTHOR when has_claimer is false
    claimer_in_sentence: bool | None = None  # gold only (None in predictions)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"claim_span": list(self.claim_span),
                               "has_claimer": self.has_claimer, "claimer": self.claimer}
        if self.claimer_in_sentence is not None:
            out["claimer_in_sentence"] = self.claimer_in_sentence
        return out


#: a gold claim sentence in which no predicted claim starts: a one-character span before the
#: text (overlap 0, so span P = R = 0, and no division by zero) and an empty claimer (F1 0,
#: not a predicted <AUTHOR>)
NOTHING = Entry((-1, -1), True, "")


@dataclass
class DocEntries:
    """A document in NewsClaims' files: gold and predicted entries by sentence key."""

    sentences: list[str]  # the texts of all sentences (all_sents.json)
    gold: dict[str, Entry] = field(default_factory=dict)
    predicted: dict[str, Entry] = field(default_factory=dict)  # one per gold key
    detected: list[str] = field(default_factory=list)  # sentences where a prediction starts
    not_representable: int = 0  # gold claims after the first of their sentence
    predictions_left_out: int = 0  # predicted claims in no entry (detection still has them)


def _by_sentence(claims: list[tuple[int, int, str]], seg: Segmentation) -> dict[int, list[int]]:
    """Claim indexes by the sentence their start is in, each list in text order."""
    out: dict[int, list[int]] = {}
    for k in sorted(range(len(claims)), key=lambda k: (claims[k][0], claims[k][1], k)):
        out.setdefault(seg.sentence_of(claims[k][0]), []).append(k)
    return out


def _claimer(text: str, items: Items, k: int) -> tuple[bool, str, Span | None]:
    who = items.claimants[k]
    if who is None:
        return False, AUTHOR, None
    span = items.people()[who]
    return True, text[span[0]:span[1]], span


def entries(text: str, gold: Items, pred: Items | None, seg: Segmentation) -> DocEntries:
    """The NewsClaims data of one document: gold entries, and those of a prediction."""
    out = DocEntries([text[a:b] for a, b in seg.sentences])
    starts = [a for a, _ in seg.sentences]

    def entry(items: Items, k: int, sentence: int, is_gold: bool) -> Entry:
        s, e, _ = items.claims[k]
        has, claimer, span = _claimer(text, items, k)
        inside = None  # predictions do not say; gold: whether its claimant starts there
        if is_gold:
            inside = span is not None and seg.sentence_of(span[0]) == sentence
        return Entry((s - starts[sentence], e - 1 - starts[sentence]), has, claimer, inside)

    firsts: dict[str, int] = {}
    for sentence, ks in sorted(_by_sentence(gold.claims, seg).items()):
        firsts[str(sentence)] = ks[0]
        out.gold[str(sentence)] = entry(gold, ks[0], sentence, True)
        out.not_representable += len(ks) - 1
    if pred is None:
        return out
    starting = _by_sentence(pred.claims, seg)
    out.detected = [str(k) for k in sorted(starting)]
    for key, first in firsts.items():
        ks = starting.get(int(key), [])
        if not ks:
            out.predicted[key] = NOTHING
            continue
        g = gold.claims[first]  # the most overlap; ties and no overlap: the first in text
        best = max(ks, key=lambda j: common(g, pred.claims[j]))  # max keeps the first of ties
        out.predicted[key] = entry(pred, best, int(key), False)
    out.predictions_left_out = len(pred.claims) - sum(
        1 for v in out.predicted.values() if v is not NOTHING)
    return out


# --- scoring that data -----------------------------------------------------------------------

def tally(doc: DocEntries) -> Tally:
    """NewsClaims' counts of one document, from its entries as the script reads them."""
    t = Tally()
    gold_keys, pred_keys = set(doc.gold), set(doc.detected)
    t["sentences.tp"] += len(gold_keys & pred_keys)
    t["sentences.pred"] += len(pred_keys)
    t["sentences.gold"] += len(gold_keys)
    t["not_representable"] += doc.not_representable
    for key, g in doc.gold.items():
        p = doc.predicted.get(key, NOTHING)
        sp, sr = span_scores(g.claim_span, p.claim_span)
        t["span.p"] += sp
        t["span.r"] += sr
        t["span.n"] += 1
        if not p.has_claimer:
            t["journalist.pred"] += 1
        if not g.has_claimer:
            t["journalist.gold"] += 1
            t["journalist.tp"] += 0 if p.has_claimer else 1
            continue
        f = token_f1(p.claimer if p.has_claimer else AUTHOR, g.claimer)
        where = "in_sentence" if g.claimer_in_sentence else "out_sentence"
        for k in ("reported", where):
            t[f"{k}.n"] += 1
            t[f"{k}.sum"] += f
    return t


Figure = Fraction | float | None

#: why the official script prints no number (a division by zero) or nan
NO_GOLD = "no gold claim: the official script divides by zero"
NAN_EMPTY = "nothing to average: the official script prints nan"
NAN_SPAN = "mean P and R are both 0: the official script prints nan"
NO_AUTHOR_PRED = "no <AUTHOR> predicted: the official script divides by zero"
NO_AUTHOR_GOLD = "no gold claim without a claimer: the official script divides by zero"
NO_AUTHOR_RIGHT = "no <AUTHOR> predicted correctly: the official script divides by zero"
NO_REPORTED = "no gold claim with a claimer: the official script prints nan"


def _f1(p: Figure, r: Figure) -> Figure:
    return None if p is None or r is None or not p + r else 2 * p * r / (p + r)


@dataclass(frozen=True)
class Mean:
    total: Number
    n: Number

    @property
    def value(self) -> Figure:
        return ratio(self.total, self.n)


@dataclass(frozen=True)
class NewsClaimsFigures:
    """The figures the official script prints, each with the counts it rests on; n/a (None)
    where the script divides by zero or prints nan, and the reason in `reasons`."""

    documents: int
    sentence_tp: Number
    sentence_pred: Number
    sentence_gold: Number
    span_p: Mean
    span_r: Mean
    reported: Mean
    journalist_tp: Number
    journalist_pred: Number
    journalist_gold: Number
    in_sentence: Mean
    out_of_sentence: Mean
    not_representable: Number

    @property
    def sentence_p(self) -> Figure:
        return ratio(self.sentence_tp, self.sentence_pred) or 0  # the script's P is 0 then

    @property
    def sentence_r(self) -> Figure:
        return ratio(self.sentence_tp, self.sentence_gold)

    @property
    def sentence_f1(self) -> Figure:
        if self.sentence_r is None:
            return None
        return _f1(self.sentence_p, self.sentence_r) if self.sentence_tp else 0

    @property
    def span_f1(self) -> Figure:
        return _f1(self.span_p.value, self.span_r.value)

    @property
    def journalist_p(self) -> Figure:
        return ratio(self.journalist_tp, self.journalist_pred)

    @property
    def journalist_r(self) -> Figure:
        return ratio(self.journalist_tp, self.journalist_gold)

    @property
    def journalist_f1(self) -> Figure:
        return _f1(self.journalist_p, self.journalist_r)

    @property
    def claimer_f1(self) -> Figure:
        """Reported and journalist F1 weighted by their gold counts (the script's Final F1)."""
        r, j = self.reported.value, self.journalist_f1
        if r is None or j is None:
            return None
        n_r, n_j = self.reported.n, self.journalist_gold
        return (n_r * r + n_j * j) / (n_r + n_j)

    @property
    def reasons(self) -> dict[str, str]:
        """Why each n/a figure is n/a, by its path in `to_dict()`."""
        out: dict[str, str] = {}
        if not self.sentence_gold:
            out["claim_sentences.r"] = out["claim_sentences.f1"] = NO_GOLD
        if not self.span_p.n:
            for k in ("p", "r", "f1"):
                out[f"claim_span.{k}"] = NAN_EMPTY
        elif self.span_f1 is None:
            out["claim_span.f1"] = NAN_SPAN
        if not self.reported.n:
            out["claimer.reported.f1"] = NAN_EMPTY
        if not self.journalist_pred:
            out["claimer.journalist.p"] = NO_AUTHOR_PRED
        if not self.journalist_gold:
            out["claimer.journalist.r"] = NO_AUTHOR_GOLD
        if self.journalist_f1 is None:
            out["claimer.journalist.f1"] = (out.get("claimer.journalist.p")
                                            or out.get("claimer.journalist.r") or NO_AUTHOR_RIGHT)
        if self.claimer_f1 is None:
            out["claimer.f1"] = (out["claimer.journalist.f1"] if self.journalist_f1 is None
                                 else NO_REPORTED)
        for key, mean in (("in_sentence", self.in_sentence),
                          ("out_of_sentence", self.out_of_sentence)):
            if not mean.n:
                out[f"claimer.{key}.f1"] = NAN_EMPTY
        return out

    def values(self) -> dict[str, Figure]:
        """Every figure the official script prints, by its path in `to_dict()`."""
        return {
            "claim_sentences.p": self.sentence_p, "claim_sentences.r": self.sentence_r,
            "claim_sentences.f1": self.sentence_f1,
            "claim_span.p": self.span_p.value, "claim_span.r": self.span_r.value,
            "claim_span.f1": self.span_f1,
            "claimer.f1": self.claimer_f1, "claimer.reported.f1": self.reported.value,
            "claimer.journalist.p": self.journalist_p, "claimer.journalist.r": self.journalist_r,
            "claimer.journalist.f1": self.journalist_f1,
            "claimer.in_sentence.f1": self.in_sentence.value,
            "claimer.out_of_sentence.f1": self.out_of_sentence.value,
        }

    def to_dict(self) -> dict[str, Any]:
        counts = {
            "claim_sentences": {"tp": self.sentence_tp, "pred": self.sentence_pred,
                                "gold": self.sentence_gold},
            "claim_span": {"gold_claims": self.span_p.n},
            "claimer.reported": {"n": self.reported.n},
            "claimer.journalist": {"tp": self.journalist_tp, "pred": self.journalist_pred,
                                   "gold": self.journalist_gold},
            "claimer.in_sentence": {"n": self.in_sentence.n},
            "claimer.out_of_sentence": {"n": self.out_of_sentence.n},
        }
        out: dict[str, Any] = {"documents": self.documents}

        def node(path: str) -> dict[str, Any]:
            n = out
            for k in path.split("."):
                n = n.setdefault(k, {})
            return n

        for path, value in self.values().items():
            parent, key = path.rsplit(".", 1)
            node(parent)[key] = as_float(value)
        for parent, numbers in counts.items():
            node(parent).update(numbers)
        return out | {"not_representable": self.not_representable, "n/a": self.reasons,
                      "note": NOTE}


def figures(t: Tally, documents: int) -> NewsClaimsFigures:
    return NewsClaimsFigures(
        documents=documents,
        sentence_tp=t["sentences.tp"], sentence_pred=t["sentences.pred"],
        sentence_gold=t["sentences.gold"],
        span_p=Mean(t["span.p"], t["span.n"]), span_r=Mean(t["span.r"], t["span.n"]),
        reported=Mean(t["reported.sum"], t["reported.n"]),
        journalist_tp=t["journalist.tp"], journalist_pred=t["journalist.pred"],
        journalist_gold=t["journalist.gold"],
        in_sentence=Mean(t["in_sentence.sum"], t["in_sentence.n"]),
        out_of_sentence=Mean(t["out_sentence.sum"], t["out_sentence.n"]),
        not_representable=t["not_representable"],
    )
