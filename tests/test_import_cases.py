"""Importing other tools' files: one case folder per problem code.

tests/cases/import/<code>/<case>/ holds seeds/ (and annotations/ when a layer exists
already), the input (a brat folder, or a doccano .jsonl) and expected.json:
`format`, `input`, `annotator`, `problems` [(code, path, pointer, line)], and either
`refused` (nothing may be written) or `written` (the layers written, which must validate);
`force`, `skipped` (inputs without annotations) and `edited` (a file that must be kept as it
was) where they apply.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from claimstance.interchange.importer import import_layers
from claimstance.problems import CATALOGUE, Problem, Refused
from claimstance.validation.run import validate

from .conftest import CASES

IMPORT_CASES = sorted(p for p in (CASES / "import").glob("*/*") if p.is_dir())


def _tree(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def _located(problems: list[Problem]) -> list[tuple[str, str, str, int | None]]:
    return sorted((p.code.value, p.path, p.pointer, p.line) for p in problems)


@pytest.mark.parametrize("case", IMPORT_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_import_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _tree(case)
    work = tmp_path / "corpus"
    shutil.copytree(case, work)
    monkeypatch.chdir(work)  # problems name input files as the user gave them
    expected = json.loads((case / "expected.json").read_text())
    want = sorted((e["code"], e["path"], e["pointer"], e["line"]) for e in expected["problems"])
    annotations = work / "annotations"
    corpus_before = _tree(annotations) if annotations.exists() else None

    def run() -> list[Problem]:
        result = import_layers(expected["format"], expected["input"], expected["annotator"],
                               root=work, force=expected.get("force", False))
        assert sorted(d.layer_path for d in result.documents) == expected["written"]
        assert result.skipped == expected.get("skipped", [])
        return result.report.problems

    if expected.get("refused"):
        with pytest.raises(Refused) as e:
            run()
        assert _located(e.value.problems) == want
        assert (_tree(annotations) if annotations.exists() else None) == corpus_before
    else:
        assert _located(run()) == want
        for rel in expected["written"]:
            assert (work / rel).is_file()
        report = validate(work)
        assert report.errors == 0, report.to_dict()
    if "edited" in expected:  # a person's file is never replaced without --force
        assert (work / expected["edited"]).read_bytes() == (case / expected["edited"]).read_bytes()
    if case.parent.name != "valid":
        assert case.parent.name in {c for c, *_ in want}
    assert _tree(case) == before


def test_every_import_code_has_a_case() -> None:
    codes = {c for c, v in CATALOGUE.items() if v.stage == "import"}
    assert codes - {p.parent.name for p in IMPORT_CASES} == set()
    assert {p.parent.name for p in IMPORT_CASES} - codes == {"valid", "would-overwrite"}
