"""The rows of each config, made row by row as plainly as possible: the reference that
`claimstance.dataset.columns` (which has Arrow build the tables) is tested against."""

from __future__ import annotations

from typing import Any

from claimstance.dataset.columns import annotators_of
from claimstance.dataset.features import LabelIndex

Row = dict[str, Any]


def _mention(m: Row, ix: LabelIndex) -> Row:
    return {"id": m["id"], "start": m["start"], "end": m["end"], "text": m["text"],
            "type": ix.mention[m["type"]], "entity": m.get("entity")}


def _claim(c: Row, ix: LabelIndex) -> Row:
    return {"id": c["id"], "start": c["start"], "end": c["end"], "text": c["text"],
            "type": ix.claim[c["type"]], "claimant": c["claimant"]}


def _stance(s: Row, ix: LabelIndex) -> Row:
    return {"id": s["id"], "holder": s["holder"], "claim": s["claim"],
            "label": ix.stance[s["label"]]}


def rows(doc: Row, ann: Row, ix: LabelIndex, source: str = "gold") -> dict[str, list[Row]]:
    """All rows one document contributes to each config."""
    mentions = [_mention(m, ix) for m in ann["mentions"]]
    claims = [_claim(c, ix) for c in ann["claims"]]
    stances = [_stance(s, ix) for s in ann["stances"]]
    document = {k: doc.get(k) for k in ("id", "title", "source", "url", "published", "dateline",
                                        "language", "license", "added", "sha256")}
    document |= {"annotation_source": source, "annotators": annotators_of(ann),
                 "text": doc["text"], "mentions": mentions, "claims": claims,
                 "stances": stances}
    by_mention = {m["id"]: m for m in ann["mentions"]}
    by_claim = {c["id"]: c for c in ann["claims"]}
    doc_id = doc["id"]
    return {
        "documents": [document],
        "mentions": [{"doc_id": doc_id} | m for m in mentions],
        "claims": [
            {"doc_id": doc_id} | c
            | {"claimant_text": by_mention[c["claimant"]]["text"] if c["claimant"] else None}
            for c in claims
        ],
        "stances": [
            {"doc_id": doc_id} | s | {
                "holder_text": by_mention[s["holder"]]["text"],
                "holder_type": ix.mention[by_mention[s["holder"]]["type"]],
                "claim_text": by_claim[s["claim"]]["text"],
                "claim_type": ix.claim[by_claim[s["claim"]]["type"]],
            }
            for s in stances
        ],
    }
