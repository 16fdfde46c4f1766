"""Annotators in the real Label Studio UI (headless Chromium against the real server).

Two annotator accounts, signed up through the invite link, label the seed article with the
mouse and the hotkeys: mentions, a claim and its type, a Wikidata QID, claimant and stance
relations, Submit. One of them then Updates, the other Skips another task. `ls pull`
follows the Update without --force; the JSON the UI's Export button downloads, with the
user list the browser shows, gives the same files under the same pseudonyms; `agree` runs
on the two layers. A second test has annotators correct model suggestions. Screenshots go
to test-artifacts/ls-ui/ (some illustrate GUIDELINES.md, from docs/images/).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from claimstance.corpus.naming import pseudonym
from claimstance.corpus.palette import on_white, palette
from claimstance.ingest import ingest
from claimstance.labelstudio.api import create_annotator, find_project, project_tasks
from claimstance.labelstudio.config import hotkeys

from . import lsui
from .conftest import REPO, LSServer

DOC = "mali-accuses-algeria-downed-drone"
SHOTS = REPO / "test-artifacts" / "ls-ui"
SALT = "test-salt"  # the ls_server fixture's


@dataclass
class Annotator:
    email: str
    password: str
    id: int

    @property
    def pseudonym(self) -> str:
        return pseudonym(self.email, SALT.encode())


@pytest.fixture(scope="module")
def annotators(ls_server: LSServer) -> list[Annotator]:
    """Two annotator accounts, made through the invite link as people make them."""
    out = []
    for name in ("ana", "ben"):
        email = f"{name}-{secrets.token_hex(3)}@example.org"
        password = secrets.token_urlsafe(12)
        out.append(Annotator(email, password, create_annotator(ls_server.url, ls_server.token,
                                                               email, password)))
    return out


class People:
    """A fresh browser context per person (their own cookies), noting every request that
    leaves the machine (Label Studio's telemetry is off, so there must be none)."""

    def __init__(self, browser: Any, url: str) -> None:
        self.browser, self.url = browser, url
        self.contexts: list[Any] = []
        self.outside: list[str] = []

    def _note(self, request: Any) -> None:
        if urlparse(request.url).hostname not in ("127.0.0.1", "localhost", None):
            self.outside.append(request.url)

    def login(self, annotator: Annotator) -> Any:
        ctx = self.browser.new_context(viewport={"width": 1400, "height": 1000},
                                       accept_downloads=True)
        self.contexts.append(ctx)
        page = ctx.new_page()
        page.on("request", self._note)
        lsui.login(page, self.url, annotator.email, annotator.password)
        return page


@pytest.fixture
def people(browser: Any, ls_server: LSServer) -> Iterator[People]:
    out = People(browser, ls_server.url)
    yield out
    for ctx in out.contexts:
        ctx.close()


def cli(server: LSServer, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimstance", *args], cwd=cwd,
                          env=server.env, capture_output=True, text=True, timeout=600)


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def project(ls_server: LSServer) -> Iterator[str]:
    title = f"ui-{secrets.token_hex(3)}"
    yield title
    with ls_server.client() as client:
        p = find_project(client, title)
        if p is not None:
            client.projects.delete(id=p.id)


def _layers(root: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in (root / "annotations" / DOC).glob("a*.json")}


@pytest.fixture
def two_seeds(corpus: Path) -> Path:
    """The repository's corpus plus a second article (the task one annotator skips)."""
    src = corpus / "second.txt"
    src.write_text("Niger said the border with Benin would reopen next week. Critics in "
                   "Niamey called the plan reckless.", encoding="utf-8")
    ingest(src, "niger-border-reopening", corpus, title="A border to reopen",
           added="2026-11-25")
    src.unlink()
    return corpus


def test_two_annotators_in_the_real_ui(ls_server: LSServer, two_seeds: Path, tmp_path: Path,
                                       annotators: list[Annotator], people: People,
                                       project: str) -> None:
    ana, ben = annotators
    corpus = two_seeds
    out = cli(ls_server, corpus, "ls", "push", "--project", project, "--annotators-per-task",
              "2", "--format", "json")
    assert out.returncode == 0, out.stdout + out.stderr
    pid = json.loads(out.stdout)["project_id"]
    with ls_server.client() as client:
        tasks = {d: t.id for d, t in project_tasks(client, pid).items()}
    text = json.loads((corpus / "seeds" / f"{DOC}.json").read_text())["text"]
    mali = lsui.span(text, "Mali")  # "— Mali has escalated ..."
    algeria = lsui.span(text, "Algeria", 0)
    claim = lsui.span(text, "sponsoring and exporting terrorism")
    algeria2 = lsui.span(text, "Algeria has yet to respond")
    algeria2 = (algeria2[0], algeria2[0] + len("Algeria"))
    border = lsui.span(text, "their shared border")

    # --- ana, in the task's own view: label, check what the config shows, Submit
    page = people.login(ana)
    lsui.open_task(page, ls_server.url, pid, tasks[DOC])
    for chip in page.locator(".lsf-label").all():  # every label's name is readable ...
        assert lsui.readability(chip) >= 4.5, chip.inner_text()
    for key in sorted(set(hotkeys().values()) - set("faei")):  # ... also once armed
        lsui.unselect(page)
        lsui.arm(page, key)
        armed = page.locator(".lsf-label_selected").first
        assert lsui.readability(armed) >= 4.5, armed.inner_text()
        page.keyboard.press(key)
        page.wait_for_function("() => !document.querySelector('.lsf-label_selected')",
                               timeout=lsui.TIMEOUT)
    lsui.label(page, "3", text, *mali)  # GPE
    assert lsui.readability(lsui.region(page, *mali)) >= 4.5  # a region's text, on its tint
    shot(page, "01-mention")
    lsui.select(page, *mali)
    assert lsui.readability(lsui.region(page, *mali)) >= 4.5  # ... and selected
    assert lsui.qid_box_visible(page)  # the QID box: for a selected mention ...
    lsui.qid(page, "Q912")
    shot(page, "02-mention-qid")
    lsui.label(page, "3", text, *algeria2)
    lsui.label(page, "7", text, *claim)  # CLAIM
    lsui.select(page, *claim)
    assert not lsui.qid_box_visible(page)  # ... never for a claim
    lsui.claim_type_key(page, "a", "accusation")  # the claim type's hotkey: its initial
    for value, colour in palette()["claim_type"].items():  # each type in its colour
        choice = page.locator(f'.lsf-choices:not(.lsf-choices_hidden) input[name="{value}"]')
        assert lsui.rgb(colour) in lsui.colours(choice), (value, lsui.colours(choice))
    shot(page, "03-claim-type")
    lsui.unselect(page)
    assert not lsui.qid_box_visible(page)
    # GUIDELINES.md's fastest way: five clicks and Alt+R (relation labels have no hotkey)
    assert lsui.relation(page, mali, claim, "claimant", shot=SHOTS / "04-relation-label.png",
                         colour=on_white(palette()["relation"]["claimant"])) == 5
    assert lsui.relation(page, algeria2, claim, "neutral") == 5
    assert lsui.relations_tab(page) == 2
    shot(page, "05-relations")
    # a label key pressed on a selected region adds its label (ls-mention-and-claim);
    # pressing it again takes it off, and the QID and the relations stay
    lsui.select(page, *mali)
    lsui.toggle_label(page, hotkeys()["CLAIM"], "GPE, CLAIM")
    shot(page, "05-mention-and-claim")
    lsui.toggle_label(page, hotkeys()["CLAIM"], "GPE")
    lsui.select(page, *claim)
    lsui.toggle_label(page, hotkeys()["GPE"], "GPE, CLAIM")
    lsui.toggle_label(page, hotkeys()["GPE"], "CLAIM")
    lsui.unselect(page)
    assert lsui.relations_tab(page) == 2
    lsui.regions_tab(page)
    first = lsui.submit(page)
    assert first["completed_by"] == ana.id
    assert page.evaluate("() => window.APP_SETTINGS.collect_analytics") is False

    # --- ben, in the labeling stream: the server gives him the same task (overlap 2)
    page = people.login(ben)
    task, instructions = lsui.open_stream(page, ls_server.url, pid)
    assert task == tasks[DOC]
    assert "newest" in instructions and "your own annotation" in instructions  # ls push's
    lsui.label(page, "2", text, *mali)  # ORG this time
    lsui.label(page, "3", text, *algeria)
    lsui.label(page, "7", text, *claim)
    lsui.select(page, *claim)
    lsui.claim_type_key(page, "f", "fact")
    lsui.unselect(page)
    lsui.relation(page, mali, claim, "claimant")
    shot(page, "06-before-submit")
    lsui.submit(page)
    page.wait_for_function(f"() => !document.querySelector('.lsf-current-task__task-id')"
                           f"?.innerText.includes('{tasks[DOC]}')", timeout=lsui.TIMEOUT)
    assert lsui.current_task(page) != tasks[DOC]  # the next task: ben skips it
    shot(page, "07-skip")
    skipped = lsui.skip(page)
    assert skipped["was_cancelled"] is True

    # --- the first pull: one file per person, named by their pseudonym
    pulled = cli(ls_server, corpus, "ls", "pull", "--project", project, "--format", "json")
    summary = json.loads(pulled.stdout)
    assert summary["counts"]["files written"] == 2, pulled.stdout + pulled.stderr
    assert summary["counts"]["cancelled (skipped) annotations ignored"] == 1
    layers = _layers(corpus)
    assert sorted(layers) == sorted([ana.pseudonym, ben.pseudonym])
    a = layers[ana.pseudonym]
    assert [(m["text"], m["type"], m.get("entity")) for m in a["mentions"]] == [
        ("Mali", "GPE", "Q912"), ("Algeria", "GPE", None)]
    (c,) = a["claims"]
    assert (c["text"], c["type"]) == ("sponsoring and exporting terrorism", "accusation")
    assert c["claimant"] == "m1"
    assert a["stances"] == [{"id": "s1", "holder": "m2", "claim": "c1", "label": "neutral"}]
    b = layers[ben.pseudonym]
    assert [(m["text"], m["type"]) for m in b["mentions"]] == [("Mali", "ORG"),
                                                               ("Algeria", "GPE")]
    assert [(c["type"], c["claimant"]) for c in b["claims"]] == [("fact", "m1")]

    # --- ana reopens the task, picks her own annotation, adds a LOC and presses Update
    page = people.login(ana)
    lsui.open_task(page, ls_server.url, pid, tasks[DOC], annotated=True)
    lsui.own_annotation(page, first["id"])
    lsui.label(page, "4", text, *border)  # LOC
    shot(page, "08-update")
    after = lsui.update(page)
    assert after["id"] == first["id"] and after["completed_by"] == ana.id

    # --- the Update pulls cleanly, without --force; a hand-edited file stays protected
    again = cli(ls_server, corpus, "ls", "pull", "--project", project, "--format", "json")
    assert again.returncode == 0, again.stdout + again.stderr
    files = json.loads(again.stdout)["files"]
    assert files["updated"] == [f"annotations/{DOC}/{ana.pseudonym}.json"]
    assert files["unchanged"] == [f"annotations/{DOC}/{ben.pseudonym}.json"]
    assert ("their shared border", "LOC") in [
        (m["text"], m["type"]) for m in _layers(corpus)[ana.pseudonym]["mentions"]]

    # --- the UI's Export button and the user list the browser shows: the same files
    export = lsui.export_json(page, ls_server.url, pid, tmp_path / "export.json")
    page.goto(f"{ls_server.url}/api/users/")
    users = tmp_path / "users.json"
    users.write_text(page.locator("body").inner_text())
    assert {a["completed_by"] for t in json.loads(export.read_text())
            for a in t["annotations"]} == {ana.id, ben.id}  # numeric ids in the UI export
    other = tmp_path / "other"
    shutil.copytree(corpus / "seeds", other / "seeds")
    from_ui = cli(ls_server, other, "ls", "pull", "--from-export", str(export), "--users",
                  str(users), "--project", project, "--format", "json")
    assert from_ui.returncode == 0, from_ui.stdout + from_ui.stderr
    ui_layers, api_layers = _layers(other), _layers(corpus)
    assert sorted(ui_layers) == sorted(api_layers) == sorted([ana.pseudonym, ben.pseudonym])
    for name, layer in api_layers.items():  # identical but for the server version
        layer["provenance"]["tool_version"] = None
        assert ui_layers[name] == layer
    pulled_by_api = {p: p.read_bytes() for p in (corpus / "annotations").rglob("*.json")}
    same = cli(ls_server, corpus, "ls", "pull", "--from-export", str(export), "--users",
               str(users), "--project", project, "--format", "json")  # the same content ...
    assert json.loads(same.stdout)["counts"]["files unchanged"] == 2, same.stdout
    assert pulled_by_api == {p: p.read_bytes() for p in (corpus / "annotations").rglob(
        "*.json")}  # ... the same bytes, whichever route pulled it
    assert not people.outside, people.outside  # no analytics, error reports, update checks

    # --- agreement between the two
    agree = cli(ls_server, corpus, "agree", DOC, "--format", "json")
    assert agree.returncode == 0, agree.stderr
    report = json.loads(agree.stdout)
    (pair,) = report["pairs"]
    assert sorted(pair["annotators"]) == sorted([ana.pseudonym, ben.pseudonym])
    assert report["documents"] == [DOC]


def test_annotators_correct_model_suggestions(ls_server: LSServer, two_seeds: Path,
                                              annotators: list[Annotator], people: People,
                                              project: str) -> None:
    """Predictions pushed under a model version pre-fill the annotator's task (spans and
    relations); pushing again changes nothing; `agree --against predictions` says what the
    annotator changed."""
    corpus = two_seeds
    ana = annotators[0]
    text = json.loads((corpus / "seeds" / f"{DOC}.json").read_text())["text"]
    gold = json.loads((corpus / "annotations" / DOC / "gold.json").read_text())
    first = text.index("\n")  # the first paragraph's items: what a model suggests
    mentions = [m for m in gold["mentions"] if m["end"] <= first]
    kept = {m["id"] for m in mentions}
    claims = [c | {"claimant": c["claimant"] if c["claimant"] in kept else None}
              for c in gold["claims"] if c["end"] <= first]
    stances = [s for s in gold["stances"]
               if s["holder"] in kept and s["claim"] in {c["id"] for c in claims}]
    line = {"doc_id": DOC, "mentions": [{k: m[k] for k in ("id", "start", "end", "type")}
                                        for m in mentions],
            "claims": [{k: c[k] for k in ("id", "start", "end", "type", "claimant")}
                       for c in claims],
            "stances": [{k: s[k] for k in ("holder", "claim", "label")} for s in stances]}
    predictions = corpus.parent / "model.jsonl"
    predictions.write_text(json.dumps(line) + "\n")
    push = ("ls", "push", "--project", project, "--predictions", str(predictions),
            "--model-version", "test-model", "--format", "json")
    out = cli(ls_server, corpus, *push)
    assert out.returncode == 0, out.stdout + out.stderr
    summary = json.loads(out.stdout)
    assert summary["counts"]["predictions created"] == 1
    again = json.loads(cli(ls_server, corpus, *push).stdout)
    assert again["counts"]["predictions unchanged"] == 1
    assert "predictions created" not in again["counts"]
    pid = summary["project_id"]
    with ls_server.client() as client:
        task = project_tasks(client, pid)[DOC].id

    page = people.login(ana)
    assert lsui.open_stream(page, ls_server.url, pid)[0] == task
    regions = len(mentions) + len(claims)
    page.wait_for_function(
        f"() => document.querySelectorAll('.htx-highlight').length >= {regions}",
        timeout=lsui.TIMEOUT)
    relations = sum(1 for c in claims if c["claimant"]) + len(stances)
    assert relations > 0
    assert lsui.relations_tab(page) == relations
    shot(page, "09-suggestions")
    lsui.regions_tab(page)
    region = lsui.span(text, "the northern region")
    lsui.label(page, "4", text, *region)  # the annotator adds what the model missed
    lsui.submit(page)

    pulled = cli(ls_server, corpus, "ls", "pull", "--project", project)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    layer = _layers(corpus)[ana.pseudonym]
    assert [(m["start"], m["end"], m["type"]) for m in layer["mentions"]] == sorted(
        [(m["start"], m["end"], m["type"]) for m in mentions] + [(*region, "LOC")])
    assert [(c["start"], c["end"], c["type"]) for c in layer["claims"]] == [
        (c["start"], c["end"], c["type"]) for c in claims]
    assert len(layer["stances"]) == len(stances)
    agree = cli(ls_server, corpus, "agree", DOC, "--against", "predictions", "--predictions",
                str(predictions), "--format", "json")
    assert agree.returncode == 0, agree.stderr
    (pair,) = json.loads(agree.stdout)["pairs"]
    assert pair["annotators"] == ["predictions", ana.pseudonym]
    n = len(mentions)
    assert pair["mention_spans"]["exact"]["f1"] == round(2 * n / (2 * n + 1), 4)
    assert pair["claim_spans"]["exact"]["f1"] == 1.0


def _problems(out: subprocess.CompletedProcess[str], code: str) -> list[dict[str, Any]]:
    return [p for p in json.loads(out.stdout)["problems"] if p["code"] == code]


def test_an_edit_on_a_colleagues_tab_is_refused_and_named(
        ls_server: LSServer, corpus: Path, tmp_path: Path, annotators: list[Annotator],
        people: People, project: str) -> None:
    """Label Studio opens a task from the list on its newest annotation, here ben's; ana
    adds a region there and presses Update, which changes ben's annotation. The pull refuses
    it, naming both, the document, the task and the annotation, and keeps ben's file; so
    does a pull of the UI's export. Ben opens the task, clicks his own tab, checks it and
    presses Update: the pull takes it. Ana's correction on her own tab is pulled as hers.
    (Label Studio 1.23's "copy link" of an annotation, ?annotation=, opens the newest tab
    all the same: seen here, so the messages do not offer it.)"""
    ana, ben = annotators
    out = cli(ls_server, corpus, "ls", "push", "--project", project, "--annotators-per-task",
              "2", "--format", "json")
    assert out.returncode == 0, out.stdout + out.stderr
    pid = json.loads(out.stdout)["project_id"]
    with ls_server.client() as client:
        task = project_tasks(client, pid)[DOC].id
    text = json.loads((corpus / "seeds" / f"{DOC}.json").read_text())["text"]
    mali, border = lsui.span(text, "Mali"), lsui.span(text, "their shared border")
    claim = lsui.span(text, "sponsoring and exporting terrorism")
    submitted = {}
    for person, key in ((ana, "3"), (ben, "2")):  # each labels in the stream, on their own
        page = people.login(person)
        assert lsui.open_stream(page, ls_server.url, pid)[0] == task
        lsui.label(page, key, text, *mali)
        lsui.label(page, "7", text, *claim)
        lsui.select(page, *claim)
        lsui.claim_type_key(page, "a", "accusation")
        lsui.relation(page, mali, claim, "claimant")
        submitted[person.email] = lsui.submit(page)
    mine, his = submitted[ana.email], submitted[ben.email]
    first = cli(ls_server, corpus, "ls", "pull", "--project", project, "--format", "json")
    assert json.loads(first.stdout)["counts"]["files written"] == 2, first.stdout
    ben_file = corpus / "annotations" / DOC / f"{ben.pseudonym}.json"
    ana_file = corpus / "annotations" / DOC / f"{ana.pseudonym}.json"
    bens = ben_file.read_bytes()

    # --- ana opens the task from the list: it shows ben's annotation, the newest
    page = people.login(ana)
    lsui.open_task(page, ls_server.url, pid, task, annotated=True)
    lsui.label(page, "4", text, *border)
    shot(page, "10-edit-on-a-colleagues-tab")
    edited = lsui.update(page)
    assert (edited["id"], edited["completed_by"], edited["updated_by"]) == (
        his["id"], ben.id, ana.id)  # Label Studio: ben's annotation, last saved by ana

    # --- the pull refuses it, names both and where it is, keeps ben's file
    refused = cli(ls_server, corpus, "ls", "pull", "--project", project, "--format", "json")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    (p,) = _problems(refused, "ls-edited-by-other")
    link = f"{ls_server.url}/projects/{pid}/data?task={task}"
    for part in (DOC, f"annotator {ben.pseudonym}", f"annotator {ana.pseudonym}",
                 f"task {task}, annotation {his['id']}, {link}", "--accept-edits-by-others"):
        assert part in p["message"], (part, p["message"])
    assert ben_file.read_bytes() == bens
    assert f"annotations/{DOC}/{ana.pseudonym}.json" in json.loads(refused.stdout)[
        "files"]["unchanged"]

    # --- the UI's export says the same: completed_by ben, updated_by ana (ids), and the
    # pull of it refuses the same annotation
    export = lsui.export_json(page, ls_server.url, pid, tmp_path / "export.json")
    (shape,) = [a for t in json.loads(export.read_text()) for a in t["annotations"]
                if a["id"] == his["id"]]
    assert (shape["completed_by"], shape["updated_by"], shape["last_action"]) == (
        ben.id, ana.id, None)
    page.goto(f"{ls_server.url}/api/users/")
    users = tmp_path / "users.json"
    users.write_text(page.locator("body").inner_text())
    from_ui = cli(ls_server, corpus, "ls", "pull", "--from-export", str(export), "--users",
                  str(users), "--project", project, "--format", "json")
    assert from_ui.returncode == 1 and _problems(from_ui, "ls-edited-by-other"), from_ui.stdout
    assert ben_file.read_bytes() == bens

    # --- ben opens the task, clicks his own tab and checks it. Nothing to change: Update
    # stays greyed out until something changes, so he puts CLAIM on a mention and takes it
    # off again (GUIDELINES.md), then presses Update
    page = people.login(ben)
    lsui.open_task(page, ls_server.url, pid, task, annotated=True)
    lsui.own_annotation(page, his["id"])
    assert ben.email[:8] in lsui.selected_annotation(page)  # his tab
    assert page.locator('[data-testid="bottombar-update-button"]').is_disabled()
    lsui.select(page, *mali)
    lsui.toggle_label(page, hotkeys()["CLAIM"], "ORG, CLAIM")
    lsui.toggle_label(page, hotkeys()["CLAIM"], "ORG")
    lsui.unselect(page)
    reviewed = lsui.update(page)
    assert (reviewed["id"], reviewed["updated_by"]) == (his["id"], ben.id)
    accepted = cli(ls_server, corpus, "ls", "pull", "--project", project, "--format", "json")
    assert accepted.returncode == 0, accepted.stdout
    assert json.loads(accepted.stdout)["files"]["updated"] == [
        f"annotations/{DOC}/{ben.pseudonym}.json"]
    layer = json.loads(ben_file.read_text())  # his, with the region he accepted
    assert [(m["text"], m["type"]) for m in layer["mentions"]] == [
        ("Mali", "ORG"), ("their shared border", "LOC")]
    assert [c["claimant"] for c in layer["claims"]] == ["m1"]

    # --- the right way: ana opens the task (on ben's tab, the newest), clicks her own tab
    # and corrects her annotation
    page = people.login(ana)
    lsui.open_task(page, ls_server.url, pid, task, annotated=True)
    assert ben.email[:8] in lsui.selected_annotation(page)
    lsui.own_annotation(page, mine["id"])
    assert ana.email[:8] in lsui.selected_annotation(page)
    lsui.label(page, "4", text, *border)
    own = lsui.update(page)
    assert (own["completed_by"], own["updated_by"]) == (ana.id, ana.id)
    right = cli(ls_server, corpus, "ls", "pull", "--project", project, "--format", "json")
    assert right.returncode == 0, right.stdout
    assert json.loads(right.stdout)["files"]["updated"] == [
        f"annotations/{DOC}/{ana.pseudonym}.json"]
    assert ("their shared border", "LOC") in [
        (m["text"], m["type"]) for m in json.loads(ana_file.read_text())["mentions"]]
