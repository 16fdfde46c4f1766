"""Corpus statistics: counts per label, document and annotator, and span lengths."""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from .layout import GOLD, Corpus
from .schema import claim_types, mention_types, stance_labels

LENGTH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)  # upper bounds, in characters


def _lengths(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "min": None, "median": None, "mean": None, "max": None, "histogram": {}}
    hist: Counter[str] = Counter()
    for v in values:
        upper = next((b for b in LENGTH_BUCKETS if v <= b), None)
        hist[f"<={upper}" if upper else f">{LENGTH_BUCKETS[-1]}"] += 1
    order = [f"<={b}" for b in LENGTH_BUCKETS] + [f">{LENGTH_BUCKETS[-1]}"]
    return {"n": len(values), "min": min(values), "median": statistics.median(values),
            "mean": round(statistics.fmean(values), 2), "max": max(values),
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


def corpus_stats(root: str | Path | None = None) -> dict[str, Any]:
    """Figures over gold layers (what the dataset contains) and over every layer by annotator.

    Reads files as they are; run `claimstance validate` first for trustworthy figures.
    """
    corpus = Corpus.at(root)
    mention_t: Counter[str] = Counter()
    claim_t: Counter[str] = Counter()
    stance_l: Counter[str] = Counter()
    claimed = unclaimed = 0
    mention_len: list[int] = []
    claim_len: list[int] = []
    per_doc: dict[str, Any] = {}
    per_annotator: dict[str, Counter[str]] = {}
    for doc_id in corpus.doc_ids():
        annotators = corpus.annotators(doc_id)
        entry: dict[str, Any] = {"annotators": [a for a in annotators if a != GOLD],
                                 "gold": GOLD in annotators}
        for a in annotators:
            ann = orjson.loads(corpus.annotation_path(doc_id, a).read_bytes())
            c = per_annotator.setdefault(a, Counter())
            c["documents"] += 1
            for k in ("mentions", "claims", "stances"):
                c[k] += len(ann[k])
            if a != GOLD:
                continue
            entry |= layer_counts(ann)
            mention_t.update(m["type"] for m in ann["mentions"])
            claim_t.update(x["type"] for x in ann["claims"])
            stance_l.update(s["label"] for s in ann["stances"])
            mention_len += [m["end"] - m["start"] for m in ann["mentions"]]
            claim_len += [x["end"] - x["start"] for x in ann["claims"]]
            claimed += sum(1 for x in ann["claims"] if x["claimant"])
            unclaimed += sum(1 for x in ann["claims"] if not x["claimant"])
        per_doc[doc_id] = entry
    return {
        "documents": len(per_doc),
        "documents_with_gold": sum(1 for d in per_doc.values() if d["gold"]),
        "gold": {
            "mention_types": {t: mention_t[t] for t in mention_types()},
            "claim_types": {t: claim_t[t] for t in claim_types()},
            "stance_labels": {t: stance_l[t] for t in stance_labels()},
            "claims_with_claimant": claimed,
            "claims_by_the_article": unclaimed,
            "mention_length": _lengths(mention_len),
            "claim_length": _lengths(claim_len),
        },
        "per_document": per_doc,
        "per_annotator": {a: dict(c) for a, c in sorted(per_annotator.items())},
    }


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
