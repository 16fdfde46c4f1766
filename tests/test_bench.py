"""The benchmark runs end to end at a small N and prints well-formed figures (not timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import pytest

from claimstance.dataset.build import build
from claimstance.validation.run import validate

from .conftest import REPO, LSServer

BENCH = REPO / "benchmarks"


def test_synth_is_deterministic_and_valid(tmp_path: Path) -> None:
    for out in ("a", "b"):
        subprocess.run([sys.executable, str(BENCH / "synth.py"), "30", str(tmp_path / out),
                        "--mix", "clean"], check=True)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.json"))
    assert len(files) == 60
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
               for f in files)
    report = validate(tmp_path / "a")
    assert report.valid and not report.problems, report.to_dict()
    texts = "".join(json.loads((tmp_path / "a" / f).read_text())["text"]
                    for f in files if f.parts[0] == "seeds")
    assert any(ord(ch) > 0xFFFF for ch in texts) and any(0x7F < ord(ch) <= 0xFFFF for ch in texts)


def test_synth_writes_each_file_in_one_of_the_writers_styles(tmp_path: Path) -> None:
    """By default every style occurs (the corpus's own, json.dump indent 4 with ASCII
    escapes, tabs and CRLF, one line, orjson indent 2, a hand edit), each file holding what
    the corpus's own style holds; `--styles own` writes the old corpus byte for byte."""
    import orjson
    import synth

    for out, styles in (("mixed", "mixed"), ("own", "own")):
        subprocess.run([sys.executable, str(BENCH / "synth.py"), "40", str(tmp_path / out),
                        "--styles", styles], check=True)
    seen = set()
    for p in sorted((tmp_path / "own").rglob("*.json")):
        rel = p.relative_to(tmp_path / "own").as_posix()
        data = orjson.loads(p.read_bytes())
        assert p.read_bytes() == synth.STYLES["own"](data, 0)
        raw = (tmp_path / "mixed" / rel).read_bytes()
        assert orjson.loads(raw) == data
        style = synth.style_of(rel)
        seen.add(style)
        if style == "hand-edit":  # the corpus style, a line re-indented or keys reordered
            assert raw != p.read_bytes() and len(raw) in (len(p.read_bytes()),
                                                          len(p.read_bytes()) + 2)
        else:
            assert raw == synth.STYLES[style](data, 0)
    assert seen == set(synth.STYLES)


def test_bench_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "bench.py"), "120", "--work", str(tmp_path / "w"),
         "--reps", "1", "--json", str(out)], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr  # 1 = a target missed, which is no error here
    figures = json.loads(out.read_text())
    assert figures["n"] == 120 and set(figures["floors"]) == {"realistic", "valid", "clean"}
    assert {(s["stage"], s["mix"]) for s in figures["stages"]} == {
        ("floor (read + parse)", "realistic"), ("floor (read + parse)", "valid"),
        ("floor (read + parse)", "clean"), ("validate, cold cache", "realistic"),
        ("validate, warm cache", "realistic"), ("validate, empty cache", "realistic"),
        ("validate, cold cache", "clean"),
        ("build, cold cache", "valid"), ("build after validate", "valid"),
        ("build, one file changed", "valid"), ("build, empty cache", "valid"),
        ("build, cold cache", "clean"), ("load_dataset, all configs", "valid")}
    for stage in figures["stages"]:
        assert stage["seconds"] > 0 and stage["ratio_to_floor"] > 0 and stage["peak_rss_mib"] > 0
        assert stage["cpu_seconds"] > 0
    assert set(figures["targets"]) == {"validate", "build", "after_validate", "rebuild",
                                       "peak_rss", "located", "one_file", "lean_imports"}
    assert figures["targets"]["lean_imports"]["pass"]  # not timings: these are exact
    assert figures["targets"]["located"]["pass"]
    assert figures["problems"]["realistic"]["warnings"] > 0
    assert all(isinstance(t["pass"], bool) for t in figures["targets"].values())
    for line in ("x floor", "PASS", "µs/doc", "realistic", "valid", "clean", "tabs-crlf",
                 "hand-edit"):
        assert line in proc.stdout


