"""Validating a contribution: the workflow file, the pre-commit hook and `--changed`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from claimstance.cli import main
from claimstance.validation.gitdiff import changed_paths
from claimstance.validation.run import validate

from .conftest import REPO

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
DOC = "mali-accuses-algeria-downed-drone"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True, env={**os.environ, **GIT_ENV}).stdout


@pytest.fixture
def repo(corpus: Path) -> Path:
    """The corpus as a git repository with one commit on main and a feature branch."""
    git(corpus, "init", "-q", "-b", "main")
    git(corpus, "add", "-A")
    git(corpus, "commit", "-q", "-m", "corpus")
    git(corpus, "checkout", "-q", "-b", "contribution")
    return corpus


def test_workflow_is_schema_valid() -> None:
    """Against the GitHub workflow schema vendored in check-jsonschema: no network."""
    res = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                          "vendor.github-workflows", str(REPO / ".github/workflows/validate.yml")],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    wf = yaml.safe_load((REPO / ".github/workflows/validate.yml").read_text(encoding="utf-8"))
    steps = " ".join(s.get("run", "") for job in wf["jobs"].values() for s in job["steps"])
    assert "claimstance validate" in steps and "--format github" in steps
    assert "claimstance docs --check" in steps  # a new layer changes DATASHEET.md's counts
    assert ".ci/run" in steps


def _add_one_mention(gold: Path) -> None:
    data = json.loads(gold.read_text(encoding="utf-8"))
    data["mentions"][0]["text"] = "Bamako"  # wrong on purpose: the text says BAMAKO
    gold.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def test_changed_checks_only_the_changed_layer(repo: Path) -> None:
    assert validate(repo, []).files == 0
    other = repo / "annotations" / "other-doc"
    shutil.copytree(repo / "annotations" / DOC, other)  # committed, unchanged, and invalid
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "other")
    git(repo, "branch", "-f", "main")
    gold = repo / "annotations" / DOC / "gold.json"
    _add_one_mention(gold)
    res = CliRunner().invoke(main, ["validate", "--root", str(repo), "--changed", "main",
                                    "--format", "json"])
    out = json.loads(res.output)
    assert res.exit_code == 1
    assert out["stats"]["files"] == 1  # the seed is read, other-doc is never looked at
    assert {p["path"] for p in out["problems"]} == {f"annotations/{DOC}/gold.json"}
    assert [p["code"] for p in out["problems"] if p["level"] == "error"] == ["span-text-mismatch"]


def test_changed_seed_rechecks_its_annotations(repo: Path) -> None:
    seed = repo / "seeds" / f"{DOC}.json"
    data = json.loads(seed.read_text(encoding="utf-8"))
    data["title"] = "Another title"
    seed.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", "--root", str(repo), "--changed", "main",
                                    "--format", "json"])
    out = json.loads(res.output)
    assert res.exit_code == 0
    assert (out["stats"]["documents"], out["stats"]["annotations"]) == (1, 1)


def test_a_seed_or_folder_given_plans_its_layers_as_a_full_validation_does(
        corpus: Path, tmp_path: Path) -> None:
    """A seed path (what --changed and pre-commit pass) brings its layers through the same
    listing as a full validation: a layer linked from outside the corpus and a badly named
    file are reported, not read or skipped."""
    folder = corpus / "annotations" / DOC
    outside = tmp_path / "outside.json"
    outside.write_text("{}", encoding="utf-8")
    (folder / "b0b000000000.json").symlink_to(outside)
    (folder / "Bad.json").write_text("{}", encoding="utf-8")

    def found(*paths: Path) -> set[tuple[str, str]]:
        return {(p.code.value, p.path) for p in validate(corpus, list(paths) or None).problems}

    want = {("outside-root", f"annotations/{DOC}/b0b000000000.json"),
            ("invalid-file-name", f"annotations/{DOC}/Bad.json")}
    assert want <= found()
    for given in (corpus / "seeds" / f"{DOC}.json", corpus / "seeds",
                  corpus / "annotations"):
        assert found(given) == found(), given


def test_changed_finds_new_files_of_a_corpus_in_a_subfolder(corpus: Path,
                                                            tmp_path: Path) -> None:
    """git names untracked files relative to where it runs unless asked for full names:
    a corpus below the repository's top must still see a new layer."""
    top = tmp_path / "project"
    shutil.copytree(corpus, top / "data")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "corpus")
    gold = top / "data" / "annotations" / DOC / "gold.json"
    new = gold.with_name("b0b000000000.json")
    shutil.copy(gold, new)
    assert changed_paths(top / "data", "main") == [new]


