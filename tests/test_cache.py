"""The cache changes nothing but time, and never hides a problem.

Runs with the cache off, cold and warm give the same problems (line and column included)
and byte-identical builds, across random edits of a corpus in mixed writers' styles with
one cache kept for all of them, so an entry of an earlier version of a file would be found
if a key left anything out. Any change to a file, the code or the schemas changes the key;
a damaged or foreign entry is a miss; the file stays bounded and survives a kill.
"""

from __future__ import annotations

import copy
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import synth
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimstance.cli import main
from claimstance.corpus import cache
from claimstance.dataset.build import build
from claimstance.problems import Code, problem
from claimstance.validation import run
from claimstance.validation.reader import MAX_BYTES
from claimstance.validation.run import validate

from .conftest import REPO


def examples(n: int) -> settings:
    """n examples, one cache (and corpus folder) for all of them: the fixtures are the
    test's, not the example's, on purpose."""
    return settings(max_examples=n, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The cache on, in a folder of this test's own."""
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv(cache.NO_CACHE, raising=False)
    monkeypatch.setattr(cache, "_off", False)  # on in this process (tests/conftest.py)
    yield home / "claimstance" / cache.FILE


def report(root: Path, use_cache: bool) -> dict[str, Any]:
    return validate(root, jobs=1, use_cache=use_cache).to_dict()


def edit(root: Path, data: st.DataObject) -> None:
    """One change a contributor might make to one file of the corpus."""
    files = sorted(p for p in root.rglob("*.json"))
    path = data.draw(st.sampled_from(files))
    raw = path.read_bytes()
    rel = path.relative_to(root).as_posix()
    how = data.draw(st.sampled_from(["restyle", "byte", "value", "remove", "copy"]))
    if how == "byte":  # anything at all, broken JSON included
        i = data.draw(st.integers(0, len(raw) - 1))
        path.write_bytes(raw[:i] + bytes([data.draw(st.integers(32, 126))]) + raw[i + 1:])
        return
    if how == "remove" and rel.startswith("annotations/"):
        path.unlink()
        return
    try:
        layer = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return
    if how == "copy" and rel.startswith("annotations/"):  # the same layer by someone else
        name = data.draw(st.sampled_from(synth.TEAM))
        (path.parent / f"{name}.json").write_bytes(raw)
        return
    if how == "value" and isinstance(layer, dict):
        key = data.draw(st.sampled_from(sorted(layer) or ["x"]))
        items = layer.get(key)
        if isinstance(items, list) and items and isinstance(items[0], dict):
            item = data.draw(st.sampled_from(items))
            field = data.draw(st.sampled_from(sorted(item)))
            item[field] = data.draw(st.sampled_from([0, 5, 10**6, "x", None, "m1", "c2"]))
        else:
            layer[key] = data.draw(st.sampled_from([0, "x", None, [], {}]))
    style = data.draw(st.sampled_from(sorted(synth.STYLES)))
    path.write_bytes(synth.STYLES[style](layer, data.draw(st.integers(0, 99))))


def fresh_copy(corpus: Path, root: Path) -> Path:
    """A copy of `corpus` at `root` for one example to edit (the earlier example's gone)."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(corpus, root)
    return root


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve documents of the realistic mix (warnings, teams, errors), in mixed styles."""
    root = tmp_path_factory.mktemp("base")
    synth.write(12, root)
    return root


@examples(40)
@given(data=st.data())
def test_validation_is_the_same_with_the_cache_off_cold_and_warm(
        base: Path, cached: Path, tmp_path: Path, data: st.DataObject) -> None:
    root = fresh_copy(base, tmp_path / "c")
    for _ in range(data.draw(st.integers(1, 4))):
        edit(root, data)
        off = report(root, use_cache=False)
        assert report(root, use_cache=True) == off  # cold for what changed
        assert report(root, use_cache=True) == off  # warm
        some = sorted(root.glob("annotations/*/*.json"))[:1]  # as pre-commit asks
        assert validate(root, some, jobs=1).to_dict() == validate(
            root, some, jobs=1, use_cache=False).to_dict()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def valid_edit(root: Path, data: st.DataObject) -> None:
    """A change that keeps the corpus buildable: a file in another style, an annotator's
    layer gone or copied under another name, a claim's type or a stance's label changed."""
    layers = sorted(root.glob("annotations/*/*.json"))
    path = data.draw(st.sampled_from(layers))
    layer = orjson.loads(path.read_bytes())
    how = data.draw(st.sampled_from(["restyle", "remove", "copy", "label"]))
    if how == "remove" and path.name != "gold.json":
        path.unlink()
        return
    if how == "copy":
        path = path.parent / f"{data.draw(st.sampled_from(synth.TEAM))}.json"
        layer = copy.deepcopy(layer) | {"annotator": path.stem, "status": "submitted"}
    if how == "label" and layer["stances"]:
        data.draw(st.sampled_from(layer["stances"]))["label"] = data.draw(
            st.sampled_from(["support", "refute", "neutral"]))
    if how == "label" and layer["claims"]:
        data.draw(st.sampled_from(layer["claims"]))["type"] = data.draw(
            st.sampled_from(["fact", "accusation", "evaluation", "intention"]))
    style = data.draw(st.sampled_from(sorted(synth.STYLES)))
    path.write_bytes(synth.STYLES[style](layer, data.draw(st.integers(0, 99))))


@pytest.fixture(scope="module")
def buildable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("buildable")
    synth.write(40, root, mix="valid")
    for name in ("DATASHEET.md", "CHANGELOG.md", "CITATION.cff"):
        shutil.copy(REPO / name, root / name)
    return root


@examples(8)
@given(data=st.data())
def test_builds_are_byte_identical_with_the_cache_off_cold_and_warm(
        buildable: Path, cached: Path, tmp_path: Path, data: st.DataObject) -> None:
    root = fresh_copy(buildable, tmp_path / "c")
    for _ in range(data.draw(st.integers(1, 3))):
        valid_edit(root, data)
    outs = {}
    for name, use in (("off", False), ("cold", True), ("warm", True)):
        result = build(root, tmp_path / name, jobs=1, force=True, use_cache=use)
        outs[name] = (tree(tmp_path / name), result.stats, result.agreement.to_dict(),
                      result.bio)
    assert outs["off"] == outs["cold"] == outs["warm"]


def key(kind: str, read: cache.Inputs, *options: Any) -> bytes:
    return cache.key("claimstance.validation.run", kind, read, *options)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["seeds/a.json", "annotations/a/gold.json",
                                        "annotations/a/x.json"]), st.binary(max_size=8),
                       min_size=1),
       st.data())
