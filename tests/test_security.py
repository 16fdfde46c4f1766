"""The attacks of the reliability-and-security review, each reproduced against the real tools.

Each test is one attack (or a family of them): it runs the command the attacker or the
clumsy user ran, on a temporary copy of the corpus (a git repository where the attack was
destructive), and asserts a coded problem (or the safe outcome), no traceback, and that no
file outside the intended output changed. docs/security.md says which promise each test
holds the tools to.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from claimstance.cli import main
from claimstance.corpus import writing
from claimstance.corpus.layout import Corpus
from claimstance.corpus.lock import corpus_lock
from claimstance.corpus.writing import atomic_write, recover
from claimstance.dataset.build import build
from claimstance.dataset.manifest import is_build
from claimstance.dataset.personal import find_email, find_name, names_pattern
from claimstance.dataset.publish import prepare
from claimstance.labelstudio.pull import pull_export
from claimstance.problems import Refused

from .conftest import CASES, REPO

DOC = "mali-accuses-algeria-downed-drone"
SALT = b"test-salt"


# --- helpers ---------------------------------------------------------------------------------

def snapshot(root: Path) -> dict[str, Any]:
    """Every entry under `root` (folders, files with their bytes and mode, links), .git too."""
    out: dict[str, Any] = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(base, name)
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir", stat.S_IMODE(p.stat().st_mode))
            else:
                out[rel] = ("file", stat.S_IMODE(p.stat().st_mode),
                            hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def tree_hashes(folder: Path) -> dict[str, str]:
    return {k: v[2] for k, v in snapshot(folder).items() if v[0] == "file"}


def cli(*args: object) -> Result:
    """The command, in process; a traceback (any exception but an exit) fails the test."""
    res = CliRunner().invoke(main, [str(a) for a in args])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"traceback from {args}: {res.exception!r}\n{res.output}")
    return res


def run(*args: object, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = 300, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimstance", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=timeout, **kw)


def script(code: str, *args: object, env: dict[str, str] | None = None,
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True, timeout=300, env=env)


def refused(res: Result, code: str) -> None:
    assert res.exit_code == 1, res.output
    assert code in res.output, res.output


def set_license(root: Path, value: str = "CC-BY-4.0") -> None:
    p = root / "seeds" / f"{DOC}.json"
    p.write_text(p.read_text(encoding="utf-8").replace('"license": null',
                                                       f'"license": "{value}"'),
                 encoding="utf-8")


@pytest.fixture
def repo(corpus: Path) -> Path:
    """The corpus as a git repository with its schema and a committed history."""
    shutil.copytree(REPO / "schema", corpus / "schema")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(corpus)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "corpus"], check=True)
    return corpus


# --- 2. personal data ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "jane.doe@example.org", "Contact: jane.doe\uff20example.org.",
    "jane\u200b.doe@exa\u200bmple.org",
    "j\u00fcrgen@m\u00fcnchen.de", "\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a",
    "jane[at]example.org", "jane (at) example (dot) org", "jane {AT} example [dot] org",
    "j@x.xn--p1ai", "\uff4a\uff41\uff4e\uff45\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45"
    "\uff0e\uff4f\uff52\uff47", "jane\ufe6bexample.org", "x.y+tag@mail.co.uk",
    "jane\u00ad@example.org", "jane@example\u3002org", "jane\u2060@\u2060example.org",
])
def test_every_spelling_of_an_email_is_found(text: str) -> None:
    assert find_email(text) is not None


@pytest.mark.parametrize("text", [
    "@AlgeriaMFA said the drone crossed", "price 5 @ $3.50", "e.g. U.S. officials met at 10:00",
    "the (at)tack at dawn", "Mali's ministry @ Bamako", "user@localhost",
    "a drone at Tinzaouaten", "email me at noon dot", "@UN.org", "2020@2021.12",
    "look at it dot by dot", "C@t", "Sahel (at) the border", "\U0001f469\u200d\U0001f469",
    "Bamako, 1 April (AFP) \u2014 officials said",
])
def test_ordinary_text_is_not_an_email(text: str) -> None:
    assert find_email(text) is None


def test_names_are_found_whatever_separates_their_words() -> None:
    pattern = names_pattern(["Alice Martin", "  ", "Bob"])
    for text in ("alice-martin", "ALICE MARTIN", "Alice\u200bMartin", "alice_martin.json",
                 "\uff21lice Martin", "by bob."):
        assert find_name(pattern, text), text
    for text in ("Bobby", "Malice Martinez", "Ali Cemartin"):
        assert find_name(pattern, text) is None, text


@pytest.fixture
def built(corpus: Path) -> Path:
    """The corpus with a (pretend) allowed license, built into dist/."""
    set_license(corpus)
    build(corpus, corpus / "dist")
    return corpus


def _append_to_text(root: Path, extra: str, *, as_mention: bool) -> None:
    """Add `extra` at the end of the article (hashes updated, offsets unchanged)."""
    seed_path = root / "seeds" / f"{DOC}.json"
    gold_path = root / "annotations" / DOC / "gold.json"
    seed = json.loads(seed_path.read_text(encoding="utf-8"))
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    start = len(seed["text"]) + 1
    seed["text"] += " " + extra
    seed["sha256"] = gold["document"]["sha256"] = hashlib.sha256(
        seed["text"].encode()).hexdigest()
    if as_mention:
        gold["mentions"].append({"id": f"m{len(gold['mentions']) + 1}", "start": start,
                                 "end": len(seed["text"]), "text": extra, "type": "PERSON"})
    for path, data in ((seed_path, seed), (gold_path, gold)):
        path.write_bytes(writing.dumps(data))


@pytest.mark.parametrize("extra,as_mention", [
    ("Write to jane.doe@example.org", False),
    ("jane\u200b[at]example\uff0eorg", True),
])
def test_an_email_in_the_article_or_a_mention_is_never_published(
        built: Path, tmp_path: Path, extra: str, as_mention: bool) -> None:
    _append_to_text(built, extra, as_mention=as_mention)
    build(built, built / "dist")
    p = prepare(built, private=True, allow_unlicensed=True)
    found = [x for x in p.report.problems if x.code == "publish-personal-data"]
    assert found and {x.code for x in p.report.problems} == {"publish-personal-data"}
    assert any(x.path.endswith(".parquet") and x.pointer.startswith("/text/")
               for x in found), found
    if as_mention:
        assert any("data/mentions/" in x.path for x in found)
    res = cli("publish", "--root", built, "--to", tmp_path / "out", "--private",
              "--allow-unlicensed")
    refused(res, "publish-personal-data")
    assert not (tmp_path / "out").exists()


def test_a_listed_name_is_found_in_any_spelling(built: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = built / "DATASHEET.md"
    sheet.write_text(sheet.read_text() + "\nThanks to ALICE\u200b-MARTIN.\n", encoding="utf-8")
    build(built, built / "dist")
    names = tmp_path / "names.txt"
    names.write_text("# real names\nAlice Martin\n", encoding="utf-8")
    monkeypatch.setenv("CLAIMSTANCE_ANNOTATOR_NAMES", str(names))
    p = prepare(built)
    assert [(x.code, x.path) for x in p.report.problems] == [("publish-personal-data",
                                                              "dist/README.md")]


@pytest.mark.parametrize("kind", ["missing", "folder", "latin-1", "fifo"])
def test_an_unreadable_names_file_is_a_refusal_not_a_skipped_check(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    names = tmp_path / "names.txt"
    if kind == "folder":
        names.mkdir()
    elif kind == "latin-1":
        names.write_bytes("Ren\u00e9e Dupont\n".encode("latin-1"))
    elif kind == "fifo":
        os.mkfifo(names)
    monkeypatch.setenv("CLAIMSTANCE_ANNOTATOR_NAMES", str(names))
    assert [x.code for x in prepare(built).report.problems] == ["publish-names-unreadable"]
    refused(cli("publish", "--root", built, "--to", tmp_path / "out"),
            "publish-names-unreadable")
    assert not (tmp_path / "out").exists()


def test_a_real_name_as_a_layer_is_warned_about_and_never_built(corpus: Path,
                                                                tmp_path: Path) -> None:
    gold = corpus / "annotations" / DOC / "gold.json"
    layer = json.loads(gold.read_text(encoding="utf-8"))
    layer["annotator"], layer["status"] = "alice-martin", "submitted"
    layer["provenance"].pop("sources", None)
    (gold.parent / "alice-martin.json").write_bytes(writing.dumps(layer))
    res = cli("validate", "--root", corpus)
    assert res.exit_code == 0 and "annotator-not-pseudonym" in res.output
    assert cli("validate", "--root", corpus, "--strict").exit_code == 1
    refused(cli("build", "--root", corpus, "--out", tmp_path / "dist"), "build-personal-data")
    assert not (tmp_path / "dist").exists()


# --- 3. output folders that are not the command's own ----------------------------------------

DESTRUCTIVE = [
    ["build", "--out", ".", "--force"],
    ["build", "--out", "seeds", "--force"],
    ["build", "--out", "annotations", "--force"],
    ["build", "--out", "annotations/dist"],
    ["build", "--out", "schema", "--force"],
    ["build", "--out", "review/dist", "--force"],
    ["build", "--out", ".git", "--force"],
    ["build", "--out", ".git/dist", "--force"],
    ["build", "--out", "..", "--force"],
    ["build", "--out", "link-to-seeds", "--force"],
    ["build", "--out", "link-to-seeds/dist"],
    ["publish", "--to", ".", "--force", "--private", "--allow-unlicensed"],
    ["publish", "--to", "seeds", "--force", "--private", "--allow-unlicensed"],
    ["publish", "--to", "annotations/x", "--private", "--allow-unlicensed"],
    ["publish", "--to", "dist", "--force", "--private", "--allow-unlicensed"],
    ["publish", "--to", "dist/data", "--force", "--private", "--allow-unlicensed"],
    ["export", "--format", "brat", "schema", "--force"],
    ["export", "--format", "brat", ".git/x", "--force"],
    ["export", "--format", "brat", "review", "--force"],
    ["site", "--out", "seeds"],
    ["site", "--out", "."],
    ["view", DOC, "--out", f"seeds/{DOC}.json"],
    ["view", DOC, "--out", "seeds/page.html"],
    ["view", DOC, "--out", "annotations/page.html"],
]


@pytest.mark.parametrize("args", DESTRUCTIVE, ids=" ".join)
def test_outputs_never_replace_the_corpus(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                          args: list[str]) -> None:
    build(repo, repo / "dist")
    (repo / "link-to-seeds").symlink_to("seeds")
    (repo / "review").mkdir()
    before = snapshot(repo.parent)
    monkeypatch.chdir(repo)
    refused(cli(*args), "output-in-corpus")
    assert snapshot(repo.parent) == before
    assert cli("validate").exit_code == 0


def test_another_repository_is_never_an_output(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(["git", "-C", str(other), "init", "-q"], check=True)
    (other / "work.txt").write_text("mine")
    before = snapshot(tmp_path)
    refused(cli("build", "--root", repo, "--out", other, "--force"), "output-in-corpus")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("manifest", [
    '{"name": "my notes"}', "not json", '{"generator": "claimstance build"}',
    '{"generator": "claimstance build", "inputs": {}, "outputs": {"../../x": "0"}}',
])
def test_a_file_named_manifest_json_does_not_make_a_folder_a_build(
        corpus: Path, tmp_path: Path, manifest: str) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "manifest.json").write_text(manifest)
    (mine / "thesis.tex").write_text("three years of work")
    before = snapshot(tmp_path)
    refused(cli("build", "--root", corpus, "--out", mine), "output-not-ours")
    assert snapshot(tmp_path) == before


def test_a_build_with_a_file_added_is_not_replaced_without_force(corpus: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build(corpus, out)
    assert is_build(out)
    (out / "notes.txt").write_text("mine")
    assert not is_build(out)
    refused(cli("build", "--root", corpus, "--out", out), "output-not-ours")
    assert (out / "notes.txt").read_text() == "mine"
    assert cli("build", "--root", corpus, "--out", out, "--force").exit_code == 0
    assert is_build(out) and not (out / "notes.txt").exists()


def test_a_dangling_dist_link_is_a_refusal(corpus: Path) -> None:
    (corpus / "dist").symlink_to(corpus / "nowhere")
    refused(cli("build", "--root", corpus), "output-not-ours")
    assert (corpus / "dist").is_symlink() and not (corpus / "nowhere").exists()


# --- 9. the manifest names what is published ----------------------------------------------------

@pytest.mark.parametrize("path", ["../evil.txt", "/tmp/evil.txt", "data/../../evil.txt",
                                  "data\\..\\..\\evil.txt", "", "./README.md"])
def test_a_manifest_path_outside_the_folder_is_refused(built: Path, tmp_path: Path,
                                                       path: str) -> None:
    manifest = built / "dist" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["outputs"][path] = "0" * 64
    manifest.write_text(json.dumps(data))
    before = snapshot(tmp_path)
    res = cli("publish", "--root", built, "--to", tmp_path / "out", "--private",
              "--allow-unlicensed")
    refused(res, "publish-bad-manifest")
    assert snapshot(tmp_path) == before


def test_a_corrupt_parquet_file_is_a_stale_build(built: Path, tmp_path: Path) -> None:
    shard = next((built / "dist" / "data").rglob("*.parquet"))
    shard.write_bytes(b"PAR1 not really")
    res = cli("publish", "--root", built, "--to", tmp_path / "out")
    refused(res, "publish-stale")
    assert not (tmp_path / "out").exists()


# --- 4. crash safety of the dist/ swap ----------------------------------------------------------

KILL = """
import os, signal, sys
from claimstance.corpus import writing
from claimstance.dataset import build as build_mod

