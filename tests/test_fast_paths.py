"""Every fast path that decides ahead of the full work is proven sound against the slow one.

- positions: in a file written in any style (indentation, tabs, CRLF, one line, ASCII and
  other escapes, spaces anywhere JSON allows them, repeated keys), counting and walking
  find every value where the scanner finds it;
- duplicate keys: counting colons decides exactly when the scanner finds a duplicate;
- grapheme boundaries: the two-character shortcut agrees with full UAX #29 segmentation;
- the schema: the compiled validator passes exactly what the detailed check finds nothing in.
(The case folders also run with every fast path off: tests/test_cases.py.)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import orjson
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from claimstance.corpus.document import is_grapheme_boundary
from claimstance.corpus.schema import ANNOTATION
from claimstance.corpus.writing import dumps
from claimstance.validation import schema_errors
from claimstance.validation.locate import (
    Locator,
    Walker,
    escape_pointer_token,
    line_col,
    pointer_tokens,
    scan,
)
from claimstance.validation.reader import _has_duplicate_keys, load_bytes

from .conftest import REPO

KEYS = st.text(alphabet=st.sampled_from('ab:/~"\\é😀 \n'), max_size=4)
SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6)
           | st.floats(allow_nan=False, allow_infinity=False, width=32)
           | st.integers(0, 200).map(float)  # whole floats: the schema takes them for ints
           | st.text(alphabet=st.sampled_from('xy:"\\{}[],é😀\u0301 \n\t'), max_size=6))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(KEYS, inner, max_size=4), max_leaves=25)


def pointers(data: Any, ptr: str = "") -> list[str]:
    out = [ptr]
    if isinstance(data, dict):
        for k, v in data.items():
            out += pointers(v, f"{ptr}/{escape_pointer_token(k)}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += pointers(v, f"{ptr}/{i}")
    return out


WS = st.text(alphabet=st.sampled_from(" \t\n\r"), max_size=3)


def written(data: Any, draw: Any, escape: bool) -> str:
    """`data` as some writer might have written it: whitespace (spaces, tabs, CR, LF)
    anywhere JSON allows it, strings with ASCII escapes or not, and with any character
    escaped as \\u00XX (a comma, a colon or a bracket too) when `escape`."""
    def ws() -> str:
        return str(draw(WS))

    def string(s: str) -> str:
        out = json.dumps(s, ensure_ascii=draw(st.booleans()))
        if escape and draw(st.booleans()):
            inner = "".join(f"\\u{ord(c):04x}" if c in ",:[{a" and draw(st.booleans()) else c
                            for c in out[1:-1])
            out = f'"{inner}"'
        return out

    def value(x: Any) -> str:
        if isinstance(x, dict):
            members = [ws() + string(k) + ws() + ":" + ws() + value(v) + ws()
                       for k, v in x.items()]
            return "{" + (",".join(members) or ws()) + "}"
        if isinstance(x, list):
            return "[" + (",".join(ws() + value(v) + ws() for v in x) or ws()) + "]"
        return string(x) if isinstance(x, str) else json.dumps(x)

    return ws() + value(data) + ws()


STYLES: dict[str, Callable[[Any], bytes]] = {
    "own": dumps,
    "json-indent4": lambda d: json.dumps(d, indent=4).encode(),
    "tabs-crlf": lambda d: (json.dumps(d, indent="\t", ensure_ascii=False)
                            .replace("\n", "\r\n") + "\r\n").encode(),
    "one-line": lambda d: json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode(),
    "orjson-indent2": lambda d: orjson.dumps(d, option=orjson.OPT_INDENT_2),
}


def scanned(raw: bytes, ptr: str) -> tuple[int, int]:
    """(line, column) of the value at `ptr` (or its nearest ancestor), by the scanner."""
    text = raw.decode()
    positions = scan(text).positions
    while ptr not in positions and ptr:
        ptr = ptr.rsplit("/", 1)[0]
    return line_col(raw, len(text[:positions[ptr]].encode()))


def both_ways(raw: bytes, data: Any, ptrs: list[str], *, unique_keys: bool = True,
              ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Every pointer located by counting (None where counting does not apply) and by
    walking."""
    loc = Locator(raw, data, unique_keys=unique_keys)
    counted = ([line_col(raw, o) if (o := loc.counted(p)) is not None else None
                for p in ptrs] if loc.countable() else [None] * len(ptrs))
    walker = Walker(raw.decode(), unique_keys=unique_keys)
    return counted, walker.line_cols([walker.offset(p) for p in ptrs])  # type: ignore[return-value]


