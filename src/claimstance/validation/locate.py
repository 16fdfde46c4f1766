"""Line and column of a JSON pointer's node in a file, whatever style wrote the file.

Only files with a problem are located, and never by a Python pass over the whole file.
Two ways, both costing about the part of the file before the node:

- By counting (a few problems in a file). In JSON every value follows one of `,` `:` `[`
  `{` (or starts the file), and a file holds these characters in the same order as any
  other serialisation of its data: indentation, line ends, escapes of other characters
  and number spellings differ, never these, as long as no key repeats (the parser keeps
  one of them) and none is written as a \\u escape. So the node starts after the n-th of
  them in the file, where n is their count before a marker put in the node's place in
  orjson's compact serialisation of what comes before it: C calls (serialise, count,
  split) and a step over each `: , [` of the innermost object before the node.
- By walking (many problems in a file, or one where counting does not apply): `Walker`
  follows each pointer through the containers on its path and skips the values in
  between with the json module's C scanner, reading each container once for all the
  problems, so the time is linear in the file however many problems it has.

`scan`, a Python pass over every token, is the reference both are tested against, and the
last resort for a file the C scanner cannot skip.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

#: At most this many problems in one file are located by counting (each costs a
#: serialisation of what comes before its node); more are located by one walk.
COUNTED = 16
_MARK = "\x00\x01claimstance-locate\x01\x00"
_MARK_BYTES = orjson.dumps(_MARK)
_STEPS = re.compile(rb"[:,\[]")
_ESCAPED_BEFORE = re.compile(rb"\\u00(?:2[cC]|3[aA]|5[bB]|7[bB])")  # , : [ { as escapes


def escape_pointer_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_tokens(ptr: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in ptr.split("/")[1:]]


def line_col(raw: bytes, offset: int) -> tuple[int, int]:
    """(line, column), 1-based, column in characters, of one byte offset."""
    start = raw.rfind(b"\n", 0, offset) + 1
    line = raw.count(b"\n", 0, offset) + 1
    return line, len(raw[start:offset].decode("utf-8", "replace")) + 1


class Locator:
    """Locates pointers in one parsed file (`unique_keys`: no key repeats in it)."""

    def __init__(self, raw: bytes, data: Any, *, unique_keys: bool = True) -> None:
        self.raw = raw
        self.data = data
        self.unique_keys = unique_keys
        self.work = 0  # bytes and steps spent counting (the walker keeps its own)
        self._walker: Walker | None = None

    def line_cols(self, pointers: list[str]) -> list[tuple[int, int]]:
        """(line, column) of each pointer's node, or of its nearest ancestor that exists."""
        if len(pointers) <= COUNTED and self.countable():
            spots = [self.counted(p) for p in pointers]
            if all(s is not None for s in spots):
                return [line_col(self.raw, s) for s in spots if s is not None]
        walker = self.walker()
        return walker.line_cols([walker.offset(p) for p in pointers])

    def walker(self) -> Walker:
        if self._walker is None:
            self._walker = Walker(self.raw.decode("utf-8", "replace"),
                                  unique_keys=self.unique_keys)
        return self._walker

    def countable(self) -> bool:
        """Whether the file holds `, : [ {` as its data's serialisation does."""
        return self.unique_keys and not (b"\\" in self.raw
                                          and _ESCAPED_BEFORE.search(self.raw))

    def counted(self, ptr: str) -> int | None:
        """The byte offset of the node at `ptr` (or of its nearest ancestor), found by
        counting; None when the data cannot be serialised (nested past orjson's limit).

        The file is split at its n-th `{` (the fewest of the four: one per object); from
        there, the `: , [` up to the node are stepped over one by one."""
        marked = _marked(self.data, ptr)
        if marked is None:
            return None
        q = marked.rfind(_MARK_BYTES)  # the last: the data may hold the marker's text too
        n = marked.count(b"{", 0, q)
        raw = self.raw
        at = len(raw) - len(raw.split(b"{", n)[-1]) if n else 0
        for c in _STEPS.findall(marked, marked.rfind(b"{", 0, q) + 1, q):
            at = raw.index(c, at) + 1
        self.work += q + at
        return _past_ws_bytes(raw, at)

    @property
    def total_work(self) -> int:
        return self.work + (self._walker.work if self._walker else 0)


