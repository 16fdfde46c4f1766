"""MinHash signatures (datasketch) and the banded LSH that proposes candidate pairs.

The signature of a text is datasketch's MinHash of its shingle hashes: NUM_PERM minima
under seeded permutations (scheme affine32, so the same text gives the same signature on
every machine and datasketch version 2.x). Two texts agree on one minimum with probability
equal to the Jaccard index of their shingle sets.

Candidates come from bands: the signature is cut into `b` bands of `r` minima, and two
texts that agree on a whole band are a candidate. `band_shape` picks the most selective
bands for which a pair at the threshold is still missed with probability at most MISS;
a pair further above it is missed even less often. Candidates whose signatures agree on
fewer than `threshold - MARGIN` of the minima are dropped (for a pair at the threshold that
happens with probability below 1e-9 at 256 minima). Everything left is decided by the exact
Jaccard index (`shingles.jaccard`): MinHash never decides, it only proposes.

The bands are plain numpy columns (sorted to find equal keys), not datasketch's MinHashLSH:
that keeps one Python dict entry per document and band (over a gigabyte for 100,000
documents at 64 bands) and can only be saved by pickling all of it, while columns of
numbers load in milliseconds for the one-new-article case.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

from .shingles import shingle_hashes

NUM_PERM = 256
SEED = 1
MISS = 1e-6  # the most a pair exactly at the threshold may be missed by the bands
MARGIN = 0.2  # signature agreement below threshold - MARGIN drops a candidate
LARGE_RUN = 64  # equal band keys shared by more documents than this are paired in one go


@functools.cache
def blank() -> Any:
    """An empty MinHash whose copies take each document's shingle hashes as they are."""
    return _minhash_class()(num_perm=NUM_PERM, seed=SEED, hashfunc=int, scheme="affine32")


def _minhash_class() -> Any:
    """datasketch's MinHash. The package's own __init__ also imports its LSH classes and
    with them scipy (half a second or more, a quarter of the time one new article may
    take); only MinHash is used here, so its module is loaded without that __init__ unless
    the package is imported already."""
    import importlib
    import importlib.util
    import sys
    import types

    if "datasketch" not in sys.modules:
        spec = importlib.util.find_spec("datasketch")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("datasketch is not installed: pip install claimstance")
        package = types.ModuleType("datasketch")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["datasketch"] = package
    return importlib.import_module("datasketch.minhash").MinHash


def signature(text: str) -> tuple[int, Any]:
    """(number of distinct shingles, the MinHash signature as NUM_PERM uint32)."""
    hashes = shingle_hashes(text)
    m = blank().copy()
    if len(hashes):
        m.update_batch(hashes.tolist())
    return len(hashes), m.hashvalues


def signatures(texts: Sequence[str]) -> tuple[Any, Any]:
    """(sizes, signatures) of many texts: an int32 array and an (n, NUM_PERM) uint32 one."""
    import numpy as np

    sizes = np.zeros(len(texts), dtype=np.int32)
    sigs = np.zeros((len(texts), NUM_PERM), dtype=np.uint32)
    for i, text in enumerate(texts):
        sizes[i], sigs[i] = signature(text)
    return sizes, sigs


def sketch_texts(texts: Sequence[str], *, jobs: int | None = None,
                 progress: str | None = None) -> tuple[Any, Any]:
    """`signatures` of many texts, in chunks over every core."""
    import numpy as np

    from ..parallel import map_chunks

    if texts:
        blank()  # imported once, before the workers fork
    parts = list(map_chunks(signatures, texts, jobs=jobs, progress=progress))
    if not parts:
        return np.zeros(0, np.int32), np.zeros((0, NUM_PERM), np.uint32)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def band_shape(threshold: float) -> tuple[int, int]:
    """(bands, rows per band): the most rows per band (fewest false candidates) such that a
    pair whose Jaccard index is exactly `threshold` is missed with probability <= MISS."""
    best = (NUM_PERM, 1)
    for r in range(1, NUM_PERM + 1):
        b = NUM_PERM // r
        if math.pow(1 - math.pow(threshold, r), b) <= MISS:
            best = (b, r)
    return best