def missing(data: Any) -> list[str]:
    """Pointers just past what `data` holds: its nearest ancestor is located instead."""
    return [p + "/zz" for p in pointers(data)] + [p + "/99" for p in pointers(data)]


@settings(max_examples=400, deadline=None)
@given(JSON, st.sampled_from([*STYLES, "any"]), st.booleans(), st.data())
def test_counting_and_walking_find_what_the_scanner_finds(data: Any, style: str,
                                                          escape: bool,
                                                          draw: st.DataObject) -> None:
    raw = (STYLES[style](data) if style != "any"
           else written(data, draw.draw, escape).encode())
    assert orjson.loads(raw) == data  # the writer wrote this data
    ptrs = pointers(data) + missing(data)
    want = [scanned(raw, p) for p in ptrs]
    counted, walked = both_ways(raw, data, ptrs)
    assert walked == want
    assert [c for c in counted if c is not None] == [w for c, w in zip(counted, want,
                                                                         strict=True)
                                                      if c is not None]
    if style != "any" or not escape:
        assert None not in counted or not Locator(raw, data).countable()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(KEYS, SCALARS | st.lists(SCALARS, max_size=2)
                          | st.dictionaries(KEYS, SCALARS, max_size=2)), max_size=6),
       st.booleans(), st.sampled_from(["\n", "\r\n", " "]))
def test_walking_finds_the_kept_value_of_a_repeated_key(pairs: list[tuple[str, Any]],
                                                         nested: bool, eol: str) -> None:
    """A repeated key names the value the parser kept (the last), as the scanner says."""
    body = ("," + eol).join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs)
    raw = ("{" + eol + body + eol + "}").encode()
    if nested:
        raw = b'{"outer": [' + raw + b', {"k": 1, "k": [2]}], "z": 0}'
    data = orjson.loads(raw)
    ptrs = pointers(data) + missing(data)
    _, walked = both_ways(raw, data, ptrs, unique_keys=False)
    assert walked == [scanned(raw, p) for p in ptrs]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(KEYS, SCALARS | st.lists(SCALARS, max_size=2)), max_size=6),
       st.booleans())
def test_colon_count_finds_duplicates_exactly_when_the_scanner_does(
        pairs: list[tuple[str, Any]], nested: bool) -> None:
    body = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs)
    raw = ("{" + body + "}").encode()
    if nested:
        raw = b'{"outer": [' + raw + b', {"k": 1, "k": 2}], "z": 0}'
    data = orjson.loads(raw)
    assert _has_duplicate_keys(raw, data) == bool(scan(raw.decode()).duplicates)


GRAPHEME_PARTS = ["a", "Z", " ", "\n", "\r", "\u0301", "\u200d", "©", "😀", "🇲", "🇱", "क",
                  "्", "ष", "ि", "ᄓ", "ᅡ", "ᆨ", "가", "ก", "ำ", "\u0600", "\u0661", "é", "\ufe0f",
                  "\U0001f3fd", "#", "\u20e3"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(GRAPHEME_PARTS), max_size=14))
def test_grapheme_shortcut_agrees_with_full_segmentation(parts: list[str]) -> None:
    text = "".join(parts)
    bounds = {0} | {m.end() for m in regex.finditer(r"\X", text)}
    for i in range(len(text) + 1):
        assert is_grapheme_boundary(text, i) == (i in bounds), (text, i)


GOLD = orjson.loads((REPO / "annotations" / "mali-accuses-algeria-downed-drone" /
                     "gold.json").read_bytes())


