"""Seed documents: text normalisation, hashing, and building the document record."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

_DASHES = "\u2014\u2013"  # em and en dash
_DATELINE = re.compile(rf"^([^\W\d_][^\n{_DASHES}]{{0,60}}?)\s+(?:[{_DASHES}]|--?)\s")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{2,80}$")


def normalize_text(text: str) -> str:
    """NFC, \\n line ends, no trailing whitespace on lines or at the end, no BOM."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def is_normalized(text: str) -> bool:
    """`normalize_text(text) == text`, without building the normalised copy."""
    return (
        "\r" not in text
        and not text.startswith(("\ufeff", "\n"))
        and text == text.rstrip()
        and _rstripped(text)
        and (text.isascii() or unicodedata.is_normalized("NFC", text))
    )


def _rstripped(text: str) -> bool:
    lines = text.split("\n")
    return list(map(str.rstrip, lines)) == lines  # a map, not a loop: this runs per seed


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_dateline(text: str) -> str | None:
    """The dateline as printed ('BAMAKO, MALI — ...' gives 'BAMAKO, MALI'), if any."""
    m = _DATELINE.match(text)
    if not m:
        return None
    line = m.group(1).strip()
    return line if line == line.upper() else None  # datelines are set in capitals


def make_document(
    doc_id: str,
    text: str,
    *,
    added: str,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: str | None = None,
    language: str = "en",
    license: str | None = None,
    dateline: str | None = None,
) -> dict[str, Any]:
    text = normalize_text(text)
    return {
        "id": doc_id,
        "text": text,
        "sha256": sha256(text),
        "title": title,
        "source": source,
        "url": url,
        "published": published,
        "dateline": dateline if dateline is not None else find_dateline(text),
        "language": language,
        "license": license,
        "added": added,
    }