root, out, where = sys.argv[1:4]


def die():
    os.kill(os.getpid(), signal.SIGKILL)


if where == "between-renames":  # the two-rename fallback, killed between its renames
    writing.USE_EXCHANGE = False
    real_rename = os.rename

    def rename(src, dst, *a, **k):
        real_rename(src, dst, *a, **k)
        if writing.STAGING_TAG + "old-" in str(dst):
            die()

    os.rename = rename
elif where == "after-exchange":  # the one-step swap done, the old tree not yet removed
    real_exchange = writing.exchange

    def exchange(a, b):
        assert real_exchange(a, b)
        die()

    writing.exchange = exchange
elif where == "while-writing":  # the new tree half written: Parquet shards, no card yet
    from claimstance.dataset import card

    card.write_card = lambda *a: die()
elif where == "sigterm":  # a polite stop: handled like Ctrl-C, through the command line
    real_write = build_mod._write

    def write(corpus, staging, *a):
        result = real_write(corpus, staging, *a)
        os.kill(os.getpid(), signal.SIGTERM)
        return result

    build_mod._write = write
    from claimstance.cli import main
    main(["build", "--root", root, "--out", out, "--quiet"])
build_mod.build(root, out)
"""


@pytest.fixture
def two_builds(corpus: Path, tmp_path: Path) -> tuple[Path, dict[str, str], dict[str, str]]:
    """dist/ built from the corpus (old), and the hashes a build of the edited corpus gives
    (new)."""
    out = corpus / "dist"
    build(corpus, out)
    old = tree_hashes(out)
    sheet = corpus / "DATASHEET.md"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    build(corpus, tmp_path / "new")
    new = tree_hashes(tmp_path / "new")
    assert old != new
    return out, old, new


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir()
                  if p.name.startswith(f".{out.name}{writing.STAGING_TAG}"))


def test_a_kill_between_the_renames_is_recovered(corpus: Path, two_builds: Any) -> None:
    out, old, new = two_builds
    killed = script(KILL, corpus, out, "between-renames")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not out.exists() and len(_leftovers(out)) == 2  # the window the review found
    recover(out)
    assert tree_hashes(out) == old and _leftovers(out) == []
    assert cli("build", "--root", corpus).exit_code == 0
    assert tree_hashes(out) == new and _leftovers(out) == []


def test_the_swap_is_one_exchange_and_a_kill_after_it_leaves_the_new_build(
        corpus: Path, two_builds: Any) -> None:
    out, _, new = two_builds
    killed = script(KILL, corpus, out, "after-exchange")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert tree_hashes(out) == new and len(_leftovers(out)) == 1  # the old tree, aside
    assert cli("build", "--root", corpus).exit_code == 0
    assert tree_hashes(out) == new and _leftovers(out) == []


def test_a_kill_while_writing_keeps_the_old_build_and_is_cleaned_up(
        corpus: Path, two_builds: Any) -> None:
    out, old, _ = two_builds
    for _ in range(3):  # killed builds used to pile up hundreds of megabytes
        killed = script(KILL, corpus, out, "while-writing")
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert tree_hashes(out) == old
    assert len(_leftovers(out)) == 1  # each run removed what the one before left
    recover(out)
    assert _leftovers(out) == [] and tree_hashes(out) == old


def test_sigterm_is_handled_like_ctrl_c(corpus: Path, two_builds: Any) -> None:
    out, old, _ = two_builds
    stopped = script(KILL, corpus, out, "sigterm")
    assert stopped.returncode == 1 and "Traceback" not in stopped.stderr, stopped.stderr
    assert "Aborted" in stopped.stderr
    assert tree_hashes(out) == old and _leftovers(out) == []


def test_staging_folders_are_ignored_by_git(tmp_path: Path) -> None:
    shutil.copy(REPO / ".gitignore", tmp_path / ".gitignore")
    subprocess.run(["git", "-C", str(tmp_path), "init", "-q"], check=True)
    staging = writing.make_staging(tmp_path / "dist", "build")
    (staging / "x.parquet").write_bytes(b"x")
    fd, _ = tempfile.mkstemp(dir=tmp_path, prefix=f".gold.json{writing.STAGING_TAG}",
                               suffix=".tmp")
    os.close(fd)
    status = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain",
                             "--untracked-files=all"], capture_output=True, text=True,
                            check=True).stdout
    assert status.split() == ["??", ".gitignore"]


def test_nothing_after_the_swap_can_fail_the_build(corpus: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The old tree cannot be removed (say, a file in it is busy): the build succeeded all
    the same, and the next one removes the leftover."""
    out = tmp_path / "dist"
    build(corpus, out)
    real = shutil.rmtree

    def stuck(path: Any, ignore_errors: bool = False, **kw: Any) -> None:
        if not ignore_errors:
            raise PermissionError(13, "busy", str(path))

    monkeypatch.setattr(shutil, "rmtree", stuck)
    assert build(corpus, out).out == out
    monkeypatch.setattr(shutil, "rmtree", real)
    assert len(_leftovers(out)) == 1
    monkeypatch.setattr(writing, "_alive", lambda pid: False)  # as if in a later process
    build(corpus, out)
    assert _leftovers(out) == []


