"""The shape of the package: layers that only import downwards, one implementation of every
rule, label and naming pattern, and no hand-written C."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from claimstance.corpus.schema import ANNOTATION, DOCUMENT, LABEL_SETS, label_set, load_schema

from .conftest import REPO

SRC = REPO / "src" / "claimstance"


def test_layers_contract() -> None:
    """import-linter's layers contract in pyproject.toml: cli -> dataset, labelstudio,
    viewer, docs, ingest -> quality -> validation -> corpus -> problems."""
    res = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command;"
                          " lint_imports_command()"], cwd=REPO, capture_output=True, text=True,
                         check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Contracts: 1 kept, 0 broken." in res.stdout


# what lives in a checkout without being the project's: virtualenvs, builds, caches
NOT_THE_PROJECT = {".git", ".venv", "venv", "env", ".tox", ".nox", "node_modules", "build",
                   "dist", "site-packages", "__pycache__", ".mypy_cache", ".ruff_cache",
                   ".pytest_cache", ".import_linter_cache", ".hypothesis", "test-artifacts"}


def project_files(root: Path = REPO) -> list[Path]:
    """The project's own files, never a virtualenv, a build or a cache that lives in the
    checkout: the files git tracks or, in a checkout without git (a source tarball, `git
    archive`), every file outside NOT_THE_PROJECT, *.egg-info and any virtualenv (pyvenv.cfg)."""
    if (root / ".git").exists():
        out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True,
                             check=True).stdout
        return [root / name for name in out.decode("utf-8").split("\0") if name]
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in NOT_THE_PROJECT
                         and not d.endswith(".egg-info")
                         and not (Path(folder) / d / "pyvenv.cfg").exists())
        found += [Path(folder) / f for f in sorted(files)]
    return found


def test_no_hand_written_c_and_no_setup_py() -> None:
    files = project_files()
    assert REPO / "src" / "claimstance" / "__init__.py" in files
    assert not [p for p in files if p.suffix in (".c", ".h", ".pyx")]
    assert not (REPO / "setup.py").exists()


def test_project_files_without_git_are_those_git_tracks(tmp_path: Path) -> None:
    """A checkout with no .git (`git archive`, a source tarball) lists the same files, and a
    virtualenv made in it (its C headers, its site-packages) is not the project's."""
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=REPO,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive, check=True)
    tracked = subprocess.run(["git", "ls-tree", "-r", "-z", "--name-only", "HEAD"], cwd=REPO,
                             capture_output=True, check=True).stdout.decode("utf-8")
    for made in (".venv/include/python3.12/Python.h", ".venv/lib/site-packages/x/_speedups.c",
                 "myenv/lib/y.c", "build/lib/z.c", "src/claimstance.egg-info/PKG-INFO"):
        (tmp_path / made).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / made).write_text("int x;\n")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert not (tmp_path / ".git").exists()
    files = project_files(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in files) == sorted(
        n for n in tracked.split("\0") if n)
    (tmp_path / "src" / "claimstance" / "fast.c").write_text("int y;\n")
    assert [p for p in project_files(tmp_path) if p.suffix in (".c", ".h", ".pyx")] == [
        tmp_path / "src" / "claimstance" / "fast.c"]


def _code() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in SRC.rglob("*.py")}


def test_labels_and_naming_patterns_live_only_in_the_schemas() -> None:
    """No label name, and no naming pattern of the schemas, is written out in the code."""
    labels = [label for name in LABEL_SETS for label in label_set(name)]
    patterns: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.append(node["pattern"])
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)

    collect(load_schema(ANNOTATION))
    collect(load_schema(DOCUMENT))
    for path, text in _code().items():
        for label in labels:
            assert not re.search(rf"[\"']{re.escape(label)}[\"']", text), (path, label)
        for pattern in patterns:
            core = pattern.strip("^$")
            assert core not in text, (path, pattern)


def test_each_naming_pattern_is_defined_once_in_the_schemas() -> None:
    counts: dict[str, int] = {}
    for name in (ANNOTATION, DOCUMENT):
        for m in re.finditer(r'"pattern": "([^"]+)"', (SRC / "corpus" / "schemas" / name)
                             .read_text(encoding="utf-8")):
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    assert {p: n for p, n in counts.items() if n > 1} == {}


def test_problem_codes_are_typed() -> None:
    """Codes are members of one enum (mypy rejects a misspelt one); no module passes a code
    as a bare string."""
    for path, text in _code().items():
        assert not re.search(r"problem\(\s*\"[a-z]+-[a-z-]+\"", text), path


GROUPS = """
import json, pytest
class Groups:
    def pytest_collection_finish(self, session):
        print("GROUPS " + json.dumps({i.nodeid: [
            (m := i.get_closest_marker("xdist_group")) and m.args[0],
            bool(i.get_closest_marker("labelstudio")), i.fixturenames] for i in session.items}))
pytest.main(["--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider", *FILES],
            plugins=[Groups()])
"""


def test_tests_that_share_a_costly_fixture_run_on_one_worker() -> None:
    """conftest groups tests by the session and module fixtures they share, with no group
    named by hand: the Label Studio server's tests (marked `labelstudio` too), the tests of
    one built dataset; a test that shares nothing is in no group."""
    files = ["tests/test_labelstudio.py", "tests/test_ls_ui.py", "tests/test_build.py",
             "tests/test_architecture.py"]
    res = subprocess.run([sys.executable, "-c", f"FILES = {files!r}\n" + GROUPS], cwd=REPO,
                         capture_output=True, text=True, check=False)
    line = next((x for x in res.stdout.splitlines() if x.startswith("GROUPS ")), None)
    assert line is not None, res.stdout + res.stderr
    items: dict[str, list[Any]] = json.loads(line.removeprefix("GROUPS "))

    def groups(fixture: str) -> set[str | None]:
        return {group for group, _, fixtures in items.values() if fixture in fixtures}

    ls = [marked for _, marked, fixtures in items.values() if "ls_server" in fixtures]
    assert len(ls) > 5 and all(ls)
    assert len(groups("ls_server")) == 1 and None not in groups("ls_server")
    assert len(groups("built")) == 1 and None not in groups("built")
    assert groups("built") != groups("ls_server")
    here = items[f"tests/test_architecture.py::{test_layers_contract.__name__}"]
    assert here[0] is None


def test_xdist_sends_a_group_to_one_worker() -> None:
    """The groups reach xdist's scheduler, which names a test by its group (conftest's hook
    runs before xdist's own) and sends a group to one worker."""
    tests = [f"tests/test_brat_tools.py::{name}" for name in
             ("test_brats_tools_fail_on_a_shifted_span",
              "test_brats_verifier_checks_relations_against_the_generated_conf")]
    res = subprocess.run([sys.executable, "-m", "pytest", "-n", "1", "-v", "-p",
                          "no:cacheprovider", *tests], cwd=REPO, capture_output=True, text=True,
                         check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    ran = [line.split()[0] for line in res.stdout.splitlines()
           if "PASSED" in line and "@tests.test_brat_tools::brat" in line]
    assert len(ran) == 2, res.stdout
