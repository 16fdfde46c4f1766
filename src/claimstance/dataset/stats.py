"""Corpus statistics: counts per label, document and annotator, and span lengths."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.layout import Corpus
from ..corpus.naming import GOLD
from ..corpus.schema import claim_types, mention_types, stance_labels
from ..validation.run import require_valid

LENGTH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)  # upper bounds, in characters


def _lengths(counts: Counter[int]) -> dict[str, Any]:
    """Summary of a length distribution kept as value -> count (mergeable, small)."""
    n = sum(counts.values())
    if not n:
        return {"n": 0, "min": None, "median": None, "mean": None, "max": None, "histogram": {}}
    values = sorted(counts)

    def nth(k: int) -> int:  # the k-th smallest value, 0-based
        seen = 0
        for v in values:
            seen += counts[v]
            if seen > k:
                return v
        raise IndexError(k)

    median = nth(n // 2) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2
    hist: Counter[str] = Counter()
    for v, c in counts.items():
        upper = next((b for b in LENGTH_BUCKETS if v <= b), None)
        hist[f"<={upper}" if upper else f">{LENGTH_BUCKETS[-1]}"] += c
    order = [f"<={b}" for b in LENGTH_BUCKETS] + [f">{LENGTH_BUCKETS[-1]}"]
    return {"n": n, "min": values[0], "median": median,
            "mean": round(sum(v * c for v, c in counts.items()) / n, 2), "max": values[-1],
            "histogram": {k: hist[k] for k in order if hist[k]}}


def layer_counts(ann: dict[str, Any]) -> dict[str, Any]:
    return {
        "mentions": len(ann["mentions"]),
        "claims": len(ann["claims"]),
        "stances": len(ann["stances"]),
        "mention_types": dict(Counter(m["type"] for m in ann["mentions"])),
        "claim_types": dict(Counter(c["type"] for c in ann["claims"])),
        "stance_labels": dict(Counter(s["label"] for s in ann["stances"])),
    }


@dataclass
class Stats:
    """Figures gathered one document at a time; collectors from parallel workers merge."""

    per_document: bool = True
    documents: int = 0
    with_gold: int = 0
    mention_t: Counter[str] = field(default_factory=Counter)
    claim_t: Counter[str] = field(default_factory=Counter)
    stance_l: Counter[str] = field(default_factory=Counter)
    claimed: int = 0
    unclaimed: int = 0
    mention_len: Counter[int] = field(default_factory=Counter)
    claim_len: Counter[int] = field(default_factory=Counter)
    docs: dict[str, Any] = field(default_factory=dict)
    annotators: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, doc_id: str, layers: dict[str, dict[str, Any]], *,
            gold_figures: bool = True) -> None:
        """Count one document; without `gold_figures` the gold layer's label and length
        figures are left to `add_tables` (the build counts them from its Arrow tables)."""
        self.documents += 1
        entry: dict[str, Any] = {"annotators": [a for a in sorted(layers) if a != GOLD],
                                 "gold": GOLD in layers}
        for a, ann in sorted(layers.items()):
            c = self.annotators.setdefault(a, Counter())
            c["documents"] += 1
            for k in ("mentions", "claims", "stances"):
                c[k] += len(ann[k])
        gold = layers.get(GOLD)
        if gold is not None:
            self.with_gold += 1
        if gold is not None and gold_figures:
            if self.per_document:
                entry |= layer_counts(gold)
            ms, cs = gold["mentions"], gold["claims"]
            self.mention_t.update([m["type"] for m in ms])
            self.claim_t.update([x["type"] for x in cs])
            self.stance_l.update([s["label"] for s in gold["stances"]])
            self.mention_len.update([m["end"] - m["start"] for m in ms])
            self.claim_len.update([x["end"] - x["start"] for x in cs])
            claimed = len([x for x in cs if x["claimant"]])
            self.claimed += claimed
            self.unclaimed += len(cs) - claimed
        if self.per_document:
            self.docs[doc_id] = entry

    def add_tables(self, tables: dict[str, Any], ix: Any) -> None:
        """Label counts, span lengths and claimants from the built tables of the flat configs
        (class ids back to label names through `ix`), computed by Arrow."""
        import pyarrow.compute as pc

        def counts(column: Any) -> Counter[Any]:
            vc = pc.value_counts(column)
            return Counter(dict(zip(vc.field("values").to_pylist(),
                                    vc.field("counts").to_pylist(), strict=True)))

        names = {"mentions": list(ix.mention), "claims": list(ix.claim),
                 "stances": list(ix.stance)}
        for config, column, target in (("mentions", "type", self.mention_t),
                                       ("claims", "type", self.claim_t),
                                       ("stances", "label", self.stance_l)):
            t = tables.get(config)
            if t is None or not t.num_rows:
                continue
            for k, n in counts(t.column(column)).items():
                target[names[config][k]] += n
            if config != "stances":
                lengths = counts(pc.subtract(t.column("end"), t.column("start")))
                (self.mention_len if config == "mentions" else self.claim_len).update(lengths)
            if config == "claims":
                unclaimed = t.column("claimant").null_count
                self.unclaimed += unclaimed
                self.claimed += t.num_rows - unclaimed

    def merge(self, other: Stats) -> None:
        self.documents += other.documents
        self.with_gold += other.with_gold
        self.mention_t.update(other.mention_t)
        self.claim_t.update(other.claim_t)
        self.stance_l.update(other.stance_l)
        self.mention_len.update(other.mention_len)
        self.claim_len.update(other.claim_len)
        self.claimed += other.claimed
        self.unclaimed += other.unclaimed
        self.docs |= other.docs
        for a, c in other.annotators.items():
            self.annotators.setdefault(a, Counter()).update(c)

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "documents_with_gold": self.with_gold,
            "gold": {
                "mention_types": {t: self.mention_t[t] for t in mention_types()},
                "claim_types": {t: self.claim_t[t] for t in claim_types()},
                "stance_labels": {t: self.stance_l[t] for t in stance_labels()},
                "claims_with_claimant": self.claimed,
                "claims_by_the_article": self.unclaimed,
                "mention_length": _lengths(self.mention_len),
                "claim_length": _lengths(self.claim_len),
            },
            "per_document": dict(sorted(self.docs.items())),
            "per_annotator": {a: dict(c) for a, c in sorted(self.annotators.items())},
        }


def corpus_stats(root: str | Path | None = None) -> dict[str, Any]:
    """Figures over gold layers (what the dataset contains) and over every layer by annotator.

    Refuses (`Refused`) an invalid corpus: its figures would not be trustworthy.
    """
    corpus = Corpus.at(root)
    require_valid(corpus.root, None, "the corpus is not valid; figures would not be trustworthy")
    stats = Stats()
    for doc_id in corpus.doc_ids():
        stats.add(doc_id, {a: corpus.read_layer(doc_id, a)
                           for a in corpus.annotators(doc_id)})
    return stats.to_dict()


def _table(title: str, rows: list[tuple[str, Any]], head: tuple[str, str]) -> list[str]:
    out = [f"### {title}", "", f"| {head[0]} | {head[1]} |", "|---|---:|"]
    out += [f"| {k} | {v} |" for k, v in rows]
    return [*out, ""]


def stats_markdown(s: dict[str, Any]) -> str:
    """The tables for a person (and for the dataset card)."""
    g = s["gold"]
    out = ["## Statistics", "",
           f"{s['documents']} document(s), {s['documents_with_gold']} with a gold layer. "
           "Figures below count gold layers.", ""]
    out += _table("Mention types", list(g["mention_types"].items()), ("type", "mentions"))
    out += _table("Claim types", list(g["claim_types"].items()), ("type", "claims"))
    out += _table("Stance labels", list(g["stance_labels"].items()), ("label", "stances"))
    out += _table("Claimants", [("named claimant", g["claims_with_claimant"]),
                                ("the article itself", g["claims_by_the_article"])],
                  ("claimant", "claims"))
    for key, name in (("mention_length", "Mention length"), ("claim_length", "Claim length")):
        d = g[key]
        rows = [(f"{k} chars", v) for k, v in d["histogram"].items()]
        out += _table(f"{name} (min {d['min']}, median {d['median']}, max {d['max']})", rows,
                      ("length", "spans"))
    out += ["### Per annotator", "", "| annotator | documents | mentions | claims | stances |",
            "|---|---:|---:|---:|---:|"]
    out += [f"| {a} | {c.get('documents', 0)} | {c.get('mentions', 0)} | {c.get('claims', 0)} | "
            f"{c.get('stances', 0)} |" for a, c in s["per_annotator"].items()]
    return "\n".join(out) + "\n"


def stats_text(s: dict[str, Any]) -> str:
    return stats_markdown(s).replace("### ", "").replace("## ", "")
