"""Predicted items against gold: counts per document, figures from pooled counts.

Pure functions. `tally` counts one document (gold `Items` against predicted `Items`);
tallies add up, so a split's or the corpus's figures are micro-averages over its documents,
and a bootstrap replicate is just another sum. `figures` turns a tally into P/R/F1 with the
counts they rest on.

Definitions (docs in the dataset card's Evaluation section and README):
- mentions *strict*: exact offsets and the same type; *span*: exact offsets; per type strict.
- claims *exact* and *overlap* (the matcher in `matching`); *token overlap* P = sum over
  overlap pairs of shared tokens / tokens of all predicted claims, R = the same / tokens of
  all gold claims (tokens: the one segmenter's non-space tokens).
- claim type accuracy and macro-F1 over overlap pairs.
- claimant attribution: a claim pair whose claimants are both the article (null) or whose
  gold claimant mention is linked to the predicted claimant (mentions are linked by the
  overlap matcher on spans, with spans a prediction named only as a claimant or holder).
- stance triples: holder linked, claim paired, same label; stance accuracy and macro-F1
  over the stance pairs with a linked holder and a paired claim.
P = tp / predicted, R = tp / gold, F1 = 2 tp / (predicted + gold); a ratio with a zero
denominator is n/a (None), never 0 or 1.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..corpus.items import Items, Span
from ..corpus.schema import claim_types, mention_types, stance_labels
from .matching import common, match

Number = int | float | Fraction


class Tally(dict[str, Any]):
    """Counts by key (ints; NewsClaims' sums of ratios are Fractions); a missing key is 0.
    Tallies add up, so pooled figures are micro-averages."""

    def __missing__(self, key: str) -> int:
        return 0

    def add(self, other: dict[str, Any]) -> Tally:
        for k, v in other.items():
            self[k] = self[k] + v
        return self


def ratio(a: Number, b: Number) -> Fraction | float | None:
    """a / b, exact for integers; None (n/a) when b is 0."""
    if not b:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return Fraction(a, b)
    return a / b


def as_float(x: Fraction | float | None, places: int = 6) -> float | None:
    return None if x is None else round(float(x), places)


@dataclass(frozen=True)
class PRF:
    """tp of `pred` predicted and `gold` gold items."""

    tp: Number
    pred: Number
    gold: Number

    @property
    def p(self) -> Fraction | float | None:
        return ratio(self.tp, self.pred)

    @property
    def r(self) -> Fraction | float | None:
        return ratio(self.tp, self.gold)

    @property
    def f1(self) -> Fraction | float | None:
        return ratio(2 * self.tp, self.pred + self.gold)

    def to_dict(self) -> dict[str, Any]:
        return {"p": as_float(self.p), "r": as_float(self.r), "f1": as_float(self.f1),
                "tp": self.tp, "pred": self.pred, "gold": self.gold}


@dataclass(frozen=True)
class LabelScores:
    """Labels of paired items: accuracy, and per label F1 (gold label vs predicted label)."""

    pairs: Number
    equal: Number
    per_label: dict[str, PRF]

    @property
    def accuracy(self) -> Fraction | float | None:
        return ratio(self.equal, self.pairs)

    @property
    def macro_f1(self) -> Fraction | float | None:
        """Mean F1 over the labels that occur on either side of the pairs."""
        seen: list[Any] = [f.f1 for f in self.per_label.values() if f.pred or f.gold]
        return sum(seen[1:], seen[0]) / len(seen) if seen else None

    def to_dict(self) -> dict[str, Any]:
        return {"accuracy": as_float(self.accuracy), "macro_f1": as_float(self.macro_f1),
                "pairs": self.pairs, "equal": self.equal,
                "per_label": {k: v.to_dict() for k, v in self.per_label.items()}}


@dataclass(frozen=True)
class TokenOverlap:
    overlap: Number
    pred: Number
    gold: Number

    @property
    def p(self) -> Fraction | float | None:
        return ratio(self.overlap, self.pred)

    @property
    def r(self) -> Fraction | float | None:
        return ratio(self.overlap, self.gold)

    def to_dict(self) -> dict[str, Any]:
        return {"p": as_float(self.p), "r": as_float(self.r), "overlap": self.overlap,
                "pred": self.pred, "gold": self.gold}


# --- counting one document --------------------------------------------------------------

def _token_range(starts: list[int], ends: list[int], span: Span) -> tuple[int, int]:
    """Indexes [first, last) of the tokens a span touches."""
    return bisect.bisect_right(ends, span[0]), bisect.bisect_left(starts, span[1])


class _Keys(dict[Any, str]):
    """The tally key of each label (or tuple of labels) for one pattern, formatted once."""

    def __init__(self, pattern: str) -> None:
        super().__init__()
        self.pattern = pattern

    def __missing__(self, labels: str | tuple[str, ...]) -> str:
        key = self[labels] = self.pattern.format(*labels) if isinstance(labels, tuple) \
            else self.pattern.format(labels)
        return key


@functools.cache
def _keys(pattern: str) -> _Keys:
    return _Keys(pattern)


def _each(pattern: str, labels: Iterable[Any]) -> Iterator[str]:
    """The key of each label: `Counter` counts them all in one pass."""
    return map(_keys(pattern).__getitem__, labels)


def label_pairs(name: str, pairs: Iterable[tuple[str, str]]) -> Iterator[str]:
    """Keys to count for the labels of paired items (gold, predicted): `name.pairs`, and
    `name.equal` where they agree; per label `.gold`, `.pred`, and `.tp` where they agree."""
    gold, pred, tp = (_keys(f"{name}.{{}}.{x}") for x in ("gold", "pred", "tp"))
    n_pairs, n_equal = f"{name}.pairs", f"{name}.equal"
    for g, p in pairs:
        yield n_pairs
        yield gold[g]
        yield pred[p]
        if g == p:
            yield n_equal
            yield tp[g]


@dataclass(frozen=True)
class Pairs:
    """How the items of one document are paired, (gold index, predicted index) each."""

    strict: list[tuple[int, int]]  # mentions: the same offsets and type
    spans: list[tuple[int, int]]  # mentions: the same offsets
    linked: list[tuple[int, int]]  # mentions (and named spans) by overlap: claimant, holder
    claims_exact: list[tuple[int, int]]
    claims: list[tuple[int, int]]  # by overlap


def pair(gold: Items, pred: Items) -> Pairs:
    """Every pairing the figures rest on, by the one matcher. Mentions are linked (for
    claimants and holders) by overlap on spans, over everything a claimant or holder may
    point to."""
    return Pairs(strict=match(gold.mentions, pred.mentions, by_label=True),
                 spans=match(gold.mentions, pred.mentions),
                 linked=match(gold.people(), pred.people(), overlap=True),
                 claims_exact=match(gold.claims, pred.claims),
                 claims=match(gold.claims, pred.claims, overlap=True))


def tally(gold: Items, pred: Items, tokens: Sequence[Span] | None = None,
          paired: Pairs | None = None) -> Tally:
    """The counts of one document; with `tokens`, also the claim token overlap (`paired`:
    the pairs, when the caller has them already)."""
    found = paired or pair(gold, pred)
    t = Tally()
    gm, pm = gold.mentions, pred.mentions
    strict, span = found.strict, found.spans
    t["mentions.gold"] = len(gm)
    t["mentions.pred"] = len(pm)
    t["mentions.strict"] = len(strict)
    t["mentions.span"] = len(span)

    gc, pc = gold.claims, pred.claims
    pairs = found.claims
    t["claims.gold"] = len(gc)
    t["claims.pred"] = len(pc)
    t["claims.exact"] = len(found.claims_exact)
    t["claims.overlap"] = len(pairs)
    if tokens is not None:
        starts, ends = (list(x) for x in zip(*tokens, strict=True)) if tokens else ([], [])

        def size(s: tuple[int, int, str]) -> int:
            first, last = _token_range(starts, ends, (s[0], s[1]))
            return max(0, last - first)

        t["tokens.gold"] = sum(map(size, gc))
        t["tokens.pred"] = sum(map(size, pc))
        overlap = sum(common(_token_range(starts, ends, gc[i][:2]),
                             _token_range(starts, ends, pc[j][:2])) for i, j in pairs)
        if pairs:
            t["tokens.overlap"] = overlap

    linked = dict(found.linked)
    claimant_tp = 0
    for i, j in pairs:
        g, p = gold.claimants[i], pred.claimants[j]
        if (g is None and p is None) or (g is not None and p is not None
                                         and linked.get(g) == p):
            claimant_tp += 1
    if claimant_tp:
        t["claimant.tp"] = claimant_tp

    person_of = {j: i for i, j in linked.items()}
    claim_of = {j: i for i, j in pairs}
    t["stances.gold"] = len(gold.stances)
    t["stances.pred"] = len(pred.stances)
    predicted: dict[tuple[int, int], str] = {}
    for h, c, label in pred.stances:
        if h in person_of and c in claim_of:
            predicted.setdefault((person_of[h], claim_of[c]), label)
    stance_pairs = [(label, predicted[(h, c)]) for h, c, label in gold.stances
                    if (h, c) in predicted]
    t["stances.tp"] = sum(1 for g, p in stance_pairs if g == p)
    # every per-label count in one pass (keys only for labels that occur)
    t.update(Counter(itertools.chain(
        _each("mention_type.{}.gold", [m[2] for m in gm]),
        _each("mention_type.{}.pred", [m[2] for m in pm]),
        _each("mention_type.{}.tp", [gm[i][2] for i, _ in strict]),
        _each("mention_confusion.{}.{}", [(gm[i][2], pm[j][2]) for i, j in span]),
        label_pairs("claim_type", [(gc[i][2], pc[j][2]) for i, j in pairs]),
        label_pairs("stance_label", stance_pairs))))
    return t


def total(tallies: Iterable[dict[str, Any]]) -> Tally:
    out = Tally()
    for t in tallies:
        out.add(t)
    return out


# --- figures ------------------------------------------------------------------------------

def _prf(t: Tally, key: str, tp: str) -> PRF:
    return PRF(t[tp], t[f"{key}.pred"], t[f"{key}.gold"])


def _label_scores(t: Tally, name: str, labels: Sequence[str]) -> LabelScores:
    return LabelScores(t[f"{name}.pairs"], t[f"{name}.equal"],
                       {lab: PRF(t[f"{name}.{lab}.tp"], t[f"{name}.{lab}.pred"],
                                 t[f"{name}.{lab}.gold"]) for lab in labels})


@dataclass(frozen=True)
class Figures:
    """Every figure of one scope (a split, the corpus, an annotator), with its counts."""

    documents: int
    mentions_strict: PRF
    mentions_span: PRF
    mention_types: dict[str, PRF]
    confusion: dict[str, dict[str, int]]
    claims_exact: PRF
    claims_overlap: PRF
    claim_tokens: TokenOverlap
    claim_type: LabelScores
    claimant: PRF
    stance_triples: PRF
    stance_label: LabelScores

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "mentions": {"strict": self.mentions_strict.to_dict(),
                         "span": self.mentions_span.to_dict(),
                         "per_type": {k: v.to_dict() for k, v in self.mention_types.items()},
                         "type_confusion": self.confusion},
            "claims": {"exact": self.claims_exact.to_dict(),
                       "overlap": self.claims_overlap.to_dict(),
                       "tokens": self.claim_tokens.to_dict(),
                       "type": self.claim_type.to_dict(),
                       "claimant": self.claimant.to_dict()},
            "stances": {"triples": self.stance_triples.to_dict(),
                        "label": self.stance_label.to_dict()},
        }


def figures(t: Tally, documents: int) -> Figures:
    confusion: dict[str, dict[str, int]] = {}
    for key in sorted(k for k in t if k.startswith("mention_confusion.")):
        _, g, p = key.split(".")
        confusion.setdefault(g, {})[p] = t[key]
    return Figures(
        documents=documents,
        mentions_strict=_prf(t, "mentions", "mentions.strict"),
        mentions_span=_prf(t, "mentions", "mentions.span"),
        mention_types={m: _prf(t, f"mention_type.{m}", f"mention_type.{m}.tp")
                       for m in mention_types()},
        confusion=confusion,
        claims_exact=_prf(t, "claims", "claims.exact"),
        claims_overlap=_prf(t, "claims", "claims.overlap"),
        claim_tokens=TokenOverlap(t["tokens.overlap"], t["tokens.pred"], t["tokens.gold"]),
        claim_type=_label_scores(t, "claim_type", claim_types()),
        claimant=PRF(t["claimant.tp"], t["claims.pred"], t["claims.gold"]),
        stance_triples=_prf(t, "stances", "stances.tp"),
        stance_label=_label_scores(t, "stance_label", stance_labels()),
    )


# --- bootstrap ----------------------------------------------------------------------------

def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Every figure (p, r, f1, accuracy, macro_f1, ...) of a `to_dict()` by dotted path;
    counts and n/a figures are left out."""
    out: dict[str, float] = {}
    for k, v in d.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict):
            out |= flatten(v, path + ".")
        elif k in FIGURE_KEYS and isinstance(v, float):
            out[path] = v
    return out


