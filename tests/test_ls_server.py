"""`ls up` and `ls down` trust nothing they did not start: a program already on the port is
refused (and never sees the token), and a recorded pid is signalled only when it is our
server. (Starting and stopping the real server is the `ls_server` fixture's job.)"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from claimstance.labelstudio.server import free_port, identify, lookup, start_time

from .conftest import listening


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """`ls up`/`ls down` in a home of their own (never the session server's registry)."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    return e | {"XDG_STATE_HOME": str(tmp_path / "state"),
                "XDG_DATA_HOME": str(tmp_path / "share"),
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "LABEL_STUDIO_USERNAME": "admin@example.org",
                "LABEL_STUDIO_PASSWORD": secrets.token_urlsafe(12),
                "LABEL_STUDIO_API_KEY": secrets.token_hex(20)}


def ls(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimstance", "ls", *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def impostor() -> Iterator[tuple[int, list[dict[str, str]]]]:
    """A local program that answers /health on a free port and records what it was sent."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], seen
    httpd.shutdown()
    httpd.server_close()


def test_up_refuses_a_port_another_program_answers_on(env: dict[str, str], tmp_path: Path,
                                                      impostor: tuple[int, Any]) -> None:
    port, seen = impostor
    data = tmp_path / "data"
    data.mkdir()
    (data / "server.json").write_text("{not json")  # a corrupt record does not crash it
    out = ls(env, "up", "--port", str(port), "--data-dir", str(data))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "[ls-server]" in out.stderr and f"port {port}" in out.stderr
    assert "unreadable" in out.stderr and "Traceback" not in out.stderr
    assert not any("Authorization" in h for h in seen)  # the token never left
    assert not (data / "server.json").exists()
    assert not list((tmp_path / "state").rglob("*.json"))  # nothing recorded as running


def test_down_signals_only_our_server(env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    other = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        started = start_time(other.pid)
        record = {"url": "http://127.0.0.1:9", "pid": other.pid, "data": str(data),
                  "started": started}
        (data / "server.json").write_text(json.dumps(record))
        assert identify(other.pid, data, started) is not None
        out = ls(env, "down", "--data-dir", str(data))
        assert out.returncode == 0, out.stderr
        assert "not our server" in out.stderr and "no server was running" in out.stdout
        assert other.poll() is None  # still alive: it was never signalled
        assert not (data / "server.json").exists()
    finally:
        os.kill(other.pid, signal.SIGTERM)
        other.wait(timeout=10)


def test_down_with_a_corrupt_or_recycled_record(env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "server.json").write_text('{"pid": "x"}')
    out = ls(env, "down", "--data-dir", str(data))
    assert out.returncode == 0 and "unreadable" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    # our own pid, but recorded with another start time: a recycled pid, refused
    record = {"url": "x", "pid": os.getpid(), "data": str(data), "started": 1}
    (data / "server.json").write_text(json.dumps(record))
    found = lookup(data)
    assert found.server is None and "not our server" in found.dropped[0]
    assert ls(env, "down").stdout.strip() == "no server was running"


def test_the_server_listens_on_loopback_only(ls_server: Any) -> None:
    """`ls up` binds 127.0.0.1: nothing on another interface (or all of them) answers."""
    port = int(ls_server.url.rsplit(":", 1)[1])
    assert listening(port) == ["0100007F"]  # 127.0.0.1; no 0.0.0.0, no ::


def test_up_says_first_time_only_when_it_installs(env: dict[str, str], tmp_path: Path,
                                                  impostor: tuple[int, Any]) -> None:
    """An existing virtualenv named by CLAIMSTANCE_LS_VENV starts at once: no "first time:
    a few minutes". (Both runs stop at the busy port, after the message.)"""
    from claimstance.labelstudio.server import ensure_venv

    port, _ = impostor
    existing = ensure_venv(quiet=True).parents[1]
    ready = ls(env | {"CLAIMSTANCE_LS_VENV": str(existing)}, "up", "--port", str(port))
    assert ready.returncode == 1 and "[ls-server]" in ready.stderr, ready.stderr
    assert "first time" not in ready.stderr
    fresh = ls(env | {"CLAIMSTANCE_LS_VENV": str(tmp_path / "venv"),
                      "CLAIMSTANCE_LS_REQUIREMENT": str(tmp_path / "no-such-package")},
               "up", "--port", str(port))
    assert fresh.returncode == 1 and "first time: a few minutes" in fresh.stderr, fresh.stderr


def test_without_database_the_server_keeps_sqlite(ls_server: Any) -> None:
    """No --database: Label Studio's data are in SQLite in the data folder, as always."""
    record = json.loads((ls_server.data / "server.json").read_text())
    assert record["database"] is None and record["listen"] == "127.0.0.1"
    assert (ls_server.data / "label_studio.sqlite3").stat().st_size > 0


@pytest.mark.parametrize(("option", "value"), [("--host", "label.example.org"),
                                               ("--public-url", "https://x.org/label"),
                                               ("--public-url", "label.example.org")])
def test_up_refuses_a_malformed_address(env: dict[str, str], tmp_path: Path, option: str,
                                        value: str) -> None:
    """A listening address that is no IP address, or a public URL with a path or without a
    scheme, is refused before anything starts."""
    out = ls(env, "up", "--port", str(free_port()), "--data-dir", str(tmp_path / "data"),
             option, value)
    assert out.returncode == 1 and f"[ls-server] {option}" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "data").exists()
