"""Annotation layers: canonical order and ids, so files diff cleanly and ids stay stable."""

from __future__ import annotations

import itertools
from typing import Any

from .schema import SCHEMA_VERSION

MENTION_KEYS = ("id", "start", "end", "text", "type", "entity")
CLAIM_KEYS = ("id", "start", "end", "text", "type", "claimant")
STANCE_KEYS = ("id", "holder", "claim", "label")
PROVENANCE_KEYS = ("tool", "tool_version", "project", "task", "annotation", "created_at",
                   "updated_at", "lead_time_s", "sources")


def empty_provenance(tool: str = "manual") -> dict[str, Any]:
    return {k: None for k in PROVENANCE_KEYS if k != "sources"} | {"tool": tool}


def _ordered(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: item[k] for k in keys if k in item}


def canonicalize(ann: dict[str, Any]) -> dict[str, Any]:
    """Sort items in text order and renumber ids m1.., c1.., s1.., rewriting references.

    Mentions and claims sort by (start, end, type, text); stances by the new numbers of their
    claim and holder, then label. Applying it twice changes nothing.
    """
    mentions = sorted(ann["mentions"], key=lambda m: (m["start"], m["end"], m["type"], m["id"]))
    claims = sorted(ann["claims"], key=lambda c: (c["start"], c["end"], c["type"], c["id"]))
    mid = {m["id"]: f"m{i}" for i, m in enumerate(mentions, 1)}
    cid = {c["id"]: f"c{i}" for i, c in enumerate(claims, 1)}

    def num(new_id: str | None) -> int:
        return int(new_id[1:]) if new_id else 0

    new_mentions = [_ordered(m | {"id": mid[m["id"]]}, MENTION_KEYS) for m in mentions]
    new_claims = [
        _ordered(c | {"id": cid[c["id"]], "claimant": mid.get(c["claimant"], c["claimant"])
                      if c["claimant"] is not None else None}, CLAIM_KEYS)
        for c in claims
    ]
    stances = [
        s | {"holder": mid.get(s["holder"], s["holder"]), "claim": cid.get(s["claim"], s["claim"])}
        for s in ann["stances"]
    ]
    stances.sort(key=lambda s: (num(s["claim"]), num(s["holder"]), s["label"]))
    new_stances = [_ordered(s | {"id": f"s{i}"}, STANCE_KEYS) for i, s in enumerate(stances, 1)]
    return {
        "schema_version": ann.get("schema_version", SCHEMA_VERSION),
        "document": {"id": ann["document"]["id"], "sha256": ann["document"]["sha256"]},
        "annotator": ann["annotator"],
        "status": ann["status"],
        "provenance": _ordered(ann["provenance"], PROVENANCE_KEYS),
        "mentions": new_mentions,
        "claims": new_claims,
        "stances": new_stances,
    }


def _numbered(items: Any, prefix: str) -> bool:
    return isinstance(items, list) and all(
        isinstance(x, dict) and x.get("id") == f"{prefix}{i}" for i, x in enumerate(items, 1))


def is_canonical(ann: dict[str, Any]) -> bool:
    """Whether `canonicalize` would leave the items as they are (without building a copy)."""
    try:
        if not (_numbered(ann["mentions"], "m") and _numbered(ann["claims"], "c")
                and _numbered(ann["stances"], "s")):
            return False
        for key in ("mentions", "claims"):
            keys = [(x["start"], x["end"], x["type"]) for x in ann[key]]
            if any(a > b for a, b in itertools.pairwise(keys)):
                return False
        skeys = [(int(s["claim"][1:]), int(s["holder"][1:]), s["label"]) for s in ann["stances"]]
        return all(a <= b for a, b in itertools.pairwise(skeys))
    except (KeyError, TypeError, ValueError, IndexError):
        return True  # malformed: other checks report it
