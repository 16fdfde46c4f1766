"""`claimstance score`: predictions against the gold of the corpus or of a built dataset.

I/O at the edges (read the gold, read and check the predictions), pure scoring in between
(`scoring`, `newsclaims`): each document is tallied once, and the figures of every split and
of the whole corpus come from the pooled tallies of their documents. A gold document
without a prediction line is scored as an empty prediction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.items import Items, from_layer
from ..corpus.layout import Corpus
from ..corpus.naming import GOLD
from ..corpus.segmentation import Segmentation
from ..corpus.segments import segments_many
from ..corpus.splits import SPLITS, corpus_splits
from ..problems import Code, refuse
from ..validation.predictions import checked_predictions, open_predictions
from ..validation.run import require_valid
from . import newsclaims
from .scoring import (
    PRF,
    Figures,
    Interval,
    LabelScores,
    Scope,
    Tally,
    bootstrap,
    figures,
    tally,
    total,
)

MODES = ("claimstance", "newsclaims")


@dataclass(frozen=True)
class GoldDoc:
    doc_id: str
    split: str
    text: str
    sha256: str
    items: Items


@dataclass
class ScopeResult:
    """The figures of one scope: a split, or the whole corpus (micro over its documents)."""

    name: str
    doc_ids: list[str]
    figures: Figures | newsclaims.NewsClaimsFigures
    intervals: dict[str, Interval] = field(default_factory=dict)
    unit: str = "document"  # what doc_ids counts: documents, or annotator layers

    @property
    def label(self) -> str:
        return f"{self.name} ({len(self.doc_ids)} {self.unit}(s))"

    def to_dict(self) -> dict[str, Any]:
        out = {"scope": self.name} | self.figures.to_dict()
        if self.intervals:
            out["bootstrap"] = {k: v.to_dict() for k, v in self.intervals.items()}
        return out


@dataclass
class ScoreReport:
    mode: str
    gold: str
    predictions: str
    scopes: list[ScopeResult]
    missing: list[str] = field(default_factory=list)  # gold documents without a prediction
    ignored: list[str] = field(default_factory=list)  # predicted documents outside the split
    replicates: int = 0
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": self.mode, "gold": self.gold,
                               "predictions": self.predictions,
                               "without_prediction": self.missing,
                               "outside_split": self.ignored}
        if self.replicates:
            out["bootstrap"] = {"replicates": self.replicates, "seed": self.seed,
                                "interval": "2.5th-97.5th percentile"}
        out["scopes"] = [s.to_dict() for s in self.scopes]
        return out

    def head(self) -> list[str]:
        lines = [f"{self.predictions} against the gold of the {self.gold}, "
                 f"{self.mode} definitions: " + ", ".join(s.label for s in self.scopes)]
        if self.missing:
            lines.append(f"{len(self.missing)} gold document(s) without a prediction line, "
                         "scored as empty predictions")
        if self.ignored:
            lines.append(f"{len(self.ignored)} predicted document(s) outside the split, "
                         "not scored")
        if self.predictions == ANNOTATORS:
            lines.append("each annotator's layers scored as predictions against gold; "
                         "'all annotators' pools them: human performance")
        if self.replicates:
            lines.append(f"bootstrap: {self.replicates} replicates (seed {self.seed}), "
                         "95% percentile intervals of F1 in brackets")
        if self.mode == "newsclaims":
            lines.append(newsclaims.NOTE)
        return lines

    def text(self) -> str:
        out = self.head()
        for s in self.scopes:
            out += ["", s.label]
            out += [f"  {line}" for line in text_table(rows(s)) + notes(s)]
        out += ["", "n/a: nothing to divide by (no gold or no predicted item of that kind)."]
        return "\n".join(out)

    def markdown(self) -> str:
        out = ["\n".join(f"- {line}" for line in self.head()), ""]
        for s in self.scopes:
            out += [f"**{s.label}**", "", markdown_table(rows(s)), ""]
            out += [f"- {line}" for line in notes(s)] + ([""] if notes(s) else [])
        return "\n".join(out)


# --- loading gold --------------------------------------------------------------------------

def gold_from_corpus(root: str | Path | None) -> list[GoldDoc]:
    """Every document of the corpus with a gold layer (the corpus must validate)."""
    corpus = Corpus.at(root)
    require_valid(corpus.root, None, "fix these problems first (claimstance validate): "
                  "scores against invalid gold mean nothing")
    out = []
    splits = corpus_splits(corpus.root)
    for doc_id in corpus.doc_ids():
        if not corpus.annotation_path(doc_id, GOLD).is_file():
            continue
        seed = corpus.read_seed(doc_id)
        out.append(GoldDoc(doc_id, splits(doc_id), seed["text"], seed["sha256"],
                           from_layer(corpus.read_layer(doc_id, GOLD))))
    return out


# --- scoring --------------------------------------------------------------------------------

Summarise = Callable[[Tally, int], Any]


def _mode(mode: str) -> Summarise:
    return newsclaims.figures if mode == "newsclaims" else figures


def doc_tally(doc: GoldDoc, pred: Items, seg: Segmentation, mode: str) -> Tally:
    if mode == "newsclaims":
        return newsclaims.tally(newsclaims.entries(doc.text, doc.items, pred, seg))
    return tally(doc.items, pred, seg.tokens)


def scopes_of(docs: Sequence[GoldDoc], split: str | None) -> list[tuple[str, list[int]]]:
    """(name, indexes of docs): the corpus and each split present, or only `split`."""
    if split is not None:
        return [(split, [k for k, d in enumerate(docs) if d.split == split])]
    out = [("corpus", list(range(len(docs))))]
    for s in SPLITS:
        ks = [k for k, d in enumerate(docs) if d.split == s]
        if ks:
            out.append((s, ks))
    return out


def evaluate(docs: Sequence[GoldDoc], preds: dict[str, Items], *, mode: str = "claimstance",
             split: str | None = None, replicates: int = 0, seed: int = 0,
             segs: Sequence[Segmentation] | None = None,
             progress: bool = False) -> list[ScopeResult]:
    """Figures of every scope; a document without a prediction is scored as empty."""
    from tqdm import tqdm

    if segs is None:
        segs = segments_many([d.text for d in docs])
    tallies = [doc_tally(d, preds.get(d.doc_id, Items()), seg, mode)
               for d, seg in tqdm(list(zip(docs, segs, strict=True)), desc="scoring",
                                  unit="doc", disable=not progress, leave=False)]
    summarise = _mode(mode)
    out = []
    for name, ks in scopes_of(docs, split):
        part = [tallies[k] for k in ks]
        out.append(ScopeResult(name, [docs[k].doc_id for k in ks],
                               summarise(total(part), len(part)),
                               bootstrap(part, lambda t, n: summarise(t, n).to_dict(),
                                         replicates, seed) if replicates else {}))
    return out


def score(root: str | Path | None, predictions: Path, *,
          gold: Callable[[], Sequence[GoldDoc]] | None = None, gold_name: str = "corpus",
          split: str | None = None, mode: str = "claimstance", replicates: int = 0,
          seed: int = 0, display: str | None = None, progress: bool = False) -> ScoreReport:
    """Score a predictions file against the gold documents `gold` reads (the corpus's gold
    layers when None; a built folder's with `dataset.built.gold_docs`), named `gold_name`
    in the report; refuses (`Refused`) a missing file, bad predictions with every coded
    problem (line and pointer), and a scope without gold."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r}: one of {MODES}")
    corpus = Corpus.at(root)
    shown = display or str(predictions)
    open_predictions(predictions, shown).close()  # refused before gold is read
    docs = gold_from_corpus(corpus.root) if gold is None else gold()
    in_scope = [d for d in docs if split is None or d.split == split]
    if not in_scope:
        where = f"in the {split} split" if split else "at all"
        raise refuse(Code.NO_GOLD, shown, f"no document with gold annotations {where} in the "
                     f"{gold_name}; nothing to score against")
    read = checked_predictions(predictions, shown, {d.doc_id: d.text for d in docs},
                               {d.doc_id: d.sha256 for d in docs}, "scored",
                               f"with gold annotations in the {gold_name} to score against; "
                               "check the id (or the --gold source)")
    wanted = {d.doc_id for d in in_scope}
    return ScoreReport(
        mode, gold_name, shown,
        evaluate(in_scope, read.items, mode=mode, split=split, replicates=replicates,
                 seed=seed, progress=progress),
        missing=sorted(wanted - set(read.items)),
        ignored=sorted(set(read.items) - wanted), replicates=replicates, seed=seed)


