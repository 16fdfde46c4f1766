"""Inter-annotator agreement between annotators of the same documents.

For each pair of annotators and each document both annotated, items are paired by the one
matcher (`matching`): spans exactly (same offsets) and by overlap. From the pairs come span
F1 (exact and overlap), Krippendorff's alpha (nominal, from coincidence counts) for
mention types, claim types and stance labels over paired items, and the share of paired
claims whose claimants match. Alpha only sees what both annotators marked, so the first
annotator (by name) is also scored as gold against the second with the scorer's own
definitions (`scoring.tally`): claimant-link F1 and stance-triple F1 count a claimant or a
stance that one annotator forgot, and per-label F1 tables show where they differ.
Krippendorff's unitizing alpha (`unitizing`) measures the mention and claim spans
themselves. Every figure carries the number of items it rests on; corpus figures pool the
items of every pair and document.

A document with K annotator layers is K (K - 1) / 2 comparisons, and each pair's figures
are kept for its own row: work and memory inherent to pairwise figures, which grow with the
square of K. So a document with more than `MAX_LAYERS` annotator layers is left out of the
figures, with a coded warning (`agreement-too-many-layers`) in every output and the card.
Each layer is turned into items once per document, not once per pair.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..corpus.items import Items, from_layer
from ..corpus.layout import Corpus
from ..corpus.naming import GOLD
from ..corpus.parallel import gc_paused, map_chunks
from ..corpus.schema import claim_types, mention_types, stance_labels
from ..problems import Code, Problem, Refused, Report, problem
from ..validation.plan import Work, plan_for
from ..validation.run import Checked, check_docs
from .scoring import Tally, label_pairs, pair, tally
from .unitizing import Unitizing, pooled

Layer = dict[str, Any]
Span = tuple[int, int]

#: Annotator layers of one document that agreement compares, at most: 50 layers are 1,225
#: pairs (about a second); 1,000 would be half a million.
MAX_LAYERS = 50


@dataclass(frozen=True)
class SpanCounts:
    """Matched and total items for F1: 2 * matched / (items of A + items of B)."""

    matched: int = 0
    total: int = 0  # items of A + items of B

    @property
    def f1(self) -> float | None:
        return 2 * self.matched / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {"f1": _round(self.f1), "matched": self.matched, "items": self.total}


def alpha(units: Iterable[tuple[str, str]] | Counter[tuple[str, str]]) -> float | None:
    """Krippendorff's alpha (nominal) over two-coder units; None when undefined.

    From the coincidence counts (every unit (a, b) adds one to o[a, b] and one to o[b, a]):
    alpha = 1 - (n - 1) * sum_{c != k} o[c, k] / sum_{c != k} n_c * n_k, with n = 2 x units.
    Undefined without units, or when every value is the same (no variation to agree about);
    the observed agreement is reported beside it.
    """
    pairs = units if isinstance(units, Counter) else Counter(units)
    totals: Counter[str] = Counter()
    disagree = 0
    for (a, b), k in pairs.items():
        totals[a] += k
        totals[b] += k
        if a != b:
            disagree += 2 * k
    return alpha_from(totals.values(), disagree)


def alpha_from(totals: Iterable[int], disagree: int) -> float | None:
    """`alpha` from what it rests on: n_c (how often each value occurs, both coders
    together) and sum_{c != k} o[c, k] (twice the disagreeing units); so the counts a tally
    keeps of paired labels (per label gold + pred, pairs - equal) give it too."""
    n_c = list(totals)
    n = sum(n_c)
    expected = n * n - sum(v * v for v in n_c)  # sum over c != k of n_c n_k
    if not n or not expected:
        return None
    return 1 - (n - 1) * disagree / expected


def _units() -> dict[str, Unitizing]:
    return {t: Unitizing() for t in mention_types()}


@dataclass
class Agreement:
    """Agreement figures of one pair (or pooled over pairs), mergeable: the scorer's counts
    with the first annotator as gold (`scoring.tally`: spans, claims, claimants, stances
    and the labels of paired items), the mentions paired by overlap and their types (as
    `linked_type`, counted like the scorer's labels), and unitizing."""

    documents: int = 0
    counts: Tally = field(default_factory=Tally)
    mention_units: dict[str, Unitizing] = field(default_factory=_units)
    claim_units: Unitizing = field(default_factory=Unitizing)

    def merge(self, other: Agreement, *, documents: bool = True) -> None:
        """Add another's figures (and, with `documents`, its count of documents: pairs of
        one document pooled for the corpus count it once)."""
        if documents:
            self.documents += other.documents
        self.counts.add(other.counts)
        for t, u in other.mention_units.items():  # both hold every mention type
            self.mention_units[t].merge(u)
        self.claim_units.merge(other.claim_units)

    def _spans(self, matched: str, kind: str) -> dict[str, Any]:
        t = self.counts
        return SpanCounts(t[matched], t[f"{kind}.gold"] + t[f"{kind}.pred"]).to_dict()

    def _labels(self, name: str, labels: Iterable[str]) -> dict[str, Any]:
        """Alpha and observed agreement of the labels of paired items, from their counts:
        n_c = pairs labelled c by either annotator, disagreeing pairs = pairs - equal."""
        t = self.counts
        n, equal = t[f"{name}.pairs"], t[f"{name}.equal"]
        n_c = [t[f"{name}.{label}.gold"] + t[f"{name}.{label}.pred"] for label in labels]
        return {"alpha": _round(alpha_from(n_c, 2 * (n - equal))),
                "observed_agreement": _round(equal / n if n else None), "items": n}

    def per_label(self) -> dict[str, dict[str, Any]]:
        """F1 per label (2 x both / (first's + second's)): mention types over exact spans,
        claim types over paired claims, stance labels over stances on the same pair."""
        t = self.counts
        return {name: {label: SpanCounts(t[f"{name}.{label}.tp"],
                                         t[f"{name}.{label}.gold"] + t[f"{name}.{label}.pred"])
                       .to_dict() for label in labels}
                for name, labels in (("mention_type", mention_types()),
                                     ("claim_type", claim_types()),
                                     ("stance_label", stance_labels()))}

    def to_dict(self) -> dict[str, Any]:
        t = self.counts
        paired_claims = t["claims.overlap"]
        mentions_u = pooled(self.mention_units.values())
        return {
            "documents": self.documents,
            "mention_spans": {"exact": self._spans("mentions.span", "mentions"),
                              "overlap": self._spans("mentions.linked", "mentions")},
            "mention_type": self._labels("linked_type", mention_types()),
            "claim_spans": {"exact": self._spans("claims.exact", "claims"),
                            "overlap": self._spans("claims.overlap", "claims")},
            # paired claims whose claimants are both the article or paired mentions
            "claimant": {"agreement": _round(t["claimant.tp"] / paired_claims
                                             if paired_claims else None),
                         "items": paired_claims},
            "claimant_link": self._spans("claimant.tp", "claims"),
            "claim_type": self._labels("claim_type", claim_types()),
            "stance_label": self._labels("stance_label", stance_labels()),
            "stance_triples": self._spans("stances.tp", "stances"),
            "per_label": self.per_label(),
            "unitizing": {
                "mentions": {"alpha": _round(None if mentions_u is None else float(mentions_u)),
                             "units": sum(u.n_units for u in self.mention_units.values()),
                             "per_type": {t: u.to_dict()
                                          for t, u in self.mention_units.items()}},
                "claims": self.claim_units.to_dict(),
                "merged_overlapping_units": self.claim_units.joined + sum(
                    u.joined for u in self.mention_units.values()),
            },
        }


def compare(a: Layer, b: Layer, length: int) -> Agreement:
    """Agreement of two layers of one document whose text has `length` characters.

    Mentions and claims are paired and counted by the scorer (`scoring.pair`, `tally`: A
    as gold); B names no span outside its mentions, so its linked mentions are the mentions
    paired by overlap, and a claim pair's claimants agree exactly when the scorer counts a
    claimant link; stance labels are compared on the stances both made on paired mentions
    and claims, as the scorer does."""
    return _compare(from_layer(a), from_layer(b), length)


def _compare(items_a: Items, items_b: Items, length: int) -> Agreement:
    """`compare`, of two layers' items."""
    pairs = pair(items_a, items_b)
    counts = tally(items_a, items_b, paired=pairs)
    ma, mb = items_a.mentions, items_b.mentions
    counts["mentions.linked"] = len(pairs.linked)
    counts.update(Counter(label_pairs("linked_type",
                                      [(ma[i][2], mb[j][2]) for i, j in pairs.linked])))
    units: dict[str, tuple[list[Span], list[Span]]] = {t: ([], []) for t in mention_types()}
    for side, mentions in ((0, ma), (1, mb)):
        for start, end, t in mentions:
            if t in units:
                units[t][side].append((start, end))
    out = Agreement(documents=1, counts=counts)
    for t, (ua, ub) in units.items():
        out.mention_units[t].add(length, ua, ub)
    out.claim_units.add(length, [c[:2] for c in items_a.claims], [c[:2] for c in items_b.claims])
    return out


@dataclass
class AgreementReport:
    pairs: dict[tuple[str, str], Agreement] = field(default_factory=dict)
    corpus: Agreement = field(default_factory=Agreement)
    documents: list[str] = field(default_factory=list)  # with two or more annotators
    left_out: list[Problem] = field(default_factory=list)  # documents with too many layers

    def merge(self, other: AgreementReport) -> None:
        self.documents += other.documents
        self.left_out += other.left_out
        self.corpus.merge(other.corpus)
        for k, v in other.pairs.items():
            self.pairs.setdefault(k, Agreement()).merge(v)

    def add(self, doc_id: str, pairs: Iterable[tuple[tuple[str, str], Agreement]]) -> None:
        """One document's compared pairs: each to its pair's figures and to the corpus's
        (where the document counts once)."""
        self.documents.append(doc_id)
        self.corpus.documents += 1
        for key, one in pairs:
            self.pairs.setdefault(key, Agreement()).merge(one)
            self.corpus.merge(one, documents=False)

    def text(self) -> str:
        return table_text(self)

    def markdown(self) -> str:
        return table_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents,
                "corpus": self.corpus.to_dict(),
                "pairs": [{"annotators": list(k)} | v.to_dict()
                          for k, v in sorted(self.pairs.items())],
                "problems": [p.to_dict() for p in sorted(self.left_out)]}


