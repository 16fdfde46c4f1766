"""`claimstance fmt`: canonical order, and never a rewrite of a file it cannot read strictly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimstance.cli import main

from .conftest import REPO

GOLD = REPO / "annotations" / "mali-accuses-algeria-downed-drone" / "gold.json"


def test_reorders_and_renumbers(tmp_path: Path) -> None:
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    data["mentions"].reverse()
    layer = tmp_path / "layer.json"
    layer.write_text(json.dumps(data, indent=4), encoding="utf-8")
    res = CliRunner().invoke(main, ["fmt", "--check", str(layer)])
    assert res.exit_code == 1 and "would reformat" in res.output
    res = CliRunner().invoke(main, ["fmt", str(layer)])
    assert res.exit_code == 0, res.output
    assert layer.read_bytes() == GOLD.read_bytes()
    assert CliRunner().invoke(main, ["fmt", "--check", str(layer)]).exit_code == 0


def test_a_duplicated_key_is_refused_and_the_file_left_alone(tmp_path: Path) -> None:
    text = GOLD.read_text(encoding="utf-8").replace('"status": "gold",',
                                                    '"status": "gold",\n  "status": "x",', 1)
    layer = tmp_path / "layer.json"
    layer.write_text(text, encoding="utf-8")
    before = layer.read_bytes()
    res = CliRunner().invoke(main, ["fmt", str(layer), "--format", "json"])
    assert res.exit_code == 1
    out = json.loads(res.output)
    assert out["refused"] == [str(layer)]
    assert [(p["code"], p["pointer"]) for p in out["problems"]] == [("duplicate-key",
                                                                      "/status")]
    assert layer.read_bytes() == before


def test_broken_json_and_wrong_shapes_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"mentions": [', encoding="utf-8")
    shape = tmp_path / "shape.json"
    shape.write_text('{"mentions": 5}\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["fmt", str(broken), str(shape)])
    assert res.exit_code == 1
    assert "invalid-json" in res.output and "missing-field" in res.output
    assert broken.read_text() == '{"mentions": ['
    assert shape.read_text() == '{"mentions": 5}\n'
    assert "Traceback" not in res.output


def test_canonicalize_orders_ids_of_other_tools_too() -> None:
    """Label Studio's random region ids are not numbered: ties sort after numbered ids, by
    their text, and a second pass changes nothing."""
    from claimstance.corpus.annotation import canonicalize, empty_provenance

    layer = {"schema_version": "1.0", "document": {"id": "x-doc", "sha256": "0" * 64},
             "annotator": "a", "status": "submitted", "provenance": empty_provenance(),
             "mentions": [{"id": "DJ9MX70Mvf", "start": 0, "end": 4, "text": "Mali",
                           "type": "GPE"},
                          {"id": "m3", "start": 0, "end": 4, "text": "Mali", "type": "GPE"},
                          {"id": "a1", "start": 0, "end": 4, "text": "Mali", "type": "GPE"}],
             "claims": [], "stances": []}
    once = canonicalize(layer)
    assert [m["id"] for m in once["mentions"]] == ["m1", "m2", "m3"]
    assert canonicalize(once) == once


def test_a_layer_that_would_grow_past_the_size_limit_is_refused(tmp_path: Path) -> None:
    """A compact layer just under validate's 5 MiB limit grows past it when indented: fmt
    must refuse it (fmt-would-be-invalid) and leave it as it was, not write a file that
    validate then refuses (it did: 4.7 MB in, 6.3 MB out, exit 0)."""
    import orjson

    from claimstance.validation.reader import MAX_BYTES
    from claimstance.validation.run import validate

    corpus = tmp_path / "corpus"
    (corpus / "seeds").mkdir(parents=True)
    doc = "mali-accuses-algeria-downed-drone"
    (corpus / "seeds" / f"{doc}.json").write_bytes((REPO / "seeds" / f"{doc}.json")
                                                  .read_bytes())
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    mentions = data["mentions"]
    data["mentions"] = [dict(mentions[i % len(mentions)], id=f"m{i + 1}")
                        for i in range(56_000)]
    data["mentions"].reverse()  # so that fmt has something to reorder
    raw = orjson.dumps(data)
    assert 4_500_000 < len(raw) < MAX_BYTES
    layer = corpus / "annotations" / doc / "gold.json"
    layer.parent.mkdir(parents=True)
    layer.write_bytes(raw)
    assert validate(corpus).errors == 0
    res = CliRunner().invoke(main, ["fmt", str(layer), "--format", "json"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    assert out["refused"] == [str(layer)] and out["changed"] == []
    assert [(p["code"], p["path"]) for p in out["problems"]] == [("fmt-would-be-invalid",
                                                                   str(layer))]
    assert layer.read_bytes() == raw
    assert CliRunner().invoke(main, ["fmt", "--check", str(layer)]).exit_code == 1
    assert validate(corpus).errors == 0


# --- cases: tests/cases/fmt/<code>/<case>/ ------------------------------------------------------

FMT_CASES = sorted(p.parent for p in (REPO / "tests" / "cases" / "fmt").glob("*/*/expected.json"))


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", FMT_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fmt_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`fmt --format json ARGS` (from the case's folder) refuses with exactly the listed
    `(code, path, pointer)` problems, leaves the listed files unchanged and writes nothing."""
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    root = tmp_path / case.name
    shutil.copytree(case, root)
    before = _tree(root)
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["fmt", *expected["args"], "--format", "json"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    assert [{k: p[k] for k in ("code", "path", "pointer")} for p in out["problems"]] == \
        expected["problems"]
    assert out["unchanged"] == expected["unchanged"] and out["changed"] == []
    assert _tree(root) == before


def test_every_fmt_code_has_a_case() -> None:
    from claimstance.problems import CATALOGUE

    with_cases = {p.parent.name for p in FMT_CASES}
    # fmt-would-be-invalid needs a 5 MiB layer: tested on its own, above
    assert {c for c, v in CATALOGUE.items() if v.stage == "fmt"} - with_cases == \
        {"fmt-would-be-invalid"}


def test_a_seed_is_refused_with_one_problem_not_the_schema_of_a_layer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`fmt seeds/x.json` read the seed as a layer and printed 19 schema errors."""
    monkeypatch.chdir(REPO)
    seed = "seeds/mali-accuses-algeria-downed-drone.json"
    before = (REPO / seed).read_bytes()
    res = CliRunner().invoke(main, ["fmt", "--check", seed])
    assert res.exit_code == 1
    assert res.output.count("error [") == 1 and "fmt-not-a-layer" in res.output
    assert "claimstance ingest" in res.output
    assert (REPO / seed).read_bytes() == before


def _corpus_of_layers(tmp_path: Path) -> tuple[Path, list[Path]]:
    """A corpus with four layers: two canonical, one out of order, one broken; and an
    unexpected file among them."""
    from .conftest import copy_corpus

    root = copy_corpus(tmp_path / "c")
    doc = "mali-accuses-algeria-downed-drone"
    folder = root / "annotations" / doc
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    data["mentions"].reverse()
    data["annotator"] = "a0000000001"
    shuffled = folder / "a0000000001.json"
    shuffled.write_text(json.dumps(data, indent=4), encoding="utf-8")
    broken = folder / "a0000000002.json"
    broken.write_text('{"mentions": [', encoding="utf-8")
    (folder / "notes.txt").write_text("a note\n", encoding="utf-8")
    return root, sorted(folder.glob("*.json"))


def test_no_paths_formats_every_layer_of_the_corpus(tmp_path: Path) -> None:
    """Like `ruff format` with no paths: every annotation layer of the corpus at --root,
    with a summary line; --check says the same and writes nothing."""
    root, layers = _corpus_of_layers(tmp_path)
    doc = "annotations/mali-accuses-algeria-downed-drone"
    before = _tree(root)
    res = CliRunner().invoke(main, ["fmt", "--check", "--root", str(root)])
    assert res.exit_code == 1
    assert f"would reformat {doc}/a0000000001.json" in res.output
    n = len(layers)
    assert res.output.splitlines()[-1] == \
        f"1 file(s) would be reformatted, {n - 2} unchanged, 2 refused"
    assert _tree(root) == before
    res = CliRunner().invoke(main, ["fmt", "--root", str(root), "--format", "json"])
    assert res.exit_code == 1  # the broken layer and the stray file are refused
    out = json.loads(res.output)
    assert out["changed"] == [f"{doc}/a0000000001.json"]
    assert out["refused"] == [f"{doc}/a0000000002.json", f"{doc}/notes.txt"]
    assert len(out["unchanged"]) == n - 2 and f"{doc}/gold.json" in out["unchanged"]
    assert {p["code"] for p in out["problems"]} == {"invalid-json", "unexpected-file"}
    assert (root / doc / "a0000000002.json").read_text() == '{"mentions": ['
    assert json.loads((root / doc / "a0000000001.json").read_text())["mentions"] == \
        json.loads(GOLD.read_text())["mentions"]
    (root / doc / "a0000000002.json").unlink()
    (root / doc / "notes.txt").unlink()
    res = CliRunner().invoke(main, ["fmt", "--check", "--root", str(root)])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[-1] == f"0 file(s) would be reformatted, {n - 1} unchanged, " \
        "0 refused"


def test_no_paths_works_on_the_corpus_here_and_refuses_a_folder_that_is_none(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = _corpus_of_layers(tmp_path)
    monkeypatch.chdir(root / "annotations")
    res = CliRunner().invoke(main, ["fmt", "--check"])
    assert res.exit_code == 1 and "[file-not-found] seeds" in res.output
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["fmt", "--check"])
    assert "1 file(s) would be reformatted" in res.output
    res = CliRunner().invoke(main, ["fmt", "--root", str(root), str(GOLD)])
    assert res.exit_code == 2  # paths, or --root: not both


def test_a_progress_bar_over_the_corpus_when_asked(tmp_path: Path) -> None:
    """The command asks for it on a terminal (stderr a tty); it goes to stderr, never into
    output a program reads."""
    import subprocess
    import sys

    root, _ = _corpus_of_layers(tmp_path)
    script = ("import sys; from claimstance.validation.fmt import format_corpus; "
              f"r = format_corpus({str(root)!r}, check=True, progress=True); "
              "print(len(r.changed))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.stdout.strip() == "1" and "formatting" in proc.stderr
