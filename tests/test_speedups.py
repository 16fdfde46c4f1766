"""The C clean-path check gives exactly the pure-Python answer, on thousands of mutated layers.

`_clean` only decides whether the detailed checks can be skipped, so a wrong True would hide
problems: both versions must agree on every kind of damage, not only on clean layers.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from synth import document

from claimstance import checks, speedups
from claimstance.jsonfile import _colons
from claimstance.layout import Corpus

from .conftest import REPO

Layer = dict[str, Any]
C = None if speedups.C is None else checks._clean  # the C version, when it is built


def test_speedups_are_built_where_the_suite_runs_in_ci() -> None:
    if os.environ.get("CI") and not os.environ.get("CLAIMSTANCE_NO_SPEEDUPS"):
        assert C is not None, "the C extension was not built: the benchmarks measure it"
    if C is not None:
        assert checks._clean is not checks._clean_py


def _damage(rng: random.Random, layer: Layer, text: str) -> Layer:
    """One to three random edits of the kinds contributors make (and a few they don't)."""
    out = copy.deepcopy(layer)
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(["mentions", "claims", "stances"])
        if out[key]:
            _edit(rng, out, key, text)
    return out


def _edit(rng: random.Random, out: Layer, key: str, text: str) -> None:
    items = out[key]
    i = rng.randrange(len(items))
    it = items[i]
    spans = "start" in it
    edits: list[Callable[[], None]] = [
        lambda: items.insert(rng.randrange(len(items)), items.pop(i)),  # reorder
        lambda: items.append(copy.deepcopy(it)),  # duplicate
        lambda: items.pop(i),
        lambda: it.update(id=it["id"][0] + str(rng.randint(0, 40))),
        lambda: it.update(id=it["id"][0] + "0" + it["id"][1:]),
    ]
    if spans:
        def move(name: str, d: int, retext: bool) -> None:
            it[name] = max(0, it[name] + d)
            if retext:
                it["text"] = text[it["start"]:it["end"]]
        edits += [
            lambda: move("start", rng.choice([-2, -1, 1, 2]), False),
            lambda: move("end", rng.choice([-2, -1, 1, 2]), False),
            lambda: move("start", rng.choice([-1, 1]), True),  # into a word or onto a space
            lambda: move("end", rng.choice([-1, 1]), True),
            lambda: it.update(start=0, text=text[:it["end"]]),
            lambda: it.update(end=len(text), text=text[it["start"]:]),
            lambda: it.update(end=len(text) + rng.randint(1, 3)),
            lambda: it.update(start=it["end"], text=""),
            lambda: it.update(type=rng.choice(["fact", "PERSON", "ORG", "accusation"])),
            lambda: it.update(text=it["text"].upper()),
        ]
        astral = [k for k, ch in enumerate(text) if ord(ch) >= 0x300]
        if astral:
            def onto_astral() -> None:
                k = rng.choice(astral) + rng.choice([0, 1])
                it["start"], it["end"] = k, max(it["end"], k + 1)
                it["text"] = text[it["start"]:it["end"]]
            edits.append(onto_astral)
    if key == "claims":
        edits += [lambda: it.update(claimant=None),
                  lambda: it.update(claimant=None, type="fact"),
                  lambda: it.update(claimant=rng.choice(out["mentions"])["id"]),
                  lambda: it.update(claimant="m999")]
    if key == "stances":
        edits += [lambda: it.update(holder=rng.choice(out["mentions"])["id"]),
                  lambda: it.update(claim=rng.choice(out["claims"])["id"]),
                  lambda: it.update(holder="c1"),
                  lambda: it.update(claim="c01")]
    rng.choice(edits)()


def _layers() -> list[tuple[Layer, str]]:
    """Synthetic documents (some with combining marks and flags), and the real seed's gold."""
    out = []
    for k in range(120):
        seed, gold = document(k)
        text = seed["text"]
        if k % 3 == 0:  # the same length, so the offsets still hold
            text = text.replace("📈", "\U0001F1E6").replace("—", "\u0301")
        out.append((gold, text))
    corpus = Corpus.at(REPO)
    for doc_id in corpus.doc_ids():
        if "gold" in corpus.annotators(doc_id):
            out.append((corpus.read_layer(doc_id, "gold"), corpus.read_seed(doc_id)["text"]))
    return out


@pytest.mark.skipif(C is None, reason="the C extension is not built (pure-Python install)")
def test_c_and_python_agree_on_damaged_layers() -> None:
    assert C is not None
    rng = random.Random(20261125)
    seen = {True: 0, False: 0}
    for layer, text in _layers():
        assert C(layer, text) == checks._clean_py(layer, text)
        for _ in range(40):
            damaged = _damage(rng, layer, text)
            want = checks._clean_py(damaged, text)
            assert C(damaged, text) == want, damaged
            seen[want] += 1
    assert seen[True] > 100 and seen[False] > 2000  # both answers were exercised


@pytest.mark.skipif(C is None, reason="the C extension is not built (pure-Python install)")
def test_c_refuses_shapes_it_does_not_expect() -> None:
    assert C is not None
    seed, gold = document(1)
    bad: Any
    for bad in ({}, {"mentions": {}, "claims": [], "stances": []},
                gold | {"mentions": [1]}, gold | {"claims": [{"id": "c1"}]},
                gold | {"mentions": [m | {"start": True} for m in gold["mentions"]]},
                gold | {"mentions": [m | {"start": 2**70} for m in gold["mentions"]]}):
        assert C(bad, seed["text"]) is False
    from claimstance._speedups import clean

    with pytest.raises(TypeError):
        clean(None, gold, seed["text"])  # type: ignore[arg-type]


def test_pure_python_fallback_is_used_when_asked() -> None:
    code = "from claimstance import checks; print(checks._clean is checks._clean_py)"
    env = os.environ | {"CLAIMSTANCE_NO_SPEEDUPS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "True"


@pytest.mark.skipif(C is None, reason="the C extension is not built (pure-Python install)")
def test_colon_count_equals_orjsons() -> None:
    """The duplicate-key check counts colons a re-serialisation would write; C must agree."""
    values: list[Any] = [
        {}, [], "", ":", "a:b::c", "é:ü", "😞:🤝:", 1, 1.5, True, None,
        {"k:ey": "v:al", "n": [1, {"x": ":"}, None], "é:": {"ü": "😞:"}},
    ]
    values += [json.loads(p.read_text(encoding="utf-8")) for p in sorted(REPO.glob(
        "tests/cases/*/*/**/*.json")) if _parses(p)]
    values += [part for k in range(5) for part in document(k)]
    for v in values:
        assert _colons(v) == orjson.dumps(v).count(b":"), v
    deep: Any = "x:"
    for _ in range(2000):
        deep = [deep]
    assert speedups.C is not None and speedups.C.colons(deep) is None  # too deep: orjson counts


def _parses(p: Path) -> bool:
    if not p.is_file():
        return False
    try:
        json.loads(p.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return True
