"""Pulling Label Studio exports without a server: one case folder per problem code.

tests/cases/ls/<code>/<case>/ holds seeds/, export.json (Label Studio's JSON export format)
and expected.json; `valid/ui-export` is a snapshot taken from a real server.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claimstance.corpus.layout import Corpus
from claimstance.labelstudio.client import pull_export
from claimstance.problems import CATALOGUE
from claimstance.validation.run import validate

from .conftest import CASES, REPO

LS_CASES = sorted(p for p in (CASES / "ls").glob("*/*") if p.is_dir())
SALT = b"test-salt"


def _tree(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("case", LS_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ls_case(case: Path, tmp_path: Path) -> None:
    before = _tree(case)
    work = tmp_path / "corpus"
    shutil.copytree(case, work)
    expected = json.loads((case / "expected.json").read_text())
    summary = pull_export(work / "export.json", Corpus.at(work), salt=SALT)
    got = sorted((p.code, p.pointer) for p in summary.report.problems)
    assert got == sorted((e["code"], e["pointer"]) for e in expected["problems"]), summary.text()
    for e in expected["problems"]:
        if "path" in e:
            assert any(p.path == e["path"] for p in summary.report.problems if p.code == e["code"])
    if case.parent.name != "valid":
        assert case.parent.name in {c for c, _ in got}
    for key, value in expected.get("counts", {}).items():
        assert summary.counts[key] == value, key
    written = sorted(p for p in (work / "annotations").rglob("*.json")) \
        if (work / "annotations").is_dir() else []
    if "files" in expected:
        assert len(written) == expected["files"]
    if "edited" in expected:  # a person's edit is never overwritten without --force
        assert (work / expected["edited"]).read_bytes() == (case / expected["edited"]).read_bytes()
    for p in written:  # whatever a pull writes passes the validator
        assert "@" not in p.read_text()
    assert validate(work).valid
    assert _tree(case) == before


def test_every_ls_code_has_a_case() -> None:
    ls_codes = {c for c, v in CATALOGUE.items() if v.stage == "ls"}
    assert ls_codes - {p.parent.name for p in LS_CASES} == set()


def test_repull_of_an_export_is_a_no_op(tmp_path: Path) -> None:
    work = tmp_path / "corpus"
    shutil.copytree(CASES / "ls" / "valid" / "ui-export", work)
    first = pull_export(work / "export.json", Corpus.at(work), salt=SALT)
    snapshot = _tree(work)
    second = pull_export(work / "export.json", Corpus.at(work), salt=SALT)
    assert second.counts["files unchanged"] == first.counts["files written"] == 3
    assert _tree(work) == snapshot


def test_pseudonyms_depend_on_the_salt(tmp_path: Path) -> None:
    names = []
    for salt in (b"one", b"two"):
        work = tmp_path / salt.decode()
        shutil.copytree(CASES / "ls" / "valid" / "ui-export", work)
        pull_export(work / "export.json", Corpus.at(work), salt=salt)
        names.append(sorted(p.name for p in (work / "annotations").rglob("*.json")))
    assert names[0] != names[1] and len(names[0]) == len(names[1]) == 3


def test_cli_from_export(tmp_path: Path) -> None:
    work = tmp_path / "corpus"
    shutil.copytree(CASES / "ls" / "valid" / "ui-export", work)
    env = {"CLAIMSTANCE_PSEUDONYM_SALT": "test-salt", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "PYTHONPATH": str(REPO / "src")}  # this tree's package
    out = subprocess.run([sys.executable, "-m", "claimstance", "ls", "pull", "--from-export",
                          "export.json", "--format", "json"], cwd=work, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stderr  # the half-flag span is an error
    summary = json.loads(out.stdout)
    assert summary["counts"]["files written"] == 3
    assert [p["code"] for p in summary["problems"] if p["level"] == "error"] == [
        "span-splits-character"]
    text = subprocess.run([sys.executable, "-m", "claimstance", "ls", "pull", "--from-export",
                           "export.json"], cwd=work, env=env, capture_output=True, text=True)
    assert "files unchanged: 3" in text.stdout and "Traceback" not in text.stderr
    nosalt = subprocess.run([sys.executable, "-m", "claimstance", "ls", "pull",
                             "--from-export", "export.json"], cwd=work,
                            env=env | {"CLAIMSTANCE_PSEUDONYM_SALT": ""},
                            capture_output=True, text=True)
    assert nosalt.returncode == 1 and "CLAIMSTANCE_PSEUDONYM_SALT" in nosalt.stderr
