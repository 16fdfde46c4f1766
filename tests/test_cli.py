"""The command line: help everywhere, exit codes, formats, no tracebacks for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from claimstance.cli import main

from .conftest import CASES, REPO


def all_commands() -> list[list[str]]:
    out: list[list[str]] = []

    def walk(cmd: click.Command, path: list[str]) -> None:
        out.append(path)
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    walk(main, [])
    return out


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "claimstance")
def test_every_command_has_help_with_an_example(path: list[str]) -> None:
    res = CliRunner().invoke(main, [*path, "--help"])
    assert res.exit_code == 0, res.output
    assert "Example" in res.output, f"`claimstance {' '.join(path)} --help` shows no example"


def test_validate_repo_exits_zero() -> None:
    res = CliRunner().invoke(main, ["validate", "--root", str(REPO)])
    assert res.exit_code == 0, res.output


def test_validate_json_shape_and_exit_one() -> None:
    case = CASES / "invalid/span-text-mismatch/collapsed-space"
    res = CliRunner().invoke(main, ["validate", "--root", str(case), "--format", "json"])
    assert res.exit_code == 1
    out = json.loads(res.output)
    assert out["valid"] is False
    assert out["stats"]["errors"] == 1
    (p,) = out["problems"]
    assert set(p) == {"code", "level", "path", "pointer", "line", "column", "message"}
    assert (p["code"], p["pointer"]) == ("span-text-mismatch", "/mentions/1/text")
    assert p["line"] is not None


def test_text_summary_counts_each_code() -> None:
    """The per-code lines come from the report's counts: a streamed validation keeps no
    problem objects, and the summary must not lose them."""
    case = CASES / "invalid/span-text-mismatch/collapsed-space"
    res = CliRunner().invoke(main, ["validate", "--root", str(case)])
    assert res.exit_code == 1
    tail = res.output.splitlines()[-3:]
    assert tail[0].startswith("checked ") and tail[0].endswith("1 error, 0 warnings")
    assert tail[1].split() == ["1", "span-text-mismatch", "(error)"]
    assert tail[2] == "INVALID"


def test_validate_github_annotations() -> None:
    case = CASES / "invalid/duplicate-key/top-level"
    res = CliRunner().invoke(main, ["validate", "--root", str(case), "--format", "github"])
    assert res.exit_code == 1
    first = res.output.splitlines()[0]
    assert first.startswith("::error file=annotations/tiny-doc/a11ce000000.json,line=9,col=3,"
                            "title=duplicate-key::")


def test_warnings_pass_unless_strict() -> None:
    case = CASES / "invalid/self-stance/claimant-on-own-claim"
    assert CliRunner().invoke(main, ["validate", "--root", str(case)]).exit_code == 0
    assert CliRunner().invoke(main, ["validate", "--root", str(case), "--strict"]).exit_code == 1


def test_not_a_corpus_is_an_error_not_an_empty_success(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["validate", "--root", str(tmp_path), "--format", "json"])
    assert res.exit_code == 1
    assert [p["code"] for p in json.loads(res.output)["problems"]] == ["file-not-found"]
    res = CliRunner().invoke(main, ["build", "--root", str(tmp_path)])
    assert res.exit_code == 1 and not (tmp_path / "dist").exists()
    for args in (["docs"], ["docs", "--check"]):  # neither writes nor says "out of date"
        res = CliRunner().invoke(main, [*args, "--root", str(tmp_path)])
        assert res.exit_code == 1 and "[file-not-found]" in res.output, res.output
    assert list(tmp_path.iterdir()) == []


def test_usage_error_exits_two() -> None:
    assert CliRunner().invoke(main, ["validate", "--format", "xml"]).exit_code == 2
    for args in (["score", "--pred", "p.jsonl", "--bootstrap", "100001"],
                 ["view", "some-doc", "--annotator", "gold", "--compare", "a0", "b0"]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2 and "Error:" in res.output, (args, res.output)


def test_a_refusal_ends_with_its_code_and_file_pointer(tmp_path: Path) -> None:
    """The last line a person reads says what, where (file::/json/pointer) and why."""
    review = tmp_path / "review" / "x.json"
    review.parent.mkdir()
    review.write_text('{"conflicts": [{"id": "c", "resolution": 5}]}')
    for name in ("seeds", "annotations"):
        (tmp_path / name).mkdir()
    from claimstance.cli.output import emit_refusal
    from claimstance.corpus.layout import Corpus
    from claimstance.problems import Refused
    from claimstance.quality.adjudicate import read_resolutions

    with pytest.raises(Refused) as e:
        read_resolutions(Corpus.at(tmp_path), "x", ["a", "b"])

    @click.command()
    def show() -> None:
        emit_refusal(e.value)

    res = CliRunner().invoke(show)
    last = res.output.strip().splitlines()[-1]
    assert last.startswith("error [invalid-value] review/x.json::/conflicts/0/resolution: "), last


def test_list_codes() -> None:
    res = CliRunner().invoke(main, ["validate", "--list-codes", "--format", "json"])
    codes = {c["code"] for c in json.loads(res.output)}
    assert {"span-text-mismatch", "dangling-reference", "duplicate-key"} <= codes


@pytest.mark.parametrize("case", sorted(p for p in (CASES / "invalid").glob("*/*")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_traceback_on_any_bad_input(case: Path) -> None:
    """Through a real process, as a contributor runs it."""
    res = subprocess.run([sys.executable, "-m", "claimstance", "validate", "--root", str(case)],
                         capture_output=True, text=True, check=False)
    assert "Traceback" not in res.stderr + res.stdout
    assert res.returncode in (0, 1)


def test_docs_in_sync() -> None:
    res = CliRunner().invoke(main, ["docs", "--check", "--root", str(REPO)])
    assert res.exit_code == 0, res.output


def test_help_does_not_import_heavy_libraries() -> None:
    code = ("import sys; from claimstance.cli import main\n"
            f"try:\n    main(['validate', '--root', {str(REPO)!r}], standalone_mode=False)\n"
            "except SystemExit: pass\n"
            "bad = [m for m in ('datasets', 'pyarrow', 'label_studio_sdk') if m in sys.modules]\n"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_validating_the_root_as_a_path_checks_everything(corpus: Path) -> None:
    """`claimstance validate .` (as an editor or pre-commit may pass it) is the whole corpus."""
    from claimstance.validation.run import validate

    whole = validate(corpus)
    assert validate(corpus, [corpus]).to_dict() == whole.to_dict()
    assert whole.annotations == 1 and whole.documents == 1
    out = subprocess.run([sys.executable, "-m", "claimstance", "validate", ".", "--format",
                          "json"], cwd=corpus, capture_output=True, text=True)
    assert json.loads(out.stdout)["stats"]["annotations"] == 1


def test_a_fifo_for_a_seed_is_reported_not_waited_on(corpus: Path) -> None:
    """Reading opens files directly (no stat first): a FIFO must not block the reader."""
    seed = next((corpus / "seeds").glob("*.json"))
    layer = corpus / "annotations" / seed.stem / "gold.json"
    seed.unlink()
    os.mkfifo(seed)
    for args in (["validate"], ["validate", str(layer.relative_to(corpus))]):
        out = subprocess.run([sys.executable, "-m", "claimstance", *args, "--format", "json"],
                             cwd=corpus, capture_output=True, text=True, timeout=60)
        assert out.returncode == 1, out.stderr
        codes = {p["code"] for p in json.loads(out.stdout)["problems"]}
        assert "document-not-found" in codes
        assert "Traceback" not in out.stderr
    whole = json.loads(subprocess.run(
        [sys.executable, "-m", "claimstance", "validate", "--format", "json"], cwd=corpus,
        capture_output=True, text=True, timeout=60).stdout)
    assert "not-a-file" in {p["code"] for p in whole["problems"]}


def test_streamed_json_equals_the_whole_report(tmp_path: Path) -> None:
    """`validate --format json` writes problems as documents finish (document by document,
    each sorted), then valid and stats: the same object as the library's report."""
    from claimstance.validation.run import validate

    subprocess.run([sys.executable, str(REPO / "benchmarks" / "synth.py"), "80",
                    str(tmp_path / "c")], check=True)
    res = CliRunner().invoke(main, ["validate", "--root", str(tmp_path / "c"), "--format",
                                    "json"])
    out = json.loads(res.output)
    want = validate(tmp_path / "c").to_dict()
    assert res.exit_code == (0 if want["valid"] else 1)
    assert out["valid"] is want["valid"]
    assert out["stats"] == want["stats"]
    assert sorted(out["problems"], key=json.dumps) == sorted(want["problems"], key=json.dumps)
    docs = [p["path"].split("/")[1].removesuffix(".json") for p in out["problems"]]
    assert docs == sorted(docs), "problems come document by document"


def test_a_missing_extra_is_named_not_a_traceback(tmp_path: Path) -> None:
    """The core installs only what validation needs; a command that needs an extra says
    which (here with pyarrow made unimportable, as in `pip install claimstance`)."""
    code = ("import sys; sys.modules['pyarrow'] = None; sys.modules['yaml'] = None\n"
            "from claimstance.cli import main\n"
            f"main(['build', '--root', {str(REPO)!r}, '--out', {str(tmp_path / 'd')!r}])")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 1
    assert "pip install 'claimstance[dataset]'" in res.stderr
    assert "Traceback" not in res.stderr
