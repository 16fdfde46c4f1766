"""Measure validation, build and loading against the cost of just reading the corpus.

    python benchmarks/bench.py N [--work DIR] [--json FILE]

Every figure is a ratio against a floor measured in the same run (read and parse every file
with orjson), so a slow or busy machine moves the floor and the figures together. Each stage
runs in its own process, so peak RSS is that stage's own. Targets (from the scale issue) are
checked here and printed as PASS/FAIL; tests never assert on timings.
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
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GIB = 1024**3
TARGETS = {  # name -> (figure, limit, what)
    "validate": ("ratio", 2.0, "full validation <= 2x the floor"),
    "build": ("ratio", 3.0, "full build <= 3x the floor"),
    "peak_rss": ("bytes", 1.5 * GIB, "peak RSS of every stage <= 1.5 GiB"),
    "one_file": ("ratio", 1.5, "one changed file in N docs <= 1.5x in a one-doc corpus"),
    "lean_imports": ("bool", 0, "--help and validate import neither datasets nor pyarrow"),
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
        assert r.valid and r.annotations == 1, r.to_dict()
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

LOAD = """
import sys
import datasets
from claimstance.dataset.features import CONFIGS
datasets.disable_progress_bars()
datasets.logging.set_verbosity_error()
n = 0
for config in CONFIGS:
    ds = datasets.load_dataset(sys.argv[1], config, cache_dir=sys.argv[2])
    n += sum(len(s) for s in ds.values())
print(n)
"""


def stage(name: str, args: list[str]) -> dict[str, Any]:
    """Run one stage in its own process; wait4 gives that process's own peak RSS."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        # files, not pipes: a stage that prints more than a pipe holds (validate's JSON on a
        # corpus with warnings) would block on a pipe nobody reads until it exits
        t = time.perf_counter()
        proc = subprocess.Popen(args, stdout=fo, stderr=fe)
        _, status, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - t
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read().decode(), fe.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed: {' '.join(args)}\n{out[-1000:]}\n{err[-2000:]}")
    return {"seconds": secs, "peak_rss": usage.ru_maxrss * 1024, "stdout": out, "stderr": err}