# --- annotators against gold ----------------------------------------------------------------

ANNOTATORS = "annotator layers"
ALL = "all annotators"


def human_tallies(seg: Segmentation, layers: dict[str, dict[str, Any]],
                  min_annotators: int = 1) -> dict[str, Tally]:
    """Each annotator's layer of one document scored against its gold layer (none without
    gold or with fewer than `min_annotators` annotator layers)."""
    names = [a for a in sorted(layers) if a != GOLD]
    if GOLD not in layers or len(names) < min_annotators:
        return {}
    gold = from_layer(layers[GOLD])
    return {a: tally(gold, from_layer(layers[a]), seg.tokens) for a in names}


def against_gold(root: str | Path | None, doc_ids: Sequence[str] = ()) -> ScoreReport:
    """`claimstance agree --against gold`: every annotator layer of documents with gold,
    scored against gold with the scorer's definitions, and all of them pooled."""
    corpus = Corpus.at(root)
    ids = corpus.select(doc_ids)
    require_valid(corpus.root, [corpus.seed_path(d) for d in ids],
                  "fix these problems first: scores of invalid layers mean nothing")
    seeds = {d: corpus.read_seed(d) for d in ids if corpus.annotation_path(d, GOLD).is_file()}
    segs = segments_many([s["text"] for s in seeds.values()])
    per: dict[str, Scope] = {}
    pooled = Scope(ALL)
    for d, seg in zip(seeds, segs, strict=True):
        layers = {a: corpus.read_layer(d, a) for a in corpus.annotators(d)}
        for a, t in human_tallies(seg, layers).items():
            per.setdefault(a, Scope(a)).add(d, t)
            pooled.add(d, t)
    if not pooled.doc_ids:
        raise refuse(Code.NO_GOLD, "annotations", "no document has both a gold layer and an "
                     "annotator's layer: nothing to score against gold")
    scopes = [pooled, *(per[a] for a in sorted(per))]
    return ScoreReport("claimstance", "corpus", ANNOTATORS, [
        ScopeResult(s.name, s.doc_ids, figures(total(s.tallies), len(s.doc_ids)),
                    unit="layer" if s is pooled else "document") for s in scopes])


