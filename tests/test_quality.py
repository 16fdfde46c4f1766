"""The code stays ruff- and mypy --strict-clean: checked with the suite, not by memory."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO


def test_ruff() -> None:
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests",
                          "build_dataset.py"], cwd=REPO, capture_output=True, text=True,
                         check=False)
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_strict() -> None:
    res = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True,
                         text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
