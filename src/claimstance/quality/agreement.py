"""Inter-annotator agreement between annotators of the same documents.

For each pair of annotators and each document both annotated, items are matched one to one:
spans exactly (same offsets) and by overlap (greedy, largest overlap first). From the
matches come span F1 (exact and overlap), and over the matched items Krippendorff's alpha
(nominal, via the `krippendorff` package) for mention types, claim types and stance labels,
plus the share of matched claims whose claimants match. Every figure carries the number of
items it rests on. Corpus figures pool the units of every pair and document.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.layout import Corpus
from ..corpus.naming import GOLD
from ..problems import Code, refuse
from ..validation.run import require_valid

Layer = dict[str, Any]
Span = tuple[int, int]


def match(a: list[Span], b: list[Span], *, overlap: bool) -> list[tuple[int, int]]:
    """One-to-one matches (index in a, index in b): equal spans, or overlapping ones."""
    if not overlap:
        where: dict[Span, list[int]] = {}
        for j, s in enumerate(b):
            where.setdefault(s, []).append(j)
        out = []
        for i, s in enumerate(a):
            if where.get(s):
                out.append((i, where[s].pop(0)))
        return out
    cands = []
    for i, (s1, e1) in enumerate(a):
        for j, (s2, e2) in enumerate(b):
            ov = min(e1, e2) - max(s1, s2)
            if ov > 0:
                cands.append((-ov, i, j))
    used_a: set[int] = set()
    used_b: set[int] = set()
    out = []
    for _, i, j in sorted(cands):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j))
    return sorted(out)


@dataclass
class SpanCounts:
    """Matched and total items for F1: 2 * matched / (items of A + items of B)."""

    matched: int = 0
    total: int = 0  # items of A + items of B

    def add(self, matched: int, n_a: int, n_b: int) -> None:
        self.matched += matched
        self.total += n_a + n_b

    @property
    def f1(self) -> float | None:
        return 2 * self.matched / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {"f1": _round(self.f1), "matched": self.matched, "items": self.total}


def alpha(units: list[tuple[str, str]]) -> float | None:
    """Krippendorff's alpha (nominal) over two-coder units; None when undefined.

    Alpha is undefined without units, or when every value is the same (no variation to
    agree about); the observed agreement is reported beside it.
    """
    values = sorted({v for u in units for v in u})
    if not units or len(values) < 2:
        return None
    import krippendorff
    import numpy as np

    index = {v: k for k, v in enumerate(values)}
    data = np.array([[index[a] for a, _ in units], [index[b] for _, b in units]], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


@dataclass
class LabelUnits:
    units: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self, with_alpha: bool = True) -> dict[str, Any]:
        """Alpha is skipped where values are open-ended (claimants: one per mention), since
        its coincidence matrix grows with the square of the distinct values."""
        n = len(self.units)
        agree = sum(1 for a, b in self.units if a == b)
        return {"alpha": _round(alpha(self.units)) if with_alpha else None,
                "observed_agreement": _round(agree / n if n else None), "items": n}


@dataclass
class Agreement:
    """Agreement figures of one pair (or pooled over pairs), mergeable."""

    documents: int = 0
    mention_exact: SpanCounts = field(default_factory=SpanCounts)
    mention_overlap: SpanCounts = field(default_factory=SpanCounts)
    claim_exact: SpanCounts = field(default_factory=SpanCounts)
    claim_overlap: SpanCounts = field(default_factory=SpanCounts)
    mention_type: LabelUnits = field(default_factory=LabelUnits)
    claim_type: LabelUnits = field(default_factory=LabelUnits)
    claimant: LabelUnits = field(default_factory=LabelUnits)
    stance: LabelUnits = field(default_factory=LabelUnits)

    def merge(self, other: Agreement) -> None:
        self.documents += other.documents
        for name in ("mention_exact", "mention_overlap", "claim_exact", "claim_overlap"):
            mine, theirs = getattr(self, name), getattr(other, name)
            mine.add(theirs.matched, theirs.total, 0)
        for name in ("mention_type", "claim_type", "claimant", "stance"):
            getattr(self, name).units.extend(getattr(other, name).units)

    def to_dict(self) -> dict[str, Any]:
        claimant = self.claimant.to_dict(with_alpha=False)
        return {
            "documents": self.documents,
            "mention_spans": {"exact": self.mention_exact.to_dict(),
                              "overlap": self.mention_overlap.to_dict()},
            "mention_type": self.mention_type.to_dict(),
            "claim_spans": {"exact": self.claim_exact.to_dict(),
                            "overlap": self.claim_overlap.to_dict()},
            "claimant": {"agreement": claimant["observed_agreement"],
                         "items": claimant["items"]},
            "claim_type": self.claim_type.to_dict(),
            "stance_label": self.stance.to_dict(),
        }


def _spans(items: list[dict[str, Any]]) -> list[Span]:
    return [(x["start"], x["end"]) for x in items]


def compare(a: Layer, b: Layer) -> Agreement:
    """Agreement of two layers of one document."""
    out = Agreement(documents=1)
    ma, mb = a["mentions"], b["mentions"]
    ca, cb = a["claims"], b["claims"]
    exact_m = match(_spans(ma), _spans(mb), overlap=False)
    over_m = match(_spans(ma), _spans(mb), overlap=True)
    out.mention_exact.add(len(exact_m), len(ma), len(mb))
    out.mention_overlap.add(len(over_m), len(ma), len(mb))
    out.mention_type.units += [(ma[i]["type"], mb[j]["type"]) for i, j in over_m]
    exact_c = match(_spans(ca), _spans(cb), overlap=False)
    over_c = match(_spans(ca), _spans(cb), overlap=True)
    out.claim_exact.add(len(exact_c), len(ca), len(cb))
    out.claim_overlap.add(len(over_c), len(ca), len(cb))
    out.claim_type.units += [(ca[i]["type"], cb[j]["type"]) for i, j in over_c]
    # ids differ between layers: a mention of A and of B are "the same" when matched
    m_ix = {ma[i]["id"]: k for k, (i, _) in enumerate(over_m)}
    m_jx = {mb[j]["id"]: k for k, (_, j) in enumerate(over_m)}

    def who(mid: str | None, ix: dict[str, int], side: str) -> str:
        if mid is None:
            return "the article"
        return f"mention {ix[mid]}" if mid in ix else f"unmatched {side}:{mid}"

    out.claimant.units += [(who(ca[i]["claimant"], m_ix, "a"), who(cb[j]["claimant"], m_jx, "b"))
                           for i, j in over_c]
    c_ix = {ca[i]["id"]: k for k, (i, _) in enumerate(over_c)}
    c_jx = {cb[j]["id"]: k for k, (_, j) in enumerate(over_c)}
    sa = {(m_ix[s["holder"]], c_ix[s["claim"]]): s["label"] for s in a["stances"]
          if s["holder"] in m_ix and s["claim"] in c_ix}
    sb = {(m_jx[s["holder"]], c_jx[s["claim"]]): s["label"] for s in b["stances"]
          if s["holder"] in m_jx and s["claim"] in c_jx}
    out.stance.units += [(sa[k], sb[k]) for k in sorted(sa.keys() & sb.keys())]
    return out


@dataclass
class AgreementReport:
    pairs: dict[tuple[str, str], Agreement] = field(default_factory=dict)
    corpus: Agreement = field(default_factory=Agreement)
    documents: list[str] = field(default_factory=list)  # with two or more annotators

    def merge(self, other: AgreementReport) -> None:
        self.documents += other.documents
        self.corpus.merge(other.corpus)
        for k, v in other.pairs.items():
            self.pairs.setdefault(k, Agreement()).merge(v)

    def text(self) -> str:
        return table_text(self)

    def markdown(self) -> str:
        return table_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents,
                "corpus": self.corpus.to_dict(),
                "pairs": [{"annotators": list(k)} | v.to_dict()
                          for k, v in sorted(self.pairs.items())]}


def agreement(docs: Iterable[tuple[str, dict[str, Layer]]]) -> AgreementReport:
    """Pairwise and pooled agreement over (doc_id, {annotator: layer}) of annotator layers."""
    report = AgreementReport()
    for doc_id, layers in docs:
        if len(layers) < 2:
            continue
        report.documents.append(doc_id)
        report.corpus.documents += 1
        for x, y in itertools.combinations(sorted(layers), 2):
            one = compare(layers[x], layers[y])
            report.pairs.setdefault((x, y), Agreement()).merge(one)
            pooled = Agreement()
            pooled.merge(one)
            pooled.documents = 0
            report.corpus.merge(pooled)
    return report


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


Figure = Callable[[dict[str, Any]], Any]
FIGURES: tuple[tuple[str, Figure, Figure], ...] = (
    ("mention spans, exact F1", lambda d: d["mention_spans"]["exact"]["f1"],
     lambda d: d["mention_spans"]["exact"]["items"]),
    ("mention spans, overlap F1", lambda d: d["mention_spans"]["overlap"]["f1"],
     lambda d: d["mention_spans"]["overlap"]["items"]),
    ("mention type, alpha", lambda d: d["mention_type"]["alpha"],
     lambda d: d["mention_type"]["items"]),
    ("claim spans, exact F1", lambda d: d["claim_spans"]["exact"]["f1"],
     lambda d: d["claim_spans"]["exact"]["items"]),
    ("claim spans, overlap F1", lambda d: d["claim_spans"]["overlap"]["f1"],
     lambda d: d["claim_spans"]["overlap"]["items"]),
    ("claimant, agreement", lambda d: d["claimant"]["agreement"],
     lambda d: d["claimant"]["items"]),
    ("claim type, alpha", lambda d: d["claim_type"]["alpha"],
     lambda d: d["claim_type"]["items"]),
    ("stance label, alpha", lambda d: d["stance_label"]["alpha"],
     lambda d: d["stance_label"]["items"]),
)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def table_markdown(report: AgreementReport) -> str:
    """Corpus figures (and each pair's) as a Markdown table: figure, value, items."""
    d = report.to_dict()
    cols = [("corpus", d["corpus"])] + [(" vs ".join(p["annotators"]), p) for p in d["pairs"]]
    head = "| figure | " + " | ".join(f"{name} (n)" for name, _ in cols) + " |"
    lines = [head, "|---|" + "---:|" * len(cols)]
    for label, value, items in FIGURES:
        lines.append(f"| {label} | " + " | ".join(f"{_fmt(value(c))} ({items(c)})"
                                                 for _, c in cols) + " |")
    return "\n".join(lines) + "\n"


def table_text(report: AgreementReport) -> str:
    if not report.documents:
        return "no document has two or more annotators: nothing to compare"
    d = report.to_dict()
    out = [f"{len(report.documents)} document(s) with two or more annotators", ""]
    for name, fig in [("corpus (all pairs pooled)", d["corpus"])] + [
            (" vs ".join(p["annotators"]) + f" ({p['documents']} doc)", p) for p in d["pairs"]]:
        out.append(name)
        for label, value, items in FIGURES:
            out.append(f"  {label:<28}{_fmt(value(fig)):>8}   n={items(fig)}")
        out.append("")
    out.append("n: items the figure rests on (F1: items of both annotators; alpha and claimant: "
               "matched pairs). alpha is n/a when every value is the same.")
    return "\n".join(out)


def corpus_agreement(root: str | Path | None, doc_ids: Iterable[str] = ()) -> AgreementReport:
    """Agreement over the annotator layers (not gold) of the given documents (default: all).

    Refuses (`Refused`) unknown documents and invalid layers: agreement on them means nothing.
    """
    corpus = Corpus.at(root)
    ids = list(doc_ids) or corpus.doc_ids()
    for d in ids:
        if not corpus.seed_path(d).is_file():
            raise refuse(Code.DOCUMENT_NOT_FOUND, f"seeds/{d}.json", f"no seed seeds/{d}.json")
    require_valid(corpus.root, [corpus.seed_path(d) for d in ids],
                  "fix these problems first: agreement on invalid layers means nothing")
    docs = []
    for d in ids:
        names = [a for a in corpus.annotators(d) if a != GOLD]
        docs.append((d, {a: corpus.read_layer(d, a) for a in names}))
    return agreement(docs)
