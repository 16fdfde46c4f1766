"""A team on one server: many annotators at once while `ls pull` runs, and two faults.

    python benchmarks/ls_load.py [--annotators 20] [--ops 2000] [--docs 300] [--work DIR]
                                 [--json FILE] [--no-faults] [--margin SECONDS]

A throwaway PostgreSQL cluster (`pgcluster.py`), `claimstance ls up --database` on it, the
documents of a synthetic corpus pushed as tasks, and annotators who sign up through the
invite link as people do. Then each annotator, in a thread of their own with their own API
token, does at random:

- submit: annotate a task they have not touched (a variant of its gold layer);
- update: change one of their submitted annotations (another variant: the last one must win);
- skip: Label Studio's Skip (a cancelled annotation, never written);
- draft: leave autosaved work on a task, never submitted (never written);
- cancel: save a draft of a task, then discard it (never written);

while `claimstance ls pull` runs in a loop (each pull with `--margin`, ls pull's own default
of a minute unless given: a small one checks that what is saved while a pull runs is still
pulled by a later one, where a minute would have every pull of a short run ask for
everything again). Afterwards one more pull, and the corpus is
checked against the server's final state (one export) and against every answer the server
gave: every submitted annotation is in the corpus exactly once, under its annotator's
pseudonym, in its last version; nothing skipped, drafted or cancelled is written; nothing
the server acknowledged is missing from it. `ls status` must show the same counts.

Faults: the Label Studio server is killed while a pull waits for its export (the pull must
exit 1 with a coded problem and change nothing; after `ls up` the next pull completes), and
PostgreSQL is restarted while `ls push` imports new tasks (running the push again completes
it, with no task twice).

Prints lost = 0, duplicated = 0, the server's 5xx count (from its log) and operations per
second; exits 1 when a check fails. Not a timed test: `tests/test_bench.py` runs it small.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import corpus  # noqa: E402  (the synthetic corpora bench.py writes)
from pgcluster import Cluster, cluster  # noqa: E402

PROJECT = "claimstance-load"
WEIGHTS = {"submit": 40, "update": 30, "skip": 10, "draft": 10, "cancel": 10}
CLI = [sys.executable, "-m", "claimstance"]


# --- the server ------------------------------------------------------------------------------

@dataclass
class Team:
    env: dict[str, str]  # points the CLI at the server (URL, token, salt)
    data: Path
    pg: Cluster
    port: int
    margin: float | None = None  # `ls pull --margin` (None: its default)

    @property
    def url(self) -> str:
        return self.env["LABEL_STUDIO_URL"]

    @property
    def token(self) -> str:
        return self.env["LABEL_STUDIO_API_KEY"]

    def cli(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CLI, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def pull(self, root: Path, *args: str) -> list[str]:
        """The arguments of `ls pull` of the project into `root`, with the margin."""
        margin = [] if self.margin is None else ["--margin", str(self.margin)]
        return ["ls", "pull", "--project", PROJECT, "--root", str(root), *margin, *args]

    def up(self) -> None:
        out = self.cli("ls", "up", "--port", str(self.port), "--data-dir", str(self.data))
        if out.returncode:
            raise SystemExit(f"ls up failed:\n{out.stdout}\n{out.stderr}")

    def down(self) -> None:
        self.cli("ls", "down", "--data-dir", str(self.data), timeout=120)

    def server_pid(self) -> int:
        from claimstance.labelstudio.server import lookup

        found = lookup(self.data)
        assert found.server is not None, "no Label Studio running"
        return found.server.pid

    def five_hundreds(self) -> int:
        """Requests the server answered with 5xx, from its log (each line is logged twice)."""
        count, last = 0, ""
        for line in (self.data / "server.log").read_text(errors="replace").splitlines():
            if line != last and re.search(r'HTTP/1\.[01]" 5\d\d ', line):
                count += 1
            last = line
        return count


@contextmanager
def team_server(work: Path, margin: float | None = None) -> Iterator[Team]:
    from claimstance.labelstudio.server import ensure_venv, free_port

    ensure_venv(quiet=True)
    with cluster() as pg:
        db = pg.database("labelstudio")
        data = work / f"ls-team-{secrets.token_hex(4)}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
        env |= {"LABEL_STUDIO_USERNAME": "maintainer@example.org",
                "LABEL_STUDIO_PASSWORD": secrets.token_urlsafe(12),
                "LABEL_STUDIO_API_KEY": secrets.token_hex(20),
                "CLAIMSTANCE_PSEUDONYM_SALT": secrets.token_hex(16),
                "CLAIMSTANCE_LS_DATABASE": db.url(),
                "XDG_CONFIG_HOME": str(data / "config"), "XDG_STATE_HOME": str(data / "state")}
        port = free_port()
        env["LABEL_STUDIO_URL"] = f"http://127.0.0.1:{port}"
        team = Team(env, data, pg, port, margin)
        team.up()
        try:
            yield team
        finally:
            team.down()


# --- the annotators ----------------------------------------------------------------------------

def login(url: str, email: str, password: str) -> str:
    """The API token of an annotator, fetched after logging in through the login form."""
    with httpx.Client(base_url=url, timeout=60) as http:
        http.get("/user/login/")
        r = http.post("/user/login/", headers={"Referer": f"{url}/user/login/"}, data={
            "csrfmiddlewaretoken": http.cookies.get("csrftoken") or "", "email": email,
            "password": password})
        assert r.status_code == 302, f"login of {email}: HTTP {r.status_code}"
        return str(http.get("/api/current-user/token").json()["token"])


def variant(gold: dict[str, Any], version: int) -> dict[str, Any]:
    """Version `version` of an annotator's layer: gold with one mention's type changed."""
    from claimstance.corpus.schema import mention_types

    types = list(mention_types())
    layer: dict[str, Any] = json.loads(json.dumps(gold))
    mentions = layer["mentions"]
    k = version % len(mentions)
    t = types.index(mentions[k]["type"])
    mentions[k]["type"] = types[(t + 1 + version // len(mentions)) % len(types)]
    return layer


def spans(result: list[dict[str, Any]]) -> list[tuple[int, int, str]]:
    """What is compared of a version: its mentions (offsets and type)."""
    return sorted((r["value"]["start"], r["value"]["end"], r["value"]["labels"][0])
                  for r in result if r.get("from_name") == "mention")


@dataclass
class Log:
    """What the server acknowledged, and what it refused."""

    ops: Counter[str] = field(default_factory=Counter)  # kind -> acknowledged
    failed: Counter[str] = field(default_factory=Counter)  # kind -> refused or no answer
    client_5xx: int = 0
    last: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)  # annotation
    unsure: set[int] = field(default_factory=set)  # annotations whose last update failed
    lock: threading.Lock = field(default_factory=threading.Lock)


class Annotator(threading.Thread):
    def __init__(self, n: int, url: str, token: str, tasks: list[tuple[int, str]],
                 golds: dict[str, dict[str, Any]], ops: int, log: Log, seed: int) -> None:
        super().__init__(name=f"annotator-{n}", daemon=True)
        self.url, self.token, self.ops, self.log = url, token, ops, log
        self.rng = random.Random(seed)
        self.todo = list(tasks)
        self.rng.shuffle(self.todo)
        self.golds = golds
        self.mine: list[tuple[int, str]] = []  # (annotation id, doc_id) submitted
        self.version = 0

    def result(self, doc_id: str) -> list[dict[str, Any]]:
        from claimstance.labelstudio.convert import results_of

        self.version += 1
        return results_of(variant(self.golds[doc_id], self.version + self.rng.randrange(97)))

    def send(self, http: httpx.Client, method: str, path: str,
             body: Any = None) -> httpx.Response | None:
        """The response when the server acknowledged the request, else None."""
        try:
            r = http.request(method, path, json=body)
        except httpx.HTTPError:
            return None
        if r.status_code >= 500:
            with self.log.lock:
                self.log.client_5xx += 1
        return r if r.status_code < 300 else None

    def run(self) -> None:
        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        with httpx.Client(base_url=self.url, timeout=120,
                          headers={"Authorization": f"Token {self.token}"}) as http:
            for _ in range(self.ops):
                kind = self.rng.choices(kinds, weights)[0]
                if kind == "update" and not self.mine:
                    kind = "submit"
                if kind != "update" and not self.todo:
                    kind = "update"
                ok = getattr(self, kind)(http)
                with self.log.lock:
                    (self.log.ops if ok else self.log.failed)[kind] += 1

    def submit(self, http: httpx.Client) -> bool:
        task, doc_id = self.todo.pop()
        result = self.result(doc_id)
        r = self.send(http, "POST", f"/api/tasks/{task}/annotations/",
                      {"result": result, "lead_time": 12.5})
        if r is not None:
            aid = int(r.json()["id"])
            self.mine.append((aid, doc_id))
            with self.log.lock:
                self.log.last[aid] = spans(result)
        return r is not None

    def update(self, http: httpx.Client) -> bool:
        aid, doc_id = self.rng.choice(self.mine)
        result = self.result(doc_id)
        r = self.send(http, "PATCH", f"/api/annotations/{aid}/", {"result": result})
        with self.log.lock:
            if r is not None:
                self.log.last[aid] = spans(result)
                self.log.unsure.discard(aid)
            else:
                self.log.unsure.add(aid)  # it may or may not have been stored
        return r is not None

    def skip(self, http: httpx.Client) -> bool:
        task, _ = self.todo.pop()
        return self.send(http, "POST", f"/api/tasks/{task}/annotations/",
                         {"result": [], "was_cancelled": True}) is not None

    def draft(self, http: httpx.Client) -> bool:
        task, doc_id = self.todo.pop()
        return self.send(http, "POST", f"/api/tasks/{task}/drafts",
                         {"result": self.result(doc_id), "lead_time": 3.0}) is not None

    def cancel(self, http: httpx.Client) -> bool:
        task, doc_id = self.todo.pop()
        r = self.send(http, "POST", f"/api/tasks/{task}/drafts",
                      {"result": self.result(doc_id), "lead_time": 3.0})
        return r is not None and self.send(
            http, "DELETE", f"/api/drafts/{r.json()['id']}/") is not None


class PullLoop(threading.Thread):
    """`claimstance ls pull` again and again until stopped, as a maintainer's cron would."""

    def __init__(self, team: Team, root: Path) -> None:
        super().__init__(name="pull-loop", daemon=True)
        self.team, self.root = team, root
        self.stop = threading.Event()
        self.runs: list[tuple[int, float, str]] = []  # exit code, seconds, problem codes

    def run(self) -> None:
        while not self.stop.is_set():
            t = time.perf_counter()
            out = self.team.cli(*self.team.pull(self.root, "--quiet", "--format", "json"))
            codes = ""
            if out.returncode:
                codes = " ".join(sorted(set(re.findall(r'"code": "([a-z-]+)"', out.stdout))))
                codes = codes or out.stderr.strip().splitlines()[-1][:200]
            self.runs.append((out.returncode, time.perf_counter() - t, codes))