def test_changed_defaults_to_merge_base_with_main(repo: Path) -> None:
    _add_one_mention(repo / "annotations" / DOC / "gold.json")
    git(repo, "commit", "-q", "-am", "edit")
    res = CliRunner().invoke(main, ["validate", "--root", str(repo), "--changed"])
    assert res.exit_code == 1 and "span-text-mismatch" in res.output


def test_changed_outside_git_is_a_usage_error(corpus: Path) -> None:
    res = CliRunner().invoke(main, ["validate", "--root", str(corpus), "--changed", "main"])
    assert res.exit_code == 2


def test_pre_commit_hook_in_a_temporary_repo(repo: Path, tmp_path: Path) -> None:
    """The hook as .pre-commit-hooks.yaml defines it, run by pre-commit on a real commit."""
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    local = {k: hook[k] for k in ("id", "name", "files", "require_serial")}
    local |= {"entry": f"{sys.executable} -m claimstance validate", "language": "system"}
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}), encoding="utf-8")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pc-home")}

    def commit() -> subprocess.CompletedProcess[str]:
        git(repo, "add", "-A")
        return subprocess.run([sys.executable, "-m", "pre_commit", "run"], cwd=repo, env=env,
                              capture_output=True, text=True, check=False)

    _add_one_mention(repo / "annotations" / DOC / "gold.json")
    bad = commit()
    assert bad.returncode == 1 and "span-text-mismatch" in bad.stdout, bad.stdout + bad.stderr
    git(repo, "checkout", "HEAD", "--", ".")
    (repo / "README.txt").write_text("not a corpus file\n", encoding="utf-8")
    good = commit()
    assert good.returncode == 0, good.stdout + good.stderr


def test_changed_with_nothing_changed_prints_a_whole_report(repo: Path) -> None:
    res = CliRunner().invoke(main, ["validate", "--root", str(repo), "--changed", "main",
                                    "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["valid"] is True and out["problems"] == []
    assert out["stats"] == {"files": 0, "documents": 0, "annotations": 0, "errors": 0,
                            "warnings": 0, "by_code": {}}


def test_the_docs_hook_runs_when_a_contribution_changes_the_datasheet_s_counts(
        repo: Path, tmp_path: Path) -> None:
    """DATASHEET.md counts layers and documents (`claimstance docs` writes them, the test
    suite checks them), but the project's docs hook ran only on schema and catalogue
    changes: a commit adding a layer passed pre-commit and then failed CI's tests. Now the
    hook runs and says what to do."""
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for r in config["repos"] for h in r["hooks"] if h["id"] == "claimstance-docs"]
    hook = hook | {"entry": f"{sys.executable} -m claimstance docs --check"}
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}), encoding="utf-8")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pc-home")}
    assert CliRunner().invoke(main, ["docs", "--root", str(repo)]).exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "generated files")

    def commit() -> subprocess.CompletedProcess[str]:
        git(repo, "add", "-A")
        return subprocess.run([sys.executable, "-m", "pre_commit", "run"], cwd=repo, env=env,
                              capture_output=True, text=True, check=False)

    layer = json.loads((repo / "annotations" / DOC / "gold.json").read_text(encoding="utf-8"))
    layer |= {"annotator": "a0123456789", "status": "submitted"}
    layer["provenance"].pop("sources", None)
    (repo / "annotations" / DOC / "a0123456789.json").write_text(
        json.dumps(layer, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    stale = commit()
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "DATASHEET.md" in stale.stdout and "claimstance docs" in stale.stdout, stale.stdout
    assert CliRunner().invoke(main, ["docs", "--root", str(repo)]).exit_code == 0
    fresh = commit()
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
