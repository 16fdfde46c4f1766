"""Shared fixtures. Real parts only: a missing one fails in CI instead of skipping."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(what: str, reason: str) -> None:
    """Skip locally when a real part is missing; fail in CI, where .ci/run installs it."""
    if IN_CI:
        pytest.fail(f"{what} is missing in CI: {reason}")
    pytest.skip(f"{what} not available: {reason}")


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Path]:
    """A copy of this repository's corpus (schema, seeds, annotations, DATASHEET) to mutate."""
    root = tmp_path / "corpus"
    root.mkdir()
    for name in ("seeds", "annotations"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "DATASHEET.md", root / "DATASHEET.md")
    yield root
