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
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..corpus.items import from_layer
from ..corpus.layout import Corpus
from ..corpus.naming import GOLD
from ..corpus.parallel import gc_paused, map_chunks
from ..corpus.schema import claim_types, mention_types, stance_labels
from ..problems import Refused, Report
from ..validation.plan import Work, plan_for, unpack
from ..validation.run import Checked, check_doc
from .scoring import Tally, pair, tally
from .unitizing import Unitizing, pooled

Layer = dict[str, Any]
Span = tuple[int, int]


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
    n = sum(totals.values())
    expected = n * n - sum(v * v for v in totals.values())  # sum over c != k of n_c n_k
    if not n or not expected:
        return None
    return 1 - (n - 1) * disagree / expected


@dataclass
class LabelUnits:
    """Paired items' labels as counts of (first, second) pairs: mergeable, and as small as
    the label set, whatever the corpus size."""

    units: Counter[tuple[str, str]] = field(default_factory=Counter)

    def to_dict(self, with_alpha: bool = True) -> dict[str, Any]:
        """Alpha is skipped where values are open-ended (claimants: one per mention)."""
        n = sum(self.units.values())
        agree = sum(k for (a, b), k in self.units.items() if a == b)
        return {"alpha": _round(alpha(self.units)) if with_alpha else None,
                "observed_agreement": _round(agree / n if n else None), "items": n}


#: The scorer's counts agreement reports (the others would only travel and be added up).
SCORED = ("claims.", "claimant.", "stances.", "mention_type.", "claim_type.", "stance_label.")