def _marked(data: Any, ptr: str) -> bytes | None:
    """orjson's compact serialisation of `data` up to the node at `ptr` (or its nearest
    ancestor), with a marker in the node's place. Only the containers on the path are
    copied, each only up to the member the path goes through."""
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
            if not (token.isascii() and token.isdigit() and int(token) < len(child)
                    and (token == "0" or token[0] != "0")):
                break
            k = int(token)
            copy = child[: k + 1]
        else:
            break
        parent[key] = copy
        parent, key = copy, k
    parent[key] = _MARK
    try:
        return orjson.dumps(root[0])
    except orjson.JSONEncodeError:
        return None


_WS = re.compile(r"[ \t\n\r]*")
_WS_BYTES = re.compile(rb"[ \t\n\r]*")


def _past_ws(text: str, i: int) -> int:
    return _WS.match(text, i).end()  # type: ignore[union-attr]  # it matches anywhere


def _past_ws_bytes(raw: bytes, i: int) -> int:
    return _WS_BYTES.match(raw, i).end()  # type: ignore[union-attr]  # it matches anywhere


_SCALAR = re.compile(r"-?[0-9][0-9.eE+-]*|true|false|null")
#: The json module's C scanners (not in its typed interface), of one value and of one
#: string, each returning where it ends (a value they refuse, such as an integer of 5,000
#: digits, sends the file to `scan`).
_SCAN_ONCE: Callable[[str, int], tuple[Any, int]] = \
    json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_SCANSTRING: Callable[[str, int], tuple[str, int]] = \
    json.decoder.scanstring  # type: ignore[attr-defined]


def _skip(text: str, at: int) -> int:
    """Where the JSON value starting at `at` ends."""
    c = text[at]
    if c == '"':
        return _SCANSTRING(text, at + 1)[1]
    if c in "{[":
        return _SCAN_ONCE(text, at)[1]
    return _SCALAR.match(text, at).end()  # type: ignore[union-attr]


_COLON = re.compile(r"[ \t\n\r]*:[ \t\n\r]*")
_AFTER = re.compile(r"[ \t\n\r]*(,?)[ \t\n\r]*")  # after a value: another one follows?


@dataclass(slots=True)
class _Index:
    """A container read as far as pointers asked: where its members' (or elements')
    values start, and where reading goes on (`pending`: at a value still to be skipped)."""

    starts: dict[str, int] | list[int]
    at: int
    done: bool
    pending: bool = False