# --- checking the corpus against the server -----------------------------------------------------

def server_state(team: Team) -> list[dict[str, Any]]:
    from claimstance.labelstudio.api import connect, export_snapshot, find_project

    with connect(team.url, team.token) as client:
        project = find_project(client, PROJECT)
        assert project is not None
        tasks: list[dict[str, Any]] = export_snapshot(client, project.id, drafts=True)
        return tasks


def emails(team: Team) -> dict[int, str]:
    from claimstance.labelstudio.api import connect
    from claimstance.labelstudio.identity import users_map

    with connect(team.url, team.token) as client:
        return users_map(client.users.list())


def check(team: Team, root: Path, log: Log) -> dict[str, Any]:
    """The corpus against the server's final state and the server's answers."""
    from claimstance.corpus.naming import pseudonym

    salt = team.env["CLAIMSTANCE_PSEUDONYM_SALT"].encode()
    users = emails(team)
    tasks = server_state(team)
    expected: dict[str, dict[str, Any]] = {}  # layer path -> the server's annotation
    duplicated = 0
    docs = Counter(t["data"]["doc_id"] for t in tasks)
    duplicated += sum(n - 1 for n in docs.values())  # a document pushed twice
    on_server: set[int] = set()
    for t in tasks:
        doc_id = t["data"]["doc_id"]
        for a in t["annotations"]:
            on_server.add(a["id"])
            if a["was_cancelled"]:
                continue
            rel = f"annotations/{doc_id}/{pseudonym(users[a['completed_by']], salt)}.json"
            if rel in expected:  # one annotator twice on one task
                duplicated += 1
            expected[rel] = a
    found = {p.relative_to(root).as_posix(): p for p in root.glob("annotations/*/a*.json")}
    lost = stale = 0
    seen_ids: Counter[int] = Counter()
    for rel, a in expected.items():
        path = found.get(rel)
        if path is None:
            lost += 1
            continue
        layer = json.loads(path.read_text(encoding="utf-8"))
        seen_ids[layer["provenance"]["annotation"]] += 1
        mine = sorted((m["start"], m["end"], m["type"]) for m in layer["mentions"])
        if layer["provenance"]["annotation"] != a["id"] or mine != spans(a["result"]):
            stale += 1  # not the server's last version
    duplicated += sum(n - 1 for n in seen_ids.values())
    written_not_submitted = len(set(found) - set(expected))
    acknowledged_missing = sum(1 for aid in log.last if aid not in on_server)
    update_lost = sum(1 for t in tasks for a in t["annotations"]
                      if a["id"] in log.last and a["id"] not in log.unsure
                      and spans(a["result"]) != log.last[a["id"]])
    return {"expected layers": len(expected), "layers in the corpus": len(found),
            "lost": lost + stale, "of which missing": lost, "of which not the last version":
            stale, "duplicated": duplicated, "skipped, drafted or cancelled but written":
            written_not_submitted, "acknowledged by the server but not on it":
            acknowledged_missing + update_lost, "tasks": len(tasks), "users": users,
            "state": tasks}


