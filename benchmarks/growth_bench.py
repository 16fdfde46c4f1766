"""Growing the corpus at scale: bulk ingest, near-duplicate detection, one new article.

    python benchmarks/growth_bench.py N [--work DIR] [--json FILE] [--reps R]

N news-like articles are generated (`news.py`: pairs of articles on one story in other
words; every tenth article an edited copy of another: a byline added, paragraphs swapped,
a sentence corrected, whitespace changed), written as one JSON Lines file, then:

1. `claimstance ingest --from articles.jsonl` into an empty corpus, end to end as a user
   runs it (target <= 5 minutes at N = 100,000);
2. near-duplicate detection over the N seeds with no index kept from before (every
   signature made again; target <= 2 minutes and peak RSS <= 2 GiB at N = 100,000);
3. `claimstance ingest new.txt` of one more article into the N-document corpus, with the
   index the detection kept (target <= 2 s; best of R articles, one of them a
   near-duplicate).

Each stage runs in its own process (peak RSS is its own) and is also given as a ratio to a
floor measured in the same run: reading and orjson-parsing the input (stage 1) or every seed
(stages 2, 3). The pairs found must be exactly the planted ones (near-duplicates are exact,
not estimated). Figures print with PASS/FAIL; tests never assert on timings.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import GIB, finish, stage  # noqa: E402  (the process-per-stage runner of bench.py)
from news import EDITS, Story, article, title  # noqa: E402

TARGETS = {"ingest": 300.0, "detect": 120.0, "detect_rss": 2.0 * GIB, "one_new": 2.0}
EVERY = 10  # one article in EVERY is an edited copy of the one EVERY // 2 before it

FLOOR_JSONL = """
import sys, orjson
n = 0
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        orjson.loads(line); n += 1
print(n)
"""

FLOOR_SEEDS = """
import os, sys, orjson
d = os.path.join(sys.argv[1], "seeds")
for name in sorted(os.listdir(d)):
    with open(os.path.join(d, name), "rb") as f:
        orjson.loads(f.read())