class Walker:
    """Where JSON values start in one file's text (offsets in characters).

    A pointer is followed from the root through each container on its path, read only as
    far as the member or element it names; the values passed over are skipped by the C
    scanners, which return where a value ends. Each container keeps what was read of it,
    so many pointers read each container once. With `unique_keys` false (the file repeats
    a key) objects are read to their end, so a repeated key names its last value, the one
    the parser kept. `work` counts the characters and steps spent, for the test that proves
    the walk linear. A file the C scanner cannot skip (nested past its recursion limit)
    falls back to `scan`.
    """

    def __init__(self, text: str, *, unique_keys: bool = True) -> None:
        self.text = text
        self.unique_keys = unique_keys
        self.work = 0
        self.root = _past_ws(text, 0)
        self._index: dict[int, _Index] = {}
        self._scanned: dict[str, int] | None = None

    def offset(self, ptr: str) -> int:
        """Where the value at `ptr` starts, or its nearest ancestor that exists."""
        if self._scanned is None:
            try:
                at = self.root
                for token in pointer_tokens(ptr):
                    child = self._child(at, token)
                    if child is None:
                        break
                    at = child
                return at
            except (RecursionError, ValueError, StopIteration, IndexError, AttributeError):
                self._scanned = scan(self.text).positions
                self.work += len(self.text)
        while ptr not in self._scanned and ptr:
            ptr = ptr.rsplit("/", 1)[0]
        return self._scanned.get(ptr, 0)

    def _child(self, at: int, token: str) -> int | None:
        """Where the member (or element) `token` of the container at `at` starts."""
        text = self.text
        ix = self._index.get(at)
        if ix is None:
            if text[at] not in "{[":
                return None  # a scalar has no children
            first = _past_ws(text, at + 1)
            ix = self._index[at] = _Index({} if text[at] == "{" else [], first,
                                          text[first] in "}]")
        starts = ix.starts
        before = ix.at
        found: int | None = None
        if isinstance(starts, dict):
            if token in starts and (ix.done or self.unique_keys):
                return starts[token]
            while self._advance(ix):  # read members up to `token` (all, if keys repeat)
                key, i = _SCANSTRING(text, ix.at + 1)
                ix.at = starts[key] = _COLON.match(text, i).end()  # type: ignore[union-attr]
                ix.pending = True
                if key == token and self.unique_keys:
                    break
            found = starts.get(token)
        elif token.isascii() and token.isdigit() and (token == "0" or token[0] != "0"):
            k = int(token)
            while len(starts) <= k and self._advance(ix):
                starts.append(ix.at)
                ix.pending = True
            found = starts[k] if k < len(starts) else None
        self.work += ix.at - before + 1
        return found

    def _advance(self, ix: _Index) -> bool:
        """Skip the value read last, if any; whether the container has another member."""
        if ix.pending:
            after = _AFTER.match(self.text, _skip(self.text, ix.at))
            assert after is not None
            ix.at, ix.done, ix.pending = after.end(), not after.group(1), False
        return not ix.done

    def line_cols(self, offsets: list[int]) -> list[tuple[int, int]]:
        """(line, column), 1-based, of each offset: taken in order, so the text between
        consecutive offsets is read once, even on one long line."""
        text = self.text
        out: list[tuple[int, int]] = [(0, 0)] * len(offsets)
        line, start, prev = 1, 0, 0
        for i in sorted(range(len(offsets)), key=offsets.__getitem__):
            off = offsets[i]
            n = text.count("\n", prev, off)
            if n:
                line += n
                start = text.rfind("\n", prev, off) + 1
            self.work += off - prev + 1
            prev = off
            out[i] = (line, off - start + 1)
        return out


@dataclass
class Scan:
    positions: dict[str, int]  # pointer -> offset of the value (characters)
    duplicates: list[tuple[str, int]]  # (pointer of the repeated key's value, offset of key)


_TOKEN = re.compile(r'[ \t\n\r]*(?:("(?:[^"\\]|\\.)*")|([{}\[\],:])|'
                    r"(-?[0-9][0-9.eE+-]*|true|false|null))", re.S)


def scan(text: str) -> Scan:
    """Offsets of every value (by JSON pointer) and of duplicate keys, for valid JSON; of
    a repeated key, the last value is the one positioned (the one the parser kept).

    An explicit stack, not recursion, so any depth the parser accepted is scanned."""
    positions: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    # frames: [is_object, pointer, next index or None, keys seen, pointer of next value]
    stack: list[list[Any]] = []
    want_value_ptr: str | None = ""
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            break
        pos = m.end()
        string, punct = m.group(1), m.group(2)
        start = m.start(1) if string else m.start(2) if punct else m.start(3)
        frame = stack[-1] if stack else None
        if punct in ("}", "]"):
            stack.pop()
            want_value_ptr = None
            continue
        if punct == ",":
            assert frame is not None
            if frame[0]:
                want_value_ptr = None  # a key comes next
            else:
                frame[2] += 1
                want_value_ptr = f"{frame[1]}/{frame[2]}"
            continue
        if punct == ":":
            assert frame is not None
            want_value_ptr = frame[4]
            continue
        if frame is not None and frame[0] and want_value_ptr is None:
            key = json.loads(string)  # an object key
            kptr = frame[1] + "/" + escape_pointer_token(key)
            if key in frame[3]:
                duplicates.append((kptr, start))
                for gone in [p for p in positions if p.startswith(kptr + "/")]:
                    del positions[gone]  # the earlier value's insides: not in the data
            frame[3].add(key)
            frame[4] = kptr
            continue
        ptr = want_value_ptr if want_value_ptr is not None else ""
        positions[ptr] = start
        want_value_ptr = None
        if punct == "{":
            stack.append([True, ptr, None, set(), None])
        elif punct == "[":
            stack.append([False, ptr, 0, None, None])
            want_value_ptr = f"{ptr}/0"
    return Scan(positions, duplicates)
