"""Read a corpus JSON file strictly: size, encoding, syntax, duplicate keys, and positions.

orjson parses. A file written in the corpus's own style (`writing.dumps`, which is orjson's
own) is recognised by serialising its data once and comparing bytes: such a file can hold no
duplicate key, and the line and column of any node are found by serialising again with that
node replaced by a marker, so only the path to the node is touched. Files in another style
fall back to counting colons (for duplicate keys) and to a scanner that indexes every node
(for positions); both are rare, since every tool writes the corpus style.
"""

from __future__ import annotations

import bisect
import errno
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import orjson

from ..corpus.layout import Corpus
from ..corpus.naming import is_doc_id, seed_name
from ..corpus.writing import dumps
from ..problems import Code, Problem, problem

MAX_BYTES = 5 * 1024 * 1024
_BOMS = {
    b"\xef\xbb\xbf": "UTF-8 with a byte-order mark",
    b"\xff\xfe": "UTF-16 (little-endian)",
    b"\xfe\xff": "UTF-16 (big-endian)",
}
#: Recognise files in the corpus style by serialising (tests turn it off to prove that the
#: slow paths, scanning and counting, find the same problems at the same positions).
FAST_PATHS = True
_MARK = "\x00\x01claimstance-locate\x01\x00"
_MARK_BYTES = orjson.dumps(_MARK)


def escape_pointer_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_tokens(ptr: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in ptr.split("/")[1:]]


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
    canonical: bool = False  # raw == dumps(data): positions come from serialising
    _positions: dict[str, int] | None = None  # byte offsets, for files in another style

    def offset(self, ptr: str) -> int | None:
        """Byte offset of the JSON value at `ptr`, or of its nearest ancestor."""
        if self.raw is None:
            return None
        if self.canonical and self._positions is None:
            return _offset_by_marker(self.data, ptr)
        if self._positions is None:
            self._positions = scan(self.raw).positions
        while ptr not in self._positions and ptr:
            ptr = ptr.rsplit("/", 1)[0]
        return self._positions.get(ptr)

    def locate(self, problems: list[Problem]) -> list[Problem]:
        """Fill in line and column for problems that point into this file.

        A marker costs a serialisation of the file per problem, the scanner one pass for
        all of them (slower per file): past MARKED problems in one file, the scanner, so a
        file with thousands of warnings costs time linear in its size, not quadratic.
        """
        wanted = [p for p in problems if p.line is None and p.path == self.path]
        starts = None
        if len(wanted) > MARKED and self.raw is not None:
            if self._positions is None:
                self._positions = scan(self.raw).positions
            starts = line_starts(self.raw)
        out = []
        for p in problems:
            if p.line is None and p.path == self.path:
                off = self.offset(p.pointer)
                if off is not None and self.raw is not None:
                    p = p.at(*line_col(self.raw, off, starts))
            out.append(p)
        return out


MARKED = 16  # problems in one file located by markers; more are located by one scan


def line_col(raw: bytes, offset: int, starts: list[int] | None = None) -> tuple[int, int]:
    """(line, column), 1-based, column in characters, of a byte offset; `starts` (where
    each line starts) spares a count from the top of the file for each of many offsets."""
    if starts is None:
        start = raw.rfind(b"\n", 0, offset) + 1
        line = raw.count(b"\n", 0, offset) + 1
    else:
        line = bisect.bisect_right(starts, offset)
        start = starts[line - 1]
    return line, len(raw[start:offset].decode("utf-8", "replace")) + 1


def line_starts(raw: bytes) -> list[int]:
    return [0, *(m.end() for m in re.finditer(b"\n", raw))]


def _offset_by_marker(data: Any, ptr: str) -> int | None:
    """Where the value at `ptr` starts in dumps(data): the containers on its path are copied
    with the value replaced by a marker, and the marker is found in their serialisation.
    Only what comes before the value is copied: the bytes before the marker are the same."""
    root: Any = [data]
    parent, key = root, 0
    for token in pointer_tokens(ptr):
        child = parent[key]
        if isinstance(child, dict):
            if token not in child:
                break
            copy: Any = {}
            for name, value in child.items():
                copy[name] = value
                if name == token:
                    break
            k: Any = token
        elif isinstance(child, list):
            if not (token.isdigit() and int(token) < len(child)):
                break
            k = int(token)
            copy = child[: k + 1]
        else:
            break
        parent[key] = copy
        parent, key = copy, k
    parent[key] = _MARK
    try:
        out = dumps(root[0])
    except orjson.JSONEncodeError:
        return None
    return out.find(_MARK_BYTES)