# --- 5. deep nesting ---------------------------------------------------------------------------

def test_deep_nesting_is_a_coded_problem_for_build_and_pull(corpus: Path,
                                                           tmp_path: Path) -> None:
    (corpus / "seeds" / "deep-one.json").write_text("[" * 2000 + "]" * 2000)
    seed = json.loads((corpus / "seeds" / f"{DOC}.json").read_text(encoding="utf-8"))
    deep_title = json.dumps(seed | {"id": "deep-two"}).replace(
        json.dumps(seed["title"]), "[" * 1020 + "]" * 1020, 1)
    (corpus / "seeds" / "deep-two.json").write_text(deep_title)
    with pytest.raises(Refused) as e:
        build(corpus, tmp_path / "dist")
    assert {(p.code, p.path, p.pointer) for p in e.value.problems} >= {
        ("invalid-json", "seeds/deep-one.json", ""), ("wrong-type", "seeds/deep-two.json",
                                                      "/title")}
    export = tmp_path / "deep.json"
    export.write_text("[" * 2000 + "]" * 2000)
    summary = pull_export(export, Corpus.at(corpus), salt=SALT)
    assert [p.code for p in summary.report.problems] == ["invalid-json"]
    work = tmp_path / "ls"
    shutil.copytree(CASES / "ls" / "valid" / "ui-export", work)
    tasks = json.loads((work / "export.json").read_text(encoding="utf-8"))
    raw = json.dumps(tasks).replace('"data": {', '"data": {"title": ' + "[" * 1020 + "]" * 1020
                                    + ", ", 1)
    (work / "export.json").write_text(raw)
    (work / "users.json").rename(tmp_path / "users.json")  # e-mails: outside the corpus
    summary = pull_export(work / "export.json", Corpus.at(work), salt=SALT,
                          users=tmp_path / "users.json")
    assert summary.counts["files written"] == 3