def agreement(docs: Iterable[tuple[str, dict[str, Layer]]], lengths: Mapping[str, int],
              into: AgreementReport | None = None) -> AgreementReport:
    """Pairwise and pooled agreement over (doc_id, {annotator: layer}) of annotator layers;
    `lengths`: each document's text length (the continuum of unitizing alpha); `into`: a
    report to add them to (a build adds document after document)."""
    report = into if into is not None else AgreementReport()
    for doc_id, layers in docs:
        if len(layers) > MAX_LAYERS:
            report.left_out.append(too_many(doc_id, len(layers)))
            continue
        if len(layers) < 2:
            continue
        items = {a: from_layer(x) for a, x in layers.items()}
        report.add(doc_id, (((x, y), _compare(items[x], items[y], lengths[doc_id]))
                            for x, y in itertools.combinations(sorted(items), 2)))
    return report


def too_many(doc_id: str, layers: int) -> Problem:
    return problem(Code.AGREEMENT_TOO_MANY_LAYERS, f"annotations/{doc_id}", "",
                   f"{doc_id} has {layers} annotator layers: agreement compares every pair "
                   f"({layers * (layers - 1) // 2:,} pairs) and takes documents with at most "
                   f"{MAX_LAYERS}, so it is left out of the figures; to measure agreement on "
                   f"it, compare the layers of at most {MAX_LAYERS} of its annotators")


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