# --- tables --------------------------------------------------------------------------------

BLANK = ""  # a cell with no figure in this row (None is a figure that is n/a)
Row = tuple[str, Any, Any, Any, str, Interval | None]  # figure, P, R, F1, counts, F1 interval


def _prf_row(name: str, f: PRF, ci: Interval | None) -> Row:
    return (name, f.p, f.r, f.f1, f"{f.tp} of {f.pred} predicted, {f.gold} gold", ci)


def _label_rows(name: str, s: LabelScores, path: str,
                intervals: dict[str, Interval]) -> list[Row]:
    return [(f"{name}, accuracy", BLANK, BLANK, s.accuracy, f"{s.equal} of {s.pairs} pairs",
             intervals.get(f"{path}.accuracy")),
            (f"{name}, macro-F1", BLANK, BLANK, s.macro_f1, f"{s.pairs} pairs",
             intervals.get(f"{path}.macro_f1"))]


def rows(s: ScopeResult) -> list[Row]:
    """The table of one scope: P, R and F1 (or accuracy) with the counts they rest on."""
    f, ci = s.figures, s.intervals
    if isinstance(f, newsclaims.NewsClaimsFigures):
        return [
            ("claim sentences", f.sentence_p, f.sentence_r, f.sentence_f1,
             f"{f.sentence_tp} of {f.sentence_pred} predicted, {f.sentence_gold} gold",
             ci.get("claim_sentences.f1")),
            ("claim span", f.span_p.value, f.span_r.value, f.span_f1,
             f"means over {f.span_p.n} gold claim sentences", ci.get("claim_span.f1")),
            ("claimer", BLANK, BLANK, f.claimer_f1,
             f"{f.reported.n} reported + {f.journalist_gold} journalist", ci.get("claimer.f1")),
            ("claimer, reported", BLANK, BLANK, f.reported.value,
             f"mean over {f.reported.n} claims", ci.get("claimer.reported.f1")),
            ("claimer, journalist", f.journalist_p, f.journalist_r, f.journalist_f1,
             f"{f.journalist_tp} of {f.journalist_pred} <AUTHOR> predicted, "
             f"{f.journalist_gold} gold", ci.get("claimer.journalist.f1")),
            ("claimer, in sentence", BLANK, BLANK, f.in_sentence.value,
             f"mean over {f.in_sentence.n} claims", None),
            ("claimer, out of sentence", BLANK, BLANK, f.out_of_sentence.value,
             f"mean over {f.out_of_sentence.n} claims", None),
        ]
    t = f.claim_tokens
    out = [
        _prf_row("mentions, strict", f.mentions_strict, ci.get("mentions.strict.f1")),
        _prf_row("mentions, span", f.mentions_span, ci.get("mentions.span.f1")),
        _prf_row("claims, exact", f.claims_exact, ci.get("claims.exact.f1")),
        _prf_row("claims, overlap", f.claims_overlap, ci.get("claims.overlap.f1")),
        ("claims, tokens", t.p, t.r, BLANK,
         f"{t.overlap} shared of {t.pred} predicted, {t.gold} gold", None),
        _prf_row("claimant attribution", f.claimant, ci.get("claims.claimant.f1")),
        _prf_row("stance triples", f.stance_triples, ci.get("stances.triples.f1")),
        *_label_rows("claim type", f.claim_type, "claims.type", ci),
        *_label_rows("stance label", f.stance_label, "stances.label", ci),
    ]
    for label, prf in f.mention_types.items():
        if prf.pred or prf.gold:
            out.append(_prf_row(f"mentions {label}", prf,
                                ci.get(f"mentions.per_type.{label}.f1")))
    return out


