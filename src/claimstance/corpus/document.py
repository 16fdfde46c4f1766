"""Seed documents: text normalisation, hashing, grapheme boundaries, and the document record."""

from __future__ import annotations

import hashlib
import itertools
import operator
import re
import unicodedata
from typing import Any

import regex

_DASHES = "\u2014\u2013"  # em and en dash
_DATELINE = re.compile(rf"^([^\W\d_][^\n{_DASHES}]{{0,60}}?)\s+(?:[{_DASHES}]|--?)\s")


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


_GRAPHEME = regex.compile(r"\X")
_PREPEND = regex.compile(r"\p{Grapheme_Cluster_Break=Prepend}")


def _anchored(text: str, p: int) -> bool:
    """A boundary known without segmenting: before an ASCII character other than LF (none
    of them extends, joins or is pictographic), unless a prepend mark or CR comes first."""
    c = text[p]
    return c < "\x80" and c != "\n" and text[p - 1] != "\r" and not _PREPEND.match(text[p - 1])


def is_grapheme_boundary(text: str, i: int) -> bool:
    """Whether offset `i` falls between two user-perceived characters (UAX #29 extended
    grapheme clusters, as the `regex` module's \\X finds them), not inside one.

    Most offsets are answered from the two characters around them; the rest are segmented
    from the nearest known boundary on their left.
    """
    if not 0 < i < len(text):
        return True
    if text[i] < "\u0300" and text[i - 1] < "\u0300":
        return text[i - 1 : i + 1] != "\r\n"  # plain letters: nothing joins (bar CR LF)
    start = i - 1
    while start > 0 and not _anchored(text, start):
        start -= 1
    pos = start
    while pos < i:
        m = _GRAPHEME.match(text, pos)
        assert m is not None  # \X matches one cluster at any position inside the text
        pos = m.end()
    return pos == i


SEGMENT_ALL = 32  # offsets to segment in one text past which the whole text is segmented


def span_edges(text: str, offsets: set[int]) -> tuple[set[int], set[int]]:
    """Of many offsets (0 to len(text)): those inside a user-perceived character, and of the
    others those between two letters or digits. Word cuts, and most boundaries, are read
    from the two characters around each offset; offsets next to a non-ASCII character (or
    inside CR LF) are segmented, one by one from a known boundary by `is_grapheme_boundary`,
    or, when there are many (a text mostly outside ASCII), by segmenting the text once."""
    offs = list(offsets - {0, len(text)})
    pairs = [text[o - 1 : o + 1] for o in offs]
    odd = list(itertools.compress(offs, map(operator.not_, map(str.isascii, pairs))))
    if len(odd) > SEGMENT_ALL:
        inside = set(odd) - {m.end() for m in _GRAPHEME.finditer(text)}
    else:
        inside = {o for o in odd if not is_grapheme_boundary(text, o)}
    if "\r\n" in pairs:  # (a list of a few pairs: cheaper to search than the text)
        inside.update(itertools.compress(offs, map("\r\n".__eq__, pairs)))
    return inside, set(itertools.compress(offs, map(str.isalnum, pairs))) - inside