"""

DETECT = """
import sys
from claimstance.corpus.layout import Corpus
from claimstance.corpus.neardup import refresh
index = refresh(Corpus.at(sys.argv[1]), float(sys.argv[2]))
print("\\n".join(f"{p.a} {p.b}" for p in index.named_pairs()))
"""


def row(k: int) -> dict[str, Any]:
    """Article k: the story of k // 2 in k's own words, or an edited copy of article k - 5."""
    base = k - EVERY // 2 if k % EVERY == EVERY - 1 else k
    story = Story.make(base // 2)
    text = article(story, base)
    if base != k:
        text = EDITS[(k // EVERY) % len(EDITS)](text)
    return {"id": f"news-{k:07d}", "title": title(story, base), "text": text,
            "source": "Bench Wire", "published": f"2026-{1 + k % 12:02d}-{1 + k % 28:02d}",
            "license": "cc-by-4.0"}


def planted(n: int) -> set[tuple[str, str]]:
    return {(f"news-{k - EVERY // 2:07d}", f"news-{k:07d}") for k in range(n)
            if k % EVERY == EVERY - 1}


def articles(work: Path, n: int) -> Path:
    """The N articles as JSON Lines, written once and kept in `work`."""
    path = work / f"articles-{n}.jsonl"
    done = path.with_suffix(".complete")
    if not (done.is_file() and path.is_file()):  # a marker whose file was removed: again
        print(f"writing {n} articles to {path}", file=sys.stderr)
        with path.open("w", encoding="utf-8") as fh:
            for k in range(n):
                fh.write(json.dumps(row(k), ensure_ascii=False) + "\n")
        done.write_text("")
    return path


def bench(n: int, work: Path, reps: int) -> dict[str, Any]:
    py = sys.executable
    cli = [py, "-m", "claimstance"]
    work.mkdir(parents=True, exist_ok=True)
    src = articles(work, n)
    root = work / f"growth-corpus-{n}"
    shutil.rmtree(root, ignore_errors=True)
    (root / "seeds").mkdir(parents=True)
    caches = {name: work / f"cache-{name}" for name in ("ingest", "detect")}
    for c in caches.values():
        shutil.rmtree(c, ignore_errors=True)

    floor_in = stage("floor (read + parse the input)", [py, "-c", FLOOR_JSONL, str(src)])
    ingest = stage("ingest", [*cli, "ingest", "--from", str(src), "--root", str(root),
                              "--quiet", "--added", "2026-11-25", "--format", "json"],
                   cache=caches["ingest"])
    summary = json.loads(ingest["stdout"])
    floor_seeds = stage("floor (read + parse the seeds)", [py, "-c", FLOOR_SEEDS, str(root)])
    detect = stage("detect", [py, "-c", DETECT, str(root), "0.7"], cache=caches["detect"])
    if not any(caches["detect"].glob("claimstance/neardup/*.index")):  # else stage 3 is 2 again
        raise SystemExit("the detection kept no near-duplicate index: the one new article "
                         "would be measured against a cold index")
    found = {tuple(line.split()) for line in detect["stdout"].splitlines() if line}
    news = []
    for r in range(reps):  # each in the warm index the detection kept
        new = work / f"new-{r}.txt"
        k = n + r
        text = article(Story.make(10**7 + k), k) if r else EDITS[0](row(0)["text"])
        new.write_text(text, encoding="utf-8")
        news.append(stage("one new article", [*cli, "ingest", str(new), "--id",
                                              f"bench-new-{r}", "--root", str(root),
                                              "--added", "2026-11-25"],
                          cache=caches["detect"]))
    one = min(news, key=lambda s: s["seconds"])
    near_ingest = sum(p["code"] == "near-duplicate" for p in summary["problems"])
    want = planted(n)
    stages = [
        ("floor: read + parse the input", floor_in, floor_in),
        ("ingest --from (N articles)", ingest, floor_in),
        ("floor: read + parse the seeds", floor_seeds, floor_seeds),
        ("near-duplicates, no index", detect, floor_seeds),
        ("ingest one new article", one, floor_seeds),
    ]
    figures: dict[str, Any] = {
        "n": n, "reps": reps,
        "stages": [{"stage": name, "seconds": s["seconds"], "cpu_seconds": s["cpu_seconds"],
                    "ratio_to_floor": round(s["seconds"] / max(floor["seconds"], 1e-9), 2),
                    "peak_rss_mib": round(s["peak_rss"] / 2**20, 1)}
                   for name, s, floor in stages],
        "load_average": os.getloadavg(),
        "written": len(summary["written"]), "planted_pairs": len(want),
        "pairs_found_by_ingest": near_ingest, "pairs_found": len(found),
        "one_new_seconds": [round(s["seconds"], 3) for s in news],
    }
    checks = {
        "ingest": (ingest["seconds"], TARGETS["ingest"],
                   "ingest of N generated articles <= 5 minutes"),
        "detect": (detect["seconds"], TARGETS["detect"],
                   "near-duplicate detection over N documents <= 2 minutes"),
        "detect_rss": (detect["peak_rss"], TARGETS["detect_rss"],
                       "near-duplicate detection peak RSS <= 2 GiB"),
        "one_new": (one["seconds"], TARGETS["one_new"],
                    "one new article against the N-document corpus <= 2 s"),
    }
    figures["targets"] = {name: {"what": what, "value": round(v, 3), "limit": limit,
                                 "pass": v <= limit} for name, (v, limit, what) in checks.items()}
    figures["targets"]["exact"] = {
        "what": "the pairs found (by ingest and by detection) are exactly the planted ones",
        "value": f"{len(found)} and {near_ingest} of {len(want)}", "limit": None,
        "pass": found == want and near_ingest == len(want) and len(summary["written"]) == n}
    figures["pass"] = all(t["pass"] for t in figures["targets"].values())
    return figures


def render(f: dict[str, Any]) -> str:
    load = ", ".join(f"{x:.1f}" for x in f["load_average"])
    lines = [f"N = {f['n']} articles ({f['planted_pairs']} planted near-duplicate pairs); "
             f"load average at the end {load}", "",
             f"{'stage':<34}{'seconds':>9}{'CPU s':>9}{'µs/doc':>9}{'x floor':>9}"
             f"{'peak RSS':>13}"]
    for s in f["stages"]:
        lines.append(f"{s['stage']:<34}{s['seconds']:>9.3f}{s['cpu_seconds']:>9.3f}"
                     f"{s['seconds'] / f['n'] * 1e6:>9.1f}{s['ratio_to_floor']:>9.2f}"
                     f"{s['peak_rss_mib']:>9.1f} MiB")
    lines += ["", f"one new article, each run (s): {f['one_new_seconds']}", ""]
    for name, t in f["targets"].items():
        value = f"{t['value'] / GIB:.2f} GiB" if name == "detect_rss" else str(t["value"])
        lines.append(f"{'PASS' if t['pass'] else 'FAIL'}  {t['what']} (measured {value})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark bulk ingest and near-duplicates.",
                                 epilog="example: nice python benchmarks/growth_bench.py "
                                        "100000 --json growth.json")
    ap.add_argument("n", type=int, help="articles to generate and ingest")
    ap.add_argument("--work", type=Path, default=Path(".bench"),
                    help="folder for the articles (kept between runs) and the corpus")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--reps", type=int, default=3, help="new articles ingested one by one")
    args = ap.parse_args(argv)
    if args.n < EVERY or args.reps < 1:
        ap.error(f"N must be at least {EVERY} and --reps at least 1")
    return finish(bench(args.n, args.work.absolute(), args.reps), render, args.json)


if __name__ == "__main__":
    sys.exit(main())
