"""Turn a plain-text article into a seed document."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .checks import check_document
from .document import SLUG, make_document
from .fsutil import atomic_write, dumps
from .layout import Corpus
from .problems import Problem, problem


class IngestError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"[{p.code}] {p.message}" for p in problems))
        self.problems = problems


def read_article(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IngestError([problem("invalid-encoding", str(path), "",
                                   f"byte offset {e.start} is not UTF-8; convert the file to "
                                   "UTF-8 first")]) from None


def ingest(
    source_file: Path,
    doc_id: str,
    root: Path | None = None,
    *,
    force: bool = False,
    added: str | None = None,
    **metadata: Any,
) -> tuple[Path, bool]:
    """Write seeds/<doc_id>.json; returns (path, changed). Refuses to overwrite without force."""
    corpus = Corpus.at(root)
    if not SLUG.match(doc_id):
        raise IngestError([problem("invalid-value", doc_id, "/id",
                                   f"id {doc_id!r} must be a slug: 3-81 characters from a-z, "
                                   "0-9 and '-', starting with a letter or digit")])
    if not source_file.is_file():
        raise IngestError([problem("file-not-found", str(source_file), "", "no such file")])
    text = read_article(source_file)
    doc = make_document(doc_id, text, added=added or dt.date.today().isoformat(), **metadata)
    if not doc["text"]:
        raise IngestError([problem("empty-file", str(source_file), "", "the article is empty")])
    target = corpus.seed_path(doc_id)
    found = check_document(doc, corpus.rel(target), doc_id)
    if found:
        raise IngestError(found)
    if target.is_file() and not force:
        # Re-ingesting the same text with the same metadata is a no-op, whatever the date.
        import json

        old = json.loads(target.read_text(encoding="utf-8"))
        if isinstance(old, dict) and {**old, "added": doc["added"]} == doc:
            return target, False
    return target, atomic_write(target, dumps(doc), force=force)
