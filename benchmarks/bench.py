"""Measure validation, build and loading against the cost of just reading the corpus.

    python benchmarks/bench.py N [--work DIR] [--json FILE] [--reps R]

Every figure is a ratio against a floor measured in the same run on the same corpus (read
and orjson-parse every file, one process), so a slow or busy machine moves the floor and
the figures together. Corpora come from `synth.py` in three mixes, and every figure names
its mix:
- realistic: warnings on most layers, several annotators on 30% of documents, 1% errors
  (what `validate` meets: its targets are measured on it);
- valid: the same without the errors (a corpus with errors does not build: the build and
  load targets are measured on it);
- clean: gold only, no problems (for reference: the best case).
Every file of every mix is written in one of the writers' styles `synth.py` knows (the
corpus's own, json.dump indent 4 with ASCII escapes, tabs and CRLF, one line, orjson indent
2, a hand edit), chosen by its path's hash.

The cache (`corpus/cache.py`) is the benchmark's own folder (`--work`/cache). "cold": no
document validated or built, the texts' sentences and tokens and the seeds' near-duplicate
index cached (the state after a change to the code: both depend on their own code, and
texts never change); "empty": nothing at all (once, for reference: spaCy segments every
text, every seed gets its near-duplicate signature); "after
validate": cold, then `validate` (not timed), then the build; "one file changed": a
claim's type changed in one gold layer of a corpus built just before. Each stage runs in
its own process (output to a file), so peak RSS is that stage's own. Targets (from the
scale issues) are printed as PASS/FAIL; tests never assert on timings.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GIB = 1024**3
STYLES = "own, json-indent4, tabs-crlf, one-line, orjson-indent2, hand-edit"
TARGETS = {  # name -> (limit, what)
    "validate": (3.0, "validate, cold cache, <= 3x the floor (realistic mix, mixed styles)"),
    "build": (5.0, "build, cold cache (texts segmented), <= 5x the floor (valid mix)"),
    "after_validate": (3.0, "build right after validate <= 3x the floor (valid mix)"),
    "rebuild": (3.0, "rebuild after one file changed <= 3x the floor (valid mix)"),
    "peak_rss": (1.0 * GIB, "peak RSS of every stage <= 1 GiB"),
    "located": (0, "every problem in a file carries its line and column (realistic mix)"),
    "one_file": (1.5, "one changed file in N docs <= 1.5x in a one-doc corpus"),
    "lean_imports": (0, "--help and validate import neither datasets nor pyarrow"),
}

FLOOR = """
import os, sys, orjson
root = sys.argv[1]
n = 0
for name in sorted(os.listdir(os.path.join(root, "seeds"))):
    with open(os.path.join(root, "seeds", name), "rb") as f:
        orjson.loads(f.read()); n += 1
adir = os.path.join(root, "annotations")
for d in sorted(os.listdir(adir)):
    for name in sorted(os.listdir(os.path.join(adir, d))):
        with open(os.path.join(adir, d, name), "rb") as f:
            orjson.loads(f.read()); n += 1
print(n)
"""

ONE_FILE = """
import sys, time
from claimstance.validation.run import validate
reps, pairs = int(sys.argv[1]), [(sys.argv[i], sys.argv[i + 1]) for i in (2, 4)]
best = [float("inf")] * len(pairs)
for _ in range(reps):  # interleaved, so drift on a shared machine hits both alike
    for k, (root, path) in enumerate(pairs):
        t = time.perf_counter()
        r = validate(root, [path])
        best[k] = min(best[k], time.perf_counter() - t)
        assert r.annotations == 1, r.to_dict()
print(*best)
"""

IMPORTS = """
import sys
from claimstance.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(m for m in ("datasets", "pyarrow") if m in sys.modules)
print(",".join(heavy), file=sys.stderr)
"""

SEGMENT = """
import os, sys, orjson
from claimstance.corpus.segments import segments_many
seeds = os.path.join(sys.argv[1], "seeds")
names = sorted(os.listdir(seeds))
for i in range(0, len(names), 1000):
    segments_many([orjson.loads(open(os.path.join(seeds, n), "rb").read())["text"]
                   for n in names[i:i + 1000]])