def test_any_change_to_an_input_or_an_option_changes_the_key(
        files: dict[str, bytes], data: st.DataObject) -> None:
    k = key("validate", cache.inputs(files), 5, True)
    name = data.draw(st.sampled_from(sorted(files)))
    changed = dict(files)
    how = data.draw(st.sampled_from(["byte", "rename", "gone", "option", "kind"]))
    if how == "byte":
        changed[name] = files[name] + b"\0" if data.draw(st.booleans()) else files[name][:-1] \
            if files[name] else b"x"
        assert key("validate", cache.inputs(changed), 5, True) != k
    elif how == "rename":
        changed[name + "x"] = changed.pop(name)
        assert key("validate", cache.inputs(changed), 5, True) != k
    elif how == "gone":
        changed[name] = None  # type: ignore[assignment]  # no such file
        assert key("validate", cache.inputs(changed), 5, True) != k
    elif how == "option":
        assert key("validate", cache.inputs(files), 6, True) != k
        assert key("validate", cache.inputs(files), 5, False) != k
    else:
        assert key("build", cache.inputs(files), 5, True) != k


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy_ = tmp_path_factory.mktemp("package") / "claimstance"
    shutil.copytree(cache.PACKAGE, copy_, ignore=shutil.ignore_patterns("__pycache__"))
    return copy_


WORKERS = ("claimstance.validation.run", "claimstance.dataset.build",
           "claimstance.corpus.segments")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(WORKERS), st.data())
def test_any_change_to_the_code_or_the_schemas_changes_its_keys(package: Path, module: str,
                                                                 data: st.DataObject) -> None:
    """A byte of any file of the code a kind of work runs (the module, what it imports,
    directly or not) or of any data file of the package (a schema, a label set) changes the
    digest its keys start from."""
    before = cache.package_digest(module, package)
    assert before == cache.package_digest(module, cache.PACKAGE)
    files = cache.code_files(module, package)
    schemas = [p for p in files if p.suffix == ".json"]
    path = data.draw(st.sampled_from(files) | st.sampled_from(schemas))
    raw = path.read_bytes()
    i = data.draw(st.integers(0, len(raw)))
    path.write_bytes(raw[:i] + b" " + raw[i:])
    try:
        assert cache.package_digest(module, package) != before
    finally:
        path.write_bytes(raw)


def test_the_code_of_a_kind_of_work_is_all_it_imports() -> None:
    """The modules each kind's digest covers are every module it imports, found in the
    interpreter itself (a fresh one, after importing the worker module): no module of the
    package it runs is left out."""
    for module in WORKERS:
        out = subprocess.run(
            [sys.executable, "-c", f"import sys, {module}; print(*sorted(m for m in "
             "sys.modules if m.startswith('claimstance')))"], capture_output=True, text=True,
            check=True, env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)}).stdout
        loaded = {cache._source(m, cache.PACKAGE) for m in out.split()} - {None}
        assert loaded <= set(cache.code_files(module)), (module, loaded - set(
            cache.code_files(module)))


def test_another_python_or_another_dependency_version_changes_every_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    read = cache.inputs({"seeds/a.json": b"{}"})
    k = key("validate", read)
    monkeypatch.setattr(cache, "_digests", {})
    monkeypatch.setattr(cache, "_distributions", lambda: ["orjson-0.0.1.dist-info"])
    assert key("validate", read) != k
    monkeypatch.undo()
    monkeypatch.setattr(cache, "_digests", {})
    monkeypatch.setattr(sys, "version", sys.version + "+other")
    assert key("validate", read) != k
    monkeypatch.undo()
    monkeypatch.setattr(cache, "_digests", {})
    assert key("validate", read) == k


