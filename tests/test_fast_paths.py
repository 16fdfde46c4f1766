"""Every fast path that decides ahead of the full work is proven sound against the slow one.

- positions: in a file written in the corpus style, the marker serialisation finds every
  value where the scanner finds it;
- duplicate keys: counting colons decides exactly when the scanner finds a duplicate;
- grapheme boundaries: the two-character shortcut agrees with full UAX #29 segmentation;
- the schema: the compiled validator passes exactly what the detailed check finds nothing in.
(The case folders also run with every fast path off: tests/test_cases.py.)
"""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from claimstance.corpus.document import is_grapheme_boundary
from claimstance.corpus.schema import ANNOTATION
from claimstance.corpus.writing import dumps
from claimstance.validation import schema_errors
from claimstance.validation.reader import (
    _has_duplicate_keys,
    escape_pointer_token,
    load_bytes,
    scan,
)

from .conftest import REPO

KEYS = st.text(alphabet=st.sampled_from('ab:/~"\\é😀 \n'), max_size=4)
SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6)
           | st.floats(allow_nan=False, allow_infinity=False, width=32)
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


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_marker_offsets_equal_scanned_offsets(data: Any) -> None:
    raw = dumps(data)
    f = load_bytes(raw, "x.json")
    assert f.canonical and not f.problems
    scanned = scan(raw).positions
    for ptr in pointers(data):
        assert f.offset(ptr) == scanned[ptr], ptr


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
    assert _has_duplicate_keys(raw, data) == bool(scan(raw).duplicates)


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


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_compiled_validator_passes_exactly_what_the_detailed_check_passes(
        data: st.DataObject) -> None:
    layer = copy.deepcopy(GOLD)
    for _ in range(data.draw(st.integers(0, 3))):
        ptr = data.draw(st.sampled_from(pointers(layer)[1:]))
        *parents, last = ptr.split("/")[1:]
        node = layer
        for t in parents:
            node = node[int(t)] if isinstance(node, list) else node[t]
        key: Any = int(last) if isinstance(node, list) else last
        if data.draw(st.booleans()) and isinstance(node, dict):
            del node[key]
        else:
            node[key] = data.draw(JSON)
    fast = schema_errors._fast(ANNOTATION).is_valid(layer)
    slow = list(schema_errors._slow(ANNOTATION).iter_errors(layer))
    assert fast == (not slow)
    assert fast == (not schema_errors.check(ANNOTATION, layer, "x.json"))
