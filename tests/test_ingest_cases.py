"""Every folder under tests/cases/ingest/ is a tiny corpus and an input to ingest; expected.json
lists the (code, path, pointer, line) problems `ingest --from` reports, nothing else.

A case with problems must write nothing and exit 1; a valid one writes exactly `written`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from claimstance.cli import main
from claimstance.problems import CATALOGUE

from .conftest import CASES

INGEST = sorted(p for p in (CASES / "ingest").glob("*/*") if p.is_dir())


def _seeds(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "seeds").glob("*.json"))}


@pytest.mark.parametrize("case", INGEST, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ingest_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "case"
    shutil.copytree(case, root)
    (root / "seeds").mkdir(exist_ok=True)
    expected: dict[str, Any] = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    before = _seeds(root)
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["ingest", "--from", expected["input"], *expected.get(
        "args", []), "--added", "2026-11-25", "--format", "json"])
    out = json.loads(res.output)
    problems = out["problems"]
    got = sorted((p["code"], p["path"], p["pointer"], p["line"]) for p in problems)
    want = sorted((e["code"], e["path"], e["pointer"], e["line"]) for e in expected["problems"])
    assert got == want, out
    if want:
        assert res.exit_code == 1 and out["ok"] is False
        assert _seeds(root) == before, "a refused ingest wrote seeds"
        assert not (root / ".claimstance").exists()
    else:
        assert res.exit_code == 0, res.output
        assert out["written"] == expected["written"]
        assert sorted(_seeds(root)) == sorted(f"{d}.json" for d in expected["written"])


def test_every_ingest_code_has_a_case() -> None:
    codes = {c for c, v in CATALOGUE.items() if v.stage == "ingest"}
    with_cases = {p.parent.name for p in INGEST}
    assert codes - with_cases == set()
    assert with_cases - set(CATALOGUE) - {"valid"} == set()
