"""The rows of each config, made row by row as plainly as possible: the reference that
`claimstance.dataset.columns` (which has Arrow build the tables) is tested against."""

from __future__ import annotations

from typing import Any

from claimstance.corpus.segmentation import Segmentation, bio_names, encode_bio, segment
from claimstance.dataset.columns import annotators_of
from claimstance.dataset.features import LabelIndex

Row = dict[str, Any]


def _sentence(seg: Segmentation, offset: int) -> int:
    return next(k for k, (a, b) in enumerate(seg.sentences) if a <= offset < b)


def _mention(m: Row, ix: LabelIndex, seg: Segmentation) -> Row:
    return {"id": m["id"], "start": m["start"], "end": m["end"], "text": m["text"],
            "type": ix.mention[m["type"]], "entity": m.get("entity"),
            "sentence": _sentence(seg, m["start"])}


def _claim(c: Row, ix: LabelIndex, seg: Segmentation) -> Row:
    return {"id": c["id"], "start": c["start"], "end": c["end"], "text": c["text"],
            "type": ix.claim[c["type"]], "claimant": c["claimant"],
            "sentence": _sentence(seg, c["start"])}


def _tags(tokens: list[tuple[int, int]], items: list[Row], labels: list[str]) -> list[int]:
    """BIO class ids of one sentence's tokens, encoding only the spans inside it."""
    inside = [(x["start"], x["end"], x["type"]) for x in items
              if tokens and tokens[0][0] <= x["start"] and x["end"] <= tokens[-1][1]]
    names = bio_names(labels)
    return [names.index(t) for t in encode_bio(tokens, inside, labels).tags]


def _token_rows(doc: Row, ann: Row, seg: Segmentation, ix: LabelIndex) -> list[Row]:
    """One row per sentence, tokens found by their offsets and tagged sentence by sentence
    (the build tags whole documents, leaving out spans that cross a sentence)."""
    out = []
    for k, (a, b) in enumerate(seg.sentences):
        tokens = [t for t in seg.tokens if a <= t[0] and t[1] <= b]
        out.append({"doc_id": doc["id"], "sentence": k,
                    "tokens": [doc["text"][s:e] for s, e in tokens],
                    "offsets": [[s, e] for s, e in tokens],
                    "mention_tags": _tags(tokens, ann["mentions"], list(ix.mention)),
                    "claim_tags": _tags(tokens, ann["claims"], list(ix.claim))})
    return out


def _stance(s: Row, ix: LabelIndex) -> Row:
    return {"id": s["id"], "holder": s["holder"], "claim": s["claim"],
            "label": ix.stance[s["label"]]}


def rows(doc: Row, ann: Row, ix: LabelIndex, source: str = "gold") -> dict[str, list[Row]]:
    """All rows one document contributes to each config."""
    seg = segment(doc["text"])
    mentions = [_mention(m, ix, seg) for m in ann["mentions"]]
    claims = [_claim(c, ix, seg) for c in ann["claims"]]
    stances = [_stance(s, ix) for s in ann["stances"]]
    document = {k: doc.get(k) for k in ("id", "title", "source", "url", "published", "dateline",
                                        "language", "license", "added", "sha256")}
    document |= {"annotation_source": source, "annotators": annotators_of(ann),
                 "text": doc["text"],
                 "sentences": [{"start": a, "end": b} for a, b in seg.sentences],
                 "mentions": mentions, "claims": claims, "stances": stances}
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
        "tokens": _token_rows(doc, ann, seg, ix),
    }