#: The figures tables show: label, where the figure's object sits in `to_dict()`, its value's
#: key and the key of the items it rests on.
FIGURES: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("mention spans, exact F1", ("mention_spans", "exact"), "f1", "items"),
    ("mention spans, overlap F1", ("mention_spans", "overlap"), "f1", "items"),
    ("mention type, alpha", ("mention_type",), "alpha", "items"),
    ("claim spans, exact F1", ("claim_spans", "exact"), "f1", "items"),
    ("claim spans, overlap F1", ("claim_spans", "overlap"), "f1", "items"),
    ("claimant, agreement", ("claimant",), "agreement", "items"),
    ("claim type, alpha", ("claim_type",), "alpha", "items"),
    ("stance label, alpha", ("stance_label",), "alpha", "items"),
    ("claimant link, F1", ("claimant_link",), "f1", "items"),
    ("stance triples, F1", ("stance_triples",), "f1", "items"),
    ("mention spans, alpha_U", ("unitizing", "mentions"), "alpha", "units"),
    ("claim spans, alpha_U", ("unitizing", "claims"), "alpha", "units"),
)


def _figures(d: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """(label, value, items) of each figure of one pair's (or the corpus's) `to_dict()`."""
    for label, path, value, items in FIGURES:
        at = functools.reduce(operator.getitem, path, d)
        yield label, at[value], at[items]


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def table_markdown(report: AgreementReport) -> str:
    """Corpus figures (and each pair's) as a Markdown table: figure, value, items."""
    d = report.to_dict()
    cols = [("corpus", d["corpus"])] + [(" vs ".join(p["annotators"]), p) for p in d["pairs"]]
    head = "| figure | " + " | ".join(f"{name} (n)" for name, _ in cols) + " |"
    lines = [head, "|---|" + "---:|" * len(cols)]
    rows = zip(*(_figures(c) for _, c in cols), strict=True)
    for row in rows:
        lines.append(f"| {row[0][0]} | " + " | ".join(f"{_fmt(value)} ({items})"
                                                     for _, value, items in row) + " |")
    lines += ["", "F1 per label, all pairs pooled (n: items of both annotators):", "",
              "| label set | label | F1 (n) |", "|---|---|---:|"]
    lines += [f"| {name} | {label} | {_fmt(v['f1'])} ({v['items']}) |"
              for name, label, v in _label_rows(d["corpus"])]
    lines += _left_out(report)
    return "\n".join(lines) + "\n"


def _left_out(report: AgreementReport) -> list[str]:
    """A line for each document left out of the figures (too many layers to compare)."""
    if not report.left_out:
        return []
    return ["", f"Left out: {len(report.left_out)} document(s) with more than {MAX_LAYERS} "
            "annotator layers:", ""] + [f"- `{p.code.value}` {p.path}: {p.message}"
                                        for p in sorted(report.left_out)]


def _label_rows(fig: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(label set, label, figure) of the labels either annotator used."""
    return [(name.replace("_", " "), label, v) for name, per in fig["per_label"].items()
            for label, v in per.items() if v["items"]]


def table_text(report: AgreementReport) -> str:
    if not report.documents:
        return "\n".join(["no document has two or more annotators: nothing to compare",
                          *_left_out(report)])
    d = report.to_dict()
    out = [f"{len(report.documents)} document(s) with two or more annotators", ""]
    for name, fig in [("corpus (all pairs pooled)", d["corpus"])] + [
            (" vs ".join(p["annotators"]) + f" ({p['documents']} doc)", p) for p in d["pairs"]]:
        out.append(name)
        for label, value, items in _figures(fig):
            out.append(f"  {label:<28}{_fmt(value):>8}   n={items}")
        out.append("")
    out.append("F1 per label, all pairs pooled")
    out += [f"  {name + ' ' + label:<28}{_fmt(v['f1']):>8}   n={v['items']}"
            for name, label, v in _label_rows(d["corpus"])]
    out += ["", "n: items the figure rests on (F1: items of both annotators; alpha and "
            "claimant: matched pairs; alpha_U: units of both annotators). alpha is n/a when "
            "every value is the same. Claimant link and stance triples score the first "
            "annotator (by name) as gold: a claimant or stance one of them forgot lowers them. "
            "alpha_U: Krippendorff's unitizing alpha over the characters of the texts."]
    out += _left_out(report)
    return "\n".join(out)


def corpus_agreement(root: str | Path | None, doc_ids: Iterable[str] = (), *,
                     progress: bool = False, jobs: int | None = None) -> AgreementReport:
    """Agreement over the annotator layers (not gold) of the given documents (default: all).

    Refuses (`Refused`) unknown documents and invalid layers: agreement on them means nothing.
    Each file is read once: documents are validated and compared in the same pass, in
    chunks over `jobs` processes, and only the chunks' (mergeable, label-sized) figures
    come back, so memory does not grow with the corpus.
    """
    corpus = Corpus.at(root)
    ids = corpus.select(doc_ids)
    plan, work = plan_for(corpus, [corpus.seed_path(d) for d in ids])
    checked = Report()
    checked.extend(plan.problems)
    report = AgreementReport()
    for done, part in map_chunks(partial(_agree_chunk, corpus), work, jobs=jobs,
                                 progress="comparing" if progress else None):
        done.into(checked)
        report.merge(part)
    if not checked.valid:
        raise Refused("fix these problems first: agreement on invalid layers means nothing",
                      checked.problems, checked)
    return report


def _agree_chunk(corpus: Corpus, part: Sequence[Work]) -> tuple[Checked, AgreementReport]:
    """Check a chunk of documents and compare the layers of the valid ones, from one
    reading of each file (in a worker process, for a large corpus)."""
    checked, report = Checked(), AgreementReport()
    with gc_paused():  # parsed JSON makes no cycles
        for res in check_docs(corpus, part, keep=True):
            checked.add(res)
            if not res.has_errors and res.seed is not None:
                layers = {a: x for a, x in res.layers.items() if a != GOLD}
                agreement([(res.doc_id, layers)], {res.doc_id: len(res.seed["text"])},
                          into=report)
    return checked, report