def notes(s: ScopeResult) -> list[str]:
    """What a NewsClaims table cannot show: claims its files cannot hold, and why a figure
    is n/a."""
    f = s.figures
    if not isinstance(f, newsclaims.NewsClaimsFigures):
        return []
    out = [f"{f.not_representable} gold claim(s) not representable: NewsClaims keeps the "
           "first claim of a sentence"] if f.not_representable else []
    return out + [f"n/a {path}: {why}" for path, why in f.reasons.items()]


def fmt(x: Any) -> str:
    if isinstance(x, str):
        return x
    return "n/a" if x is None else f"{float(x):.3f}"


def _ci(ci: Interval | None) -> str:
    return f"[{ci.low:.3f}, {ci.high:.3f}]" if ci is not None else ""


def text_table(table: list[Row]) -> list[str]:
    width = max(len(r[0]) for r in table)
    lines = [f"{'figure':<{width}}  {'P':>6} {'R':>6} {'F1':>6}  counts"]
    for name, p, r, f1, counts, ci in table:
        extra = f"  F1 {_ci(ci)}" if ci is not None else ""
        lines.append(f"{name:<{width}}  {fmt(p):>6} {fmt(r):>6} {fmt(f1):>6}  {counts}{extra}")
    return lines


def markdown_table(table: list[Row]) -> str:
    with_ci = any(r[5] is not None for r in table)
    head = "| figure | P | R | F1 |" + (" F1 95% CI |" if with_ci else "") + " counts |"
    lines = [head, "|---|---:|---:|---:|" + ("---|" if with_ci else "") + "---|"]
    for name, p, r, f1, counts, ci in table:
        cells = [name, fmt(p), fmt(r), fmt(f1)] + ([_ci(ci)] if with_ci else []) + [counts]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
