"""Work already done, found again by what it was computed from: a content-addressed cache.

Every entry is found by one key function, `key`, over everything the work read: the
sha256 of every input file's bytes (with its name), the kind of work and its options, and
`code_digest(module)` of the module that does the work: the bytes of that module and of
every module of this package it imports, directly or not, of every data file of the
package (the schemas, the label sets), and the Python and installed distributions'
versions. So a changed byte anywhere in those misses the cache, and an entry is only ever
found by the inputs it was computed from: a hit gives exactly what computing would give;
and a change elsewhere (the dataset card's code, say) keeps the sentences and tokens of
a corpus whose texts never change. Callers ask `inputs` for the digests of what they read
and `key` for the key (naming their own module); they never build keys.

Per-document work (a document's validation, its part of a build) is keyed by that
document's files. A result that depends on several documents (a cross-document check
such as the near-duplicate warning) must never be stored under one document's key: key it
by `inputs` of every document it reads (one call, any number of files), or recompute it
on every run from per-document values, which may themselves be cached.

Storage is one SQLite file in the user's cache folder
(`$XDG_CACHE_HOME/claimstance/cache.sqlite`): batched reads and writes, shared safely by
parallel workers and concurrent runs (WAL journal, a busy timeout). A write is one SQLite
transaction, which a crash leaves whole or undone (SQLite writes its journal first, then
the file: its own write-then-rename), and every value carries a checksum (CRC-32), so a
damaged entry is a miss, never a wrong answer. The file stays under `MAX_BYTES`: past it,
the older half of the entries (by the time they were written) is dropped and its pages are
reused. Values are pickles read back through an unpickler that only builds the types its
caller names, so a cache file cannot run code. A cache that cannot be opened or written is
skipped: it only ever costs time. `CLAIMSTANCE_NO_CACHE=1`, `--no-cache` or `disabled()`
turn it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import re
import sqlite3
import sys
import time
import zlib
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .userdirs import user_dir

NO_CACHE = "CLAIMSTANCE_NO_CACHE"
FILE = "cache.sqlite"
MAX_BYTES = 1 << 30  # the file's size bound (entries, not counting SQLite's free pages)
_BATCH = 500  # keys per SELECT (SQLite allows 999 parameters in older builds)

_off = False  # set by `disabled()`; forked workers inherit it
_conn: tuple[int, str, sqlite3.Connection | None] | None = None  # (pid, path, connection)
#: Connections a forked worker inherited: kept, never closed there (closing one in a child
#: could end the parent's journal under it).
_inherited: list[Any] = []


def enabled() -> bool:
    return not _off and os.environ.get(NO_CACHE, "") in ("", "0")


@contextlib.contextmanager
def disabled(really: bool = True) -> Iterator[None]:
    """Within this block (and in worker processes it forks), compute everything."""
    global _off
    saved = _off
    _off = saved or really
    try:
        yield
    finally:
        _off = saved


def path() -> Path:
    return user_dir("cache") / FILE


PACKAGE = Path(__file__).resolve().parents[1]
#: `from .x import a, b` or `from ..x import (a, b)` in a module of this package.
_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.+[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)", re.M)


def _source(module: str, root: Path) -> Path | None:
    """The file of `module` (a dotted name inside the package at `root`), if there is one."""
    parts = module.split(".")[1:]
    for path in (root.joinpath(*parts).with_suffix(".py"),
                 root.joinpath(*parts, "__init__.py")):
        if path.is_file():
            return path
    return None


def code_files(module: str, root: Path = PACKAGE) -> list[Path]:
    """The files the work of `module` runs: it, every module of the package it imports
    (directly or not, with their packages' __init__), and every data file."""
    top = root.name
    seen: dict[str, Path] = {}
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen or not name.startswith(top):
            continue
        path = _source(name, root)
        if path is None:
            continue
        seen[name] = path
        todo += [name.rsplit(".", k)[0] for k in range(1, name.count(".") + 1)]  # packages
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for where, names in _IMPORT.findall(path.read_text(encoding="utf-8")):
            up = len(where) - len(where.lstrip("."))  # 1: this package, 2: its parent, ...
            base = package.rsplit(".", up - 1)[0] if up > 1 else package
            target = f"{base}.{where.lstrip('.')}".rstrip(".")
            todo.append(target)
            todo += [f"{target}.{n}" for n in re.findall(r"\w+", names)]  # submodules
    data = [p for p in root.rglob("*") if p.is_file() and p.suffix != ".py"
            and "__pycache__" not in p.parts]
    return sorted({*seen.values(), *data})


def package_digest(module: str, root: Path = PACKAGE) -> bytes:
    """The bytes (and names) of `code_files(module)`."""
    h = hashlib.sha256()
    for p in code_files(module, root):
        data = p.read_bytes()
        h.update(f"{p.relative_to(root).as_posix()}\0{len(data)}\0".encode() + data)
    return h.digest()


def _distributions() -> list[str]:
    """The installed distributions and their versions, as the names of their metadata
    folders on the import path (`orjson-3.10.7.dist-info`): one listing per folder."""
    names: set[str] = set()
    for entry in sys.path:
        with contextlib.suppress(OSError):
            names.update(n for n in os.listdir(entry or ".")
                         if n.endswith((".dist-info", ".egg-info")))
    return sorted(names)


_digests: dict[str, bytes] = {}


def code_digest(module: str) -> bytes:
    """What the work of `module` computes with: its code and the package's data
    (`package_digest`), the Python that runs it and every installed distribution."""
    if module not in _digests:
        h = hashlib.sha256(package_digest(module))
        h.update(f"{sys.version}\0{sys.implementation.cache_tag}\0".encode())
        h.update("\0".join(_distributions()).encode())
        _digests[module] = h.digest()
    return _digests[module]


@dataclass(frozen=True)
class Inputs:
    """The files a piece of work read, each by name and the sha256 of its bytes: hashed
    once, then keyed for every kind of work done with them."""

    digests: tuple[tuple[str, str], ...]

    @staticmethod
    def union(parts: Iterable[Inputs]) -> Inputs:
        """What several pieces of work read, together (work over many documents)."""
        return Inputs(tuple(sorted(d for part in parts for d in part.digests)))


ABSENT = "-"  # the digest of a file that is not there (its absence keys too)


def inputs(files: Mapping[str, bytes | object]) -> Inputs:
    """The digests of `files` (name -> bytes; anything else: no such file)."""
    return Inputs(tuple(sorted((name, hashlib.sha256(data).hexdigest()
                                if isinstance(data, bytes) else ABSENT)
                               for name, data in files.items())))


def key(module: str, kind: str, read: Inputs, *options: str | int | bool | None) -> bytes:
    """The one key: the code of `module` (the caller's `__name__`: the module that does
    the work), the kind of work and its options, every input file."""
    h = hashlib.sha256(code_digest(module))
    h.update(repr((kind, options, read.digests)).encode())
    return h.digest()


def ready() -> None:
    """Create the file (WAL journal, table) now, before worker processes fork from this one:
    several workers creating it at once could find it locked and go without a cache."""
    _connection()


def _connection() -> sqlite3.Connection | None:
    """This process's connection (a forked worker opens its own), or None."""
    global _conn
    if not enabled():
        return None
    where = path()
    if _conn is not None and _conn[0] == os.getpid() and _conn[1] == str(where):
        return _conn[2]
    if _conn is not None and _conn[0] != os.getpid():
        _inherited.append(_conn)
    conn: sqlite3.Connection | None
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(where, timeout=60, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS entries (key BLOB PRIMARY KEY, "
                     "written INTEGER NOT NULL, value BLOB NOT NULL) WITHOUT ROWID")
    except (OSError, sqlite3.Error):
        conn = None
    _conn = (os.getpid(), str(where), conn)
    return conn


class _Unpickler(pickle.Unpickler):
    """Builds only the classes it is given (and plain containers): data, never code."""

    def __init__(self, data: bytes, allowed: Collection[type]) -> None:
        super().__init__(io.BytesIO(data))
        self.allowed = {(c.__module__, c.__qualname__): c for c in allowed}

    def find_class(self, module: str, name: str) -> Any:
        found = self.allowed.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed here")
        return found


def fetch(keys: Sequence[bytes], allowed: Collection[type] = ()) -> list[Any]:
    """The values stored under `keys`, in order (None: not there, or damaged); `allowed`:
    the classes the values are made of (containers, str, int, float, bytes need none)."""
    conn = _connection()
    if conn is None or not keys:
        return [None] * len(keys)
    found: dict[bytes, bytes] = {}
    try:
        for start in range(0, len(keys), _BATCH):
            part = keys[start:start + _BATCH]
            found.update(conn.execute(f"SELECT key, value FROM entries WHERE key IN "
                                      f"({','.join('?' * len(part))})", part).fetchall())
    except sqlite3.Error:
        return [None] * len(keys)
    out: list[Any] = []
    for k in keys:
        value = None
        if k in found:
            with contextlib.suppress(Exception):  # damaged: computed again and replaced
                value = _Unpickler(_unpack(found[k]), allowed).load()
        out.append(value)
    return out


def _pack(data: bytes) -> bytes:
    """The value with its CRC-32 in front (a damaged value is a miss, never read)."""
    return zlib.crc32(data).to_bytes(4, "little") + data


def _unpack(stored: bytes) -> bytes:
    data = stored[4:]
    if len(stored) < 4 or zlib.crc32(data) != int.from_bytes(stored[:4], "little"):
        raise ValueError("damaged cache entry")
    return data


def store(items: Sequence[tuple[bytes, Any]]) -> None:
    """Keep each value under its key (one transaction), then keep the file bounded."""
    conn = _connection()
    if conn is None or not items:
        return
    now = time.time_ns()
    rows = [(k, now, _pack(pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL))) for k, v in items]
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR REPLACE INTO entries (key, written, value) VALUES "
                         "(?, ?, ?)", rows)
        (pages,), (free,), (size,) = (conn.execute(f"PRAGMA {p}").fetchone() for p in
                                      ("page_count", "freelist_count", "page_size"))
        if (pages - free) * size > MAX_BYTES:
            conn.execute("DELETE FROM entries WHERE written < (SELECT written FROM entries "
                         "ORDER BY written LIMIT 1 OFFSET (SELECT count(*) / 2 FROM "
                         "entries))")
        conn.execute("COMMIT")
    except sqlite3.Error:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