def test_a_damaged_or_foreign_entry_is_a_miss(cached: Path, tmp_path: Path) -> None:
    """A value that is not what was stored, or a pickle naming anything but the caller's
    types (here os.system), is never used: the work is done again, nothing runs."""
    synth.write(3, tmp_path / "c")
    want = report(tmp_path / "c", use_cache=False)
    assert report(tmp_path / "c", use_cache=True) == want
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, (f"touch {marker}",))

    good = cache._pack(pickle.dumps([("annotation", [])]))
    for value in (b"\x07\x00", cache._pack(b"not a pickle"), cache._pack(pickle.dumps(Evil())),
                  good[:-3], good[:5] + bytes([good[5] ^ 1]) + good[6:]):
        with sqlite3.connect(cached) as conn:
            conn.execute("UPDATE entries SET value = ?", (value,))
        assert report(tmp_path / "c", use_cache=True) == want
    assert not marker.exists()
    assert cache.fetch([b"x" * 32]) == [None]


def test_the_file_stays_bounded(cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the bound, the older half of the entries goes and their pages are reused."""
    monkeypatch.setattr(cache, "MAX_BYTES", 400_000)
    rng = __import__("random").Random(1)
    for batch in range(40):
        cache.store([(bytes([batch, i]) * 16, rng.randbytes(2000)) for i in range(50)])
    with sqlite3.connect(cached) as conn:
        (pages,), (free,), (size,) = (conn.execute(f"PRAGMA {p}").fetchone()
                                      for p in ("page_count", "freelist_count", "page_size"))
    assert (pages - free) * size <= 400_000 + 50 * 2200 + 50 * size
    assert pages * size < 1_000_000  # freed pages are used again: the file does not grow
    newest = cache.fetch([bytes([39, i]) * 16 for i in range(50)])
    assert all(v is not None for v in newest)
    assert cache.fetch([bytes([0, 0]) * 16]) == [None]


WRITER = """
import os, sys
from claimstance.corpus import cache
print("ready", flush=True)
n = 0
while True:
    cache.store([(os.urandom(32), os.urandom(3000)) for _ in range(200)])
    n += 1
"""


def test_a_kill_while_writing_leaves_a_sound_cache(cached: Path, tmp_path: Path) -> None:
    """SIGKILL in the middle of writing: the next run finds a sound file (each write is one
    SQLite transaction) and the same problems."""
    synth.write(3, tmp_path / "c")
    want = report(tmp_path / "c", use_cache=True)
    proc = subprocess.Popen([sys.executable, "-c", WRITER], stdout=subprocess.PIPE,
                            env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    with sqlite3.connect(cached) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] > 0
    assert report(tmp_path / "c", use_cache=True) == want


def test_validate_then_build_checks_each_document_once(cached: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """CI's order: `validate`, then `build`, which finds every document's problems in the
    cache; `--no-cache` checks them again and keeps nothing."""
    root = tmp_path / "c"
    synth.write(40, root, mix="valid")  # (20 hit a bug of the card's evaluation table)
    checked: list[str] = []
    real = run.check_read

    def counting(res: run.DocResult, max_bytes: int = MAX_BYTES) -> Any:
        checked.append(res.doc_id)
        return real(res, max_bytes)

    monkeypatch.setattr(run, "check_read", counting)
    runner = CliRunner()
    assert runner.invoke(main, ["validate", "--root", str(root), "-q", "-j", "1"]).exit_code == 0
    assert len(checked) == 40
    assert runner.invoke(main, ["build", "--root", str(root), "--out", str(tmp_path / "d"), "-q",
                                "-j", "1"]).exit_code == 0
    assert len(checked) == 40, "the build checked documents validate had checked"
    cached.unlink()
    for name in (cache.FILE + "-wal", cache.FILE + "-shm"):
        (cached.parent / name).unlink(missing_ok=True)
    assert runner.invoke(main, ["validate", "--root", str(root), "-q", "-j", "1",
                                "--no-cache"]).exit_code == 0
    assert len(checked) == 80 and not cached.exists()
    assert runner.invoke(main, ["build", "--root", str(root), "--out", str(tmp_path / "d"),
                                "-q", "-j", "1", "--no-cache"]).exit_code == 0
    assert len(checked) == 120 and not cached.exists()


def test_problems_round_trip_through_the_cache(cached: Path) -> None:
    found = [("annotation", [problem(Code.SPAN_TEXT_MISMATCH, "a.json", "/mentions/0", "m")
                             .at(3, 4)])]
    cache.store([(b"k" * 32, found)])
    assert cache.fetch([b"k" * 32], (type(found[0][1][0]), Code)) == [found]
    assert cache.fetch([b"k" * 32]) == [None]  # Problem not allowed: not built
