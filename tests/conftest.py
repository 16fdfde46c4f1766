"""Shared fixtures. Real parts only: a missing one is created (the Label Studio virtualenv,
as `claimstance ls up` creates it) or the test fails saying how to get it, never skips."""

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
from typing import Any, NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def missing(what: str, how: str) -> NoReturn:
    """A real part the tests need is not here: fail, saying how to get it (`bash .ci/run`
    installs everything)."""
    pytest.fail(f"{what} is missing: {how} (or run `bash .ci/run`)", pytrace=False)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by playwright (which cannot download its own here)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright", "pip install -e '.[test]'")
    exe = chromium_path()
    if exe is None:
        missing("chromium", "apt-get install chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def copy_corpus(root: Path) -> Path:
    """Copy this repository's corpus (seeds, annotations, DATASHEET, ...) to `root`."""
    root.mkdir()
    for name in ("seeds", "annotations"):
        shutil.copytree(REPO / name, root / name)
    for name in ("DATASHEET.md", "CHANGELOG.md", "CITATION.cff"):
        shutil.copy(REPO / name, root / name)
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Path]:
    """A copy of this repository's corpus (schema, seeds, annotations, DATASHEET) to mutate."""
    yield copy_corpus(tmp_path / "corpus")


@dataclass
class LSServer:
    url: str
    token: str
    data: Path
    env: dict[str, str]

    @contextlib.contextmanager
    def client(self) -> Iterator[Any]:
        from claimstance.labelstudio.api import connect

        with connect(self.url, self.token) as client:
            yield client


@pytest.fixture(scope="session")
def ls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LSServer]:
    """A real Label Studio on a free loopback port, started by `claimstance ls up`."""
    from claimstance.labelstudio.server import ensure_venv, free_port

    ensure_venv(quiet=True)  # created once, as `claimstance ls up` does (a few minutes)
    home = tmp_path_factory.mktemp("ls")
    port = free_port()
    token = secrets.token_hex(20)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    env |= {"LABEL_STUDIO_USERNAME": "admin@example.org", "LABEL_STUDIO_API_KEY": token,
            "LABEL_STUDIO_PASSWORD": secrets.token_urlsafe(12),
            "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
            "XDG_DATA_HOME": str(home / "share"), "CLAIMSTANCE_PSEUDONYM_SALT": "test-salt"}
    data = home / "data"
    up = subprocess.run([sys.executable, "-m", "claimstance", "ls", "up", "--port", str(port),
                         "--data-dir", str(data)], env=env, capture_output=True, text=True,
                        timeout=600)
    assert up.returncode == 0, up.stdout + up.stderr + (data / "server.log").read_text()
    assert token not in up.stdout + up.stderr
    assert "/user/signup/?token=" in up.stdout  # how annotators get an account
    server = LSServer(f"http://127.0.0.1:{port}", token, data,
                      env | {"LABEL_STUDIO_URL": f"http://127.0.0.1:{port}"})
    try:
        yield server
    finally:  # without --data-dir: `ls down` finds the server `ls up --data-dir` started
        down = subprocess.run([sys.executable, "-m", "claimstance", "ls", "down"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert down.returncode == 0, down.stderr
        assert f"stopped Label Studio at {server.url}" in down.stdout, down.stdout + down.stderr
        assert token not in (data / "server.log").read_text()
