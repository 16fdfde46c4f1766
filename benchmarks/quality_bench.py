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

    python benchmarks/quality_bench.py --scaling [--spans N ...] [--layers K ...]

measures instead how one document scales (the attack round's M11 and M12):
- spans: one text of 1,000 words with two annotator layers of N mentions each, 1 to 25 words
  long at random places, so that spans overlap densely (gold is the first layer, the second
  is also scored as predictions): `agree` and `score`, their peak RSS above the floor's
  (reading and parsing the same files) per 1,000 spans. Target: memory linear in the spans,
  i.e. that figure at the largest N over the smallest at most 1.5 (it grew with N: 16,000
  mentions took a gigabyte). Time grows with the pairs of spans that overlap, which is the matcher's
  definition, so it is reported, not held to a target.
- layers: one synthetic document with K annotator layers: `agree` and `build`. Agreement
  compares every pair of layers up to `MAX_LAYERS` (inherent to pairwise figures: reported
  as µs per pair) and leaves a document with more out, saying so. Target: above the limit,
  time linear in the layers: µs per layer at the largest K over the smallest K above the
  limit at most 1.5 (250 layers took 29 s, 1,000 did not finish).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import shutil
import sys
from pathlib import Path
from typing import Any

from bench import FLOOR, HERE, finish, stage
from synth import TEAM, _annotator, document

from claimstance.corpus.annotation import canonicalize, empty_provenance
from claimstance.corpus.document import sha256
from claimstance.corpus.writing import dumps
from claimstance.quality.agreement import MAX_LAYERS

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


# --- how one document scales: overlapping spans (M11), annotator layers (M12) ---------------

DEFAULT_SPANS = (2000, 4000, 8000, 16000)
DEFAULT_LAYERS = (10, 25, 50, 100, 250, 1000)
SCALING = 1.5  # the growth a target allows beyond linear


def _write_doc(root: Path, seed: dict[str, Any], layers: dict[str, dict[str, Any]]) -> None:
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "seeds" / f"{seed['id']}.json").write_bytes(dumps(seed))
    folder = root / "annotations" / seed["id"]
    folder.mkdir(parents=True, exist_ok=True)
    for name, layer in layers.items():
        (folder / f"{name}.json").write_bytes(dumps(canonicalize(layer)))
    (root / ".complete").write_text("")


def spans_corpus(work: Path, n: int) -> tuple[Path, Path]:
    """One text of 1,000 words; two annotator layers (and gold, the first one's copy) of n
    mentions each, 1 to 25 words long at random places; the second layer as predictions."""
    root = work / f"spans-{n}"
    pred = work / f"spans-{n}.jsonl"
    if (root / ".complete").is_file():
        return root, pred
    shutil.rmtree(root, ignore_errors=True)
    words = [f"w{i}" for i in range(1000)]
    text = " ".join(words) + "."
    starts = [0]
    for w in words[:-1]:
        starts.append(starts[-1] + len(w) + 1)
    seed = {"id": "dense-spans", "text": text, "sha256": sha256(text), "title": "dense spans",
            "source": None, "url": None, "published": None, "dateline": None,
            "language": "en", "license": None, "added": "2026-11-25"}
    layers: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(TEAM[:2]):
        rng = random.Random(k)
        mentions: list[dict[str, Any]] = []
        for i in range(n):
            first = rng.randrange(len(words) - 1)
            last = min(len(words) - 1, first + rng.randrange(25))
            start, end = starts[first], starts[last] + len(words[last])
            mentions.append({"id": f"m{i + 1}", "start": start, "end": end,
                             "text": text[start:end], "type": rng.choice(["GPE", "ORG"])})
        layers[name] = {"schema_version": "1.0",
                        "document": {"id": seed["id"], "sha256": seed["sha256"]},
                        "annotator": name, "status": "submitted",
                        "provenance": empty_provenance("manual"), "mentions": mentions,
                        "claims": [], "stances": []}
    layers["gold"] = dict(layers[TEAM[0]], annotator="gold", status="gold",
                          provenance=empty_provenance("manual") | {"sources": TEAM[:2]})
    pred.write_text(json.dumps({"doc_id": seed["id"], "mentions": [
        {k: m[k] for k in ("start", "end", "type")} for m in layers[TEAM[1]]["mentions"]]})
        + "\n")
    _write_doc(root, seed, layers)
    return root, pred


