"""Ingest one plain-text article, with its metadata given by the caller: one row through
the same checks as a bulk ingest (an id or text already in the corpus, near-duplicates).

It sits above validation, like `ls pull`: what it writes must pass the same checks as any
contribution, and a seed that would not is refused before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from ..problems import Code, Refused, refuse
from ..validation.reader import MAX_BYTES, NotAFile, read_bytes
from .bulk import IngestResult, ingest_rows
from .sources import Row


def read_article(path: Path) -> tuple[str, str]:
    """The article's text (UTF-8, a BOM allowed) and the sha256 of the file; never more
    than a seed can hold, and never waiting on a FIFO or device."""
    try:
        raw = read_bytes(path, MAX_BYTES)
    except FileNotFoundError:
        raise refuse(Code.FILE_NOT_FOUND, str(path), "no such file") from None
    except OSError as e:
        raise refuse(Code.NOT_A_FILE if isinstance(e, IsADirectoryError | NotAFile) else
                     Code.IO_ERROR, str(path), f"cannot read the article: {e.strerror}",
                     ) from None
    if isinstance(raw, int):
        raise refuse(Code.FILE_TOO_LARGE, str(path),
                     f"{raw:,} bytes; a seed may hold {MAX_BYTES:,} (what validate accepts): "
                     "split the article")
    try:
        return raw.decode("utf-8-sig"), hashlib.sha256(raw).hexdigest()
    except UnicodeDecodeError as e:
        raise refuse(Code.INVALID_ENCODING, str(path),
                     f"byte offset {e.start} is not UTF-8; convert the file to UTF-8 "
                     "first") from None


def ingest_file(source_file: Path, doc_id: str | None, root: str | Path | None = None, *,
                force: bool = False, added: str | None = None, **metadata: str | None,
                ) -> IngestResult:
    """seeds/<doc_id>.json from a .txt (the id slugged from the title when None)."""
    text, digest = read_article(source_file)
    row = Row(str(source_file), None, {"id": doc_id, **metadata, "text": text},
              origin=source_file.name, origin_sha256=digest)
    return ingest_rows(root, [row], str(source_file), added=added or dt.date.today().isoformat(),
                       force=force)


def ingest(source_file: Path, doc_id: str, root: str | Path | None = None, *,
           force: bool = False, added: str | None = None, **metadata: Any,
           ) -> tuple[Path, bool]:
    """Write seeds/<doc_id>.json; returns (path, changed). Refuses to overwrite without force."""
    result = ingest_file(source_file, doc_id, root, force=force, added=added, **metadata)
    from ..corpus.layout import Corpus

    return Corpus.at(root).seed_path(doc_id), bool(result.written)


__all__ = ["Refused", "ingest", "ingest_file", "read_article"]
