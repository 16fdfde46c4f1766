"""Read a corpus JSON file strictly: size, encoding, syntax, duplicate keys, and positions.

orjson parses. Duplicate keys are found by counting colons (the text holds one more per key
the parser dropped), so a file without them is never scanned in Python. Line and column
are found only for files with a problem (`locate.py`), at the same cost in any writer's
style.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import orjson

from ..corpus.layout import Corpus
from ..corpus.naming import is_doc_id, seed_name
from ..problems import Code, Problem, problem
from .locate import Locator, line_col, pointer_tokens, scan

MAX_BYTES = 5 * 1024 * 1024
_BOMS = {
    b"\xef\xbb\xbf": "UTF-8 with a byte-order mark",
    b"\xff\xfe": "UTF-16 (little-endian)",
    b"\xfe\xff": "UTF-16 (big-endian)",
}
#: Count colons to rule out duplicate keys (tests turn it off to prove that the scanner
#: finds the same problems at the same positions).
FAST_PATHS = True


def is_json_int(x: Any) -> TypeGuard[int]:
    """A JSON integer as parsed: Python's `True` is an int too, but JSON's `true` is none."""
    return isinstance(x, int) and not isinstance(x, bool)


@dataclass
class JSONFile:
    """A parsed file, its bytes, and the problems met while reading it."""

    path: str
    raw: bytes | None = None  # set once the bytes are known to be UTF-8
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    parsed: bool = False  # the bytes are JSON: `data` holds them, even when it is None
    unique_keys: bool = True
    _locator: Locator | None = None

    def locator(self) -> Locator | None:
        if self._locator is None and self.raw is not None:
            self._locator = Locator(self.raw, self.data, unique_keys=self.unique_keys)
        return self._locator

    def locate(self, problems: list[Problem]) -> list[Problem]:
        """Fill in line and column for problems that point into this file, all in one go:
        time linear in the file and the problems, however many there are."""
        wanted = [i for i, p in enumerate(problems) if p.line is None and p.path == self.path]
        loc = self.locator() if wanted else None
        if loc is None:
            return problems
        where = loc.line_cols([problems[i].pointer for i in wanted])
        out = list(problems)
        for i, (line, column) in zip(wanted, where, strict=True):
            out[i] = out[i].at(line, column)
        return out


_ESCAPED_COLON = re.compile(rb"\\u003[aA]")


def _has_duplicate_keys(raw: bytes, data: Any) -> bool:
    """Whether the text holds more key/value pairs than `data` kept.

    Serialising the parsed data writes every string's colons literally and one colon per
    kept key; the raw text has those plus one per dropped duplicate (and the colons of its
    value). A colon written as an escape, or data too deep to serialise, breaks the count,
    so such rare files are scanned.
    """
    if not FAST_PATHS or (b"\\u003" in raw and _ESCAPED_COLON.search(raw)):
        return bool(scan(raw.decode("utf-8")).duplicates)
    try:
        return raw.count(b":") != orjson.dumps(data).count(b":")
    except orjson.JSONEncodeError:
        return bool(scan(raw.decode("utf-8")).duplicates)


def _too_large(path: str, size: int, max_bytes: int) -> JSONFile:
    f = JSONFile(path)
    f.problems.append(problem(
        Code.FILE_TOO_LARGE, path, "",
        f"file is {size:,} bytes; the limit is {max_bytes:,} (--max-bytes). Corpus files are "
        "small: check that this is the file you meant."))
    return f


def load_bytes(raw: bytes, path: str, max_bytes: int = MAX_BYTES) -> JSONFile:
    if len(raw) > max_bytes:
        return _too_large(path, len(raw), max_bytes)
    f = JSONFile(path)
    try:
        # orjson accepts only UTF-8 without BOM or NUL: success proves all the checks below
        f.data = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        return _diagnose(f, raw, e)
    f.raw, f.parsed = raw, True
    if _has_duplicate_keys(raw, f.data):
        f.unique_keys = False
        loc = f.locator()
        assert loc is not None
        walker = loc.walker()
        found = scan(walker.text).duplicates
        where = walker.line_cols([offset for _, offset in found])
        for (ptr, _), (line, column) in zip(found, where, strict=True):
            key = pointer_tokens(ptr)[-1]
            f.problems.append(problem(
                Code.DUPLICATE_KEY, path, ptr,
                f"key {key!r} appears more than once in this object; only the last is kept by "
                "JSON parsers, so remove the other").at(line, column))
    return f


def _diagnose(f: JSONFile, raw: bytes, e: orjson.JSONDecodeError) -> JSONFile:
    """Why orjson refused the bytes: empty, BOM, UTF-16, not UTF-8, or a syntax error."""
    path = f.path
    if not raw.strip():
        f.problems.append(problem(Code.EMPTY_FILE, path, "",
                                  "file is empty; expected a JSON object"))
        return f
    for bom, what in _BOMS.items():
        if raw.startswith(bom):
            code = Code.BOM if bom == b"\xef\xbb\xbf" else Code.INVALID_ENCODING
            f.problems.append(problem(code, path, "",
                                      f"file is {what}; save it as UTF-8 without BOM"))
            return f
    if b"\x00" in raw:
        f.problems.append(problem(
            Code.INVALID_ENCODING, path, "",
            "file contains NUL bytes (UTF-16 or UTF-32?); save it as UTF-8"))
        return f
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as u:
        f.problems.append(problem(
            Code.INVALID_ENCODING, path, "",
            f"byte 0x{raw[u.start]:02x} at offset {u.start} is not valid UTF-8; save the file "
            "as UTF-8").at(*line_col(raw, u.start)))
        return f
    f.raw = raw
    msg = e.msg
    if msg == "depth limit exceeded":
        msg = "nested deeper than 1,024 levels; corpus files are a few levels deep"
    f.problems.append(problem(Code.INVALID_JSON, path, "", f"invalid JSON: {msg}")
                      .at(e.lineno, e.colno))
    return f


class NotAFile(OSError):
    """A path that names a folder, FIFO, socket or device, not a file to read."""


def open_regular(path: str | Path, flags: int = 0) -> tuple[int, os.stat_result]:
    """A descriptor of `path` open for reading, and its stat, when it is a regular file;
    a folder, FIFO, socket or device is `NotAFile` (opened without blocking, so a FIFO
    nobody writes is never waited on)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotAFile(errno.EINVAL, "not a regular file", str(path))
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def file_sha256(path: Path) -> str:
    """The sha256 of a regular file; anything else (a FIFO, a folder) is an OSError, never
    a wait on a pipe nobody writes."""
    h = hashlib.sha256()
    fd, _ = open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_bytes(path: str | Path, max_bytes: int, flags: int = 0) -> bytes | int:
    """The bytes of `path`, or its size when that is over `max_bytes` (`flags`: more
    `os.open` flags, such as O_NOFOLLOW).

    Plain fd calls: one open, one fstat, usually one read (a short read of a regular file
    is its end), where `open()` also asks whether the file is a terminal and where it is.
    """
    fd, st = open_regular(path, flags)
    try:
        size = st.st_size
        if size > max_bytes:
            return size
        raw = os.read(fd, size + 1)
        if len(raw) > size:  # it grew while being read: take the rest
            raw += b"".join(iter(lambda: os.read(fd, 1 << 20), b""))
        return raw
    finally:
        os.close(fd)