def layers_corpus(work: Path, k: int) -> Path:
    """Synthetic document 0 with k annotator layers (and its gold)."""
    root = work / f"layers-{k}"
    if (root / ".complete").is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    seed, gold = document(0)
    rng = random.Random(0)
    names = [f"a{i:010x}" for i in range(k)]
    layers = {name: _annotator(gold, seed["text"], name, rng) for name in names}
    gold["provenance"]["sources"] = names
    _write_doc(root, seed, layers | {"gold": gold})
    return root


def _written(write: Any, *args: Any) -> None:
    """Run a corpus writer in a child process: what it builds in memory never inflates this
    process, whose size every stage's process starts from (peak RSS counts it)."""
    child = multiprocessing.get_context("fork").Process(target=write, args=args)
    child.start()
    child.join()
    if child.exitcode:
        raise SystemExit(f"writing a corpus failed ({write.__name__}{args})")


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    best = min(runs, key=lambda r: r["seconds"])
    return {"seconds": round(best["seconds"], 3),
            "peak_rss_mib": round(max(r["peak_rss"] for r in runs) / 2**20, 1)}


def scaling(spans: list[int], layers: list[int], work: Path, reps: int) -> dict[str, Any]:
    """Every size of both measurements, each command the best of `reps` runs."""
    py = sys.executable
    cli = [py, "-m", "claimstance"]
    out: dict[str, Any] = {"max_layers": MAX_LAYERS, "spans": [], "layers": []}
    for n in sorted(spans):
        _written(spans_corpus, work, n)
        root, pred = spans_corpus(work, n)
        runs: dict[str, list[dict[str, Any]]] = {}
        for _ in range(reps):
            runs.setdefault("floor", []).append(stage("floor", [py, "-c", FLOOR, str(root)]))
            runs.setdefault("agree", []).append(stage("agree", [
                *cli, "agree", "--root", str(root), "--quiet", "--format", "json"]))
            runs.setdefault("score", []).append(stage("score", [
                *cli, "score", "--pred", str(pred), "--root", str(root), "--quiet",
                "--format", "json"]))
        row: dict[str, Any] = {"n": n}
        for name, found in runs.items():
            row[name] = _best(found)
        for name in ("agree", "score"):
            r = row[name]
            r["ratio_to_floor"] = round(r["seconds"] / row["floor"]["seconds"], 2)
            r["mib_per_1000_spans"] = round((r["peak_rss_mib"] - row["floor"]["peak_rss_mib"])
                                            / n * 1000, 2)
        out["spans"].append(row)
    for k in sorted(layers):
        _written(layers_corpus, work, k)
        root = layers_corpus(work, k)
        runs = {}
        for _ in range(reps):
            runs.setdefault("floor", []).append(stage("floor", [py, "-c", FLOOR, str(root)]))
            agree = stage("agree", [*cli, "agree", "--root", str(root), "--quiet",
                                    "--format", "json"])
            runs.setdefault("agree", []).append(agree)
            dist = work / f"layers-{k}-dist"
            runs.setdefault("build", []).append(stage("build", [
                *cli, "build", "--root", str(root), "--out", str(dist), "--quiet", "--force"]))
            shutil.rmtree(dist, ignore_errors=True)
        left_out = len(json.loads(agree["stdout"]).get("problems", []))
        pairs = 0 if left_out else k * (k - 1) // 2
        row = {"k": k, "pairs": pairs, "left_out": bool(left_out)}
        for name, found in runs.items():
            row[name] = _best(found)
        for name in ("agree", "build"):
            row[name]["us_per_layer"] = round(row[name]["seconds"] / k * 1e6, 1)
            row[name]["ratio_to_floor"] = round(row[name]["seconds"]
                                                / row["floor"]["seconds"], 2)
            if pairs:
                row[name]["us_per_pair"] = round(row[name]["seconds"] / pairs * 1e6, 1)
        out["layers"].append(row)
    out["targets"] = _scaling_targets(out)
    out["pass"] = all(t["pass"] for t in out["targets"].values())
    return out