def _units() -> dict[str, Unitizing]:
    return {t: Unitizing() for t in mention_types()}


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
    scored: Tally = field(default_factory=Tally)  # the first annotator as gold
    mention_units: dict[str, Unitizing] = field(default_factory=_units)
    claim_units: Unitizing = field(default_factory=Unitizing)

    def merge(self, other: Agreement, *, documents: bool = True) -> None:
        """Add another's figures (and, with `documents`, its count of documents: pairs of
        one document pooled for the corpus count it once)."""
        if documents:
            self.documents += other.documents
        for name in ("mention_exact", "mention_overlap", "claim_exact", "claim_overlap"):
            mine, theirs = getattr(self, name), getattr(other, name)
            mine.add(theirs.matched, theirs.total, 0)
        for name in ("mention_type", "claim_type", "claimant", "stance"):
            getattr(self, name).units.update(getattr(other, name).units)
        self.scored.add(other.scored)
        for t, u in other.mention_units.items():
            self.mention_units.setdefault(t, Unitizing()).merge(u)
        self.claim_units.merge(other.claim_units)

    def _f1(self, tp: str, kind: str) -> dict[str, Any]:
        t = self.scored
        return SpanCounts(t[tp], t[f"{kind}.gold"] + t[f"{kind}.pred"]).to_dict()

    def per_label(self) -> dict[str, dict[str, Any]]:
        """F1 per label (2 x both / (first's + second's)): mention types over exact spans,
        claim types over paired claims, stance labels over stances on the same pair."""
        t = self.scored
        return {name: {label: SpanCounts(t[f"{name}.{label}.tp"],
                                         t[f"{name}.{label}.gold"] + t[f"{name}.{label}.pred"])
                       .to_dict() for label in labels}
                for name, labels in (("mention_type", mention_types()),
                                     ("claim_type", claim_types()),
                                     ("stance_label", stance_labels()))}

    def to_dict(self) -> dict[str, Any]:
        claimant = self.claimant.to_dict(with_alpha=False)
        mentions_u = pooled(self.mention_units.values())
        return {
            "documents": self.documents,
            "mention_spans": {"exact": self.mention_exact.to_dict(),
                              "overlap": self.mention_overlap.to_dict()},
            "mention_type": self.mention_type.to_dict(),
            "claim_spans": {"exact": self.claim_exact.to_dict(),
                            "overlap": self.claim_overlap.to_dict()},
            "claimant": {"agreement": claimant["observed_agreement"],
                         "items": claimant["items"]},
            "claimant_link": self._f1("claimant.tp", "claims"),
            "claim_type": self.claim_type.to_dict(),
            "stance_label": self.stance.to_dict(),
            "stance_triples": self._f1("stances.tp", "stances"),
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


def _spans(items: list[dict[str, Any]]) -> list[Span]:
    return [(x["start"], x["end"]) for x in items]


def compare(a: Layer, b: Layer, length: int) -> Agreement:
    """Agreement of two layers of one document whose text has `length` characters."""
    out = Agreement(documents=1)
    ma, mb = a["mentions"], b["mentions"]
    ca, cb = a["claims"], b["claims"]
    items_a, items_b = from_layer(a), from_layer(b)
    pairs = pair(items_a, items_b)  # B names no span outside its mentions: linked = overlap
    exact_m, over_m = pairs.spans, pairs.linked
    out.mention_exact.add(len(exact_m), len(ma), len(mb))
    out.mention_overlap.add(len(over_m), len(ma), len(mb))
    out.mention_type.units.update((ma[i]["type"], mb[j]["type"]) for i, j in over_m)
    exact_c, over_c = pairs.claims_exact, pairs.claims
    out.claim_exact.add(len(exact_c), len(ca), len(cb))
    out.claim_overlap.add(len(over_c), len(ca), len(cb))
    out.claim_type.units.update((ca[i]["type"], cb[j]["type"]) for i, j in over_c)
    # ids differ between layers: a mention of A and of B are "the same" when matched
    m_ix = {ma[i]["id"]: k for k, (i, _) in enumerate(over_m)}
    m_jx = {mb[j]["id"]: k for k, (_, j) in enumerate(over_m)}

    def who(mid: str | None, ix: dict[str, int], side: str) -> str:
        if mid is None:
            return "the article"
        return f"mention {ix[mid]}" if mid in ix else f"unmatched {side}:{mid}"

    out.claimant.units.update((who(ca[i]["claimant"], m_ix, "a"),
                               who(cb[j]["claimant"], m_jx, "b")) for i, j in over_c)
    c_ix = {ca[i]["id"]: k for k, (i, _) in enumerate(over_c)}
    c_jx = {cb[j]["id"]: k for k, (_, j) in enumerate(over_c)}
    sa = {(m_ix[s["holder"]], c_ix[s["claim"]]): s["label"] for s in a["stances"]
          if s["holder"] in m_ix and s["claim"] in c_ix}
    sb = {(m_jx[s["holder"]], c_jx[s["claim"]]): s["label"] for s in b["stances"]
          if s["holder"] in m_jx and s["claim"] in c_jx}
    out.stance.units.update((sa[k], sb[k]) for k in sa.keys() & sb.keys())
    out.scored = Tally({k: v for k, v in tally(items_a, items_b, paired=pairs).items()
                        if k.startswith(SCORED)})
    for t in mention_types():
        out.mention_units[t].add(length, [(m["start"], m["end"]) for m in ma if m["type"] == t],
                                 [(m["start"], m["end"]) for m in mb if m["type"] == t])
    out.claim_units.add(length, _spans(ca), _spans(cb))
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


def agreement(docs: Iterable[tuple[str, dict[str, Layer]]], lengths: Mapping[str, int],
              into: AgreementReport | None = None) -> AgreementReport:
    """Pairwise and pooled agreement over (doc_id, {annotator: layer}) of annotator layers;
    `lengths`: each document's text length (the continuum of unitizing alpha); `into`: a
    report to add them to (a build adds document after document)."""
    report = into if into is not None else AgreementReport()
    for doc_id, layers in docs:
        if len(layers) < 2:
            continue
        report.documents.append(doc_id)
        report.corpus.documents += 1
        for x, y in itertools.combinations(sorted(layers), 2):
            one = compare(layers[x], layers[y], lengths[doc_id])
            report.pairs.setdefault((x, y), Agreement()).merge(one)
            report.corpus.merge(one, documents=False)
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
    ("claimant link, F1", lambda d: d["claimant_link"]["f1"],
     lambda d: d["claimant_link"]["items"]),
    ("stance triples, F1", lambda d: d["stance_triples"]["f1"],
     lambda d: d["stance_triples"]["items"]),
    ("mention spans, alpha_U", lambda d: d["unitizing"]["mentions"]["alpha"],
     lambda d: d["unitizing"]["mentions"]["units"]),
    ("claim spans, alpha_U", lambda d: d["unitizing"]["claims"]["alpha"],
     lambda d: d["unitizing"]["claims"]["units"]),
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
    lines += ["", "F1 per label, all pairs pooled (n: items of both annotators):", "",
              "| label set | label | F1 (n) |", "|---|---|---:|"]
    lines += [f"| {name} | {label} | {_fmt(v['f1'])} ({v['items']}) |"
              for name, label, v in _label_rows(d["corpus"])]
    return "\n".join(lines) + "\n"


def _label_rows(fig: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(label set, label, figure) of the labels either annotator used."""
    return [(name.replace("_", " "), label, v) for name, per in fig["per_label"].items()
            for label, v in per.items() if v["items"]]


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
    out.append("F1 per label, all pairs pooled")
    out += [f"  {name + ' ' + label:<28}{_fmt(v['f1']):>8}   n={v['items']}"
            for name, label, v in _label_rows(d["corpus"])]
    out += ["", "n: items the figure rests on (F1: items of both annotators; alpha and "
            "claimant: matched pairs; alpha_U: units of both annotators). alpha is n/a when "
            "every value is the same. Claimant link and stance triples score the first "
            "annotator (by name) as gold: a claimant or stance one of them forgot lowers them. "
            "alpha_U: Krippendorff's unitizing alpha over the characters of the texts."]
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
        for w in part:
            res = check_doc(corpus, *unpack(w), keep=True)
            checked.add(res)
            if not res.has_errors and res.seed is not None:
                layers = {a: x for a, x in res.layers.items() if a != GOLD}
                agreement([(res.doc_id, layers)], {res.doc_id: len(res.seed["text"])},
                          into=report)
    return checked, report