def status_matches(team: Team, root: Path, state: list[dict[str, Any]],
                   users: dict[int, str]) -> tuple[bool, str]:
    """`ls status` against counts made here from the server's final state."""
    from claimstance.corpus.naming import pseudonym

    salt = team.env["CLAIMSTANCE_PSEUDONYM_SALT"].encode()
    want: dict[str, Counter[str]] = {}
    for t in state:
        for a in t["annotations"]:
            who = pseudonym(users[a["completed_by"]], salt)
            want.setdefault(who, Counter())["skipped" if a["was_cancelled"] else "submitted"] += 1
        for d in t["drafts"]:
            want.setdefault(pseudonym(d["user"], salt), Counter())["drafts"] += 1
    out = team.cli("ls", "status", "--project", PROJECT, "--root", str(root), "--format",
                   "json", "--quiet")
    if out.returncode:
        return False, out.stderr.strip()
    got = {a["annotator"]: a for a in json.loads(out.stdout)["annotators"]}
    wrong = [who for who, c in want.items()
             if (got.get(who, {}).get("submitted"), got.get(who, {}).get("skipped"),
                 got.get(who, {}).get("drafts")) != (c["submitted"], c["skipped"], c["drafts"])]
    return not wrong, f"{len(want) - len(wrong)} of {len(want)} annotators' counts match"


