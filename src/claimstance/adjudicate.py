"""Merge several annotators' layers of one document into a gold layer.

Items are compared by their spans (ids differ between layers): a mention by its offsets, a
claim by its offsets, a stance by its holder's and its claim's offsets. What every annotator
has, identically, goes into gold. Everything else is a conflict, listed with each
annotator's version in a review file (`review/<doc_id>.json`, outside `annotations/`) where a
person writes a resolution ("take:<annotator>" or "drop"); `--prefer ANNOTATOR` resolves the
rest in favour of one annotator. Resolutions survive re-runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .annotation import canonicalize, empty_provenance
from .checks import check_annotation
from .layout import GOLD
from .problems import Level, Problem
from .schema import SCHEMA_VERSION

Layer = dict[str, Any]
Span = tuple[int, int]


@dataclass
class Conflict:
    id: str
    kind: str  # mention, claim, stance
    text: str
    versions: dict[str, dict[str, Any] | None]  # annotator -> what they have (None: nothing)
    resolution: str | None = None  # "take:<annotator>" or "drop"
    resolved_by: str | None = None  # "review file", "--prefer" or None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "text": self.text, "versions": self.versions,
                "resolution": self.resolution}


@dataclass
class Adjudication:
    doc_id: str
    annotators: list[str]
    gold: Layer
    conflicts: list[Conflict] = field(default_factory=list)
    agreed: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def unresolved(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.resolved_by is None]

    def review(self) -> dict[str, Any]:
        return {
            "document": self.doc_id,
            "annotators": self.annotators,
            "how": "For each conflict set resolution to \"take:<annotator>\" (use that "
                   "annotator's version; if they have none, leave the item out) or \"drop\", "
                   "then run `claimstance adjudicate DOC_ID --force` again.",
            "conflicts": [c.to_dict() for c in self.conflicts],
        }

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.doc_id, "annotators": self.annotators, "agreed": self.agreed,
                "conflicts": len(self.conflicts),
                "resolved": {"review file": sum(c.resolved_by == "review file"
                                                for c in self.conflicts),
                             "--prefer": sum(c.resolved_by == "--prefer"
                                             for c in self.conflicts)},
                "unresolved": [c.to_dict() for c in self.unresolved],
                "problems": [p.to_dict() for p in self.problems]}


def _versions(layers: dict[str, Layer], key_of: Any, value_of: Any,
              kind: str) -> dict[Any, dict[str, Any]]:
    """key -> annotator -> value, for the items of `kind` in each layer."""
    out: dict[Any, dict[str, Any]] = {}
    for a, layer in layers.items():
        for item in layer[kind]:
            out.setdefault(key_of(layer, item), {})[a] = value_of(layer, item)
    return out


def _span(item: dict[str, Any]) -> Span:
    return item["start"], item["end"]


def _mention_span(layer: Layer, mid: str | None) -> Span | None:
    if mid is None:
        return None
    return next(_span(m) for m in layer["mentions"] if m["id"] == mid)


def _claim_span(layer: Layer, cid: str) -> Span:
    return next(_span(c) for c in layer["claims"] if c["id"] == cid)


def adjudicate(
    doc_id: str,
    text: str,
    digest: str,
    layers: dict[str, Layer],
    *,
    prefer: str | None = None,
    resolutions: dict[str, str] | None = None,
) -> Adjudication:
    """Gold from annotator layers of one document (all validated against the seed)."""
    annotators = sorted(layers)
    resolutions = resolutions or {}
    conflicts: list[Conflict] = []
    agreed = {"mentions": 0, "claims": 0, "stances": 0}

    def decide(cid: str, kind: str, label: str, versions: dict[str, Any]) -> Any | None:
        """The value to put in gold for one key, or None to leave it out."""
        full = {a: versions.get(a) for a in annotators}
        values = list(full.values())
        if all(v is not None for v in values) and all(v == values[0] for v in values):
            agreed[kind + "s"] += 1
            return values[0]
        c = Conflict(cid, kind, label, full)
        conflicts.append(c)
        res = resolutions.get(cid)
        if res == "drop" or (res and res.startswith("take:") and res[5:] in full):
            c.resolution, c.resolved_by = res, "review file"
            return None if res == "drop" else full[res[5:]]
        if prefer is not None:
            c.resolution, c.resolved_by = f"take:{prefer}", "--prefer"
            return full.get(prefer)
        return None

    mentions = _versions(layers, lambda _, m: _span(m),
                         lambda _, m: {"type": m["type"]} | (
                             {"entity": m["entity"]} if m.get("entity") else {}), "mentions")
    gold_mentions: dict[Span, dict[str, Any]] = {}
    for span in sorted(mentions):
        v = decide(f"mention {span[0]}-{span[1]}", "mention", text[span[0]:span[1]],
                   mentions[span])
        if v is not None:
            gold_mentions[span] = v
    claims = _versions(
        layers, lambda _, c: _span(c),
        lambda layer, c: {"type": c["type"], "claimant": _mention_span(layer, c["claimant"])},
        "claims")
    gold_claims: dict[Span, dict[str, Any]] = {}
    for span in sorted(claims):
        v = decide(f"claim {span[0]}-{span[1]}", "claim", text[span[0]:span[1]], claims[span])
        if v is None:
            continue
        if v["claimant"] is not None and tuple(v["claimant"]) not in gold_mentions:
            conflicts.append(Conflict(
                f"claim {span[0]}-{span[1]} claimant", "claim", text[span[0]:span[1]],
                {a: claims[span].get(a) for a in annotators}))
            continue  # its claimant mention did not make it into gold
        gold_claims[span] = v
    stances = _versions(
        layers, lambda layer, s: (_mention_span(layer, s["holder"]),
                                  _claim_span(layer, s["claim"])),
        lambda _, s: {"label": s["label"]}, "stances")
    gold_stances: dict[tuple[Any, Any], str] = {}
    for (holder, claim) in sorted(stances):
        label = f"{text[holder[0]:holder[1]]} -> {text[claim[0]:claim[1]]}"
        v = decide(f"stance {holder[0]}-{holder[1]} {claim[0]}-{claim[1]}", "stance", label,
                   stances[(holder, claim)])
        if v is not None and holder in gold_mentions and claim in gold_claims:
            gold_stances[(holder, claim)] = v["label"]

    mid = {span: f"m{i}" for i, span in enumerate(gold_mentions, 1)}
    cid = {span: f"c{i}" for i, span in enumerate(gold_claims, 1)}
    updated = sorted(str(x["provenance"].get("updated_at") or "") for x in layers.values())
    provenance = empty_provenance("claimstance-adjudicate") | {
        "tool_version": __version__, "created_at": updated[-1] or None,
        "updated_at": updated[-1] or None, "sources": annotators}
    gold = canonicalize({
        "schema_version": SCHEMA_VERSION,
        "document": {"id": doc_id, "sha256": digest},
        "annotator": GOLD, "status": "gold", "provenance": provenance,
        "mentions": [{"id": mid[s], "start": s[0], "end": s[1], "text": text[s[0]:s[1]]} | v
                     for s, v in gold_mentions.items()],
        "claims": [{"id": cid[s], "start": s[0], "end": s[1], "text": text[s[0]:s[1]],
                    "type": v["type"],
                    "claimant": mid[tuple(v["claimant"])] if v["claimant"] else None}
                   for s, v in gold_claims.items()],
        "stances": [{"id": f"s{i}", "holder": mid[h], "claim": cid[c], "label": label}
                    for i, ((h, c), label) in enumerate(gold_stances.items(), 1)],
    })
    result = Adjudication(doc_id, annotators, gold, conflicts, agreed)
    result.problems = [p for p in check_annotation(
        gold, f"annotations/{doc_id}/gold.json", stem=GOLD, folder=doc_id, text=text,
        text_sha256=digest, seed_exists=True) if p.level is Level.ERROR]
    return result
