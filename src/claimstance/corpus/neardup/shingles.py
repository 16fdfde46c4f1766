"""Word shingles: what "near-duplicate" measures, defined once.

A text's shingles are its runs of SHINGLE consecutive words (a text of fewer words has one
shingle, all of them); words are runs of letters, digits and '_' after case folding, so
whitespace, line breaks and punctuation never matter. Two texts' resemblance is the exact
Jaccard index of their shingle sets. `shingle_hashes` gives the same shingles as 32-bit
numbers for MinHash, which only ever proposes pairs for `jaccard` to decide.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

SHINGLE = 5  # words per shingle
_WORD = re.compile(r"\w+")
_MIX = 0x9E3779B97F4A7C15  # odd: combines word hashes into a shingle hash (mod 2**64)
_word_hashes: dict[str, int] = {}  # per process: news repeats its words


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def shingles(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    if len(w) <= SHINGLE:
        return {tuple(w)} if w else set()
    return set(zip(*(w[i:] for i in range(SHINGLE)), strict=False))  # the shortest ends it


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """|a & b| / |a | b|; 0 when both are empty (texts without words resemble nothing)."""
    if not a and not b:
        return 0.0
    inter = len(a & b) if len(a) <= len(b) else len(b & a)
    return inter / (len(a) + len(b) - inter)


def _word_hashes_of(w: list[str]) -> Any:
    """A stable 64-bit hash (blake2b) of each word, as a numpy uint64 array; each distinct
    word is hashed once per process."""
    import numpy as np

    cache = _word_hashes
    for word in set(w).difference(cache):
        cache[word] = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8)
                                     .digest(), "little")
    hashes = np.fromiter(map(cache.__getitem__, w), dtype=np.uint64, count=len(w))
    if len(cache) > 1 << 20:  # a bound on memory; hashes are the same when made again
        cache.clear()
    return hashes


def shingle_hashes(text: str) -> Any:
    """The distinct 32-bit hashes of the text's shingles (a numpy uint32 array): the same
    shingles as `shingles`, as a stable polynomial of blake2b hashes of their words."""
    import numpy as np

    w = words(text)
    if not w:
        return np.zeros(0, dtype=np.uint32)
    hashes = _word_hashes_of(w)
    k = min(SHINGLE, len(w))
    n = len(w) - k + 1
    with np.errstate(over="ignore"):  # arithmetic mod 2**64 is the point
        h = hashes[:n].copy()
        for j in range(1, k):
            h = h * np.uint64(_MIX) + hashes[j : j + n]
        folded = (h >> np.uint64(32)) ^ (h & np.uint64(0xFFFFFFFF))
    return np.unique(folded.astype(np.uint32))
