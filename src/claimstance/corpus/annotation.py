"""Annotation layers: canonical order and ids, so files diff cleanly and ids stay stable."""

from __future__ import annotations

import functools
import operator
import sys
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


#: Mentions and claims are in text order: by start, end, then type.
span_order = operator.itemgetter("start", "end", "type")
_ID = operator.itemgetter("id")


def stance_order(stance: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Stances follow their claims, then their holders (by id number), then label."""
    return _num(stance["claim"]), _num(stance["holder"]), stance["label"]


def _num(item_id: str | None) -> tuple[int, str]:
    """An id's number for ordering (m12 -> 12, so m9 comes before m10); ids of other tools
    (Label Studio's random region ids) come after numbered ones, in the order of their text."""
    if not item_id:
        return 0, ""
    tail = item_id[1:]
    return (int(tail), "") if tail.isdecimal() and tail.isascii() else (sys.maxsize, item_id)


def canonicalize(ann: dict[str, Any]) -> dict[str, Any]:
    """Sort items in text order and renumber ids m1.., c1.., s1.., rewriting references.

    Ties in `span_order` keep the order of the old ids' numbers. Applying it twice changes
    nothing.
    """
    mentions = sorted(ann["mentions"], key=lambda m: (*span_order(m), _num(m["id"])))
    claims = sorted(ann["claims"], key=lambda c: (*span_order(c), _num(c["id"])))
    mid = {m["id"]: f"m{i}" for i, m in enumerate(mentions, 1)}
    cid = {c["id"]: f"c{i}" for i, c in enumerate(claims, 1)}

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
    stances.sort(key=stance_order)
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


@functools.lru_cache(maxsize=64)
def _numbered(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, n + 1)]


def is_canonical(ann: dict[str, Any]) -> bool:
    """Whether `canonicalize` would leave the items as they are (without building a copy):
    ids numbered in order, and items in `span_order` / `stance_order`."""
    try:
        for key, prefix in (("mentions", "m"), ("claims", "c"), ("stances", "s")):
            items = ann[key]
            if list(map(_ID, items)) != _numbered(prefix, len(items)):
                return False
        for key in ("mentions", "claims"):
            keys = list(map(span_order, ann[key]))
            if not all(map(operator.le, keys, keys[1:])):
                return False
        keys = list(map(stance_order, ann["stances"]))
        return all(map(operator.le, keys, keys[1:]))
    except (KeyError, TypeError, ValueError, IndexError):
        return True  # malformed: other checks report it
