"""brat's own verifier and checker, unchanged (tests/brat_tools.py), on the brat export of
every layer of the corpus and of the fixtures, each in a collection of its own with the
generated annotation.conf.

- `server/src/verify_annotations.py`: brat's reader parses every line (a text-bound's text
  must be the document's text at its offsets, fragments joined by a space) and the verifier
  checks every annotation against annotation.conf; it prints one line per issue.
- `tools/checkann.py`: each text-bound's text against the .txt. Its pattern predates
  discontinuous spans (`T1 fact 0 5;6 9`), on which it stops with a FormatError, so it runs
  on the exports without fragments.
A shifted span makes both fail: the checks can fail.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from claimstance.interchange.brat import configs, to_brat

from .brat_tools import ensure_brat, old_python, write_config
from .conftest import missing
from .interchange_cases import CASES


def _collection(folder: Path, seed: dict[str, str], ann: str) -> Path:
    folder.mkdir(parents=True)
    (folder / f"{seed['id']}.txt").write_bytes(seed["text"].encode("utf-8"))
    (folder / f"{seed['id']}.ann").write_bytes(ann.encode("utf-8"))
    for name, text in configs().items():
        (folder / name).write_bytes(text.encode("utf-8"))
    return folder / f"{seed['id']}.ann"


class Brat:
    def __init__(self, root: Path) -> None:
        try:
            self.brat = ensure_brat()
        except (OSError, subprocess.CalledProcessError, RuntimeError) as e:
            missing("brat's tools", f"python -m tests.brat_tools ({e})")
        python = old_python()
        if python is None:
            missing("a Python 3.8-3.10 for brat's tools", "pyenv install 3.10")
        self.python: str = python
        self.data = root / "data"
        self.config = write_config(root / "config", self.data, self.brat)

    def verify(self, anns: list[Path]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.python, "verify_annotations.py", *map(str, anns)],
                              cwd=self.brat / "server" / "src", capture_output=True,
                              text=True, env={"PYTHONPATH": str(self.config)}, timeout=300,
                              check=False)

    def checkann(self, anns: list[Path]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.python, str(self.brat / "tools" / "checkann.py"),
                               *map(str, anns)], capture_output=True, text=True, timeout=300,
                              check=False)


@pytest.fixture(scope="session")
def brat(tmp_path_factory: pytest.TempPathFactory) -> Brat:
    return Brat(tmp_path_factory.mktemp("brat"))


@pytest.fixture(scope="session")
def exported(brat: Brat) -> dict[str, Path]:
    """Every case's .ann, in a collection of its own under brat's data folder."""
    return {name: _collection(brat.data / f"case-{k}", CASES[name][0],
                              to_brat(*CASES[name])[1])
            for k, name in enumerate(sorted(CASES))}


def test_brats_verifier_passes_every_export(brat: Brat, exported: dict[str, Path]) -> None:
    res = brat.verify(list(exported.values()))
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout == "" and res.stderr == "", res.stdout + res.stderr
    assert len(exported) == len(CASES) > 20


def test_brats_checkann_passes_every_export_without_fragments(
        brat: Brat, exported: dict[str, Path]) -> None:
    plain = [p for p in exported.values()
             if not any(";" in line.split("\t")[1] for line in p.read_text("utf-8").splitlines()
                        if line.startswith("T"))]
    assert 0 < len(plain) < len(exported)  # some exports hold spans across line breaks
    res = brat.checkann(plain)
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")


def test_brats_tools_fail_on_a_shifted_span(brat: Brat) -> None:
    seed, layer = CASES["hand-built/A"]
    ann = to_brat(seed, layer)[1].replace("\tGPE 0 4\tMali", "\tGPE 1 5\tMali")
    bad = _collection(brat.data / "shifted", seed, ann)
    verified, checked = brat.verify([bad]), brat.checkann([bad])
    # brat's reader leaves the line unparsed; the verifier then stops on it
    assert verified.returncode == 1 and "UnparsedIdedAnnotation" in verified.stderr
    assert checked.returncode != 0 and "Mismatch in" in checked.stdout


def test_brats_verifier_checks_relations_against_the_generated_conf(brat: Brat) -> None:
    seed, layer = CASES["hand-built/A"]
    ann = to_brat(seed, layer)[1]
    line = next(x for x in ann.splitlines() if x.startswith("R1\t"))
    _, rest = line.split("\t", 1)
    kind, a1, a2 = rest.split(" ")
    drawn_back = f"R1\t{kind} Arg1:{a2.split(':')[1]} Arg2:{a1.split(':')[1]}"
    bad = _collection(brat.data / "drawn-back", seed, ann.replace(line, drawn_back))
    verified = brat.verify([bad])
    assert verified.returncode == 0
    assert f"R1: AnnotationError\tError: {kind} relation Arg1:" in verified.stdout