def band_keys(sigs: Any, threshold: float) -> Any:
    """One uint64 key per document and band (equal bands give equal keys; unequal ones
    rarely do, and then only add a candidate that the exact check drops)."""
    import numpy as np

    b, r = band_shape(threshold)
    cut = sigs[:, : b * r].reshape(len(sigs), b, r)
    keys = cut[:, :, 0].astype(np.uint64)
    with np.errstate(over="ignore"):
        for j in range(1, r):
            keys *= np.uint64(0x9E3779B97F4A7C15)
            keys += cut[:, :, j]
    return keys


def _pairs_in_column(col: Any) -> Any:
    """Pairs (i < j) of rows with equal keys in one band column, as int64 codes i*n + j."""
    import numpy as np

    n = len(col)
    order = np.argsort(col, kind="stable")
    s = col[order]
    same = s[1:] == s[:-1]
    if not same.any():
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    lengths = np.diff(np.concatenate((starts, [n])))
    run = np.repeat(np.arange(len(starts)), lengths)
    small = np.repeat(lengths <= LARGE_RUN, lengths)
    out = []
    for d in range(1, min(int(lengths.max()), LARGE_RUN + 1)):
        k = np.flatnonzero((run[:-d] == run[d:]) & small[:-d])
        if len(k):
            out.append((order[k], order[k + d]))
    for start, length in zip(starts[lengths > LARGE_RUN], lengths[lengths > LARGE_RUN],
                             strict=True):
        i, j = np.triu_indices(int(length), 1)
        out.append((order[start + i], order[start + j]))
    if not out:
        return np.zeros(0, dtype=np.int64)
    a = np.concatenate([x for x, _ in out]).astype(np.int64)
    b = np.concatenate([y for _, y in out]).astype(np.int64)
    return np.minimum(a, b) * n + np.maximum(a, b)


def candidates(sigs: Any, sizes: Any, threshold: float, new: Any = None) -> Any:
    """Candidate pairs (an (m, 2) int64 array of row numbers, i < j, sorted) among the rows
    of `sigs`: those agreeing on a whole band, then on enough minima. With `new` (a boolean
    mask), only pairs with at least one new row. Texts without words resemble nothing."""
    import numpy as np

    empty = np.zeros(0, dtype=np.int64)
    live = np.flatnonzero(sizes > 0)
    m = len(live)
    lived = sigs if m == len(sigs) else sigs[live]
    fresh = None if new is None else new[live]
    if fresh is not None and int(fresh.sum()) <= 32:  # a few new texts: look each one up
        b, r = band_shape(threshold)
        blocks = lived[:, : b * r].reshape(m, b, r)
        codes = []
        for q in np.flatnonzero(fresh):
            hit = np.flatnonzero((blocks == blocks[q]).all(axis=2).any(axis=1))
            hit = hit[(hit != q) & (~fresh[hit] | (hit > q))]
            codes.append(np.minimum(hit, q) * m + np.maximum(hit, q))
    else:
        keys = band_keys(lived, threshold)
        codes = [_pairs_in_column(keys[:, j]) for j in range(keys.shape[1])]
    found = np.unique(np.concatenate(codes)) if codes else empty
    pairs = live[np.stack((found // m, found % m), axis=1)] if len(found) else \
        np.zeros((0, 2), dtype=np.int64)
    if new is not None and len(pairs):
        pairs = pairs[new[pairs[:, 0]] | new[pairs[:, 1]]]
    if len(pairs):
        agree = np.empty(len(pairs))
        for lo in range(0, len(pairs), 1 << 16):  # bounded memory
            p = pairs[lo : lo + (1 << 16)]
            agree[lo : lo + len(p)] = (sigs[p[:, 0]] == sigs[p[:, 1]]).mean(axis=1)
        pairs = pairs[agree >= threshold - MARGIN]
    return pairs