def same_as_full_pull(team: Team, root: Path) -> bool:
    """The layers the incremental pulls left are those one pull of every task writes."""
    fresh = root.parent / f"{root.name}-full"
    shutil.rmtree(fresh, ignore_errors=True)
    def pulled(folder: str, names: list[str]) -> list[str]:
        layers = Path(folder).parent.name == "annotations"
        return [n for n in names if n == ".claimstance" or (layers and n != "gold.json")]

    shutil.copytree(root, fresh, ignore=pulled)
    out = team.cli(*team.pull(fresh, "--all", "--quiet"))
    layers = {p.relative_to(root).as_posix(): p.read_bytes()
              for p in root.glob("annotations/*/a*.json")}
    again = {p.relative_to(fresh).as_posix(): p.read_bytes()
             for p in fresh.glob("annotations/*/a*.json")}
    shutil.rmtree(fresh, ignore_errors=True)
    return out.returncode == 0 and layers == again


def tree(root: Path) -> str:
    """A digest of everything a pull may write (layers and the record of pulls)."""
    h = hashlib.sha256()
    for p in sorted([*root.glob("annotations/**/*"), *root.glob(".claimstance/*")]):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


# --- faults -----------------------------------------------------------------------------------

def wait_for(what: str, test: Any, proc: subprocess.Popen[str], timeout: float = 300) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def kill_during_pull(team: Team, root: Path) -> dict[str, Any]:
    """SIGKILL Label Studio while a pull waits for its export; then `ls up` and pull again."""
    before = tree(root)
    exports = int(team.pg.sql("SELECT count(*) FROM data_export_export;", "labelstudio"))
    pull = subprocess.Popen([*CLI, *team.pull(root, "--all", "--quiet")], env=team.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = wait_for("the pull's export", lambda: int(team.pg.sql(
        "SELECT count(*) FROM data_export_export;", "labelstudio")) > exports, pull)
    if started:
        os.killpg(team.server_pid(), signal.SIGKILL)
    _, err = pull.communicate(timeout=600)
    code = re.search(r"error \[([a-z-]+)\]", err)
    after_kill = tree(root)
    team.up()  # the stale record is dropped; the same database and data folder
    again = team.cli(*team.pull(root, "--quiet"))
    return {"killed during the export": started, "pull exit code": pull.returncode,
            "problem code": code.group(1) if code else None,
            "traceback": "Traceback" in err, "corpus unchanged": after_kill == before,
            "next pull exit code": again.returncode,
            "recovered": started and pull.returncode == 1 and code is not None
            and "Traceback" not in err and after_kill == before and again.returncode == 0,
            "pull error": [x for x in err.splitlines() if x.startswith("error")],
            "next pull output": again.stdout.strip().splitlines()[-3:]}


def restart_during_push(team: Team, root: Path, extra: Path) -> dict[str, Any]:
    """Restart PostgreSQL while `ls push` imports new tasks; then push again."""
    def tasks() -> int:
        return int(team.pg.sql("SELECT count(*) FROM task;", "labelstudio"))

    before = tasks()
    added = 0
    for seed in sorted((extra / "seeds").glob("*.json")):
        if not (root / "seeds" / seed.name).exists():
            shutil.copy(seed, root / "seeds" / seed.name)
            added += 1
    push = subprocess.Popen([*CLI, "ls", "push", "--project", PROJECT, "--root", str(root),
                             "--quiet"], env=team.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    started = wait_for("the first imported tasks", lambda: tasks() > before, push)
    if started:
        team.pg.restart()
    _, err = push.communicate(timeout=600)
    code = re.search(r"error \[([a-z-]+)\]", err)
    again = team.cli("ls", "push", "--project", PROJECT, "--root", str(root), "--quiet",
                     "--format", "json")
    twice = team.pg.sql("SELECT count(*) FROM (SELECT data->>'doc_id' FROM task GROUP BY 1 "
                        "HAVING count(*) > 1) AS d;", "labelstudio")
    total = tasks()
    return {"restarted during the import": started, "new seeds": added,
            "push exit code": push.returncode, "problem code": code.group(1) if code else None,
            "traceback": "Traceback" in err, "push again exit code": again.returncode,
            "tasks": total, "tasks expected": before + added,
            "documents with two tasks": int(twice),
            "recovered": again.returncode == 0 and total == before + added and int(twice) == 0
            and "Traceback" not in err,
            "push error": [x for x in err.splitlines() if x.startswith("error")]}


# --- the run --------------------------------------------------------------------------------------

def run(annotators: int, ops: int, docs: int, work: Path, faults: bool,
        margin: float | None = None) -> dict[str, Any]:
    from claimstance.corpus.layout import Corpus
    from claimstance.labelstudio.api import connect, create_annotator, find_project, project_tasks

    source = corpus(work, docs, "clean")
    root = work / f"load-{docs}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(source, root)
    shutil.rmtree(root / "dist", ignore_errors=True)
    from claimstance.labelstudio.pull import MARGIN

    figures: dict[str, Any] = {"annotators": annotators, "documents": docs,
                               "margin_s": MARGIN.total_seconds() if margin is None else margin}
    with team_server(work, margin) as team:
        pushed = team.cli("ls", "push", "--project", PROJECT, "--root", str(root),
                          "--annotators-per-task", "3", "--quiet")
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr
        c = Corpus.at(root)
        golds = {d: c.read_layer(d, "gold") for d in c.doc_ids()}
        with connect(team.url, team.token) as client:
            project = find_project(client, PROJECT)
            assert project is not None
            tasks = sorted((t.id, d) for d, t in project_tasks(client, project.id).items())
        tokens = []
        for n in range(annotators):  # each signs up through the invite link, then logs in
            email, password = f"annotator{n:02d}@example.org", "Pass-" + secrets.token_hex(8)
            create_annotator(team.url, team.token, email, password)
            tokens.append(login(team.url, email, password))
        log = Log()
        threads = [Annotator(n, team.url, tokens[n], tasks, golds,
                             ops // annotators + (n < ops % annotators), log, n)
                   for n in range(annotators)]
        loop = PullLoop(team, root)
        loop.start()
        t = time.perf_counter()
        for a in threads:
            a.start()
        for a in threads:
            a.join()
        seconds = time.perf_counter() - t
        loop.stop.set()
        loop.join()
        final = team.cli(*team.pull(root, "--quiet", "--format", "json"))
        result = check(team, root, log)
        result["incremental pulls equal one full pull"] = same_as_full_pull(team, root)
        state, users = result.pop("state"), result.pop("users")
        ok, how = status_matches(team, root, state, users)
        done = sum(log.ops.values())
        figures |= {
            "operations": done, "failed operations": sum(log.failed.values()),
            "by kind": dict(log.ops), "seconds": round(seconds, 2),
            "operations per second": round(done / seconds, 1),
            "pulls during the load": len(loop.runs),
            "pulls that failed": sum(1 for r in loop.runs if r[0]),
            "pull problems": sorted({r[2] for r in loop.runs if r[0]}),
            "pull seconds (median)": round(sorted(r[1] for r in loop.runs)[len(loop.runs) // 2],
                                           2) if loop.runs else None,
            "final pull exit code": final.returncode,
            "final pull counts": json.loads(final.stdout)["counts"] if final.stdout else {},
            "client-seen 5xx": log.client_5xx, "status matches": ok, "status": how,
        } | result
        figures["server 5xx"] = figures["server 5xx during the load"] = team.five_hundreds()
        if faults:
            figures["kill Label Studio during a pull"] = kill_during_pull(team, root)
            extra = corpus(work, docs + max(600, docs), "clean")
            figures["restart PostgreSQL during a push"] = restart_during_push(team, root, extra)
            figures["server 5xx"] = team.five_hundreds()
    checks = [figures["lost"] == 0, figures["duplicated"] == 0,
              figures["skipped, drafted or cancelled but written"] == 0,
              figures["acknowledged by the server but not on it"] == 0,
              figures["final pull exit code"] == 0, figures["status matches"],
              figures["incremental pulls equal one full pull"]]
    if faults:
        checks += [figures["kill Label Studio during a pull"]["recovered"],
                   figures["restart PostgreSQL during a push"]["recovered"]]
    figures["pass"] = all(checks)
    return figures


def render(f: dict[str, Any]) -> str:
    problems = "; " + ", ".join(f["pull problems"]) if f["pull problems"] else ""
    lines = [f"{f['annotators']} annotators, {f['documents']} documents, Label Studio on "
             "PostgreSQL", "",
             f"operations: {f['operations']} in {f['seconds']} s = "
             f"{f['operations per second']} operations per second "
             f"({', '.join(f'{k} {v}' for k, v in sorted(f['by kind'].items()))}); "
             f"failed: {f['failed operations']}",
             f"pulls during the load: {f['pulls during the load']}, margin {f['margin_s']:g} s "
             "(failed: "
             f"{f['pulls that failed']}{problems}"
             f"; median {f['pull seconds (median)']} s)",
             f"final pull: exit {f['final pull exit code']}; "
             f"{f['expected layers']} submitted annotations on the server, "
             f"{f['layers in the corpus']} layers in the corpus", "",
             f"lost = {f['lost']} (missing {f['of which missing']}, not the last version "
             f"{f['of which not the last version']})",
             f"duplicated = {f['duplicated']}",
             f"skipped, drafted or cancelled but written = "
             f"{f['skipped, drafted or cancelled but written']}",
             f"acknowledged by the server but not on it = "
             f"{f['acknowledged by the server but not on it']}",
             f"server 5xx = {f['server 5xx during the load']} during the load (seen by "
             f"annotators: {f['client-seen 5xx']}), {f['server 5xx']} with the faults",
             f"incremental pulls equal one full pull: "
             f"{'yes' if f['incremental pulls equal one full pull'] else 'NO'}",
             f"ls status: {f['status']} ({'PASS' if f['status matches'] else 'FAIL'})"]
    for name in ("kill Label Studio during a pull", "restart PostgreSQL during a push"):
        if name in f:
            fault = f[name]
            lines += ["", f"{name}: {'recovered' if fault['recovered'] else 'NOT RECOVERED'}"]
            lines += [f"  {k}: {v}" for k, v in fault.items() if k != "recovered"]
    lines += ["", "PASS" if f["pass"] else "FAIL"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Many annotators on one team server, and faults.",
                                 epilog="example: python benchmarks/ls_load.py --annotators 20 "
                                 "--ops 2000")
    ap.add_argument("--annotators", type=int, default=20)
    ap.add_argument("--ops", type=int, default=2000, help="operations in all")
    ap.add_argument("--docs", type=int, default=300, help="documents (tasks)")
    ap.add_argument("--work", type=Path, default=Path(".bench"), help="working folder")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--no-faults", dest="faults", action="store_false",
                    help="skip the two fault cases")
    ap.add_argument("--margin", type=float, default=None, metavar="SECONDS",
                    help="`ls pull --margin` for every pull (default: ls pull's own, a minute)")
    args = ap.parse_args(argv)
    if args.margin is not None and args.margin < 0:
        ap.error("--margin cannot be negative")
    if args.annotators < 1 or args.ops < args.annotators or args.docs < 2:
        ap.error("at least one annotator, one operation each, and two documents")
    if args.ops * 0.75 / args.annotators > args.docs:
        ap.error("too few documents: each annotator needs a fresh task for most operations")
    work = args.work.absolute()
    work.mkdir(parents=True, exist_ok=True)
    figures = run(args.annotators, args.ops, args.docs, work, args.faults, args.margin)
    print(render(figures))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