def _scaling_targets(f: dict[str, Any]) -> dict[str, Any]:
    """Each command's growth between the smallest and the largest size of a measurement."""
    above = [r for r in f["layers"] if r["left_out"]]
    measured = (("memory", f["spans"], ("agree", "score"), "mib_per_1000_spans", "n",
                 "peak RSS above the floor's per 1,000 spans at {large} spans over at {small} "
                 "(linear in the spans)"),
                ("layers", above, ("agree", "build"), "us_per_layer", "k",
                 f"µs per layer at {{large}} layers over at {{small}} (past "
                 f"{f['max_layers']}, left out)"))
    targets = {}
    for kind, rows, names, figure, size, what in measured:
        if len(rows) < 2:
            continue
        small, large = rows[0], rows[-1]
        for name in names:
            value = large[name][figure] / small[name][figure]
            targets[f"{name} {kind}"] = {
                "value": round(value, 2), "limit": SCALING, "pass": value <= SCALING,
                "what": f"{name}: " + what.format(large=large[size], small=small[size])
                        + f" <= {SCALING}"}
    return targets


def render_scaling(f: dict[str, Any]) -> str:
    lines = ["one document, two layers of N densely overlapping mentions", "",
             f"{'N':>7}  {'stage':<8}{'seconds':>9}{'x floor':>9}{'peak RSS':>13}"
             f"{'MiB above floor / 1,000 spans':>31}"]
    for row in f["spans"]:
        for name in ("floor", "agree", "score"):
            r = row[name]
            per = f"{r['mib_per_1000_spans']:>31.2f}" if "mib_per_1000_spans" in r else ""
            lines.append(f"{row['n']:>7}  {name:<8}{r['seconds']:>9.3f}"
                         f"{r.get('ratio_to_floor', 1.0):>9.2f}{r['peak_rss_mib']:>9.1f} MiB"
                         + per)
    lines += ["", f"one document, K annotator layers (agreement compares every pair up to "
              f"{f['max_layers']} layers; past that the document is left out)", "",
              f"{'K':>7}  {'stage':<8}{'seconds':>9}{'x floor':>9}{'peak RSS':>13}"
              f"{'µs/pair':>10}{'µs/layer':>10}"]
    for row in f["layers"]:
        for name in ("floor", "agree", "build"):
            r = row[name]
            per_pair = f"{r['us_per_pair']:>10.1f}" if "us_per_pair" in r else f"{'-':>10}"
            lines.append(f"{row['k']:>7}  {name:<8}{r['seconds']:>9.3f}"
                         f"{r.get('ratio_to_floor', 1.0):>9.2f}{r['peak_rss_mib']:>9.1f} MiB"
                         f"{per_pair}{r.get('us_per_layer', 0):>10.1f}"
                         + ("  (left out)" if row["left_out"] and name == "agree" else ""))
    lines.append("")
    for t in f["targets"].values():
        lines.append(f"{'PASS' if t['pass'] else 'FAIL'}  {t['what']} (measured {t['value']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark agree and adjudicate at growing N.",
                                 epilog="examples: python benchmarks/quality_bench.py 1000 "
                                        "3000 10000 --json quality.json; python "
                                        "benchmarks/quality_bench.py --scaling")
    ap.add_argument("n", type=int, nargs="*", default=list(DEFAULT_NS),
                    help="documents in each synthetic corpus (default: 1000 3000 10000)")
    ap.add_argument("--work", type=Path, default=Path(".bench"),
                    help="folder for the corpora (kept between runs) and their copies")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--reps", type=int, default=3, help="runs per timed stage (best is kept)")
    ap.add_argument("--scaling", action="store_true",
                    help="measure how one document scales with its spans and layers instead")
    ap.add_argument("--spans", type=int, nargs="+", default=list(DEFAULT_SPANS), metavar="N",
                    help="with --scaling: mentions per layer (default: 2000 4000 8000 16000)")
    ap.add_argument("--layers", type=int, nargs="+", default=list(DEFAULT_LAYERS), metavar="K",
                    help="with --scaling: annotator layers (default: 10 25 50 100 250 1000)")
    args = ap.parse_args(argv)
    if args.scaling:
        if min(args.spans + args.layers) < 2 or args.reps < 1:
            ap.error("give --spans and --layers of at least 2, and --reps of at least 1")
        args.work.mkdir(parents=True, exist_ok=True)
        return finish(scaling(args.spans, args.layers, args.work.absolute(), args.reps),
                      render_scaling, args.json)
    if len(set(args.n)) < 2 or min(args.n) < 1 or args.reps < 1:
        ap.error("give two or more different N of at least 1, and --reps of at least 1")
    return finish(bench(args.n, args.work.absolute(), args.reps), render, args.json)


if __name__ == "__main__":
    sys.exit(main())
