"""One row -> one seed document, or the problems that stop it (each at the row's line).

Ids are the row's own, or slugged from its title, so the same input always gives the same
ids. Dates become ISO dates, licenses SPDX ids; what is unknown stays null.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..corpus.document import make_document
from ..corpus.licenses import not_one_license, spdx_id
from ..corpus.naming import is_doc_id
from ..problems import Code, Problem
from ..validation.rules import check_document
from .sources import Row

MAX_ID = 81


def slug(title: str) -> str | None:
    """A document id made from a title ('Mali accuses Algeria!' -> 'mali-accuses-algeria'),
    cut at a word within 81 characters; None when too little of it is a-z or 0-9."""
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    if len(s) > MAX_ID:
        cut = s[: MAX_ID + 1]
        s = cut.rsplit("-", 1)[0] if "-" in cut[MAX_ID // 2 :] else s[:MAX_ID]
        s = s.strip("-")
    return s if is_doc_id(s) else None


def iso_date(value: str) -> str | None:
    """YYYY-MM-DD of an ISO 8601 date, or of a date and time (its date as written)."""
    v = value.strip()
    try:
        if len(v) == 10:
            return dt.date.fromisoformat(v).isoformat()
        return dt.datetime.fromisoformat(v.replace("Z", "+00:00")).date().isoformat() \
            if len(v) > 10 and v[10] in "T " else None
    except ValueError:
        return None


@dataclass
class Article:
    """A row that makes a valid seed."""

    row: Row
    doc: dict[str, Any]


def _text(row: Row, name: str) -> str | None:
    value = row.values.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _convert(row: Row, name: str, convert: Callable[[str], str | None], code: Code,
             found: list[Problem], why: Callable[[str], str]) -> str | None:
    """A field in its normal form (None when empty; a problem when it has none)."""
    value = _text(row, name)
    if value is None:
        return None
    out = convert(value)
    if out is None:
        found.append(row.problem(code, name, why(value) + "; leave it empty when unknown"))
    return out


def to_article(row: Row, added: str) -> tuple[Article | None, list[Problem]]:
    found = list(row.problems)
    if found and not row.values:
        return None, found  # no article in it at all (not an object, broken JSON)
    text = row.values.get("text")
    if not isinstance(text, str) or not text.strip():
        found.append(row.problem(Code.INGEST_MISSING_TEXT, "text",
                                 "no text" if text is None else "the text is empty"))
    doc_id = _text(row, "id")
    title = _text(row, "title")
    if doc_id is None:  # slugged from the title, else from a folder's file name
        doc_id = next(filter(None, map(slug, filter(None, (title, row.stem)))), None)
        if doc_id is None:
            what = [f"the {k} {n!r}" for k, n in (("title", title), ("file name", row.stem))
                    if n]
            found.append(row.problem(
                Code.INGEST_BAD_ID, "title" if title else "id",
                ("neither " + " nor ".join(what) + " makes an id" if len(what) > 1 else
                 f"{what[0]} makes no id") + " (too little of it is a-z or 0-9): add an id"
                + (" to its sidecar .json" if row.stem else "") if what else
                "no id, and no title to make one from: add an id column"))
    elif not is_doc_id(doc_id):
        found.append(row.problem(Code.INGEST_BAD_ID, "id",
                                 f"id {doc_id!r} is not a slug: 3-81 characters from a-z, 0-9 "
                                 "and '-', starting with a letter or digit"))
    published = _convert(row, "published", iso_date, Code.INGEST_BAD_DATE, found,
                         "{!r} is not an ISO date (YYYY-MM-DD) in the calendar".format)
    license_ = _convert(row, "license", spdx_id, Code.INGEST_UNKNOWN_LICENSE, found,
                        not_one_license)
    if found:
        return None, found
    assert doc_id is not None and isinstance(text, str)
    doc = make_document(doc_id, text, added=added, title=title, source=_text(row, "source"),
                        url=_text(row, "url"), published=published,
                        language=_text(row, "language") or "en", license=license_)
    found = [row.problem(p.code, p.pointer.split("/")[1] if p.pointer else "", p.message)
             for p in check_document(doc, row.where, doc_id)]
    return (None, found) if found else (Article(row, doc), [])
