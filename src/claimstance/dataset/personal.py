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

_AT_WORD = re.compile(r"\s*[\[({<]\s*at\s*[\])}>]\s*", re.I)
_DOT_WORD = re.compile(r"\s*[\[({<]\s*dot\s*[\])}>]\s*", re.I)
EMAIL = re.compile(
    r"(?<![\w.%+-])[\w%+-](?:[\w.%+-]*[\w%+-])?"  # local part, any script
    r"@(?:[^\W_](?:[\w-]*[^\W_])?\.)+"  # domain labels, any script
    r"(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)(?![\w-])",  # a top-level domain (or its punycode)
    re.I)


@functools.cache
def _invisible() -> dict[int, None]:
    """Characters that show as nothing: every format character (Cf: zero-width space,
    joiners, bidi marks, soft hyphen, BOM) plus fillers and variation selectors."""
    out: dict[int, None] = {c: None for c in range(sys.maxunicode + 1)
                            if unicodedata.category(chr(c)) == "Cf"}
    for c in (0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, *range(0xFE00, 0xFE10)):
        out[c] = None
    return out


def normalise(text: str) -> str:
    """`text` as it reads: compatibility forms folded, invisible characters removed,
    "[at]" and "[dot]" spelled out as symbols, ideographic full stops as dots."""
    t = unicodedata.normalize("NFKC", text)
    if not t.isascii():
        t = t.translate(_invisible()).replace("\u3002", ".")
    return _DOT_WORD.sub(".", _AT_WORD.sub("@", t))


def find_email(text: str) -> str | None:
    """The first e-mail address in `text` (as normalised), or None."""
    if "@" not in text and text.isascii() and not _AT_WORD.search(text):
        return None
    m = EMAIL.search(normalise(text))
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