FIGURE_KEYS = frozenset({"p", "r", "f1", "accuracy", "macro_f1"})


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    replicates: int  # replicates in which the figure was defined

    def to_dict(self) -> dict[str, Any]:
        return {"low": round(self.low, 6), "high": round(self.high, 6),
                "replicates": self.replicates}


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks at q * (k - 1) (numpy's default)."""
    pos = q * (len(values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def bootstrap(tallies: Sequence[Tally], summarise: Callable[[Tally, int], dict[str, Any]],
              replicates: int, seed: int = 0) -> dict[str, Interval]:
    """95% percentile intervals of every figure, resampling documents with replacement.

    Each replicate draws n document indexes as int(random() * n) from random.Random(seed),
    whose sequence Python keeps the same across versions; a replicate where a figure is n/a
    does not count towards that figure's interval.
    """
    import numpy as np

    n = len(tallies)
    if not n or replicates < 1:
        return {}
    keys = sorted({k for t in tallies for k in t})
    exact = [k for k in keys if all(isinstance(t[k], int) for t in tallies)]
    inexact = [k for k in keys if k not in set(exact)]
    ints = np.array([[t[k] for k in exact] for t in tallies], dtype=np.int64).reshape(n, -1)
    reals = np.array([[float(t[k]) for k in inexact] for t in tallies],
                     dtype=np.float64).reshape(n, -1)
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {}
    for _ in range(replicates):
        draws = np.bincount([int(rng.random() * n) for _ in range(n)], minlength=n)
        pooled = Tally()
        for k, v in zip(exact, (draws @ ints).tolist(), strict=True):
            pooled[k] = int(v)
        for k, v in zip(inexact, (draws @ reals).tolist(), strict=True):
            pooled[k] = float(v)
        for path, value in flatten(summarise(pooled, n)).items():
            samples.setdefault(path, []).append(value)
    out = {}
    for path, values in sorted(samples.items()):
        values.sort()
        out[path] = Interval(percentile(values, 0.025), percentile(values, 0.975), len(values))
    return out


@dataclass
class Scope:
    """Documents scored together (a split or the corpus) and their tallies."""

    name: str
    doc_ids: list[str] = field(default_factory=list)
    tallies: list[Tally] = field(default_factory=list)

    def add(self, doc_id: str, t: Tally) -> None:
        self.doc_ids.append(doc_id)
        self.tallies.append(t)
