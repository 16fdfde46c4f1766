"""Validating a layer with many problems costs work linear in its size, in any style.

A compact (one-line) layer with thousands of problems was quadratic: each problem's column
was counted from the start of its line, which is the start of the file. The work is
measured without a clock: the Python calls made, and the characters the locator's C calls
read (`Locator.total_work`).
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from claimstance.corpus.writing import dumps
from claimstance.validation.reader import load_bytes
from claimstance.validation.rules import check_annotation

from .conftest import REPO

DOC = "mali-accuses-algeria-downed-drone"
SEED = orjson.loads((REPO / "seeds" / f"{DOC}.json").read_bytes())
GOLD = orjson.loads((REPO / "annotations" / DOC / "gold.json").read_bytes())
PATH = f"annotations/{DOC}/gold.json"


def layer(n: int) -> dict[str, Any]:
    """Gold with n mentions, each a copy of one of its own with a text that does not
    match the offsets: an error (and a duplicate-span warning) per mention."""
    out: dict[str, Any] = copy.deepcopy(GOLD)
    out["mentions"] = [dict(GOLD["mentions"][i % len(GOLD["mentions"])], id=f"m{i + 1}",
                            text="x") for i in range(n)]
    out["claims"] = [dict(c, claimant=None) for c in out["claims"]]
    out["stances"] = []
    return out


def calls(fn: Callable[[], Any]) -> tuple[Any, int]:
    """What fn() returns, and how many Python and C functions it called."""
    count = 0

    def tick(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(tick)
    try:
        out = fn()
    finally:
        sys.setprofile(None)
    return out, count


def work(n: int, write: Callable[[Any], bytes]) -> tuple[int, int, int]:
    """(problems, calls, characters read by the locator) to validate a layer of n
    mentions as `write` writes it."""
    f = load_bytes(write(layer(n)), PATH)

    def check() -> list[Any]:
        found = check_annotation(f.data, PATH, stem="gold", folder=DOC, text=SEED["text"],
                                 text_sha256=SEED["sha256"], seed_exists=True)
        return f.locate(found)

    located, n_calls = calls(check)
    assert all(p.line is not None and p.column is not None for p in located)
    loc = f.locator()
    assert loc is not None
    return len(located), n_calls, loc.total_work


@pytest.mark.parametrize("write", [orjson.dumps, dumps], ids=["one-line", "own"])
def test_many_problems_cost_work_linear_in_the_layer(write: Callable[[Any], bytes]) -> None:
    small, large = work(1000, write), work(4000, write)
    assert small[0] >= 1900 and large[0] >= 4 * small[0] * 0.95  # two problems a mention
    assert large[1] <= 4.4 * small[1], "Python calls grow faster than the layer"
    assert large[2] <= 4.4 * small[2], "the locator reads more than the layer grows"
    assert small[2] >= len(write(layer(1000))) * 0.9  # it did read (almost) all of it