def damaged(data: st.DataObject, times: st.SearchStrategy[int]) -> Any:
    """The gold layer with a few values replaced, removed or appended to, anywhere."""
    layer = copy.deepcopy(GOLD)
    for _ in range(data.draw(times)):
        *parents, last = pointer_tokens(data.draw(st.sampled_from(pointers(layer)[1:])))
        node = layer
        for t in parents:
            node = node[int(t)] if isinstance(node, list) else node[t]
        key: Any = int(last) if isinstance(node, list) else last
        choice = data.draw(st.integers(0, 2))
        if choice == 0 and isinstance(node, dict):
            del node[key]
        elif choice == 1 and isinstance(node[key], list):
            node[key].append(data.draw(JSON))
        else:
            node[key] = data.draw(JSON)
    return layer


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_compiled_validator_passes_exactly_what_the_detailed_check_passes(
        data: st.DataObject) -> None:
    layer = damaged(data, st.integers(0, 3))
    fast = schema_errors._fast(ANNOTATION).is_valid(layer)
    slow = list(schema_errors._slow(ANNOTATION).iter_errors(layer))
    assert fast == (not slow)
    assert fast == (not schema_errors.check(ANNOTATION, layer, "x.json"))


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_rules_report_and_never_raise_on_any_damage(data: st.DataObject) -> None:
    """Whatever a layer holds, the checks return coded problems (with line and column once
    located), never an exception: the rules trust no shape the schema did not pass."""
    from claimstance.validation.reader import load_bytes
    from claimstance.validation.rules import check_annotation

    layer = damaged(data, st.integers(1, 4))
    seed = orjson.loads((REPO / "seeds" / "mali-accuses-algeria-downed-drone.json").read_bytes())
    f = load_bytes(dumps(layer), "annotations/mali-accuses-algeria-downed-drone/gold.json")
    found = check_annotation(f.data, f.path, stem="gold", folder=seed["id"], text=seed["text"],
                             text_sha256=seed["sha256"], seed_exists=True)
    for p in f.locate(found):
        assert p.line is not None and p.column is not None, p


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_is_canonical_says_exactly_when_canonicalize_changes_nothing(
        data: st.DataObject) -> None:
    """`is_canonical` decides the ids-not-canonical warning without building a copy; it
    must agree with `canonicalize`, which must be idempotent (ties included)."""
    from claimstance.corpus.annotation import canonicalize, is_canonical

    layer = copy.deepcopy(GOLD)
    for key in ("mentions", "claims", "stances"):
        items = layer[key]
        if data.draw(st.booleans()):  # duplicates make ties past m9 / m10
            items += [copy.deepcopy(x) for x in data.draw(st.lists(st.sampled_from(items),
                                                                   max_size=4))]
        if data.draw(st.booleans()):
            order = data.draw(st.permutations(range(len(items))))
            layer[key] = [items[i] for i in order]
        prefix = key[0]
        renumber = data.draw(st.booleans())
        for n, x in enumerate(layer[key], 1):
            x["id"] = f"{prefix}{n}" if renumber else x["id"]
    if len({x["id"] for x in layer["mentions"]}) < len(layer["mentions"]):
        return  # duplicate ids: an error, and canonicalize has no order to keep
    once = canonicalize(layer)
    assert canonicalize(once) == once
    items = {k: layer[k] for k in ("mentions", "claims", "stances")}
    assert is_canonical(layer) == ({k: once[k] for k in items} == items)


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=16) | st.lists(st.sampled_from(GRAPHEME_PARTS), max_size=14).map("".join))
def test_span_edges_agree_with_segmenting_and_isalnum(text: str) -> None:
    """The span-boundary rules ask `span_edges`, which segments only next to non-ASCII
    characters (offset by offset, or the whole text when there are many), what full UAX #29
    segmentation and `str.isalnum` on both sides say."""
    from claimstance.corpus import document

    offsets = set(range(len(text) + 1))
    bounds = {0} | {m.end() for m in regex.finditer(r"\X", text)}
    inside = offsets - bounds
    want = (inside, {o for o in offsets - inside
                     if 0 < o < len(text) and text[o - 1].isalnum() and text[o].isalnum()})
    saved = document.SEGMENT_ALL
    try:
        for document.SEGMENT_ALL in (0, 10**9):
            assert document.span_edges(text, offsets) == want
    finally:
        document.SEGMENT_ALL = saved


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_many_problems_are_located_as_a_few_are(data: st.DataObject) -> None:
    """Past `COUNTED` problems in a file, one walk locates them all (time linear in the
    file); they must get the line and column counting gives each one alone."""
    from claimstance.problems import Code, problem
    from claimstance.validation import locate

    style = data.draw(st.sampled_from(sorted(STYLES)))
    raw = STYLES[style](GOLD)
    ptrs = data.draw(st.lists(st.sampled_from(pointers(GOLD)), min_size=1, max_size=40))
    found = [problem(Code.INVALID_VALUE, "x.json", p, "m") for p in ptrs]
    few, many = (load_bytes(raw, "x.json") for _ in range(2))
    one_by_one = [q for p in found for q in few.locate([p])]
    saved = locate.COUNTED
    try:
        locate.COUNTED = 0
        assert many.locate(found) == one_by_one
    finally:
        locate.COUNTED = saved
