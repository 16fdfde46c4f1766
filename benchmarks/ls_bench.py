"""The Label Studio round trip at scale, against a real server started for the run.

    python benchmarks/ls_bench.py N [--work DIR] [--json FILE] [--postgres] [--margin S]
                                    [--url URL]

The server keeps its data in SQLite, as `ls up` does by default, or with --postgres in a
throwaway PostgreSQL cluster (`pgcluster.py`), as a team's server does. With --url, a
server already running is used instead (its token from $LABEL_STUDIO_API_KEY), in projects
of their own that are deleted afterwards: the tests run the benchmark on their server.

1. `claimstance ls push` of N seeds into a fresh project (timed end to end, as a user runs
   it; target <= 120 s at N = 10,000).
2. A second project holding the same N tasks, each with one submitted annotation (imported
   with the tasks: setting it up is not timed), then `claimstance ls pull` of it (timed end to
   end: export, conversion, validation, writes; target <= 120 s at N = 10,000; its peak RSS
   is reported).
3. An incremental pull: CHANGED annotations (50, or N if fewer) updated in Label Studio after
   that pull, then `claimstance ls pull` again (timed end to end; it exports only the changed
   tasks; target <= 10 s at N = 10,000). The annotated project is left alone for a pull's
   margin (--margin, `ls pull`'s own default of a minute unless given; every pull is run
   with it) before the full pull, so that pull's watermark lies after the import.
4. Where the pull's time goes, measured in this process with the library's own steps: the
   server making the export, downloading it, parsing it (orjson), converting it
   (`convert_export`, target <= 3x the parse), and writing + validating the layers.

Figures are printed with PASS/FAIL against the targets; tests never assert on timings.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import corpus, finish, stage  # noqa: E402  (the same process-per-stage runner as bench.py)

TARGETS = {"push": 120.0, "pull": 120.0, "incremental_pull": 10.0, "convert_vs_parse": 3.0}
CHANGED = 50
PUSH_PROJECT = "claimstance-bench-push"
PULL_PROJECT = "claimstance-bench-pull"


def server(work: Path, database: str | None = None) -> tuple[dict[str, str], Path]:
    """A fresh Label Studio on a free port (`claimstance ls up`), and the environment that
    points the CLI at it."""
    from claimstance.labelstudio.server import free_port

    data = work / f"ls-data-{secrets.token_hex(4)}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    env |= {"LABEL_STUDIO_USERNAME": "bench@example.org",
            "LABEL_STUDIO_PASSWORD": secrets.token_urlsafe(12),
            "LABEL_STUDIO_API_KEY": secrets.token_hex(20),
            "CLAIMSTANCE_PSEUDONYM_SALT": secrets.token_hex(16),
            "XDG_CONFIG_HOME": str(data / "config")}
    if database is not None:
        env["CLAIMSTANCE_LS_DATABASE"] = database
    up = subprocess.run([sys.executable, "-m", "claimstance", "ls", "up", "--port", str(port),
                         "--data-dir", str(data)], env=env, capture_output=True, text=True)
    if up.returncode:
        raise SystemExit(f"ls up failed:\n{up.stdout}\n{up.stderr}")
    env["LABEL_STUDIO_URL"] = f"http://127.0.0.1:{port}"
    return env, data


def existing_server(url: str) -> dict[str, str]:
    """The environment that points the CLI at a server already running."""
    if not os.environ.get("LABEL_STUDIO_API_KEY"):
        raise SystemExit("--url needs the server's token in $LABEL_STUDIO_API_KEY")
    env = os.environ | {"LABEL_STUDIO_URL": url.rstrip("/")}
    env.setdefault("CLAIMSTANCE_PSEUDONYM_SALT", secrets.token_hex(16))
    return env


def delete_projects(env: dict[str, str], titles: list[str]) -> None:
    from claimstance.labelstudio.api import connect, find_project

    with connect(env["LABEL_STUDIO_URL"], env["LABEL_STUDIO_API_KEY"]) as client:
        for title in titles:
            project = find_project(client, title)
            if project is not None:
                client.projects.delete(id=project.id)


def annotated_project(env: dict[str, str], root: Path, title: str) -> int:
    """A project whose every task carries the gold layer as one submitted annotation."""
    from claimstance.corpus.layout import Corpus
    from claimstance.labelstudio.api import connect
    from claimstance.labelstudio.config import labelstudio_config
    from claimstance.labelstudio.convert import results_of, task_of

    c = Corpus.at(root)
    with connect(env["LABEL_STUDIO_URL"], env["LABEL_STUDIO_API_KEY"]) as client:
        me = client.users.whoami().id
        project = client.projects.create(title=title, label_config=labelstudio_config())
        batch: list[dict[str, Any]] = []
        for doc_id in c.doc_ids():
            task = task_of(c.read_seed(doc_id))
            task["annotations"] = [{"result": results_of(c.read_layer(doc_id, "gold")),
                                    "completed_by": me}]
            batch.append(task)
            if len(batch) == 500:
                client.projects.import_tasks(id=project.id, request=batch)
                batch = []
        if batch:
            client.projects.import_tasks(id=project.id, request=batch)
        return int(project.id)


def change_annotations(env: dict[str, str], project_id: int, k: int) -> int:
    """An annotator presses Update on k annotations (a new lead time each); returns k."""
    from claimstance.labelstudio.api import connect

    with connect(env["LABEL_STUDIO_URL"], env["LABEL_STUDIO_API_KEY"]) as client:
        tasks = client.tasks.list(project=project_id, fields="all", page_size=k)
        done = 0
        for task in tasks:
            if done == k:
                break
            for a in task.annotations or []:
                client.annotations.update(id=a["id"], lead_time=1000.0 + done)
                done += 1
                break
    return done


def breakdown(env: dict[str, str], project_id: int, root: Path, n: int,
              title: str) -> dict[str, float]:
    """The pull's steps, each timed: export made by the server, download, parse, convert,
    write + validate."""
    import orjson

    from claimstance.corpus.layout import Corpus
    from claimstance.labelstudio.api import connect
    from claimstance.labelstudio.convert import convert_export
    from claimstance.labelstudio.identity import users_map
    from claimstance.labelstudio.pull import _seed_reader, write_layers
    from claimstance.labelstudio.summary import Summary

    out: dict[str, float] = {}
    with connect(env["LABEL_STUDIO_URL"], env["LABEL_STUDIO_API_KEY"]) as client:
        t = time.perf_counter()
        snap = client.projects.exports.create(id=project_id, title="bench")
        while client.projects.exports.get(id=project_id, export_pk=snap.id).status not in (
                "completed", "failed"):
            time.sleep(0.2)
        out["server export"] = time.perf_counter() - t
        t = time.perf_counter()
        raw = b"".join(client.projects.exports.download(id=project_id, export_pk=snap.id,
                                                        export_type="JSON"))
        out["download"] = time.perf_counter() - t
        users = users_map(client.users.list())
    out["export MiB"] = len(raw) / 2**20
    t = time.perf_counter()
    tasks = orjson.loads(raw)
    out["parse"] = time.perf_counter() - t
    del raw
    c = Corpus.at(root)
    t = time.perf_counter()
    conv = convert_export(tasks, _seed_reader(c), salt=env["CLAIMSTANCE_PSEUDONYM_SALT"]
                          .encode(), path="bench", users=users, project=title)
    out["convert"] = time.perf_counter() - t
    assert len(conv.layers) == n, (len(conv.layers), conv.problems[:3])
    target = root.parent / f"{root.name}-breakdown"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(root, target)
    t = time.perf_counter()
    summary = Summary("pull", title)
    write_layers(Corpus.at(target), conv, summary, force=False)
    out["write + validate"] = time.perf_counter() - t
    shutil.rmtree(target, ignore_errors=True)
    return out


def bench(n: int, work: Path, postgres: bool = False, margin: float | None = None,
          url: str | None = None) -> dict[str, Any]:
    if url is not None:
        suffix = f"-{secrets.token_hex(3)}"  # projects of its own on a shared server
        titles = (PUSH_PROJECT + suffix, PULL_PROJECT + suffix)
        env = existing_server(url)
        try:
            figures = _bench(n, work, env, margin, titles)
        finally:
            delete_projects(env, list(titles))
        figures["database"] = "the server at --url"
        return figures
    if not postgres:
        with started(work, None) as env:
            return _bench(n, work, env, margin)
    from pgcluster import cluster

    with cluster() as pg, started(work, pg.database("labelstudio").url()) as env:
        figures = _bench(n, work, env, margin)
    figures["database"] = "PostgreSQL"
    return figures


@contextlib.contextmanager
def started(work: Path, database: str | None) -> Iterator[dict[str, str]]:
    """A fresh server for the run, stopped after it."""
    env, data = server(work, database)
    try:
        yield env
    finally:
        subprocess.run([sys.executable, "-m", "claimstance", "ls", "down", "--data-dir",
                        str(data)], env=env, capture_output=True)


def _bench(n: int, work: Path, env: dict[str, str], margin: float | None,
           titles: tuple[str, str] = (PUSH_PROJECT, PULL_PROJECT)) -> dict[str, Any]:
    from claimstance.labelstudio.pull import MARGIN

    root = corpus(work, n, "clean")  # the same corpus bench.py writes
    py = [sys.executable, "-m", "claimstance"]
    push_title, pull_title = titles
    wait = MARGIN.total_seconds() if margin is None else margin
    pull_args = ["ls", "pull", "--project", pull_title, "--quiet", "--format", "json",
                 *(["--margin", str(margin)] if margin is not None else [])]
    saved = dict(os.environ)
    os.environ.update(env)  # the stages talk to this server
    try:
        push = stage("push", [*py, "ls", "push", "--project", push_title,
                              "--root", str(root), "--quiet", "--format", "json"])
        pushed = json.loads(push["stdout"])
        assert pushed["counts"].get("tasks created") == n, pushed["counts"]
        project_id = annotated_project(env, root, pull_title)
        print(f"waiting {wait:.0f} s (a pull's margin) before the full pull", file=sys.stderr)
        time.sleep(wait + 1)  # + 1: the server's clock counts whole seconds
        target = work / f"ls-pull-{n}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(root, target)
        pull = stage("pull", [*py, *pull_args, "--root", str(target)])
        pulled = json.loads(pull["stdout"])
        assert pulled["counts"].get("files written") == n, pulled["counts"]
        changed = change_annotations(env, project_id, min(CHANGED, n))
        incremental = stage("incremental pull", [*py, *pull_args, "--root", str(target)])
        again = json.loads(incremental["stdout"])
        assert again["counts"].get("files updated") == changed, again["counts"]
        parts = breakdown(env, project_id, root, n, pull_title)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    figures: dict[str, Any] = {
        "n": n, "database": "SQLite", "margin_s": wait,
        "push": {"seconds": round(push["seconds"], 2),
                 "peak_rss_mib": round(push["peak_rss"] / 2**20, 1)},
        "pull": {"seconds": round(pull["seconds"], 2),
                 "peak_rss_mib": round(pull["peak_rss"] / 2**20, 1)},
        "incremental_pull": {"seconds": round(incremental["seconds"], 2), "changed": changed,
                             "tasks_exported": again["counts"].get("tasks", 0),
                             "peak_rss_mib": round(incremental["peak_rss"] / 2**20, 1)},
        "pull_steps": {k: round(v, 3) for k, v in parts.items()},
        "convert_vs_parse": round(parts["convert"] / parts["parse"], 2),
    }
    checks: dict[str, float] = {"push": figures["push"]["seconds"],
                                "pull": figures["pull"]["seconds"],
                                "incremental_pull": figures["incremental_pull"]["seconds"],
                                "convert_vs_parse": figures["convert_vs_parse"]}
    figures["targets"] = {k: {"value": v, "limit": TARGETS[k], "pass": v <= TARGETS[k]}
                          for k, v in checks.items()}
    figures["pass"] = all(t["pass"] for t in figures["targets"].values())
    return figures


def render(f: dict[str, Any]) -> str:
    lines = [f"N = {f['n']} tasks, one real Label Studio server ({f['database']}); every pull "
             f"with a margin of {f['margin_s']:.0f} s",
             "",
             f"ls push into a fresh project: {f['push']['seconds']:.1f} s "
             f"(peak RSS {f['push']['peak_rss_mib']:.0f} MiB)",
             f"ls pull of annotated tasks:   {f['pull']['seconds']:.1f} s "
             f"(peak RSS {f['pull']['peak_rss_mib']:.0f} MiB)",
             f"ls pull again, {f['incremental_pull']['changed']} annotations changed: "
             f"{f['incremental_pull']['seconds']:.1f} s ("
             f"{f['incremental_pull']['tasks_exported']} tasks exported, peak RSS "
             f"{f['incremental_pull']['peak_rss_mib']:.0f} MiB)", "",
             "where a pull's time goes:"]
    for k, v in f["pull_steps"].items():
        lines.append(f"  {k:<18}{v:>10.3f}" + ("" if k.endswith("MiB") else " s"))
    lines += [f"  conversion / parse: x{f['convert_vs_parse']}", ""]
    what = {"push": "ls push of N seeds <= 120 s", "pull": "ls pull of N tasks <= 120 s",
            "incremental_pull": f"ls pull of N tasks, {f['incremental_pull']['changed']} "
                                "changed, <= 10 s",
            "convert_vs_parse": "conversion <= 3x parsing the export"}
    for k, t in f["targets"].items():
        lines.append(f"{'PASS' if t['pass'] else 'FAIL'}  {what[k]} (measured {t['value']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the Label Studio round trip.",
                                 epilog="example: python benchmarks/ls_bench.py 10000")
    ap.add_argument("n", type=int, help="tasks to push and to pull")
    ap.add_argument("--work", type=Path, default=Path(".bench"), help="working folder")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--postgres", action="store_true",
                    help="the server on a throwaway PostgreSQL cluster (default: SQLite)")
    ap.add_argument("--margin", type=float, default=None, metavar="SECONDS",
                    help="`ls pull --margin` for every pull, waited for once before the full "
                    "pull (default: ls pull's own, a minute)")
    ap.add_argument("--url", default=None,
                    help="a Label Studio already running (token in $LABEL_STUDIO_API_KEY) "
                    "instead of one started for the run")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("N must be at least 1")
    if args.margin is not None and args.margin < 0:
        ap.error("--margin cannot be negative")
    if args.url is not None and args.postgres:
        ap.error("--postgres starts a server: it goes without --url")
    return finish(bench(args.n, args.work.absolute(), args.postgres, args.margin, args.url),
                  render, args.json)


if __name__ == "__main__":
    sys.exit(main())
