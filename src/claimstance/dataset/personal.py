"""Finding personal data in what would be published: e-mail addresses and real names.

Text is normalised before it is searched, the way a reader's eye normalises it: compatibility
forms folded (a fullwidth or small commercial at, U+FF20 or U+FE6B, is an @; fullwidth
letters are letters), invisible
characters removed (zero-width spaces and joiners, soft hyphens, bidi marks), and the
spelled-out forms "[at]", "(at)", "{at}", "<at>" and "[dot]", "(dot)" read as "@" and ".".
Addresses may use any script (internationalised local parts and domains). The plain words
"at" and "dot" are not read as symbols: ordinary prose is full of them.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Iterable

_AT_WORD = re.compile(r"[\[({<]\s*at\s*[\])}>]", re.I)
_DOT_WORD = re.compile(r"[\[({<]\s*dot\s*[\])}>]", re.I)
_SPACED = re.compile(r"\s*([@.])\s*")  # "jane @ example . org", once words became symbols
EMAIL = re.compile(
    r"(?<![\w.%+-])[\w%+-](?:[\w.%+-]*[\w%+-])?"  # local part, any script
    r"@(?:[^\W_](?:[\w-]*[^\W_])?\.)+"  # domain labels, any script
    r"(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)(?![\w-])",  # a top-level domain (or its punycode)
    re.I)


@functools.cache
def _invisible() -> re.Pattern[str]:
    """Characters that show as nothing: every format character (Cf: zero-width space,
    joiners, bidi marks, soft hyphen, BOM, tags) plus fillers and variation selectors."""
    chars = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    chars |= {0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, *range(0xFE00, 0xFE10)}
    ranges: list[list[int]] = []  # as ranges, which the regex engine tests quickly
    for c in sorted(chars):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return re.compile("[" + "".join(re.escape(chr(a)) + ("" if a == b else "-" + re.escape(chr(b)))
                                    for a, b in ranges) + "]+")


def normalise(text: str) -> str:
    """`text` as it reads: compatibility forms folded, invisible characters removed,
    "[at]" and "[dot]" spelled out as symbols, ideographic full stops as dots."""
    t = unicodedata.normalize("NFKC", text)
    if not t.isascii():
        t = _invisible().sub("", t).replace("\u3002", ".")
    if _AT_WORD.search(t):  # spelled-out forms are rare: only then rewrite them
        t = _SPACED.sub(r"\1", _DOT_WORD.sub(".", _AT_WORD.sub("@", t)))
    return t


def find_email(text: str) -> str | None:
    """The first e-mail address in `text` (as normalised), or None."""
    if "@" not in text and text.isascii() and not _AT_WORD.search(text):
        return None
    t = normalise(text)
    m = EMAIL.search(t) if "@" in t else None
    return m.group(0) if m else None


def names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern that finds any of `names` in normalised, case-folded text, whatever
    separates its words ("Alice Martin", "alice-martin", "ALICE_MARTIN")."""
    parts = []
    for name in names:
        words = re.findall(r"\w+", normalise(name).casefold())
        if words:
            parts.append(r"[\W_]*".join(map(re.escape, words)))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(parts, key=len, reverse=True)) +
                      r")(?!\w)")


def find_name(pattern: re.Pattern[str] | None, text: str) -> str | None:
    if pattern is None:
        return None
    m = pattern.search(normalise(text).casefold())
    return m.group(0) if m else None