# --- 8. one writer per corpus ------------------------------------------------------------------

HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Any]:
    """A function that holds a corpus's write lock from another process."""
    procs: list[subprocess.Popen[str]] = []

    def hold(root: Path) -> None:
        p = subprocess.Popen([sys.executable, "-c", HOLD, str(root)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        procs.append(p)
        assert p.stdout is not None and p.stdout.readline() == "locked\n"

    yield hold
    for p in procs:
        p.communicate("")


@pytest.mark.parametrize("command", ["build", "publish", "ingest", "fmt", "adjudicate",
                                     "adjudicate all", "docs", "ls pull", "export", "import"])
def test_every_writing_command_takes_the_corpus_lock(
        built: Path, tmp_path: Path, held: Any, command: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = built / "annotations" / DOC
    for name in ("a000000000a", "a000000000b"):
        layer = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
        layer["annotator"], layer["status"] = name, "submitted"
        layer["provenance"].pop("sources", None)
        (folder / f"{name}.json").write_text(json.dumps(layer, indent=4 if command == "fmt"
                                                        else 2, ensure_ascii=False))
    build(built, built / "dist")
    shutil.copy(CASES / "ls" / "valid" / "ui-export" / "seeds" / "emoji-flags-and-drones.json",
                built / "seeds")
    if command == "publish":
        (built / "seeds" / "emoji-flags-and-drones.json").unlink()
    article = tmp_path / "new.txt"
    article.write_text("A new article.")
    assert cli("export", "--format", "brat", tmp_path / "brat", "--root", built).exit_code == 0
    monkeypatch.setenv("CLAIMSTANCE_PSEUDONYM_SALT", "test-salt")
    args = {
        "build": ["build", "--root", built],
        "publish": ["publish", "--root", built, "--to", tmp_path / "out"],
        "ingest": ["ingest", article, "--id", "new-article", "--root", built],
        "fmt": ["fmt", folder / "a000000000b.json"],
        "adjudicate": ["adjudicate", DOC, "--root", built, "--force"],
        "adjudicate all": ["adjudicate", "--root", built, "--force"],
        "docs": ["docs", "--root", built],
        "ls pull": ["ls", "pull", "--from-export", CASES / "ls" / "valid" / "ui-export" /
                    "export.json", "--users", CASES / "ls" / "valid" / "ui-export" /
                    "users.json", "--root", built],
        "export": ["export", "--format", "conll", tmp_path / "conll", "--root", built],
        "import": ["import", "--format", "brat", tmp_path / "brat", "--annotator",
                   "a0000000c0c", "--root", built],
    }[command]
    before = snapshot(tmp_path)
    held(built)
    refused(cli(*args), "corpus-locked")
    assert snapshot(tmp_path) == before


def test_the_lock_is_reentrant_in_one_process(tmp_path: Path) -> None:
    with corpus_lock(tmp_path, "a"), corpus_lock(tmp_path, "b"):
        pass
    with corpus_lock(tmp_path, "again"):
        pass


def test_concurrent_pulls_never_both_write_one_file(tmp_path: Path) -> None:
    env = os.environ | {"CLAIMSTANCE_PSEUDONYM_SALT": "test-salt"}
    for round_ in range(5):
        work = tmp_path / f"round-{round_}"
        shutil.copytree(CASES / "ls" / "valid" / "ui-export", work)
        users = tmp_path / f"users-{round_}.json"
        (work / "users.json").rename(users)  # e-mails: outside the corpus
        procs = [subprocess.Popen([sys.executable, "-m", "claimstance", "ls", "pull",
                                   "--from-export", "export.json", "--users", str(users),
                                   "--format", "json"],
                                  cwd=work, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=300) for p in procs]
        written: list[str] = []
        for stdout, stderr in outs:
            assert "Traceback" not in stderr, stderr
            result = json.loads(stdout)
            if "error" in result and "files" not in result:  # refused while the other wrote
                assert [x["code"] for x in result["problems"]] == ["corpus-locked"]
                continue
            written += result["files"].get("written", [])
        assert len(written) == len(set(written)) == 3


def test_concurrent_builds_never_crash(corpus: Path) -> None:
    for _ in range(3):
        procs = [subprocess.Popen([sys.executable, "-m", "claimstance", "build", "--root",
                                   str(corpus), "--quiet"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in procs:
            _, stderr = p.communicate(timeout=300)
            assert "Traceback" not in stderr, stderr
            assert p.returncode == 0 or "corpus-locked" in stderr, stderr
        assert is_build(corpus / "dist") and _leftovers(corpus / "dist") == []


# --- Low: no traceback for the system's refusals -----------------------------------------------

UNPRIVILEGED = """
import importlib, os, pkgutil, sys
import click, orjson, jsonschema_rs, jsonschema, referencing, tqdm, pyarrow, pyarrow.parquet
import datasketch, numpy  # imported lazily by the near-duplicate checks
import multiprocessing.pool, subprocess, tempfile, claimstance
for m in pkgutil.walk_packages(claimstance.__path__, "claimstance."):
    if ".labelstudio" not in m.name and not m.name.endswith("__main__"):
        importlib.import_module(m.name)
from claimstance.validation import schema_errors
schema_errors.ready()
if os.getuid() == 0:  # root reads and writes anything: become nobody, modules loaded
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
from claimstance.cli import main
main(sys.argv[1:])
"""


@pytest.fixture
def open_corpus(corpus: Path) -> Iterator[Path]:
    """A copy of the corpus another user can reach (under a world-traversable folder)."""
    base = Path(tempfile.mkdtemp(prefix="claimstance-perm-"))
    base.chmod(0o755)
    root = base / "corpus"
    shutil.copytree(corpus, root)
    try:
        yield root
    finally:
        for p in [base, *base.rglob("*")]:
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(base)


def _as_unprivileged(*args: object) -> subprocess.CompletedProcess[str]:
    return script(UNPRIVILEGED, *args)


def test_a_read_only_corpus_is_an_io_error(open_corpus: Path) -> None:
    for p in [open_corpus, *open_corpus.rglob("*")]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    before = snapshot(open_corpus)
    assert _as_unprivileged("validate", "--root", open_corpus).returncode == 0
    out = _as_unprivileged("build", "--root", open_corpus, "--quiet")
    assert out.returncode == 1 and "io-error" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    article = open_corpus.parent / "a.txt"
    out = _as_unprivileged("ingest", article, "--id", "new-article", "--root", open_corpus)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert snapshot(open_corpus) == before


def test_an_unreadable_folder_is_a_coded_problem(open_corpus: Path) -> None:
    (open_corpus / "annotations" / DOC).chmod(0o300)
    out = _as_unprivileged("validate", "--root", open_corpus, "--format", "json")
    assert out.returncode == 1, out.stderr
    problems = json.loads(out.stdout)["problems"]
    assert ("io-error", f"annotations/{DOC}") in {(p["code"], p["path"]) for p in problems}
    (open_corpus / "seeds").chmod(0o300)
    out = _as_unprivileged("build", "--root", open_corpus, "--out",
                           open_corpus.parent / "dist", "--quiet")
    assert out.returncode == 1 and "io-error" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and not (open_corpus.parent / "dist").exists()


def test_a_full_disk_is_an_io_error_and_keeps_the_old_build(corpus: Path) -> None:
    import resource

    out = corpus / "dist"
    build(corpus, out)
    old = tree_hashes(out)
    sheet = corpus / "DATASHEET.md"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")

    def small_disk() -> None:  # a file may not grow past 4 KiB: writes fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    res = run("build", "--root", corpus, "--quiet", preexec_fn=small_disk)
    assert res.returncode == 1 and "io-error" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert tree_hashes(out) == old and _leftovers(out) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_an_unreachable_hub_is_a_coded_refusal(built: Path) -> None:
    env = os.environ | {"HF_ENDPOINT": f"http://127.0.0.1:{_free_port()}",
                        "HF_TOKEN": "hf_" + "x" * 34, "HF_HUB_DISABLE_TELEMETRY": "1"}
    out = run("publish", "--root", built, "--repo-id", "someone/claimstance", env=env)
    assert out.returncode == 1 and "publish-hub-error" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and "hf_xxx" not in out.stderr + out.stdout


def test_json_output_is_utf8_for_a_file_name_that_is_not(corpus: Path) -> None:
    (corpus / os.fsdecode(b"seeds/bad\xff.json")).write_text("{}")
    out = subprocess.run([sys.executable, "-m", "claimstance", "validate", "--root",
                          str(corpus), "--format", "json"], capture_output=True)
    report = json.loads(out.stdout.decode("utf-8"))
    assert "seeds/bad\\xff.json" in {p["path"] for p in report["problems"]}


# --- weaknesses ----------------------------------------------------------------------------------

def test_files_and_folders_get_the_umask_s_permissions(corpus: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        build(corpus, tmp_path / "dist")
        new = tmp_path / "new.json"
        atomic_write(new, b"{}")
        kept = tmp_path / "kept.json"
        kept.write_bytes(b"1")
        kept.chmod(0o640)
        atomic_write(kept, b"2")
    finally:
        os.umask(old)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "dist").rglob("*")}
    assert modes == {0o644, 0o755} and stat.S_IMODE((tmp_path / "dist").stat().st_mode) == 0o755
    assert stat.S_IMODE(new.stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


def test_ingest_refuses_what_validate_would_reject(tmp_path: Path) -> None:
    from claimstance.validation.reader import MAX_BYTES

    (tmp_path / "seeds").mkdir()
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (MAX_BYTES // 5 + 1))
    refused(cli("ingest", big, "--id", "big-one", "--root", tmp_path), "file-too-large")
    near = tmp_path / "near.txt"
    near.write_bytes(b'"quoted" ' * (MAX_BYTES // 10))  # fits, but not once escaped as JSON
    refused(cli("ingest", near, "--id", "near-one", "--root", tmp_path), "file-too-large")
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    refused(cli("ingest", fifo, "--id", "fifo-one", "--root", tmp_path), "not-a-file")
    ok = tmp_path / "ok.txt"
    ok.write_text("An article.")
    refused(cli("ingest", ok, "--id", "dated", "--published", "2026-02-31", "--root",
                tmp_path), "ingest-bad-date")
    assert list((tmp_path / "seeds").iterdir()) == []


@pytest.mark.parametrize("name", ["../../outside", "fifo-doc"])
def test_import_reads_only_the_seed_its_document_names(corpus: Path, tmp_path: Path,
                                                       name: str) -> None:
    """The seed an imported document names is read as `ls pull` reads one: a malformed id
    never becomes a path, and a FIFO where a seed should be is refused, not waited on."""
    out = tmp_path / "exported"
    assert cli("export", out, "--format", "doccano", "--root", corpus).exit_code == 0
    line = json.loads((out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[0])
    line["doc_id"], line["text"] = name, line["text"] + " (edited)"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(line) + "\n", encoding="utf-8")
    before = snapshot(corpus)
    fifo = corpus / "seeds" / "fifo-doc.json"
    os.mkfifo(fifo)
    refused(cli("import", "--format", "doccano", bad, "--annotator", "b0b000000000",
                "--root", corpus), "import-text-mismatch")
    fifo.unlink()  # (a snapshot would wait on it too)
    assert snapshot(corpus) == before


@pytest.mark.parametrize("value", ["", "relative/cache", "."])
def test_a_relative_or_empty_xdg_variable_is_ignored(value: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The XDG specification says so, and it keeps caches, the salt and Label Studio's data
    out of whatever folder (a corpus) the command runs in."""
    from claimstance.corpus.userdirs import user_dir

    monkeypatch.setenv("HOME", str(tmp_path))
    for kind, default in (("cache", ".cache"), ("config", ".config"),
                          ("data", ".local/share"), ("state", ".local/state")):
        monkeypatch.setenv(f"XDG_{kind.upper()}_HOME", value)
        assert user_dir(kind) == tmp_path / default / "claimstance"  # type: ignore[arg-type]
        monkeypatch.setenv(f"XDG_{kind.upper()}_HOME", str(tmp_path / "x"))
        assert user_dir(kind) == tmp_path / "x" / "claimstance"  # type: ignore[arg-type]


def test_site_never_overwrites_pages_a_person_wrote(corpus: Path, tmp_path: Path) -> None:
    """`site --out` replaces only a site it wrote (by its marker's content), unless --force."""
    mine = tmp_path / "mysite"
    (mine / "docs").mkdir(parents=True)
    (mine / "index.html").write_text("<h1>my own page</h1>")
    refused(cli("site", "--root", corpus, "--out", mine), "output-not-ours")
    assert (mine / "index.html").read_text() == "<h1>my own page</h1>"
    out = tmp_path / "site"
    assert cli("site", "--root", corpus, "--out", out).exit_code == 0
    pages = sorted(p.relative_to(out) for p in out.rglob("*.html"))
    assert pages and cli("site", "--root", corpus, "--out", out).exit_code == 0
    assert sorted(p.relative_to(out) for p in out.rglob("*.html")) == pages
    (out / "notes.txt").write_text("mine")  # no longer only what site wrote
    refused(cli("site", "--root", corpus, "--out", out), "output-not-ours")
    assert (out / "notes.txt").read_text() == "mine"
    assert cli("site", "--root", corpus, "--out", mine, "--force").exit_code == 0
    assert "my own page" not in (mine / "index.html").read_text()


@pytest.mark.parametrize("args", [("../seeds/x",), ("/etc/passwd",),
                                  ("{doc}", "--annotator", "../x"),
                                  ("{doc}", "--compare", "gold", "../../x")])
def test_view_builds_no_path_from_a_name_that_is_none(corpus: Path, args: tuple[str, ...]
                                                      ) -> None:
    doc = next(corpus.glob("seeds/*.json")).stem
    refused(cli("view", *(a.format(doc=doc) for a in args), "--root", corpus,
                "--out", corpus.parent / "page.html"), "invalid-file-name")