@dataclass
class Scan:
    positions: dict[str, int]  # pointer -> byte offset of the value
    duplicates: list[tuple[str, int]]  # (pointer of the repeated key's value, offset of key)


_TOKEN = re.compile(rb'[ \t\n\r]*(?:("(?:[^"\\]|\\.)*")|([{}\[\],:])|'
                    rb"(-?[0-9][0-9.eE+-]*|true|false|null))", re.S)


def scan(raw: bytes) -> Scan:
    """Offsets of every value (by JSON pointer) and of duplicate keys, for valid JSON.

    An explicit stack, not recursion, so any depth the parser accepted is scanned."""
    positions: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    # frames: [is_object, pointer, next index or None, keys seen, pointer of next value]
    stack: list[list[Any]] = []
    want_value_ptr: str | None = ""
    pos = 0
    n = len(raw)
    while pos < n:
        m = _TOKEN.match(raw, pos)
        if m is None:
            break
        pos = m.end()
        string, punct = m.group(1), m.group(2)
        start = m.start(1) if string else m.start(2) if punct else m.start(3)
        frame = stack[-1] if stack else None
        if punct in (b"}", b"]"):
            stack.pop()
            want_value_ptr = None
            continue
        if punct == b",":
            assert frame is not None
            if frame[0]:
                want_value_ptr = None  # a key comes next
            else:
                frame[2] += 1
                want_value_ptr = f"{frame[1]}/{frame[2]}"
            continue
        if punct == b":":
            assert frame is not None
            want_value_ptr = frame[4]
            continue
        if frame is not None and frame[0] and want_value_ptr is None:
            key = json.loads(string)  # an object key
            kptr = frame[1] + "/" + escape_pointer_token(key)
            if key in frame[3]:
                duplicates.append((kptr, start))
            frame[3].add(key)
            frame[4] = kptr
            continue
        ptr = want_value_ptr if want_value_ptr is not None else ""
        positions.setdefault(ptr, start)
        want_value_ptr = None
        if punct == b"{":
            stack.append([True, ptr, None, set(), None])
        elif punct == b"[":
            stack.append([False, ptr, 0, None, None])
            want_value_ptr = f"{ptr}/0"
    return Scan(positions, duplicates)


_ESCAPED_COLON = re.compile(rb"\\u003[aA]")


def _has_duplicate_keys(raw: bytes, data: Any) -> bool:
    """Whether the text holds more key/value pairs than `data` kept.

    Serialising the parsed data writes every string's colons literally and one colon per
    kept key; the raw text has those plus one per dropped duplicate (and the colons of its
    value). A colon written as an escape, or data too deep to serialise, breaks the count,
    so such rare files are scanned.
    """
    if not FAST_PATHS or (b"\\u003" in raw and _ESCAPED_COLON.search(raw)):
        return bool(scan(raw).duplicates)
    try:
        return raw.count(b":") != orjson.dumps(data).count(b":")
    except orjson.JSONEncodeError:
        return bool(scan(raw).duplicates)


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
    try:
        f.canonical = FAST_PATHS and dumps(f.data) == raw
    except orjson.JSONEncodeError:  # deeper than orjson writes: not the corpus style
        f.canonical = False
    if not f.canonical and _has_duplicate_keys(raw, f.data):
        sc = scan(raw)
        f._positions = sc.positions
        for ptr, offset in sc.duplicates:
            key = pointer_tokens(ptr)[-1]
            f.problems.append(problem(
                Code.DUPLICATE_KEY, path, ptr,
                f"key {key!r} appears more than once in this object; only the last is kept by "
                "JSON parsers, so remove the other").at(*line_col(raw, offset)))
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
    code = Code.NOT_A_FILE if isinstance(e, NotAFile | IsADirectoryError) else \
        Code.FILE_NOT_FOUND if isinstance(e, FileNotFoundError) else Code.IO_ERROR
    f.problems.append(problem(code, display, "", f"cannot read file: {e.strerror}"))
    return f


def _parse(raw: bytes | int, display: str, max_bytes: int) -> JSONFile:
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