"""

LOAD = """
import sys
import datasets
datasets.disable_progress_bars()
datasets.logging.set_verbosity_error()
n = 0
for config in datasets.get_dataset_config_names(sys.argv[1]):
    ds = datasets.load_dataset(sys.argv[1], config, cache_dir=sys.argv[2])
    n += sum(len(s) for s in ds.values())
print(n)
"""


def stage(name: str, args: list[str], ok: tuple[int, ...] = (0,),
          cache: Path | None = None) -> dict[str, Any]:
    """Run one stage in its own process; wait4 gives that process's own peak RSS. Output
    goes to files, never pipes (a pipe nobody reads blocks a chatty stage). `cache`: the
    cache folder the stage uses (None: no cache, CLAIMSTANCE_NO_CACHE=1)."""
    env = os.environ | ({"XDG_CACHE_HOME": str(cache), "CLAIMSTANCE_NO_CACHE": "0"}
                        if cache else {"CLAIMSTANCE_NO_CACHE": "1"})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if os.waitstatus_to_exitcode(status) not in ok:
        raise SystemExit(f"{name} failed: {' '.join(args)}\n{stdout[-1000:]}\n{stderr[-2000:]}")
    return {"seconds": secs, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_rss": usage.ru_maxrss * 1024, "stdout": stdout, "stderr": stderr}


def corpus(work: Path, n: int, mix: str) -> Path:
    """The synthetic corpus of n documents in a mix (files in mixed writers' styles),
    written once and kept in `work`."""
    root = work / f"{mix}-styles-{n}"
    if not (root / ".complete").is_file():
        shutil.rmtree(root, ignore_errors=True)
        print(f"writing a {mix} synthetic corpus of {n} documents to {root}", file=sys.stderr)
        stage("synth", [sys.executable, str(HERE / "synth.py"), str(n), str(root), "--mix", mix])
        (root / ".complete").write_text("")
    return root


CHANGED = "annotations/synthetic-0000000/gold.json"  # the file "one file changed" edits


CLAIM_TYPES = ("fact", "accusation", "evaluation", "intention")


def change_one_file(root: Path, k: int) -> None:
    """A contributor's edit of one gold layer: its first claim's type becomes the next
    one (the corpus stays valid; the file is written in the corpus's own style)."""
    from claimstance.corpus.writing import dumps

    path = root / CHANGED
    layer = json.loads(path.read_bytes())
    claim = layer["claims"][0]
    claim["type"] = CLAIM_TYPES[(CLAIM_TYPES.index(claim["type"]) + 1) % len(CLAIM_TYPES)]
    path.write_bytes(dumps(layer))


def bench(n: int, work: Path, reps: int = 3) -> dict[str, Any]:
    py = sys.executable
    cli = [py, "-m", "claimstance"]
    roots = {mix: corpus(work, n, mix) for mix in ("realistic", "valid", "clean")}
    one = corpus(work, 1, "clean")
    cache = work / "cache"
    segmented = work / "cache-segmented"  # the texts' sentences and tokens, seeds' signatures

    def empty_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    def cold_cache(k: int = 0) -> None:
        """Nothing validated or built yet; the texts segmented and the seeds' near-duplicate
        signatures indexed (as after a change to the code: both depend on their own code
        only, and texts never change)."""
        empty_cache()
        shutil.copytree(segmented, cache)

    shutil.rmtree(segmented, ignore_errors=True)  # the synth mixes share their texts
    stage("segment", [py, "-c", SEGMENT, str(roots["valid"])], cache=segmented)
    indexed = work / "cache-indexed"
    shutil.rmtree(indexed, ignore_errors=True)
    for root in roots.values():  # each corpus's near-duplicate index (not timed)
        stage("index", [*cli, "validate", "--root", str(root), "--quiet"], (0, 1), indexed)
    shutil.copytree(indexed / "claimstance" / "neardup", segmented / "claimstance" / "neardup")
    shutil.rmtree(indexed)

    def best(name: str, args: list[str], ok: tuple[int, ...] = (0,), *,
             before: Callable[[int], Any] | None = None, cached: bool = True,
             ) -> dict[str, Any]:
        runs = []
        for k in range(reps):
            if before is not None:
                before(k)
            runs.append(stage(name, args, ok, cache if cached else None))
        top = min(runs, key=lambda r: r["seconds"])
        top["peak_rss"] = max(r["peak_rss"] for r in runs)
        return top

    rows: list[dict[str, Any]] = []
    floors: dict[str, float] = {}
    validated: dict[str, Any] = {}
    for mix in ("realistic", "valid", "clean"):
        root = roots[mix]
        stage("floor", [py, "-c", FLOOR, str(root)])  # warm the page cache once
        floor = best("floor", [py, "-c", FLOOR, str(root)], cached=False)
        floors[mix] = floor["seconds"]
        rows.append({"stage": "floor (read + parse)", "mix": mix} | floor)
        validate = [*cli, "validate", "--root", str(root), "--quiet", "--format", "json"]
        if mix in ("realistic", "clean"):
            v = best("validate", validate, (0, 1), before=cold_cache)
            validated[mix] = json.loads(v["stdout"])
            rows.append({"stage": "validate, cold cache", "mix": mix} | v)
            if mix == "realistic":
                warm = best("validate", validate, (0, 1))
                rows.append({"stage": "validate, warm cache", "mix": mix} | warm)
                empty_cache()  # once: every seed's near-duplicate signature made too
                rows.append({"stage": "validate, empty cache", "mix": mix}
                            | stage("validate", validate, (0, 1), cache))
        if mix in ("valid", "clean"):
            dist = work / f"dist-{mix}-{n}"
            shutil.rmtree(dist, ignore_errors=True)  # a build by another version is not "ours"
            build = [*cli, "build", "--root", str(root), "--out", str(dist), "--quiet",
                     "--format", "json"]
            b = best("build", build, before=cold_cache)
            rows.append({"stage": "build, cold cache", "mix": mix} | b)
            if mix == "valid":
                def after_validate(k: int, validate: list[str] = validate) -> None:
                    cold_cache()
                    stage("validate", validate, (0, 1), cache)

                rows.append({"stage": "build after validate", "mix": mix}
                            | best("build", build, before=after_validate))
                original = (root / CHANGED).read_bytes()
                rows.append({"stage": "build, one file changed", "mix": mix}
                            | best("build", build, before=partial(change_one_file, root)))
                (root / CHANGED).write_bytes(original)
                empty_cache()  # once (it takes long): segmentation included
                rows.append({"stage": "build, empty cache", "mix": mix}
                            | stage("build", build, cache=cache))
                hf = work / "hf-cache"
                shutil.rmtree(hf, ignore_errors=True)
                load = stage("load_dataset", [py, "-c", LOAD, str(dist), str(hf)])
                rows.append({"stage": "load_dataset, all configs", "mix": mix} | load)
                shutil.rmtree(hf, ignore_errors=True)
    empty_cache()
    shutil.rmtree(segmented, ignore_errors=True)

    target = "annotations/synthetic-0000000/gold.json"
    timed = stage("one_file", [py, "-c", ONE_FILE, "50", str(roots["clean"]),
                               str(roots["clean"] / target), str(one), str(one / target)])
    in_big, in_small = map(float, timed["stdout"].split())

    heavy = {}
    for label, argv in (("--help", ["--help"]),
                        ("validate", ["validate", "--root", str(one), "--quiet"])):
        heavy[label] = stage("imports", [py, "-c", IMPORTS, *argv])["stderr"].strip()

    real = validated["realistic"]
    unlocated = sum(1 for p in real["problems"] if p["pointer"] and p["line"] is None)
    figures: dict[str, Any] = {
        "n": n, "styles": STYLES, "floors": {k: round(v, 3) for k, v in floors.items()},
        "stages": [{"stage": r["stage"], "mix": r["mix"], "seconds": round(r["seconds"], 3),
                    "us_per_doc": round(r["seconds"] / n * 1e6, 1),
                    "ratio_to_floor": round(r["seconds"] / floors[r["mix"]], 2),
                    "cpu_seconds": round(r["cpu_seconds"], 3),
                    "peak_rss_mib": round(r["peak_rss"] / 2**20, 1)} for r in rows],
        "problems": {"realistic": real["stats"]},
        "one_file": {"seconds_in_n": in_big, "seconds_in_one": in_small,
                     "ratio": round(in_big / in_small, 2)},
        "heavy_imports": heavy,
    }

    def ratio(stage_: str, mix: str) -> float:
        return float(next(r["ratio_to_floor"] for r in figures["stages"]
                          if r["stage"] == stage_ and r["mix"] == mix))

    checks = {
        "validate": ratio("validate, cold cache", "realistic"),
        "build": ratio("build, cold cache", "valid"),
        "after_validate": ratio("build after validate", "valid"),
        "rebuild": ratio("build, one file changed", "valid"),
        "peak_rss": max(r["peak_rss"] for r in rows),
        "located": unlocated,
        "one_file": in_big / in_small,
        "lean_imports": sum(1 for v in heavy.values() if v),
    }
    figures["targets"] = {
        name: {"what": TARGETS[name][1], "value": round(v, 2) if isinstance(v, float) else v,
               "limit": TARGETS[name][0], "pass": v <= TARGETS[name][0]}
        for name, v in checks.items()
    }
    figures["pass"] = all(t["pass"] for t in figures["targets"].values())
    return figures


def render(f: dict[str, Any]) -> str:
    lines = [f"N = {f['n']} documents; floors (read + orjson-parse every file): "
             + ", ".join(f"{mix} {s:.3f} s" for mix, s in f["floors"].items()),
             f"every mix in mixed writers' styles (each file one of: {f['styles']})", "",
             f"{'stage':<27}{'mix':<11}{'seconds':>9}{'µs/doc':>9}{'x floor':>9}"
             f"{'peak RSS':>13}{'CPU s':>9}"]
    for s in f["stages"]:
        lines.append(f"{s['stage']:<27}{s['mix']:<11}{s['seconds']:>9.3f}{s['us_per_doc']:>9.1f}"
                     f"{s['ratio_to_floor']:>9.2f}{s['peak_rss_mib']:>9.1f} MiB"
                     f"{s['cpu_seconds']:>9.2f}")
    p = f["problems"]["realistic"]
    o = f["one_file"]
    lines += ["", f"realistic mix: {p['files']} files, {p['errors']} errors, {p['warnings']} "
              "warnings", f"one changed file: {o['seconds_in_n'] * 1e3:.2f} ms in N docs vs "
              f"{o['seconds_in_one'] * 1e3:.2f} ms in 1 doc (x{o['ratio']})",
              "heavy imports: " + ", ".join(f"{k}: {v or 'none'}"
                                              for k, v in f["heavy_imports"].items()), ""]
    for name, t in f["targets"].items():
        value = (f"{t['value'] / GIB:.2f} GiB" if name == "peak_rss" else str(t["value"]))
        lines.append(f"{'PASS' if t['pass'] else 'FAIL'}  {t['what']} (measured {value})")
    return "\n".join(lines)


def finish(figures: dict[str, Any], render: Callable[[dict[str, Any]], str],
           json_path: Path | None) -> int:
    """Print the figures for people (and write them for programs): exit 1 on any FAIL."""
    print(render(figures))
    if json_path:
        json_path.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["pass"] else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark claimstance against the read floor.",
                                 epilog="example: python benchmarks/bench.py 100000 "
                                        "--json bench.json")
    ap.add_argument("n", type=int, help="documents in each synthetic corpus")
    ap.add_argument("--work", type=Path, default=Path(".bench"),
                    help="folder for the corpora (kept between runs) and the builds")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--reps", type=int, default=3, help="runs per timed stage (best is kept)")
    args = ap.parse_args(argv)
    if args.n < 1 or args.reps < 1:
        ap.error("N and --reps must be at least 1")
    return finish(bench(args.n, args.work.absolute(), args.reps), render, args.json)


if __name__ == "__main__":
    sys.exit(main())
