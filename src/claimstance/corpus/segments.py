"""The one way the build, the scorer and the baseline get a document's sentences and tokens.

Segmenting costs milliseconds per document (spaCy), so results are kept in the
content-addressed cache (`cache.py`), keyed by the text's bytes and `segmenter_version()`
(and, as every key, the code). A cached segmentation is the segmenter's output itself, so
results are the same with the cache warm, cold, or off.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from . import cache
from .segmentation import Segmentation, segment, segmenter_version


def encode(seg: Segmentation) -> bytes:
    """Sentence starts and token offsets as int32 differences, compressed (about 600 bytes
    for a 3,000-character article; sentences tile the text, so starts suffice)."""
    import numpy as np

    n = len(seg.bounds) - 1
    flat = np.concatenate([np.array([n], dtype=np.int64), seg.bounds[:-1], seg.offsets])
    return zlib.compress(np.diff(flat, prepend=0).astype(np.int32).tobytes(), 1)


def decode(data: bytes, length: int) -> Segmentation | None:
    """The segmentation `encode` wrote for a text of `length` characters (None if the bytes
    do not fit it)."""
    import numpy as np

    try:
        raw = zlib.decompress(data)
    except zlib.error:
        return None
    if len(raw) % 4:
        return None
    values = np.cumsum(np.frombuffer(raw, dtype=np.int32), dtype=np.int64)
    if not len(values) or not 0 <= values[0] <= len(values) - 1 or (
            len(values) - 1 - values[0]) % 2:
        return None
    n = int(values[0])
    bounds = np.empty(n + 1, dtype=np.int32)
    bounds[:n] = values[1:1 + n]
    bounds[n] = length
    return Segmentation(bounds, values[1 + n:].astype(np.int32))


def segments_many(texts: Sequence[str]) -> list[Segmentation]:
    """Segmentations of texts, in order: one cache read and one write for all of them."""
    version = segmenter_version() if cache.enabled() else ""

    def key(text: str) -> bytes:
        read = cache.inputs({"text": text.encode("utf-8", "surrogatepass")})
        return cache.key(__name__, "segments", read, version)

    keys = [key(t) for t in texts] if version else []
    found = cache.fetch(keys)
    out: list[Segmentation] = []
    new: list[tuple[bytes, bytes]] = []
    for i, text in enumerate(texts):
        data = found[i] if keys else None
        seg = decode(data, len(text)) if isinstance(data, bytes) else None
        if seg is None:
            seg = segment(text)
            if keys:
                new.append((keys[i], encode(seg)))
        out.append(seg)
    cache.store(new)
    return out


def segments(text: str) -> Segmentation:
    """The segmentation of one text."""
    return segments_many([text])[0]
