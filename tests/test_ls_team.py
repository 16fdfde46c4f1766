"""A team's server: `ls up --database` runs Label Studio on a real PostgreSQL (a throwaway
cluster, see the `postgres` fixture), listening beyond loopback, and the database password
stays out of every command line, log and record."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from claimstance.corpus.layout import Corpus
from claimstance.labelstudio.push import push
from claimstance.labelstudio.server import VENV_ENV, free_port

from .conftest import LSServer, listening

pytestmark = [pytest.mark.postgres, pytest.mark.labelstudio]
PUBLIC = "https://label.example.org"  # the TLS proxy's address annotators open


def ls(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimstance", "ls", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def home_env(home: Path) -> dict[str, str]:
    """`ls up`'s environment: its own registry and config, an admin and a token."""
    env = {k: v for k, v in os.environ.items()  # the virtualenv is kept: made once
           if k == VENV_ENV or not k.startswith(("LABEL_STUDIO_", "PG", "CLAIMSTANCE_LS_"))}
    return env | {"XDG_STATE_HOME": str(home / "state"), "XDG_DATA_HOME": str(home / "share"),
                  "XDG_CONFIG_HOME": str(home / "config"),
                  "LABEL_STUDIO_USERNAME": "admin@example.org",
                  "LABEL_STUDIO_PASSWORD": secrets.token_urlsafe(12),
                  "LABEL_STUDIO_API_KEY": secrets.token_hex(20),
                  "CLAIMSTANCE_PSEUDONYM_SALT": "test-salt"}


def group_argvs(leader: int) -> list[bytes]:
    """The command lines of every process in the server's process group."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) == leader:  # field 5: the group
                out.append((proc / "cmdline").read_bytes())
        except (OSError, ValueError):
            continue
    return out


@pytest.fixture(scope="module")
def team(postgres: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LSServer]:
    """`claimstance ls up --host 0.0.0.0` on PostgreSQL, the URL (with its password) in
    $CLAIMSTANCE_LS_DATABASE, as a maintainer starts a team's server."""
    db = postgres.database("labelstudio")
    home = tmp_path_factory.mktemp("team")
    env = home_env(home) | {"CLAIMSTANCE_LS_DATABASE": db.url()}
    data = home / "data"
    port = free_port()
    up = ls(env, "up", "--port", str(port), "--host", "0.0.0.0", "--data-dir", str(data),
            "--public-url", PUBLIC)
    log = (data / "server.log").read_text() if (data / "server.log").is_file() else ""
    assert up.returncode == 0, up.stdout + up.stderr + log
    server = LSServer(f"http://127.0.0.1:{port}", env["LABEL_STUDIO_API_KEY"], data,
                      env | {"LABEL_STUDIO_URL": f"http://127.0.0.1:{port}",
                             "SECRET_DB_PASSWORD": db.password, "UP_OUTPUT": up.stdout
                             + up.stderr})
    try:
        yield server
    finally:
        down = ls(env, "down", "--data-dir", str(data), timeout=120)
        assert down.returncode == 0, down.stderr
        assert f"stopped Label Studio at {server.url}" in down.stdout, down.stdout + down.stderr