def test_quality_bench_smoke(tmp_path: Path) -> None:
    """agree and adjudicate at two tiny N: every stage at every N, and the linearity figure
    of each command (its value is a timing, so only its shape is checked)."""
    out = tmp_path / "quality.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "quality_bench.py"), "12", "24", "--work",
         str(tmp_path / "w"), "--reps", "1", "--json", str(out)], capture_output=True,
        text=True)
    assert proc.returncode in (0, 1), proc.stderr  # 1 = a target missed, which is no error here
    figures = json.loads(out.read_text())
    commands = ["agree", "adjudicate", "adjudicate again, --prefer"]
    assert [s["n"] for s in figures["sizes"]] == [12, 24] and figures["annotators"] == 3
    for size in figures["sizes"]:
        assert [s["stage"] for s in size["stages"]] == ["floor", *commands]
        for s in size["stages"]:
            assert s["seconds"] > 0 and s["us_per_doc"] > 0 and s["peak_rss_mib"] > 0
        first, again = size["stages"][2]["counts"], size["stages"][3]["counts"]
        assert first == {"written": 0, "unchanged": 0, "open": size["n"], "refused": 0}
        assert again["written"] > 0 and sum(again.values()) == size["n"]
    assert list(figures["linearity"]) == commands
    assert all(isinstance(t["pass"], bool) and t["limit"] == 1.3
               for t in figures["linearity"].values())
    for text in ("x floor", "µs/doc", "peak RSS", "adjudicate again", "over N=12"):
        assert text in proc.stdout
    assert ("PASS" in proc.stdout) or ("FAIL" in proc.stdout)


def test_the_realistic_mix_is_shaped_like_real_corpora(tmp_path: Path) -> None:
    """Most layers carry a warning or two, some documents have several annotators, about
    1% of layers carry an error; `valid` is the same without the errors."""
    subprocess.run([sys.executable, str(BENCH / "synth.py"), "400", str(tmp_path / "r")],
                   check=True)
    subprocess.run([sys.executable, str(BENCH / "synth.py"), "400", str(tmp_path / "v"),
                    "--mix", "valid"], check=True)
    real = validate(tmp_path / "r")
    layers = real.annotations
    assert layers > 400 * 1.4, "about 30% of documents have two or three annotators too"
    warned = {p.path for p in real.problems if p.level.value == "warning"}
    assert len(warned) > 0.7 * layers
    assert {p.code.value for p in real.problems} >= {"claim-unattributed", "span-whitespace",
                                                     "duplicate-span"}
    assert 0 < real.errors < 0.05 * layers
    valid = validate(tmp_path / "v")
    assert valid.valid and valid.warnings and valid.annotations == layers


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synthetic")
    subprocess.run([sys.executable, str(BENCH / "synth.py"), "700", str(root), "--mix",
                    "valid"], check=True)
    return root


def test_parallel_build_is_byte_identical_and_sharded(synthetic: Path, tmp_path: Path) -> None:
    one = build(synthetic, tmp_path / "one", jobs=1, shard_bytes=1 << 20)
    two = build(synthetic, tmp_path / "two", jobs=2, shard_bytes=1 << 20)
    assert one.files == two.files
    for rel in one.files:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel
    shards = sorted(p.name for p in (tmp_path / "one" / "data" / "documents").iterdir())
    assert len(shards) > 3  # several shards of one split at a 1 MiB limit
    n = len([s for s in shards if s.startswith("train-")])
    assert [s for s in shards if s.startswith("train-")] == [
        f"train-{k:05d}-of-{n:05d}.parquet" for k in range(n)]


def test_streaming_load(synthetic: Path, tmp_path: Path) -> None:
    build(synthetic, tmp_path / "dist", shard_bytes=1 << 20)
    counts = {}
    for config in ("documents", "mentions", "claims", "stances"):
        ds = datasets.load_dataset(str(tmp_path / "dist"), config, streaming=True,
                                   cache_dir=str(tmp_path / "cache"))
        counts[config] = sum(1 for split in ds.values() for _ in split)
    golds = [json.loads(p.read_text()) for p in sorted(synthetic.glob("annotations/*/gold.json"))]
    assert counts == {"documents": 700} | {key: sum(len(g[key]) for g in golds)
                                           for key in ("mentions", "claims", "stances")}
    ds = datasets.load_dataset(str(tmp_path / "dist"), streaming=True,
                               cache_dir=str(tmp_path / "cache"))
    doc = next(iter(ds["train"]))
    m = doc["mentions"][0]
    assert doc["text"][m["start"]:m["end"]] == m["text"]


