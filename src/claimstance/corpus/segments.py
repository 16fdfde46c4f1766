"""The one way the build, the scorer and the baseline get a document's sentences and tokens.

Segmenting costs milliseconds per document (spaCy), so results are kept in a cache keyed by
the text's sha256 and `segmenter_version()`: one SQLite file under
`$XDG_CACHE_HOME/claimstance/` (default `~/.cache/claimstance/`), shared safely by parallel
workers (WAL journal, a busy timeout, inserts that ignore a row another process wrote
first). A cached segmentation is the segmenter's output itself, so results are the same
with the cache warm, cold, or off (`CLAIMSTANCE_NO_CACHE=1`). A cache that cannot be opened
or written is skipped: it only ever costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import zlib
from collections.abc import Sequence
from pathlib import Path

from .segmentation import Segmentation, segment, segmenter_version
from .userdirs import user_dir

NO_CACHE = "CLAIMSTANCE_NO_CACHE"
FILE = "segments.sqlite"

_conn: tuple[int, str, sqlite3.Connection | None] | None = None  # (pid, path, connection)


def cache_path() -> Path | None:
    """Where the cache lives, or None when it is turned off."""
    if os.environ.get(NO_CACHE, "") not in ("", "0"):
        return None
    return user_dir("cache") / FILE


def _connection() -> sqlite3.Connection | None:
    """This process's connection (a forked worker opens its own), or None without a cache."""
    global _conn
    path = cache_path()
    if path is None:
        return None
    if _conn is not None and _conn[0] == os.getpid() and _conn[1] == str(path):
        return _conn[2]
    conn: sqlite3.Connection | None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS segments (key TEXT PRIMARY KEY, data BLOB "
                     "NOT NULL) WITHOUT ROWID")
    except (OSError, sqlite3.Error):
        conn = None
    _conn = (os.getpid(), str(path), conn)
    return conn


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


FORMAT = "z1"  # how `encode` writes; part of the key, so another format is never misread


def _key(digest: str) -> str:
    return f"{digest}:{segmenter_version()}:{FORMAT}"


def segments_many(docs: Sequence[tuple[str, str | None]]) -> list[Segmentation]:
    """Segmentations of (text, sha256 of the text or None) pairs, in order: one cache read
    and one write for all of them."""
    keys = [_key(d or hashlib.sha256(t.encode("utf-8")).hexdigest()) for t, d in docs]
    conn = _connection()
    found: dict[str, bytes] = {}
    if conn is not None and keys:
        try:
            for start in range(0, len(keys), 500):
                part = keys[start:start + 500]
                rows = conn.execute(f"SELECT key, data FROM segments WHERE key IN "
                                    f"({','.join('?' * len(part))})", part).fetchall()
                found.update(rows)
        except sqlite3.Error:
            found = {}
    out: list[Segmentation] = []
    new: list[tuple[str, bytes]] = []
    for (text, _), key in zip(docs, keys, strict=True):
        seg = decode(found[key], len(text)) if key in found else None
        if seg is None:
            seg = segment(text)
            new.append((key, encode(seg)))
        out.append(seg)
    if conn is not None and new:
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO segments (key, data) VALUES (?, ?)", new)
            conn.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
    return out


def segments(text: str, digest: str | None = None) -> Segmentation:
    """The segmentation of one text (`digest`: its sha256, when known)."""
    return segments_many([(text, digest)])[0]
