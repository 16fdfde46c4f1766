"""Split assignment: a stable hash of the document id, so a document never changes split
as the corpus grows, and every tool (and every reader) can recompute it."""

from __future__ import annotations

import hashlib

SPLITS = ("train", "validation", "test")
RULE = ("bucket = int(sha256(doc_id as UTF-8).hexdigest()[:8], 16) % 100; "
        "train if bucket < 80, validation if bucket < 90, else test")


def bucket(doc_id: str) -> int:
    return int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8], 16) % 100


def split_of(doc_id: str) -> str:
    b = bucket(doc_id)
    return "train" if b < 80 else "validation" if b < 90 else "test"
