"""Measure `agree` and `adjudicate` over corpora of growing size, against the read floor.

    python benchmarks/quality_bench.py [N ...] [--work DIR] [--json FILE] [--reps R]

For each N (default 1,000, 3,000 and 10,000 documents), a corpus from `synth.py --mix valid
--annotators 3` (every document has three annotator layers beside gold) is measured:
- the floor: read and orjson-parse every file (as in `bench.py`);
- `claimstance agree --format json` (reads only);
- `claimstance adjudicate --format json`, all documents, on a fresh copy of the corpus
  (adjudication writes): the first run, which writes a review file for every document with
  conflicts (in this corpus, all of them);
- the same again with `--prefer <an annotator> --force`, the re-run after a review: where
  that annotator has a layer (3 documents in 8) gold.json is written, elsewhere the review
  file is read back and stays as it was.
Each stage runs in its own process (output to files), so peak RSS is that stage's own; each
figure is also a ratio to the floor measured in the same run on the same corpus. The target
(from the scale issue) is linear time: for each command, µs per document at the largest N
over µs per document at the smallest must be at most 1.3 (PASS/FAIL). Tests never assert
on timings.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from bench import FLOOR, HERE, finish, stage
from synth import TEAM

ANNOTATORS = 3
LINEAR = 1.3  # µs per document at the largest N / at the smallest, at most
DEFAULT_NS = (1000, 3000, 10000)
PREFER = TEAM[0]


def corpus(work: Path, n: int) -> Path:
    """The corpus of n documents with three annotators each, written once and kept."""
    root = work / f"valid-{ANNOTATORS}ann-{n}"
    if not (root / ".complete").is_file():
        shutil.rmtree(root, ignore_errors=True)
        print(f"writing a synthetic corpus of {n} documents with {ANNOTATORS} annotators each "
              f"to {root}", file=sys.stderr)
        stage("synth", [sys.executable, str(HERE / "synth.py"), str(n), str(root), "--mix",
                        "valid", "--annotators", str(ANNOTATORS)])
        (root / ".complete").write_text("")
    return root


def fresh_copy(root: Path, work: Path) -> Path:
    """A copy of the corpus for adjudication to write into (not timed)."""
    copy = work / f"{root.name}-adjudicated"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy)
    return copy


def measure(n: int, work: Path, reps: int) -> dict[str, Any]:
    """Every stage at one N: the best of `reps` runs (peak RSS: the largest)."""
    py = sys.executable
    cli = [py, "-m", "claimstance"]
    root = corpus(work, n)
    runs: dict[str, list[dict[str, Any]]] = {}
    stage("floor", [py, "-c", FLOOR, str(root)])  # warm the page cache once
    for _ in range(reps):
        runs.setdefault("floor", []).append(stage("floor", [py, "-c", FLOOR, str(root)]))
        agree = stage("agree", [*cli, "agree", "--root", str(root), "--quiet", "--format",
                                "json"])
        if len(json.loads(agree["stdout"])["documents"]) != n:
            raise SystemExit(f"agree compared fewer than {n} documents")
        runs.setdefault("agree", []).append(agree)
        copy = fresh_copy(root, work)
        for name, extra in (("adjudicate", []),
                            ("adjudicate again, --prefer", ["--prefer", PREFER, "--force"])):
            done = stage(name, [*cli, "adjudicate", "--root", str(copy), "--quiet", *extra,
                                "--format", "json"], ok=(0, 1))  # 1: conflicts stay open
            counts = json.loads(done["stdout"])["counts"]
            if sum(counts.values()) != n or counts["refused"]:
                raise SystemExit(f"{name} did not adjudicate all {n} documents: {counts}")
            done["counts"] = counts
            runs.setdefault(name, []).append(done)
        shutil.rmtree(copy)
    floor = min(r["seconds"] for r in runs["floor"])
    stages = []
    for name, found in runs.items():
        best = min(found, key=lambda r: r["seconds"])
        stages.append({"stage": name, "seconds": round(best["seconds"], 3),
                       "us_per_doc": round(best["seconds"] / n * 1e6, 1),
                       "ratio_to_floor": round(best["seconds"] / floor, 2),
                       "peak_rss_mib": round(max(r["peak_rss"] for r in found) / 2**20, 1)}
                      | ({"counts": best["counts"]} if "counts" in best else {}))
    return {"n": n, "floor_seconds": round(floor, 3), "stages": stages}


def bench(ns: list[int], work: Path, reps: int = 3) -> dict[str, Any]:
    sizes = [measure(n, work, reps) for n in sorted(ns)]
    small, large = sizes[0], sizes[-1]
    linearity = {}
    for row in large["stages"]:
        name = row["stage"]
        if name == "floor":
            continue
        first = next(s for s in small["stages"] if s["stage"] == name)
        ratio = row["us_per_doc"] / first["us_per_doc"]
        linearity[name] = {"value": round(ratio, 2), "limit": LINEAR, "pass": ratio <= LINEAR,
                           "what": f"{name}: µs/doc at N={large['n']} over N={small['n']} "
                                   f"<= {LINEAR}"}
    floor = [next(s for s in size["stages"] if s["stage"] == "floor") for size in (small, large)]
    return {"annotators": ANNOTATORS, "prefer": PREFER, "sizes": sizes,
            "floor_linearity": round(floor[1]["us_per_doc"] / floor[0]["us_per_doc"], 2),
            "linearity": linearity,
            "pass": all(t["pass"] for t in linearity.values())}


def render(f: dict[str, Any]) -> str:
    lines = [f"synthetic corpora (valid mix), {f['annotators']} annotators per document", "",
             f"{'N':>7}  {'stage':<29}{'seconds':>9}{'µs/doc':>9}{'x floor':>9}"
             f"{'peak RSS':>13}"]
    for size in f["sizes"]:
        for s in size["stages"]:
            lines.append(f"{size['n']:>7}  {s['stage']:<29}{s['seconds']:>9.3f}"
                         f"{s['us_per_doc']:>9.1f}{s['ratio_to_floor']:>9.2f}"
                         f"{s['peak_rss_mib']:>9.1f} MiB")
        lines.append("")
    lines.append(f"the floor itself: µs/doc at the largest N over the smallest = "
                 f"{f['floor_linearity']} (drift of the machine, not of claimstance)")
    for t in f["linearity"].values():
        lines.append(f"{'PASS' if t['pass'] else 'FAIL'}  {t['what']} (measured {t['value']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark agree and adjudicate at growing N.",
                                 epilog="example: python benchmarks/quality_bench.py 1000 "
                                        "3000 10000 --json quality.json")
    ap.add_argument("n", type=int, nargs="*", default=list(DEFAULT_NS),
                    help="documents in each synthetic corpus (default: 1000 3000 10000)")
    ap.add_argument("--work", type=Path, default=Path(".bench"),
                    help="folder for the corpora (kept between runs) and their copies")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--reps", type=int, default=3, help="runs per timed stage (best is kept)")
    args = ap.parse_args(argv)
    if len(set(args.n)) < 2 or min(args.n) < 1 or args.reps < 1:
        ap.error("give two or more different N of at least 1, and --reps of at least 1")
    return finish(bench(args.n, args.work.absolute(), args.reps), render, args.json)


if __name__ == "__main__":
    sys.exit(main())
