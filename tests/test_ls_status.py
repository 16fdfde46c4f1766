"""`ls status` against the real server (see the `ls_server` fixture): annotators who signed
up through the invite link submit, skip and keep drafts; the counts per annotator and per
document are the ones a person works out by hand, online and, after a pull, offline."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from claimstance.corpus.layout import Corpus
from claimstance.corpus.naming import pseudonym
from claimstance.labelstudio.api import find_project, project_tasks
from claimstance.labelstudio.convert import results_of

from .conftest import LSServer, signed_up

SALT = b"test-salt"  # the ls_server fixture's CLAIMSTANCE_PSEUDONYM_SALT
MALI = "mali-accuses-algeria-downed-drone"


def cli(server: LSServer, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimstance", *args], cwd=cwd,
                          env=server.env, capture_output=True, text=True, timeout=300)


def status(server: LSServer, root: Path, *args: str) -> dict[str, Any]:
    out = cli(server, "ls", "status", *args, "--format", "json", cwd=root)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "@" not in out.stdout  # pseudonyms only
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def test_status_online_and_offline(ls_server: LSServer, three_docs: Path) -> None:
    corpus = three_docs
    project = f"status-{secrets.token_hex(3)}"
    pushed = cli(ls_server, "ls", "push", "--project", project, "--annotators-per-task", "2",
                 cwd=corpus)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    url, token = ls_server.url, ls_server.token
    with ls_server.client() as client, signed_up(url, token, "bob") as (_, bob_email, as_bob), \
            signed_up(url, token, "carol") as (_, carol_email, as_carol):
        p = find_project(client, project)
        assert p is not None
        tasks = project_tasks(client, p.id)
        gold = Corpus.at(corpus).read_layer(MALI, "gold")
        mention = {"mentions": gold["mentions"][:1], "claims": [], "stances": []}
        client.annotations.create(id=tasks[MALI].id, result=results_of(gold))  # the admin
        for task, body, who in ((MALI, {"result": results_of(mention)}, as_bob),
                                ("second-doc", {"result": []}, as_bob),
                                ("second-doc", {"result": [], "was_cancelled": True}, as_carol)):
            who.post(f"/api/tasks/{tasks[task].id}/annotations/", json=body).raise_for_status()
        httpx.post(f"{url}/api/tasks/{tasks['third-doc'].id}/drafts",
                   headers={"Authorization": f"Token {token}"},
                   json={"result": [], "lead_time": 1.0}).raise_for_status()
    admin, bob, carol = (pseudonym(e, SALT) for e in
                         ("admin@example.org", bob_email, carol_email))

    online = status(ls_server, corpus, "--project", project)
    people = {a["annotator"]: a for a in online["annotators"]}
    assert people[admin] == {"annotator": admin, "submitted": 1, "skipped": 0, "drafts": 1,
                             "to_do": 2}  # second-doc and third-doc are open, not touched
    assert people[bob] == {"annotator": bob, "submitted": 2, "skipped": 0, "drafts": 0,
                           "to_do": 1}
    assert people[carol] == {"annotator": carol, "submitted": 0, "skipped": 1, "drafts": 0,
                             "to_do": 1}  # a skipped task does not come back
    docs = {d["doc_id"]: d for d in online["documents"]}
    assert docs[MALI] == {"doc_id": MALI, "done": 2, "overlap": 2, "pulled": 0,
                          "ready": True, "adjudicated": False, "in_gold": True}
    assert (docs["second-doc"]["done"], docs["second-doc"]["ready"]) == (1, False)
    assert (docs["third-doc"]["done"], docs["third-doc"]["in_gold"]) == (0, False)
    assert online["totals"].items() >= {"documents": 3, "documents done": 1,
                                        "ready for adjudication": 1, "in gold": 1}.items()
    assert online["overlap"] == 2 and online["source"] == "server"
    text = cli(ls_server, "ls", "status", "--project", project, cwd=corpus).stdout
    assert f"{MALI}" in text and "ready for adjudication (pull first)" in text
    assert bob in text and "@" not in text

    pulled = cli(ls_server, "ls", "pull", "--project", project, cwd=corpus)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    offline = status(ls_server, corpus, "--project", project, "--offline")
    assert offline["source"] == "corpus"
    assert {a["annotator"]: (a["submitted"], a["skipped"], a["drafts"], a["to_do"])
            for a in offline["annotators"]} == {admin: (1, None, None, None),
                                                bob: (2, None, None, None)}
    docs = {d["doc_id"]: d for d in offline["documents"]}
    assert (docs[MALI]["pulled"], docs[MALI]["ready"], docs[MALI]["adjudicated"]) == (
        2, True, False)
    assert offline["totals"]["skipped"] is None and offline["totals"]["submitted"] == 3

    # adjudicated: gold made from both layers; no longer ready, still in gold
    adj = subprocess.run([sys.executable, "-m", "claimstance", "adjudicate", MALI,
                          "--prefer", admin, "--force"], cwd=corpus, capture_output=True,
                         text=True, env=ls_server.env)
    assert adj.returncode == 0, adj.stdout + adj.stderr
    after = {d["doc_id"]: d for d in status(ls_server, corpus, "--offline")["documents"]}
    assert (after[MALI]["ready"], after[MALI]["adjudicated"], after[MALI]["in_gold"]) == (
        False, True, True)