def test_parallel_validation_reports_what_serial_does(synthetic: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "c"
    shutil.copytree(synthetic, broken)
    for k in (3, 400, 650):  # errors in different chunks
        p = broken / "annotations" / f"synthetic-{k:07d}" / "gold.json"
        p.write_text(p.read_text().replace('"start": ', '"start": 1', 1))
    serial, parallel = validate(broken, jobs=1), validate(broken, jobs=2)
    assert not serial.valid and serial.to_dict() == parallel.to_dict()
    assert {p.path for p in serial.problems if p.level.value == "error"} == {
        f"annotations/synthetic-{k:07d}/gold.json" for k in (3, 400, 650)}


def test_ls_bench_smoke(ls_server: LSServer, tmp_path: Path) -> None:
    """The Label Studio round-trip benchmark runs end to end against the tests' server, in
    projects of its own that it deletes, with no margin to wait for (tiny N: the figures'
    shape, not timings)."""
    out = tmp_path / "ls.json"
    proc = subprocess.run([sys.executable, str(BENCH / "ls_bench.py"), "3", "--work",
                           str(tmp_path / "w"), "--json", str(out), "--url", ls_server.url,
                           "--margin", "0"], capture_output=True, text=True, timeout=900,
                          env=ls_server.env)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    figures = json.loads(out.read_text())
    assert figures["n"] == 3 and set(figures["targets"]) == {"push", "pull", "incremental_pull",
                                                             "convert_vs_parse"}
    assert figures["margin_s"] == 0 and figures["database"] == "the server at --url"
    assert figures["incremental_pull"]["changed"] == 3  # all of them, at N = 3
    assert figures["incremental_pull"]["tasks_exported"] == 3
    assert {"server export", "download", "parse", "convert", "write + validate"} <= set(
        figures["pull_steps"])
    assert "where a pull's time goes" in proc.stdout
    with ls_server.client() as client:
        assert not [p.title for p in client.projects.list()
                    if p.title.startswith("claimstance-bench-")]


def test_quality_bench_scaling_smoke(tmp_path: Path) -> None:
    """--scaling at tiny sizes: every stage of both measurements, and the targets' shape
    (their values are measurements, so only their shape is checked)."""
    out = tmp_path / "scaling.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "quality_bench.py"), "--scaling", "--spans", "20", "40",
         "--layers", "3", "51", "52", "--work", str(tmp_path / "w"), "--reps", "1",
         "--json", str(out)], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    figures = json.loads(out.read_text())
    assert [r["n"] for r in figures["spans"]] == [20, 40]
    assert [(r["k"], r["left_out"]) for r in figures["layers"]] == [
        (3, False), (51, True), (52, True)]
    assert figures["layers"][0]["pairs"] == 3 and "us_per_pair" in figures["layers"][0]["agree"]
    assert set(figures["targets"]) == {"agree memory", "score memory", "agree layers",
                                       "build layers"}
    assert all(isinstance(t["pass"], bool) for t in figures["targets"].values())
    assert "MiB above floor / 1,000 spans" in proc.stdout and "(left out)" in proc.stdout


@pytest.mark.postgres
@pytest.mark.labelstudio
def test_ls_load_smoke(tmp_path: Path) -> None:
    """The team benchmark runs end to end, small: a throwaway PostgreSQL, Label Studio on
    it, a few annotators at once while pulls run, the corpus checked against the server, and
    both faults recovered from (the figures' shape and the checks, not timings). Its pulls
    have a margin of 5 s, not a minute (which would have every pull of so short a run ask
    for every task again): what is saved while one pull runs must still reach a later one."""
    from claimstance.labelstudio.server import ensure_venv

    ensure_venv(quiet=True)
    out = tmp_path / "load.json"
    proc = subprocess.run([sys.executable, str(BENCH / "ls_load.py"), "--annotators", "3",
                           "--ops", "30", "--docs", "12", "--work", str(tmp_path / "w"),
                           "--json", str(out), "--margin", "5"], capture_output=True,
                          text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    f = json.loads(out.read_text())
    assert f["margin_s"] == 5 and f["pulls during the load"] >= 1
    assert f["incremental pulls equal one full pull"]
    assert f["operations"] + f["failed operations"] == 30 and f["pass"]
    assert (f["lost"], f["duplicated"], f["skipped, drafted or cancelled but written"]) == (
        0, 0, 0)
    assert f["expected layers"] == f["layers in the corpus"] > 0 and f["status matches"]
    kill = f["kill Label Studio during a pull"]
    assert kill["recovered"] and kill["pull exit code"] == 1 and kill["corpus unchanged"]
    restart = f["restart PostgreSQL during a push"]
    assert restart["recovered"] and restart["documents with two tasks"] == 0
    for line in ("lost = 0", "duplicated = 0", "server 5xx = ", "operations per second"):
        assert line in proc.stdout
