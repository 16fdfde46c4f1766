"""Every folder under tests/cases/ is a tiny corpus; expected.json says what validate finds.

Assertions are on (code, path, pointer) and, where given, the line: never on prose.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from claimstance.problems import CATALOGUE
from claimstance.validation import reader, schema_errors
from claimstance.validation.reader import MAX_BYTES
from claimstance.validation.run import validate

from .conftest import CASES

INVALID = sorted(p for p in (CASES / "invalid").glob("*/*") if p.is_dir())
VALID = sorted(p for p in (CASES / "valid").glob("*") if p.is_dir())


def _tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file() and not p.is_symlink():
            h.update(p.read_bytes())
    return h.hexdigest()


def _run(case: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    args = [case / a for a in expected.get("args", [])] or None
    report = validate(case, args, max_bytes=expected.get("max_bytes", MAX_BYTES))
    return [p.to_dict() for p in report.sorted()], expected


@pytest.fixture(params=["fast", "slow"], autouse=True)
def paths(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every case runs twice: with the fast paths (corpus-style files located by
    serialising, the compiled schema validator deciding) and with only the slow ones."""
    if request.param == "slow":
        monkeypatch.setattr(reader, "FAST_PATHS", False)
        monkeypatch.setattr(schema_errors, "FAST_PATHS", False)
    return str(request.param)


@pytest.mark.parametrize("case", INVALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_invalid_case(case: Path) -> None:
    before = _tree_hash(case)
    found, expected = _run(case)
    code = case.parent.name
    assert any(p["code"] == code for p in found), f"{code} not reported: {found}"
    got = sorted((p["code"], p["path"], p["pointer"]) for p in found)
    want = sorted((e["code"], e["path"], e["pointer"]) for e in expected["problems"])
    assert got == want
    for e in expected["problems"]:
        if "line" in e:
            match = [p for p in found if (p["code"], p["pointer"]) == (e["code"], e["pointer"])]
            assert match[0]["line"] == e["line"], match
    assert all(p["line"] is not None for p in found if p["pointer"]), \
        "a problem inside a file has no line"
    assert _tree_hash(case) == before, "validation modified the case folder"


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_valid_case(case: Path) -> None:
    found, _ = _run(case)
    assert found == []


def test_every_code_has_a_failing_case() -> None:
    with_cases = {p.parent.name for p in INVALID}
    assert {c for c, v in CATALOGUE.items() if v.stage == "validate"} - with_cases == set()
    assert with_cases - set(CATALOGUE) == set(), "case folders named after unknown codes"


def test_at_least_forty_cases() -> None:
    assert len(INVALID) >= 40