def test_up_runs_label_studio_on_postgresql(team: LSServer, postgres: Any,
                                            corpus: Path) -> None:
    password = team.env["SECRET_DB_PASSWORD"]
    record = json.loads((team.data / "server.json").read_text())
    # Label Studio's tables are in PostgreSQL (its migrations ran there), none in SQLite
    migrations = postgres.sql("SELECT count(*) FROM django_migrations;", "labelstudio")
    assert int(migrations) > 50
    assert not list(team.data.glob("*.sqlite3"))
    assert record["database"] == f"postgresql://labelstudio@127.0.0.1:{postgres.port}/labelstudio"
    assert record["public_url"] == PUBLIC
    # the password is on no command line of the server's processes, in no log or record
    argvs = group_argvs(record["pid"])
    assert argvs and any(b"label-studio" in a for a in argvs)
    assert not any(password.encode() in a for a in argvs)
    for f in team.data.rglob("*"):
        if f.is_file():
            assert password.encode() not in f.read_bytes(), f
    assert password not in team.env["UP_OUTPUT"]
    assert team.token not in (team.data / "server.log").read_text()
    # it listens on every interface, and says that it then needs TLS in front
    assert listening(int(team.url.rsplit(":", 1)[1])) == ["00000000"]
    assert "TLS" in team.env["UP_OUTPUT"] and "0.0.0.0" in team.env["UP_OUTPUT"]
    # the admin and the token work as on SQLite: push creates the project and its tasks
    with team.client() as client:
        summary = push(client, Corpus.at(corpus), "team")
    n = len(Corpus.at(corpus).doc_ids())
    assert summary.ok and summary.counts["tasks created"] == n
    assert int(postgres.sql("SELECT count(*) FROM task;", "labelstudio")) == n


def test_annotators_sign_up_through_the_proxy(team: LSServer) -> None:
    """What a TLS proxy forwards (the public Host and Origin): the invite link `ls up`
    printed is at the public address, and the sign-up it posts is accepted."""
    link = next(w for w in team.env["UP_OUTPUT"].split() if "/user/signup/?token=" in w)
    assert link.startswith(f"{PUBLIC}/user/signup/?token=")
    path = link[len(PUBLIC):]
    proxied = {"Host": "label.example.org", "X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=team.url) as http:
        assert http.get(path, headers=proxied).status_code == 200
        r = http.post(path, headers=proxied | {"Origin": PUBLIC, "Referer": link}, data={
            "csrfmiddlewaretoken": http.cookies.get("csrftoken") or "",
            "email": "proxied@example.org", "password": "Pass-" + secrets.token_hex(6)})
        assert r.status_code == 302, r.text[:300]
        me = http.get("/api/current-user/whoami", headers=proxied).json()
    assert me["email"] == "proxied@example.org"


def test_up_again_finds_the_running_server(team: LSServer) -> None:
    again = ls(team.env, "up", "--data-dir", str(team.data))
    assert again.returncode == 0, again.stderr
    assert f"already running at {team.url}" in again.stdout


def test_the_password_is_refused_on_the_command_line(postgres: Any, tmp_path: Path) -> None:
    env = home_env(tmp_path)
    url = f"postgresql://labelstudio:{secrets.token_hex(8)}@127.0.0.1:{postgres.port}/x"
    out = ls(env, "up", "--data-dir", str(tmp_path / "data"), "--database", url)
    assert out.returncode == 2 and "PGPASSWORD" in out.stderr, out.stderr
    assert not (tmp_path / "data").exists()  # nothing was started


@pytest.mark.parametrize("url", ["mysql://u@h:1/d", "postgresql://127.0.0.1:5432/x",
                                 "postgresql://u@h:port/d", "postgresql://u@h:1/d?sslmode=x"])
def test_a_malformed_database_url_is_refused(url: str, tmp_path: Path) -> None:
    out = ls(home_env(tmp_path) | {"CLAIMSTANCE_LS_DATABASE": url}, "up", "--data-dir",
             str(tmp_path / "data"))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "[ls-database]" in out.stderr and "CLAIMSTANCE_LS_DATABASE" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "data").exists()


def test_a_wrong_password_is_refused_before_starting(postgres: Any, tmp_path: Path) -> None:
    db = postgres.database(f"wrong{secrets.token_hex(3)}")
    wrong = secrets.token_hex(12)
    env = home_env(tmp_path) | {"PGPASSWORD": wrong}
    out = ls(env, "up", "--data-dir", str(tmp_path / "data"), "--port", str(free_port()),
             "--database", db.url(password=False))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "[ls-database]" in out.stderr and "password authentication failed" in out.stderr
    assert wrong not in out.stderr + out.stdout and "Traceback" not in out.stderr
    assert not (tmp_path / "data" / "server.json").exists()