def load(path: str | Path, display: str, max_bytes: int = MAX_BYTES) -> JSONFile:
    """Read `path` (already checked to be a regular file inside the root)."""
    try:
        raw = read_bytes(path, max_bytes)
    except OSError as e:
        return _unreadable(display, e)
    return parse(raw, display, max_bytes)


def load_if_exists(path: str | Path, display: str, max_bytes: int = MAX_BYTES) -> JSONFile | None:
    """Read `path`, or None when no file is there (nothing, or a folder or other non-file):
    one try instead of a stat before the open."""
    try:
        raw = read_bytes(path, max_bytes)
    except (FileNotFoundError, NotAFile, NotADirectoryError):
        return None
    except OSError as e:
        return _unreadable(display, e)
    return parse(raw, display, max_bytes)


def _unreadable(display: str, e: OSError) -> JSONFile:
    f = JSONFile(display)
    code = Code.NOT_A_FILE if isinstance(e, NotAFile | IsADirectoryError) else \
        Code.FILE_NOT_FOUND if isinstance(e, FileNotFoundError) else Code.IO_ERROR
    f.problems.append(problem(code, display, "", f"cannot read file: {e.strerror}"))
    return f


def parse(raw: bytes | int | OSError, display: str, max_bytes: int = MAX_BYTES) -> JSONFile:
    """What `read_bytes` gave (the bytes, the size of a file too large, or why it could not
    be read), as a parsed file and its problems."""
    if isinstance(raw, OSError):
        return _unreadable(display, raw)
    if isinstance(raw, int):
        return _too_large(display, raw, max_bytes)
    return load_bytes(raw, display, max_bytes)


def seed_or_none(corpus: Corpus, doc_id: str) -> dict[str, Any] | None:
    """The seed `doc_id` names (an id from outside: an export, an imported file), or None
    when there is no readable seed of that id: a malformed id never becomes a path, and a
    FIFO, a folder or a JSON file that is not that seed is refused, never waited on or
    trusted."""
    if not is_doc_id(doc_id):
        return None
    f = load(corpus.seed_path(doc_id), seed_name(doc_id))
    d = f.data
    if not f.problems and isinstance(d, dict) and d.get("id") == doc_id \
            and isinstance(d.get("text"), str) and isinstance(d.get("sha256"), str):
        return d
    return None
