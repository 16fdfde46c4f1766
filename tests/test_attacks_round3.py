"""The third attack round (issue #27, item 7), each attack reproduced against the real tools.

Like tests/test_security.py: the command the attacker ran, on a temporary copy of the corpus
(a git repository where the attack was destructive); a coded problem, no traceback, and no
change outside the intended output. docs/security.md names the promise each one holds.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from claimstance.dataset.build import build

from .test_security import cli, refused, snapshot
from .test_security import repo as repo  # the fixture: the corpus as a git repository

# --- H2, M18: --force never replaces a repository or a folder git tracks --------------------

OUTPUT_COMMANDS = {
    "export": ["export", "--format", "brat", "{out}"],
    "build": ["build", "--out", "{out}"],
    "site": ["site", "--out", "{out}"],
    "publish": ["publish", "--to", "{out}", "--private", "--allow-unlicensed"],
}


def _output(command: str, out: Path | str) -> list[str]:
    return [a.format(out=out) for a in OUTPUT_COMMANDS[command]] + ["--force"]


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
@pytest.mark.parametrize("nested", ["sub/.git", "a/b/.git", "sub/seeds"])
def test_force_never_deletes_a_repository_nested_in_the_output(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str,
        nested: str) -> None:
    """H2: the whole tree to be replaced is checked, not only OUT itself."""
    build(repo, repo / "dist")
    out = tmp_path / "out"
    inner = out / Path(nested).parent
    inner.mkdir(parents=True)
    if nested.endswith(".git"):
        subprocess.run(["git", "-C", str(inner), "init", "-q"], check=True)
    else:
        (out / nested).mkdir()
    (inner / "work.txt").write_text("years of work")
    before = snapshot(tmp_path)
    monkeypatch.chdir(repo)
    refused(cli(*_output(command, out)), "output-in-corpus")
    assert snapshot(tmp_path) == before


TRACKED = [("export", "tests"), ("build", "tests"), ("site", "docs"), ("publish", "benchmarks"),
           ("build", "notes"), ("export", "notes/new"), ("site", "tests/site"),
           ("build", "src/claimstance")]


@pytest.fixture
def project(repo: Path) -> Path:
    """The corpus as the project's repository: its own folders, and a folder `notes/` that
    is no project folder but that git tracks."""
    for rel in ("tests/test_x.py", "docs/index.md", "benchmarks/b.py", "src/claimstance/x.py",
                "notes/todo.md"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("tracked\n")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C",
                    str(repo), "commit", "-qm", "project"], check=True)
    build(repo, repo / "dist")
    return repo


@pytest.mark.parametrize(("command", "out"), TRACKED)
def test_force_never_replaces_a_folder_git_tracks(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                  command: str, out: str) -> None:
    """M18: an output is not, holds nor lies inside a folder git tracks files in."""
    before = snapshot(project.parent)
    monkeypatch.chdir(project)
    refused(cli(*_output(command, out)), "output-in-corpus")
    assert snapshot(project.parent) == before


@pytest.mark.parametrize(("command", "out"), [c for c in TRACKED if "notes" not in c[1]])
def test_the_project_s_own_folders_are_never_outputs_even_without_git(
        corpus: Path, monkeypatch: pytest.MonkeyPatch, command: str, out: str) -> None:
    """M18 without git (a copy of the project, a tarball): the folder names alone."""
    build(corpus, corpus / "dist")
    for rel in ("tests/test_x.py", "docs/index.md", "benchmarks/b.py", "src/claimstance/x.py"):
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpus / rel).write_text("mine\n")
    before = snapshot(corpus.parent)
    monkeypatch.chdir(corpus)
    refused(cli(*_output(command, out)), "output-in-corpus")
    assert snapshot(corpus.parent) == before


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
def test_an_untracked_folder_of_the_repository_is_still_an_output(
        project: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    """The check is not a refusal of everything inside a repository: a new folder, or an
    ignored one, is written as before."""
    monkeypatch.chdir(project)
    out = "dist" if command == "build" else f"exports/{command}"
    res = cli(*_output(command, out))
    assert res.exit_code == 0, res.output
    assert (project / out).is_dir()
