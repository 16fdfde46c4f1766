"""Shared fixtures. Real parts only: a missing one is created (the Label Studio virtualenv,
as `claimstance ls up` creates it) or the test fails saying how to get it, never skips."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
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


# --- the suite on every core (pytest-xdist, `-n auto --dist loadgroup` in pyproject) -------
#
# A fixture made once per session or module (a Label Studio server, doccano's import of every
# export, a built dataset) is made once per worker that runs a test needing it. So every
# test that needs one such fixture goes to the same worker: tests are grouped by the
# session- and module-scoped fixtures of this suite they use (tests sharing any of them form
# one group), found at collection, so a new test is grouped by the fixtures it asks for
# without naming a group. A test that uses `ls_server` or `browser` is also marked
# `labelstudio` or `browser` (`-m "not labelstudio"` leaves the server's tests out).

#: shared fixtures cheap enough for every worker to make its own (nothing to share)
PER_WORKER = frozenset({"browser", "no_results_cache"})
MARKED_BY = {"ls_server": "labelstudio", "browser": "browser"}


def _shared_fixtures(item: pytest.Item) -> list[str]:
    """The session- and module-scoped fixtures of this suite an item uses, by definition."""
    info = getattr(item, "_fixtureinfo", None)
    out = []
    for name, defs in (info.name2fixturedefs.items() if info is not None else ()):
        d = defs[-1]
        module = getattr(d.func, "__module__", "")
        if (d.scope in ("session", "package", "module") and name not in PER_WORKER
                and module.split(".")[0] == __name__.split(".")[0]):
            out.append(f"{module}::{name}")
    return sorted(out)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in MARKED_BY.items():
            if fixture in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
                    marker):
                item.add_marker(getattr(pytest.mark, marker))
    if not config.pluginmanager.hasplugin("xdist"):
        return
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    shared = [_shared_fixtures(item) for item in items]
    for keys in shared:
        for k in keys[1:]:
            parent[find(k)] = find(keys[0])
    for item, keys in zip(items, shared, strict=True):
        if keys:
            item.add_marker(pytest.mark.xdist_group(find(keys[0])))


#: set once the test processes have folders of their own (workers and subprocesses inherit it)
HOME_ENV = "CLAIMSTANCE_TEST_HOME"


def pytest_configure(config: pytest.Config) -> None:
    """The tests' own XDG folders (cache, config, data, state) in a temporary folder, made
    before xdist's workers start, so that neither they nor the commands the tests run
    (which inherit the environment) read or write the user's: the near-duplicate index, the
    cache of results, a pseudonym salt. The servers' virtualenvs and brat's tree, costly to
    make, are found where they are (and made there if missing): each is named by the
    variable its finder reads first."""
    if os.environ.get(HOME_ENV):
        return  # a worker, or a test run inside a test: its parent made them
    from claimstance.labelstudio import server

    from . import brat_tools, doccano_venv

    shared = {server.VENV_ENV: server.venv_dir(), doccano_venv.VENV_ENV: doccano_venv.venv_dir(),
              brat_tools.DIR_ENV: brat_tools.brat_dir()}
    home = Path(tempfile.mkdtemp(prefix="claimstance-tests-"))
    os.environ |= {name: str(path.absolute()) for name, path in shared.items()}
    os.environ |= {f"XDG_{kind}_HOME": str(home / kind.lower())
                   for kind in ("CACHE", "CONFIG", "DATA", "STATE")}
    os.environ[HOME_ENV] = str(home)
    config.stash[_MADE_HOME] = home
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))


_MADE_HOME = pytest.StashKey[Path]()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A virtualenv made in the tests' own cache was made again for nothing (minutes): a
    test gave a command an environment without the variable that names the real one."""
    home = session.config.stash.get(_MADE_HOME, None)
    made = sorted(p.name for p in (home / "cache" / "claimstance").glob("*-venv")) if home else []
    if made:
        session.config.get_terminal_writer().line(
            f"\nerror: {', '.join(made)} made again in the tests' own cache: a test ran a command "
            "without $CLAIMSTANCE_LS_VENV or $CLAIMSTANCE_DOCCANO_VENV", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def no_results_cache() -> Iterator[None]:
    """Tests check the code, not what an earlier run of it left in the cache of results
    (a test that patches a rule in this process would be answered from it: the key knows
    the files of the code, not a patch); worker processes forked here inherit this.
    The cache's own tests turn it on, in a folder of their own (tests/test_cache.py)."""
    from claimstance.corpus import cache

    with cache.disabled():
        yield


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


def listening(port: int) -> list[str]:
    """The addresses sockets listen on at `port` (little-endian hex, as /proc shows them:
    0100007F is 127.0.0.1, 00000000 is every interface)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            address, at = cols[1].rsplit(":", 1)
            if cols[3] == "0A" and int(at, 16) == port:
                found.append(address)
    return found


@pytest.fixture
def three_docs(corpus: Path) -> Path:
    """The repository's corpus plus two short seeds, `second-doc` and `third-doc`."""
    from claimstance.ingest import ingest

    for doc_id, text in (("second-doc", "Algeria denied the accusation on Monday."),
                         ("third-doc", "Bamako said the drone was on a routine mission.")):
        (corpus / "src.txt").write_text(text, encoding="utf-8")
        ingest(corpus / "src.txt", doc_id, corpus, title=doc_id, added="2026-11-25")
    (corpus / "src.txt").unlink()
    return corpus


@contextlib.contextmanager
def signed_up(url: str, token: str, name: str = "bob") -> Iterator[tuple[int, str, Any]]:
    """An annotator signed up through the invite link and logged in: their user id, e-mail
    and an HTTP session that saves annotations as their own (Label Studio records whoever
    saves an annotation as its `updated_by`, so the admin's token cannot stand in for them)."""
    import httpx

    from claimstance.labelstudio.api import create_annotator

    email, password = f"{name}-{secrets.token_hex(4)}@example.org", secrets.token_hex(8) + "A1!"
    uid = create_annotator(url, token, email, password)
    with httpx.Client(base_url=url, timeout=60) as http:
        http.get("/user/login/")
        r = http.post("/user/login/", headers={"Referer": f"{url}/user/login/"}, data={
            "csrfmiddlewaretoken": http.cookies.get("csrftoken") or "", "email": email,
            "password": password})
        assert r.status_code == 302, r.text
        http.headers.update({"X-CSRFToken": http.cookies.get("csrftoken") or "",
                             "Referer": url})
        yield uid, email, http


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A throwaway PostgreSQL cluster (initdb in a temporary folder, a free loopback port,
    run as the unprivileged `postgres` user when we are root); stopped and removed after."""
    from pgcluster import NoPostgres, cluster

    try:
        with cluster() as c:
            yield c
    except NoPostgres as e:
        missing("PostgreSQL", str(e))


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
