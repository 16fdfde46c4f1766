"""The third attack round (issue #27, item 7), each attack reproduced against the real tools.

Like tests/test_security.py: the command the attacker ran, on a temporary copy of the corpus
(a git repository where the attack was destructive); a coded problem, no traceback, and no
change outside the intended output. docs/security.md names the promise each one holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claimstance.dataset.build import build
from claimstance.dataset.manifest import is_build

from .conftest import CASES, REPO
from .test_security import DOC, cli, refused, run, script, snapshot, tree_hashes
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


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
@pytest.mark.parametrize("inside", ["other/.git/objects", "other/.git", "bare.git",
                                    "bare.git/refs", "plain/annotations", "plain/seeds/x"])
def test_force_never_replaces_a_repository_s_own_folder(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str,
        inside: str) -> None:
    """H2 from the other side: OUT inside another repository's .git (or a bare repository,
    or in it), or another corpus's annotations/ (not in git), was replaced with --force;
    `build --out other/.git/objects --force` left the other repository without its
    objects."""
    build(repo, repo / "dist")
    other, bare = tmp_path / "other", tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    (other / "work.txt").write_text("years of work")
    for rel in ("seeds/x/notes.txt", "annotations/doc/a0123456789.json"):
        (tmp_path / "plain" / rel).parent.mkdir(parents=True)
        (tmp_path / "plain" / rel).write_text("years of work")
    subprocess.run(["git", "-C", str(other), "add", "-A"], check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C",
                    str(other), "commit", "-qm", "work"], check=True)
    before = snapshot(tmp_path)
    monkeypatch.chdir(repo)
    refused(cli(*_output(command, tmp_path / inside)), "output-in-corpus")
    assert snapshot(tmp_path) == before


def test_a_corpus_kept_under_a_folder_named_annotations_still_has_outputs(
        corpus: Path, tmp_path: Path) -> None:
    """The folders that hold the corpus root are no other corpus's: a corpus kept in
    work/annotations/ beside a work/seeds/ builds into its dist/ as before."""
    work = tmp_path / "work"
    (work / "seeds").mkdir(parents=True)
    shutil.move(corpus, work / "annotations")
    root = work / "annotations"
    res = cli("build", "--root", root, "--out", root / "dist")
    assert res.exit_code == 0, res.output


TRACKED = [("export", "tests"), ("build", "tests"), ("site", "docs"), ("publish", "benchmarks"),
           ("build", "notes"), ("export", "notes/new"), ("site", "tests/site"),
           ("build", "src/claimstance"), ("build", ":drafts"), ("site", ":drafts/new")]


@pytest.fixture
def project(repo: Path) -> Path:
    """The corpus as the project's repository: its own folders, and folders that are no
    project folder but that git tracks: `notes/`, and `:drafts/` (a name git reads as a
    pathspec's magic unless told to read it literally)."""
    for rel in ("tests/test_x.py", "docs/index.md", "benchmarks/b.py", "src/claimstance/x.py",
                "notes/todo.md", ":drafts/todo.md"):
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


@pytest.mark.parametrize(("command", "out"), [c for c in TRACKED
                                             if not c[1].startswith(("notes", ":drafts"))])
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


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
def test_the_record_of_pulls_is_never_an_output(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                command: str) -> None:
    """.claimstance/ (ls pull's record of what it wrote, an input of the next pull) was
    replaced by `build --out .claimstance --force` before it was committed."""
    build(repo, repo / "dist")
    record = repo / ".claimstance" / "ls-pulls.jsonl"
    record.parent.mkdir()
    record.write_text('{"layer": "annotations/x/a0123456789.json"}\n')
    before = snapshot(repo.parent)
    monkeypatch.chdir(repo)
    for out in (".claimstance", ".claimstance/out"):
        refused(cli(*_output(command, out)), "output-in-corpus")
    assert snapshot(repo.parent) == before


# --- H1, M1: a built folder is read with the corpus's rules ------------------------------------

def _rewrite_documents(dist: Path, change: Callable[[list[dict[str, Any]]], None], *,
                       metadata: dict[bytes, bytes] | None = None,
                       raw: bytes | None = None) -> None:
    """Change the rows (or the metadata, or the bytes) of the documents Parquet file, and
    make the manifest's hash agree, as an attacker who knows the format would."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = next((dist / "data" / "documents").glob("*.parquet"))
    table = pq.read_table(path)
    rows = table.to_pylist()
    change(rows)
    schema = table.schema if metadata is None else table.schema.with_metadata(metadata)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    if raw is not None:
        path.write_bytes(raw)
    manifest = json.loads((dist / "manifest.json").read_text())
    manifest["outputs"][path.relative_to(dist).as_posix()] = hashlib.sha256(
        path.read_bytes()).hexdigest()
    (dist / "manifest.json").write_text(json.dumps(manifest, indent=2))


def _set(key: str, index: int, field: str, value: Any) -> Callable[[list[dict[str, Any]]], None]:
    def change(rows: list[dict[str, Any]]) -> None:
        rows[0][key][index][field] = value
    return change


def _nothing(rows: list[dict[str, Any]]) -> None:
    pass


DAMAGED: dict[str, tuple[Callable[[list[dict[str, Any]]], None], dict[str, Any], str]] = {
    "id-traversal": (lambda rows: rows[0].update(id="../victim"), {}, "invalid-value"),
    "id-absolute": (lambda rows: rows[0].update(id="/tmp/victim"), {}, "invalid-value"),
    "no-hf-metadata": (_nothing, {"metadata": {b"other": b"{}"}}, "export-bad-dist"),
    "metadata-not-json": (_nothing, {"metadata": {b"huggingface": b"{not json"}},
                          "export-bad-dist"),
    "metadata-without-names": (_nothing, {"metadata": {b"huggingface": b'{"info": 5}'}},
                               "export-bad-dist"),
    "not-parquet": (_nothing, {"raw": b"PAR1 this is not a Parquet file PAR1"},
                    "export-bad-dist"),
    "class-index-99": (_set("mentions", 0, "type", 99), {}, "unknown-label"),
    "class-index-minus-1": (_set("mentions", 0, "type", -1), {}, "unknown-label"),
    "stance-index-99": (_set("stances", 0, "label", 99), {}, "unknown-label"),
    "null-start": (_set("mentions", 0, "start", None), {}, "wrong-type"),
    "end-999999": (_set("mentions", 0, "end", 999999), {}, "offset-out-of-range"),
    "reversed-span": (_set("claims", 0, "start", 200), {}, "reversed-span"),
    "dangling-holder": (_set("stances", 0, "holder", "m999"), {}, "dangling-reference"),
    "duplicate-item-id": (_set("mentions", 1, "id", "m1"), {}, "duplicate-id"),
    "duplicate-document": (lambda rows: rows.append(dict(rows[0])), {}, "export-bad-dist"),
    "bad-annotation-source": (lambda rows: rows[0].update(annotation_source="mine"), {},
                              "export-bad-dist"),
    "text-edited": (lambda rows: rows[0].update(text=rows[0]["text"] + "!"), {},
                    "text-hash-mismatch"),
}


@pytest.fixture
def dist(corpus: Path, tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    build(corpus, out)
    return out


def _check_damaged(res: Any, code: str) -> None:
    refused(res, code)
    assert "Traceback" not in res.output


@pytest.mark.parametrize("attack", DAMAGED)
def test_a_damaged_or_foreign_built_folder_is_refused_row_by_row(
        corpus: Path, dist: Path, tmp_path: Path, attack: str) -> None:
    """H1 and M1: hashes that agree with a manifest say nothing about who wrote the folder;
    every row is checked by the corpus's rules before `export --dist` or `score --gold dist`
    use it (a doc id '../victim' would name a file outside OUT)."""
    change, how, code = DAMAGED[attack]
    _rewrite_documents(dist, change, **how)
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"doc_id": DOC, "mentions": [], "claims": [], "stances": []})
                    + "\n")
    before = snapshot(tmp_path)
    for fmt in ("brat", "doccano", "conll"):
        _check_damaged(cli("export", "--root", corpus, "--format", fmt, "--dist", dist,
                           tmp_path / f"out-{fmt}"), code)
    _check_damaged(cli("score", "--root", corpus, "--pred", pred, "--gold", "dist", "--dist",
                       dist), code)
    assert snapshot(tmp_path) == before


def test_an_intact_build_exports_what_the_corpus_exports(corpus: Path, dist: Path,
                                                         tmp_path: Path) -> None:
    """The checks refuse nothing a build wrote: the folder and the corpus give the same
    files (but the marker's `from`)."""
    for origin in ("corpus", "dist"):
        extra = ["--dist", dist] if origin == "dist" else []
        res = cli("export", "--root", corpus, "--format", "brat", *extra,
                  tmp_path / f"from-{origin}")
        assert res.exit_code == 0, res.output
    files = sorted(p.name for p in (tmp_path / "from-corpus").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "from-dist").iterdir())
    for name in files:
        if name != ".claimstance-export.json":
            assert (tmp_path / "from-corpus" / name).read_bytes() == \
                (tmp_path / "from-dist" / name).read_bytes(), name


@pytest.mark.parametrize(("where", "code"), [("out", "output-not-ours"),
                                             ("out/below", "output-not-ours"),
                                             ("dist", "export-bad-dist")])
def test_a_link_that_leads_nowhere_is_a_coded_refusal(corpus: Path, dist: Path, tmp_path: Path,
                                                      where: str, code: str) -> None:
    """OUT or --dist as a symlink to itself: export gave a RuntimeError traceback."""
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    out = loop / "below" if where == "out/below" else loop if where == "out" else tmp_path / "o"
    extra = ["--dist", loop] if where == "dist" else []
    before = snapshot(tmp_path)
    _check_damaged(cli("export", "--root", corpus, "--format", "brat", *extra, out), code)
    assert snapshot(tmp_path) == before


# --- H3, M2, M7, M8, kill -9, lost provenance: import -----------------------------------------

PSEUDONYM = "a0b0b000000"


@pytest.fixture
def three(tmp_path: Path) -> tuple[Path, Path]:
    """A corpus of three documents with gold, and its gold exported as a brat collection."""
    root = tmp_path / "corpus"
    shutil.copytree(CASES / "eval" / "corpus", root)
    res = cli("export", "--root", root, "--format", "brat", tmp_path / "brat")
    assert res.exit_code == 0, res.output
    (tmp_path / "brat" / ".claimstance-export.json").unlink()
    return root, tmp_path / "brat"


def _import(root: Path, source: Path, *args: str) -> Any:
    return cli("import", "--root", root, "--format", "brat", source, "--annotator", PSEUDONYM,
               *args)


@pytest.mark.parametrize("link", ["annotations/fx-mali-drone", "annotations"])
def test_import_never_writes_through_a_link_out_of_the_corpus(
        three: tuple[Path, Path], tmp_path: Path, link: str) -> None:
    """H3: the layer path is checked (`Corpus.inside`, as `ls pull` does) before anything
    is written, not found outside by the validation afterwards."""
    root, brat = three
    outside = tmp_path / "outside"
    shutil.move(root / link, outside)
    (root / link).symlink_to(outside, target_is_directory=True)
    before = snapshot(tmp_path)
    res = _import(root, brat)
    refused(res, "outside-root")
    assert snapshot(tmp_path) == before


def test_import_never_writes_through_a_link_that_leads_nowhere(three: tuple[Path, Path],
                                                               tmp_path: Path) -> None:
    """A document folder linked to itself (a loop): `Corpus.inside` raised RuntimeError, a
    traceback; it leads out of nothing, so it is refused like a link out of the corpus."""
    root, brat = three
    folder = root / "annotations" / "fx-mali-drone"
    shutil.rmtree(folder)
    folder.symlink_to(folder)
    before = snapshot(tmp_path)
    refused(_import(root, brat), "outside-root")
    assert snapshot(tmp_path) == before


def test_import_of_a_fifo_is_refused_without_waiting(three: tuple[Path, Path]) -> None:
    """M2: a .txt that is a FIFO nobody writes is refused at once, not waited on."""
    root, brat = three
    (brat / "fx-mali-drone.txt").unlink()
    os.mkfifo(brat / "fx-mali-drone.txt")
    res = run("import", "--root", root, "--format", "brat", brat, "--annotator", PSEUDONYM,
              timeout=60)
    assert res.returncode == 1, res.stderr
    assert "import-unreadable" in res.stderr and "Traceback" not in res.stderr
    assert not list(root.glob(f"annotations/*/{PSEUDONYM}.json"))


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_import_never_follows_a_link_in_the_collection(three: tuple[Path, Path],
                                                       tmp_path: Path, fmt: str) -> None:
    """M7: a .ann in the collection that links to a secret (the pseudonym salt) is refused,
    and none of the secret's lines reach the problems or the summary."""
    root, brat = three
    secret = tmp_path / "salt"
    secret.write_text("T-SECRET-SALT-0123456789\nanother secret line\n")
    (brat / "fx-mali-drone.ann").unlink()
    (brat / "fx-mali-drone.ann").symlink_to(secret)
    res = _import(root, brat, "--summary", fmt)
    refused(res, "import-unreadable")
    assert "SECRET" not in res.output and "symbolic link" in res.output
    assert not list(root.glob(f"annotations/*/{PSEUDONYM}.json"))


def test_import_never_writes_a_layer_over_the_size_limit(three: tuple[Path, Path]) -> None:
    """M8: every corpus file is at most 5 MiB (validate's limit); an import that would write
    more is refused whole, and an input over the limit is not read."""
    root, brat = three
    ann = brat / "fx-mali-drone.ann"
    first = ann.read_text(encoding="utf-8").splitlines()[0].split("\t")
    ann.write_text("".join(f"T{i}\t{first[1]}\t{first[2]}\n" for i in range(1, 60_001)),
                   encoding="utf-8")
    before = snapshot(root)
    refused(_import(root, brat), "file-too-large")
    assert snapshot(root) == before
    ann.write_bytes(ann.read_bytes() * 5)  # over 5 MiB itself
    refused(_import(root, brat), "import-unreadable")
    assert snapshot(root) == before


KILL_IMPORT = """
import os, signal, sys
from claimstance.corpus import writing
from claimstance.interchange.importer import import_layers

root, brat, where = sys.argv[1:4]
real = getattr(os, where)
calls = []


def die(*args):
    calls.append(1)
    if len(calls) == 2:  # the second file: one is done, the others are not
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args)


setattr(writing.os, where, die)
import_layers("brat", brat, "a0b0b000000", root=root)
"""


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_killed_import_is_all_or_nothing(three: tuple[Path, Path], tmp_path: Path,
                                           where: str) -> None:
    """kill -9 while writing the layers (`fsync`) or while putting them in place
    (`replace`): the import then changed nothing, or the next run (of any import) finishes
    it; no temporary file is left behind."""
    root, brat = three
    before = tree_hashes(root)
    res = script(KILL_IMPORT, root, brat, where)
    assert res.returncode == -signal.SIGKILL, res.stderr
    layers = sorted(root.glob(f"annotations/*/{PSEUDONYM}.json"))
    if where == "fsync":  # killed before the set was complete: no layer changed
        assert {k: v for k, v in tree_hashes(root).items() if ".claimstance-" not in k} \
            == before and not layers
    other = tmp_path / "other"  # the next run imports something else
    shutil.copytree(brat, other)
    for p in other.glob("*.ann"):
        if p.stem != "fx-mali-drone":
            p.unlink()
    res2 = cli("import", "--root", root, "--format", "brat", other, "--annotator",
               "a0c0c000000")
    assert res2.exit_code == 0, res2.output
    layers = sorted(root.glob(f"annotations/*/{PSEUDONYM}.json"))
    assert len(layers) == (0 if where == "fsync" else 3)
    assert not [p for p in root.rglob("*") if ".claimstance-" in p.name]
    assert not [p for p in root.parent.iterdir() if ".claimstance-" in p.name]
    assert cli("validate", "--root", root).exit_code == 0


def test_import_as_gold_keeps_gold_s_history(corpus: Path, tmp_path: Path) -> None:
    """`import --annotator gold --force` changes gold's items, not when it was made or from
    whose layers (created_at, updated_at, sources)."""
    gold = corpus / "annotations" / DOC / "gold.json"
    data = json.loads(gold.read_text(encoding="utf-8"))
    data["provenance"].update(created_at="2026-01-02", updated_at="2026-03-04",
                              sources=["a0b0b000000", "a0c0c000000"])
    gold.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert cli("export", "--root", corpus, "--format", "brat", tmp_path / "b").exit_code == 0
    ann = tmp_path / "b" / f"{DOC}.ann"
    ann.write_text("".join(line + "\n" for line in ann.read_text().splitlines()
                           if not line.startswith("N")), encoding="utf-8")  # QIDs dropped
    res = cli("import", "--root", corpus, "--format", "brat", tmp_path / "b", "--annotator",
              "gold", "--force")
    assert res.exit_code == 0, res.output
    new = json.loads(gold.read_text(encoding="utf-8"))
    assert new["mentions"] != data["mentions"]
    assert {k: new["provenance"][k] for k in ("created_at", "updated_at", "sources")} == {
        "created_at": "2026-01-02", "updated_at": "2026-03-04",
        "sources": ["a0b0b000000", "a0c0c000000"]}


def test_an_nfd_text_is_refused_with_a_hint(tmp_path: Path) -> None:
    """An NFD brat .txt: the refusal says the text is decomposed and the corpus uses NFC."""
    case = CASES / "import" / "import-text-mismatch" / "nfd-text"
    root = tmp_path / "c"
    shutil.copytree(case, root)
    res = cli("import", "--root", root, "--format", "brat", root / "brat", "--annotator",
              PSEUDONYM)
    refused(res, "import-text-mismatch")
    assert "NFC" in res.output


# --- M3, M13 and the messages of score: the predictions file ---------------------------------

def _pred_line(doc: str = DOC) -> str:
    return json.dumps({"doc_id": doc, "mentions": [], "claims": [], "stances": []})


@pytest.mark.parametrize("command", ["score", "agree"])
def test_a_fifo_as_predictions_is_refused_without_waiting(corpus: Path, tmp_path: Path,
                                                          command: str) -> None:
    """M3 (`agree --against predictions`) and `score --pred`: a FIFO nobody writes is
    refused at once as not a regular file, not waited on nor called missing."""
    fifo = tmp_path / "pred.jsonl"
    os.mkfifo(fifo)
    args = (["score", "--pred", fifo] if command == "score"
            else ["agree", "--against", "predictions", "--predictions", fifo])
    res = run(*args, "--root", corpus, timeout=60)
    assert res.returncode == 1, res.stderr
    assert "not-a-file" in res.stderr and "no predictions file" not in res.stderr


def test_standard_input_is_named_as_such(corpus: Path) -> None:
    res = cli("score", "--root", corpus, "--pred", "-")
    refused(res, "file-not-found")
    assert "standard input" in res.output


def test_a_long_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    """M13: a line is read up to the size limit, never whole: a file of spaces without a
    newline is a coded problem (it was read into memory, then scored as empty), and the
    message names no option `score` does not have."""
    import tracemalloc

    from claimstance.validation.predictions import _lines, open_predictions
    from claimstance.validation.reader import MAX_BYTES

    big = tmp_path / "big.jsonl"
    with big.open("wb") as fh:
        for _ in range(40):
            fh.write(b" " * (1 << 20))
    tracemalloc.start()
    lines = list(_lines(open_predictions(big, "big.jsonl")))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert lines == [(1, 40 << 20)]
    assert peak < 3 * MAX_BYTES


@pytest.mark.parametrize("content", [b" " * (6 << 20), b"x" * (6 << 20) + b"\n",
                                     b"{}" + b" " * (6 << 20)], ids=["spaces", "x", "object"])
def test_score_refuses_a_line_over_the_limit(corpus: Path, tmp_path: Path,
                                             content: bytes) -> None:
    pred = tmp_path / "pred.jsonl"
    pred.write_bytes(_pred_line().encode() + b"\n" + content)
    res = cli("score", "--root", corpus, "--pred", pred)
    refused(res, "file-too-large")
    assert "--max-bytes" not in res.output and "line 2" in res.output


def test_cr_line_ends_in_predictions_get_a_hint(corpus: Path, tmp_path: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    pred.write_bytes((_pred_line() + "\r" + _pred_line() + "\r").encode())
    res = cli("score", "--root", corpus, "--pred", pred)
    refused(res, "invalid-json")
    assert "CR line ends" in res.output


# --- M14, M15: names that are not pseudonyms ----------------------------------------------------

def test_a_real_name_in_gold_sources_is_warned_about_and_never_built(corpus: Path) -> None:
    """M14: gold's provenance.sources reach the data's `annotators` column: a name there
    is a warning for contributors and stops the build, like a layer named by it."""
    gold = corpus / "annotations" / DOC / "gold.json"
    data = json.loads(gold.read_text(encoding="utf-8"))
    data["provenance"]["sources"] = ["alice-smith"]
    gold.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    res = cli("validate", "--root", corpus, "--format", "json")
    found = [(p["code"], p["pointer"]) for p in json.loads(res.output)["problems"]]
    assert ("annotator-not-pseudonym", "/provenance/sources/0") in found
    refused(cli("build", "--root", corpus), "build-personal-data")
    assert not (corpus / "dist").exists()


def test_publish_says_where_a_name_in_the_data_comes_from(corpus: Path, tmp_path: Path) -> None:
    """M14: publish's advice named a layer file that does not exist (the name came from
    gold's sources)."""
    build(corpus, corpus / "dist")
    _rewrite_documents(corpus / "dist", lambda rows: rows[0].update(annotators=["alice-smith"]))
    res = cli("publish", "--root", corpus, "--to", tmp_path / "out", "--private",
              "--allow-unlicensed")
    refused(res, "publish-personal-data")
    assert "provenance.sources" in res.output and "rename the layer file" not in res.output


def test_export_never_writes_a_name_that_is_not_a_pseudonym(corpus: Path, tmp_path: Path
                                                             ) -> None:
    """M15: `export --source alice-smith` wrote the name into doccano's `annotator`, the
    CoNLL comment and the export marker; like build, export takes pseudonyms (and gold)."""
    layer = corpus / "annotations" / DOC / "alice-smith.json"
    data = json.loads((corpus / "annotations" / DOC / "gold.json").read_text("utf-8"))
    data.update(annotator="alice-smith", status="submitted")
    layer.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    before = snapshot(tmp_path)
    for fmt in ("doccano", "conll", "brat"):
        refused(cli("export", "--root", corpus, "--format", fmt, "--source", "alice-smith",
                    tmp_path / f"out-{fmt}"), "export-personal-data")
    assert snapshot(tmp_path) == before


# --- silent acceptance --------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["agree"], ["agree", "--against", "gold"], ["adjudicate"]])
def test_a_document_named_by_a_path_is_refused(corpus: Path, command: list[str]) -> None:
    """`agree ../seeds/D` was accepted (it named an existing file), while `view` refused it:
    every command that takes document ids takes ids, never paths."""
    before = snapshot(corpus)
    res = cli(*command, f"../seeds/{DOC}", "--root", corpus)
    refused(res, "invalid-file-name")
    assert snapshot(corpus) == before


def test_export_refuses_a_seed_that_does_not_validate(corpus: Path, tmp_path: Path) -> None:
    """Export checks the seeds it exports, as score, stats and agree do (it checked the
    layers only)."""
    seed = corpus / "seeds" / f"{DOC}.json"
    data = json.loads(seed.read_text(encoding="utf-8"))
    data["title"] = 5
    seed.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    refused(cli("agree", "--root", corpus, "--against", "gold"), "wrong-type")
    refused(cli("export", "--root", corpus, "--format", "brat", tmp_path / "out"), "wrong-type")
    assert not (tmp_path / "out").exists()


# --- races: two corpora, one output ---------------------------------------------------------

PAUSED_BUILD = """
import sys, time
from pathlib import Path
from claimstance.corpus import writing
from claimstance.dataset.build import build
from claimstance.dataset.manifest import is_build

root, out, go = sys.argv[1:4]
real = writing.swap_in


def paused(staging, target):
    print("staged", flush=True)
    while not Path(go).exists():
        time.sleep(0.02)
    real(staging, target)


writing.swap_in = paused
build(root, out)
"""


@pytest.mark.parametrize("second", ["build", "export", "site", "publish"])
def test_two_corpora_never_both_replace_one_output(corpus: Path, tmp_path: Path,
                                                   second: str) -> None:
    """Each command held only its own corpus's lock: two corpora written into one folder at
    once both reported success, and the first one's output was silently replaced. The
    folder an output is in is locked too: the second is refused and changes nothing."""
    other = tmp_path / "other"
    shutil.copytree(corpus, other)
    build(other, other / "dist")
    shared, go = tmp_path / "shared", tmp_path / "go"
    first = subprocess.Popen([sys.executable, "-c", PAUSED_BUILD, str(corpus), str(shared),
                              str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        assert first.stdout is not None and first.stdout.readline() == "staged\n"
        res = cli(*_output(second, shared)[:-1], "--root", other)
        refused(res, "corpus-locked")
    finally:
        go.touch()
        _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert is_build(shared)


# --- #27 item 6: the card and DATASHEET.md agree ------------------------------------------------

def _two_annotators(corpus: Path) -> None:
    folder = corpus / "annotations" / DOC
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    for name, drop in (("a000000000a", 0), ("a000000000b", 1)):
        layer = dict(gold, annotator=name, status="submitted",
                     provenance={k: v for k, v in gold["provenance"].items() if k != "sources"})
        layer["stances"] = gold["stances"][drop:]
        layer["stances"] = [dict(s, id=f"s{i}") for i, s in enumerate(layer["stances"], 1)]
        (folder / f"{name}.json").write_text(json.dumps(layer, indent=2, ensure_ascii=False)
                                             + "\n", encoding="utf-8")


def test_the_card_never_contradicts_its_datasheet(corpus: Path) -> None:
    """The card showed agreement figures while its datasheet part said that no document had
    been double-annotated: the datasheet's facts are counted from the corpus, into the card
    at every build and into DATASHEET.md by `claimstance docs`."""
    build(corpus, corpus / "dist")
    card = (corpus / "dist" / "README.md").read_text(encoding="utf-8")
    assert "no inter-annotator agreement can be reported" in card and "<!-- facts" not in card
    _two_annotators(corpus)
    assert cli("validate", "--root", corpus).exit_code == 0
    assert cli("build", "--root", corpus).exit_code == 0
    card = (corpus / "dist" / "README.md").read_text(encoding="utf-8")
    assert "Agreement between annotators over the 1 document(s)" in card
    assert "no inter-annotator agreement can be reported" not in card
    assert "double-annotated" not in card
    assert "1 document(s) have two or more annotator layers" in card
    res = cli("docs", "--root", corpus, "--check")
    assert res.exit_code == 1 and "DATASHEET.md" in res.output
    assert cli("docs", "--root", corpus).exit_code == 0
    sheet = (corpus / "DATASHEET.md").read_text(encoding="utf-8")
    assert "| two or more | 1 |" in sheet and "<!-- facts: annotators -->" in sheet
    assert cli("docs", "--root", corpus, "--check").exit_code == 0


@pytest.mark.parametrize("name", ["DATASHEET.md", "CHANGELOG.md", "CITATION.cff"])
def test_the_card_never_reads_a_file_through_a_link_out_of_the_corpus(
        corpus: Path, tmp_path: Path, name: str) -> None:
    """DATASHEET.md as a link to a file outside the corpus (a secret of the maintainer's,
    such as the pseudonym salt): build copied it into the dataset card, which publish
    uploads, and validate said nothing. The corpus's own files at its root are read only
    when they stay inside it."""
    secret = tmp_path / "pseudonym-salt"
    secret.write_text("## [9.9.9] - 2026-01-01\n\ntitle: SECRET-SALT-0123456789abcdef\n")
    (corpus / name).unlink()
    (corpus / name).symlink_to(secret)
    before = snapshot(tmp_path)
    res = cli("build", "--root", corpus)
    refused(res, "outside-root")
    assert name in res.output
    if name == "DATASHEET.md":
        for args in (["docs", "--root", corpus], ["docs", "--root", corpus, "--check"]):
            refused(cli(*args), "outside-root")
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("corpus/docs")
            and not k.startswith("corpus/schema")} == before
    assert not (corpus / "dist").exists()


@pytest.mark.parametrize("name", ["DATASHEET.md", "CHANGELOG.md", "CITATION.cff",
                                  "claimstance.toml"])
def test_validate_reports_a_file_the_build_reads_that_links_out_of_the_corpus(
        corpus: Path, tmp_path: Path, name: str) -> None:
    """The build refuses DATASHEET.md (CHANGELOG.md, CITATION.cff, claimstance.toml) as a
    link to a file outside the corpus, but validate, which CI runs before build and
    publish, said nothing: it reports it too, coded and located (`DATASHEET.md::`), and
    reads nothing of the file (its content appears nowhere)."""
    secret = tmp_path / "pseudonym-salt"
    secret.write_text("[near-duplicates]\nthreshold = 0.9\n# SECRET-SALT-0123456789abcdef\n")
    (corpus / name).unlink(missing_ok=True)
    (corpus / name).symlink_to(secret)
    res = cli("validate", "--root", corpus, "--format", "json")
    assert res.exit_code == 1, res.output
    found = [(p["code"], p["path"], p["pointer"])
             for p in json.loads(res.output)["problems"] if p["level"] == "error"]
    assert found == [("outside-root", name, "")]
    assert "SECRET" not in res.output
    text = cli("validate", "--root", corpus)
    assert f"{name}: error [outside-root]" in text.output and "SECRET" not in text.output
    # and a link that stays inside the corpus is read as the file it names
    (corpus / name).unlink()
    (corpus / "kept").mkdir()
    (corpus / "kept" / name).write_bytes(secret.read_bytes() if name == "claimstance.toml"
                                         else (REPO / name).read_bytes())
    (corpus / name).symlink_to(Path("kept") / name)
    assert cli("validate", "--root", corpus).exit_code == 0


@pytest.mark.parametrize(("name", "content", "code"), [
    ("DATASHEET.md", b"# Datasheet\n\ncaf\xe9\n", "invalid-encoding"),
    ("CHANGELOG.md", b"## [1.0.0] - 2026-01-01\n\ncaf\xe9\n", "invalid-encoding"),
    ("CITATION.cff", b"title: [unclosed\n  - x: : :\n", "invalid-value"),
    ("CITATION.cff", b"title: x\nauthors: 5\n", "invalid-value"),
    ("CITATION.cff", b"title: x\nauthors: [5, a]\n", "invalid-value"),
])
def test_a_malformed_file_of_the_card_is_a_coded_refusal(corpus: Path, name: str,
                                                         content: bytes, code: str) -> None:
    """A Latin-1 DATASHEET.md or CHANGELOG.md, or a CITATION.cff that is not YAML or whose
    authors are no list of people, gave a traceback in build (and in docs, which now
    reads DATASHEET.md)."""
    (corpus / name).write_bytes(content)
    res = cli("build", "--root", corpus)
    refused(res, code)
    assert name in res.output and not (corpus / "dist").exists()
    if name == "DATASHEET.md":
        refused(cli("docs", "--root", corpus, "--check"), code)


def test_the_datasheet_never_counts_splits_the_build_does_not_make(corpus: Path) -> None:
    """DATASHEET.md's facts put each gold document in the split of its own id, while the
    build puts a near-duplicate group in the split of its smallest id: with two versions of
    one story the card's table said validation 2 and its datasheet part 'train 1,
    validation 1'. The facts leave the splits to the card's own table."""
    from claimstance.corpus.document import sha256
    from claimstance.corpus.splits import split_of

    other = f"{DOC}-v0"
    assert split_of(other) != split_of(DOC)  # their own ids hash to different splits
    seed = json.loads((corpus / "seeds" / f"{DOC}.json").read_text(encoding="utf-8"))
    text = seed["text"] + " Updated."
    seed |= {"id": other, "text": text, "sha256": sha256(text)}
    (corpus / "seeds" / f"{other}.json").write_text(json.dumps(seed, ensure_ascii=False,
                                                               indent=2) + "\n")
    gold = json.loads((corpus / "annotations" / DOC / "gold.json").read_text(encoding="utf-8"))
    gold["document"] = {"id": other, "sha256": seed["sha256"]}
    (corpus / "annotations" / other).mkdir()
    (corpus / "annotations" / other / "gold.json").write_text(json.dumps(gold))
    assert cli("fmt", corpus / "annotations" / other / "gold.json").exit_code == 0
    assert cli("validate", "--root", corpus).exit_code == 0
    res = cli("build", "--root", corpus)
    assert res.exit_code == 0, res.output
    card = (corpus / "dist" / "README.md").read_text(encoding="utf-8")
    assert "**2 document(s)** have an adjudicated gold layer" in card
    assert "train 1" not in card and "validation 1," not in card
