"""Read a corpus JSON file strictly: encoding, size, syntax, duplicate keys, positions.

The fast path parses with orjson and proves the absence of duplicate keys by counting colons
in the raw bytes and in orjson's re-serialisation of the parsed data (see
`has_duplicate_keys`). Only files that fail (rare) pay for the slow scanner that finds where
things are.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .problems import Problem, problem
from .speedups import C

MAX_BYTES = 5 * 1024 * 1024
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
_BOMS = {
    b"\xef\xbb\xbf": "UTF-8 with a byte-order mark",
    b"\xff\xfe": "UTF-16 (little-endian)",
    b"\xfe\xff": "UTF-16 (big-endian)",
}


def escape_pointer_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    return "".join("/" + escape_pointer_token(t) for t in tokens)


@dataclass
class JSONFile:
    """A parsed file, its text, and the problems met while reading it."""

    path: str
    raw: bytes | None = None  # set once the bytes are known to be UTF-8 text
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    _text: str | None = None
    _positions: dict[str, int] | None = None
    _line_starts: list[int] | None = None

    @property
    def text(self) -> str | None:
        """The decoded text, only made when positions are needed (most files never ask)."""
        if self._text is None and self.raw is not None:
            self._text = self.raw.decode("utf-8")
        return self._text

    @property
    def ok(self) -> bool:
        return self.text is not None and not any(p.code == "invalid-json" for p in self.problems)

    def position(self, ptr: str) -> tuple[int, int] | None:
        """(line, column), 1-based, of the JSON node at `ptr`, or its nearest ancestor."""
        if self.text is None:
            return None
        if self._positions is None:
            self._positions = scan(self.text).positions
        while ptr not in self._positions and ptr:
            ptr = ptr.rsplit("/", 1)[0]
        if ptr not in self._positions:
            return None
        return self.line_col(self._positions[ptr])

    def line_col(self, offset: int) -> tuple[int, int]:
        text = self.text
        assert text is not None
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def locate(self, problems: list[Problem]) -> list[Problem]:
        """Fill in line and column for problems that point into this file."""
        out = []
        for p in problems:
            if p.line is None and p.path == self.path:
                pos = self.position(p.pointer)
                if pos is not None:
                    p = Problem(p.path, p.pointer, p.code, p.message, pos[0], pos[1])
            out.append(p)
        return out


@dataclass
class Scan:
    positions: dict[str, int]
    duplicates: list[tuple[str, int]]


def scan(text: str) -> Scan:
    """Offsets of every node (by JSON pointer) and of duplicate keys, for valid JSON."""
    positions: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []

    def ws(i: int) -> int:
        m = _WS.match(text, i)
        return m.end() if m else i

    def value(i: int, ptr: str) -> int:
        i = ws(i)
        positions[ptr] = i
        c = text[i]
        if c == "{":
            i = ws(i + 1)
            if text[i] == "}":
                return i + 1
            seen: set[str] = set()
            while True:
                m = _STRING.match(text, i)
                assert m is not None
                key = json.loads(m.group())
                kptr = ptr + "/" + escape_pointer_token(key)
                if key in seen:
                    duplicates.append((kptr, i))
                seen.add(key)
                i = ws(m.end()) + 1  # past ':'
                i = ws(value(i, kptr))
                if text[i] == ",":
                    i = ws(i + 1)
                    continue
                return i + 1
        if c == "[":
            i = ws(i + 1)
            if text[i] == "]":
                return i + 1
            n = 0
            while True:
                i = ws(value(i, f"{ptr}/{n}"))
                n += 1
                if text[i] == ",":
                    i += 1
                    continue
                return i + 1
        m = _STRING.match(text, i) if c == '"' else _SCALAR.match(text, i)
        assert m is not None
        return m.end()

    with contextlib.suppress(RecursionError, AssertionError, IndexError):
        value(0, "")  # positions are a convenience; the parse result stands
    return Scan(positions, duplicates)


_ESCAPED_COLON = re.compile(rb"\\u003[aA]")


def has_duplicate_keys(raw: bytes, data: Any) -> bool:
    """Whether the text holds more key/value pairs than `data` kept, at C speed.

    Serialising the parsed data again writes every string's colons literally and one colon
    per kept key; the raw text has those plus one per dropped duplicate (and the colons of
    its value). A colon written as an escape breaks the count, so such rare files are scanned.
    """
    if b"\\u003" in raw and _ESCAPED_COLON.search(raw):
        return bool(scan(raw.decode("utf-8")).duplicates)
    return raw.count(b":") != _colons(data)


def _colons(data: Any) -> int:
    """Colons in orjson.dumps(data), counted in C without writing the bytes when built."""
    n = None if C is None else C.colons(data)
    return orjson.dumps(data).count(b":") if n is None else int(n)


def _too_large(path: str, size: int, max_bytes: int) -> JSONFile:
    f = JSONFile(path)
    f.problems.append(problem(
        "file-too-large", path, "",
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
    except orjson.JSONDecodeError:
        return _diagnose(f, raw)
    f.raw = raw
    if has_duplicate_keys(raw, f.data):
        text = f.text
        assert text is not None
        sc = scan(text)
        f._positions = sc.positions
        for ptr, offset in sc.duplicates:
            line, col = f.line_col(offset)
            key = ptr.rsplit("/", 1)[1]
            f.problems.append(Problem(
                path, ptr, "duplicate-key",
                f"key {key!r} appears more than once in this object; only the last is kept by "
                "JSON parsers, so remove the other", line, col))
    return f


def _diagnose(f: JSONFile, raw: bytes) -> JSONFile:
    """Why orjson refused the bytes: empty, BOM, UTF-16, not UTF-8, or a syntax error."""
    path = f.path
    if not raw.strip():
        f.problems.append(problem("empty-file", path, "", "file is empty; expected a JSON object"))
        return f
    for bom, what in _BOMS.items():
        if raw.startswith(bom):
            code = "bom" if bom == b"\xef\xbb\xbf" else "invalid-encoding"
            f.problems.append(problem(code, path, "",
                                      f"file is {what}; save it as UTF-8 without BOM"))
            return f
    if b"\x00" in raw:
        f.problems.append(problem(
            "invalid-encoding", path, "",
            "file contains NUL bytes (UTF-16 or UTF-32?); save it as UTF-8"))
        return f
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        f.problems.append(Problem(
            path, "", "invalid-encoding",
            f"byte 0x{raw[e.start]:02x} at offset {e.start} is not valid UTF-8; save the file "
            "as UTF-8", raw[: e.start].count(b"\n") + 1,
            e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1))
        return f
    f.raw = raw
    line: int | None
    col: int | None
    try:
        json.loads(text)
        msg, line, col = "NaN, Infinity and lone surrogates are not valid JSON", None, None
    except json.JSONDecodeError as e:
        msg, line, col = e.msg, e.lineno, e.colno
    f.problems.append(Problem(path, "", "invalid-json", f"invalid JSON: {msg}", line, col))
    return f


class NotAFile(OSError):
    """A path that names a folder, FIFO, socket or device, not a file to read."""


def read_bytes(path: str | Path, max_bytes: int) -> bytes | int:
    """The bytes of `path`, or its size when that is over `max_bytes`.

    Plain fd calls: one open, one fstat, usually one read (a short read of a regular file
    is its end), where `open()` also asks whether the file is a terminal and where it is.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)  # a FIFO must not hang us
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotAFile(errno.EINVAL, "not a regular file", str(path))
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
    return _parse(raw, display, max_bytes)


def load_if_exists(path: str | Path, display: str, max_bytes: int = MAX_BYTES) -> JSONFile | None:
    """Read `path`, or None when no file is there (nothing, or a folder or other non-file):
    one try instead of a stat before the open."""
    try:
        raw = read_bytes(path, max_bytes)
    except (FileNotFoundError, NotAFile, NotADirectoryError):
        return None
    except OSError as e:
        return _unreadable(display, e)
    return _parse(raw, display, max_bytes)


def _unreadable(display: str, e: OSError) -> JSONFile:
    f = JSONFile(display)
    f.problems.append(problem("file-not-found", display, "", f"cannot read file: {e.strerror}"))
    return f


def _parse(raw: bytes | int, display: str, max_bytes: int) -> JSONFile:
    if isinstance(raw, int):
        return _too_large(display, raw, max_bytes)
    return load_bytes(raw, display, max_bytes)
