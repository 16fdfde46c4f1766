"""Turn a plain-text article into a seed document.

It sits above validation, like `ls pull`: what it writes must pass the same checks as any
contribution, and a seed that would not is refused before anything is written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson

from .corpus.document import make_document
from .corpus.layout import Corpus
from .corpus.lock import corpus_lock
from .corpus.naming import is_doc_id
from .corpus.writing import atomic_write, dumps
from .problems import Code, Refused, refuse
from .validation.reader import MAX_BYTES, NotAFile, read_bytes
from .validation.rules import check_document


def _too_large(where: str, size: int) -> Refused:
    return refuse(Code.FILE_TOO_LARGE, where,
                  f"{size:,} bytes; a seed may hold {MAX_BYTES:,} (what validate accepts): "
                  "split the article")


def read_article(path: Path) -> str:
    """The article's text (UTF-8, a BOM allowed); never more than a seed can hold, and
    never waiting on a FIFO or device."""
    try:
        raw = read_bytes(path, MAX_BYTES)
    except FileNotFoundError:
        raise refuse(Code.FILE_NOT_FOUND, str(path), "no such file") from None
    except OSError as e:
        raise refuse(Code.NOT_A_FILE if isinstance(e, IsADirectoryError | NotAFile) else
                     Code.IO_ERROR, str(path), f"cannot read the article: {e.strerror}",
                     ) from None
    if isinstance(raw, int):
        raise _too_large(str(path), raw)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise refuse(Code.INVALID_ENCODING, str(path),
                     f"byte offset {e.start} is not UTF-8; convert the file to UTF-8 "
                     "first") from None


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
    if not is_doc_id(doc_id):
        raise refuse(Code.INVALID_VALUE, doc_id,
                     f"id {doc_id!r} must be a slug: 3-81 characters from a-z, 0-9 and '-', "
                     "starting with a letter or digit", "/id")
    text = read_article(source_file)
    doc = make_document(doc_id, text, added=added or dt.date.today().isoformat(), **metadata)
    if not doc["text"]:
        raise refuse(Code.EMPTY_FILE, str(source_file), "the article is empty")
    target = corpus.seed_path(doc_id)
    rel = corpus.rel(target)
    found = check_document(doc, rel, doc_id)
    if found:
        raise Refused(f"{rel} would not be valid; nothing was written", found)
    data = dumps(doc)
    if len(data) > MAX_BYTES:
        raise _too_large(rel, len(data))
    with corpus_lock(corpus.root, "ingest"):
        if target.is_file() and not force:
            # Re-ingesting the same text with the same metadata is a no-op, whatever the date.
            try:
                old = orjson.loads(target.read_bytes())
            except orjson.JSONDecodeError:
                old = None
            if isinstance(old, dict) and {**old, "added": doc["added"]} == doc:
                return target, False
        return target, atomic_write(target, data, force=force, shown=rel)