def bench(n: int, work: Path, reps: int = 3) -> dict[str, Any]:
    py = sys.executable
    corpus = work / f"corpus-{n}"
    if not (corpus / ".complete").is_file():
        shutil.rmtree(corpus, ignore_errors=True)
        print(f"writing a synthetic corpus of {n} documents to {corpus}", file=sys.stderr)
        stage("synth", [py, str(HERE / "synth.py"), str(n), str(corpus), "--mix", "valid"])
        (corpus / ".complete").write_text("")
    one = work / "corpus-1"
    if not (one / ".complete").is_file():
        shutil.rmtree(one, ignore_errors=True)
        stage("synth", [py, str(HERE / "synth.py"), "1", str(one)])
        (one / ".complete").write_text("")

    # Warm the page cache once, then take the best of `reps` for each timed stage.
    stage("floor", [py, "-c", FLOOR, str(corpus)])
    results: dict[str, Any] = {}

    def best(name: str, args: list[str]) -> dict[str, Any]:
        runs = [stage(name, args) for _ in range(reps)]
        top = min(runs, key=lambda r: r["seconds"])
        top["peak_rss"] = max(r["peak_rss"] for r in runs)
        return top

    results["floor"] = best("floor", [py, "-c", FLOOR, str(corpus)])
    cli = [py, "-m", "claimstance"]
    results["validate"] = best("validate", [*cli, "validate", "--root", str(corpus), "--quiet",
                                            "--format", "json"])
    dist = work / f"dist-{n}"
    results["build"] = best("build", [*cli, "build", "--root", str(corpus), "--out", str(dist),
                                      "--quiet", "--format", "json"])
    cache = work / "hf-cache"
    shutil.rmtree(cache, ignore_errors=True)
    results["load_dataset"] = stage("load_dataset", [py, "-c", LOAD, str(dist), str(cache)])
    shutil.rmtree(cache, ignore_errors=True)

    target = "annotations/synthetic-0000000/gold.json"
    timed = stage("one_file", [py, "-c", ONE_FILE, "50", str(corpus), str(corpus / target),
                               str(one), str(one / target)])
    in_big, in_small = map(float, timed["stdout"].split())
    one_ratio = in_big / in_small

    heavy = {}
    for label, argv in (("--help", ["--help"]),
                        ("validate", ["validate", "--root", str(one), "--quiet"])):
        heavy[label] = stage("imports", [py, "-c", IMPORTS, *argv])["stderr"].strip()

    floor = results["floor"]["seconds"]
    figures: dict[str, Any] = {"n": n, "floor_seconds": floor, "stages": {}}
    for name, r in results.items():
        figures["stages"][name] = {
            "seconds": round(r["seconds"], 3),
            "us_per_doc": round(r["seconds"] / n * 1e6, 1),
            "ratio_to_floor": round(r["seconds"] / floor, 2),
            "peak_rss_mib": round(r["peak_rss"] / 2**20, 1),
        }
    figures["one_file"] = {"seconds_in_n": in_big, "seconds_in_one": in_small,
                           "ratio": round(one_ratio, 2)}
    figures["heavy_imports"] = heavy
    peak = max(r["peak_rss"] for r in results.values())
    checks = {
        "validate": results["validate"]["seconds"] / floor,
        "build": results["build"]["seconds"] / floor,
        "peak_rss": peak,
        "one_file": one_ratio,
        "lean_imports": sum(1 for v in heavy.values() if v),
    }
    figures["targets"] = {
        name: {"what": TARGETS[name][2], "value": round(v, 2) if isinstance(v, float) else v,
               "limit": TARGETS[name][1], "pass": v <= TARGETS[name][1]}
        for name, v in checks.items()
    }
    figures["pass"] = all(t["pass"] for t in figures["targets"].values())
    return figures


def render(f: dict[str, Any]) -> str:
    lines = [f"N = {f['n']} documents; floor (read + orjson-parse every file) = "
             f"{f['floor_seconds']:.3f} s", "",
             f"{'stage':<14}{'seconds':>10}{'µs/doc':>10}{'x floor':>9}{'peak RSS':>12}"]
    for name, s in f["stages"].items():
        lines.append(f"{name:<14}{s['seconds']:>10.3f}{s['us_per_doc']:>10.1f}"
                     f"{s['ratio_to_floor']:>9.2f}{s['peak_rss_mib']:>9.1f} MiB")
    o = f["one_file"]
    lines += ["", f"one changed file: {o['seconds_in_n'] * 1e3:.2f} ms in N docs vs "
              f"{o['seconds_in_one'] * 1e3:.2f} ms in 1 doc (x{o['ratio']})",
              "heavy imports: " + ", ".join(f"{k}: {v or 'none'}"
                                              for k, v in f["heavy_imports"].items()), ""]
    for name, t in f["targets"].items():
        value = (f"{t['value'] / GIB:.2f} GiB" if name == "peak_rss" else str(t["value"]))
        lines.append(f"{'PASS' if t['pass'] else 'FAIL'}  {t['what']} (measured {value})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark claimstance against the read floor.",
                                 epilog="example: python benchmarks/bench.py 100000 "
                                        "--json bench.json")
    ap.add_argument("n", type=int, help="documents in the synthetic corpus")
    ap.add_argument("--work", type=Path, default=Path(".bench"),
                    help="folder for the corpus (kept between runs) and the build")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--reps", type=int, default=3, help="runs per timed stage (best is kept)")
    args = ap.parse_args(argv)
    if args.n < 1 or args.reps < 1:
        ap.error("N and --reps must be at least 1")
    figures = bench(args.n, args.work.absolute(), args.reps)
    print(render(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
