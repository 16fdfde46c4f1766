"""Shared fixtures. Real parts only: a missing one fails in CI instead of skipping."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    for name in ("DATASHEET.md", "CHANGELOG.md", "CITATION.cff"):
        shutil.copy(REPO / name, root / name)
    yield root


@dataclass
class LSServer:
    url: str
    token: str
    data: Path
    env: dict[str, str]

    @contextlib.contextmanager
    def client(self) -> Iterator[Any]:
        from claimstance.lsclient import connect

        with connect(self.url, self.token) as client:
            yield client


@pytest.fixture(scope="session")
def ls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LSServer]:
    """A real Label Studio on a free loopback port, started by `claimstance ls up`."""
    from claimstance.lsserver import executable, free_port

    if not executable().is_file():
        need("the Label Studio virtualenv", f"{executable()} does not exist (run .ci/run, or "
             "`claimstance ls up` once)")
    home = tmp_path_factory.mktemp("ls")
    port = free_port()
    token = secrets.token_hex(20)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    env |= {"LABEL_STUDIO_USERNAME": "admin@example.org", "LABEL_STUDIO_API_KEY": token,
            "LABEL_STUDIO_PASSWORD": secrets.token_urlsafe(12),
            "XDG_CONFIG_HOME": str(home / "config"), "CLAIMSTANCE_PSEUDONYM_SALT": "test-salt"}
    data = home / "data"
    up = subprocess.run([sys.executable, "-m", "claimstance", "ls", "up", "--port", str(port),
                         "--data-dir", str(data)], env=env, capture_output=True, text=True,
                        timeout=600)
    assert up.returncode == 0, up.stdout + up.stderr + (data / "server.log").read_text()
    assert token not in up.stdout + up.stderr
    server = LSServer(f"http://127.0.0.1:{port}", token, data,
                      env | {"LABEL_STUDIO_URL": f"http://127.0.0.1:{port}"})
    try:
        yield server
    finally:
        down = subprocess.run([sys.executable, "-m", "claimstance", "ls", "down", "--data-dir",
                               str(data)], env=env, capture_output=True, text=True, timeout=60)
        assert down.returncode == 0, down.stderr
        assert token not in (data / "server.log").read_text()
