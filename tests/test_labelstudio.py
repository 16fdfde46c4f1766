"""The Label Studio round trip against a real server (see the `ls_server` fixture).

Annotations are created through the server's API the way its UI stores them, quirks
included: random region ids, one id shared by a `labels` and a `choices` result, relations
without labels, cancelled and draft annotations, several annotators, unreliable
`value.text`, astral characters.
"""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import datasets
import pytest

from claimstance.corpus.layout import Corpus
from claimstance.corpus.naming import pseudonym
from claimstance.corpus.palette import on_white, palette, tint
from claimstance.corpus.schema import claim_types, mention_types, stance_labels
from claimstance.dataset.build import build
from claimstance.ingest import ingest
from claimstance.labelstudio.api import find_project, project_tasks
from claimstance.labelstudio.config import hotkeys, labelstudio_config
from claimstance.labelstudio.convert import results_of
from claimstance.labelstudio.pull import pull
from claimstance.labelstudio.push import INSTRUCTIONS, push
from claimstance.problems import Refused
from claimstance.validation.run import validate
from claimstance.viewer import palette_css

from .conftest import REPO, LSServer, signed_up

DOC = "mali-accuses-algeria-downed-drone"
EMOJI_DOC = "emoji-flags-and-drones"
EMOJI_TEXT = ("Mali 🇲🇱 accused Algeria 🇩🇿 of downing its drone 🛸 near Tinzaouaten.\n\n"
              "Algiers said the drone violated its airspace, a claim Bamako rejected 👎🏽.")
SALT = b"test-salt"


def cli(server: LSServer, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimstance", *args], cwd=cwd,
                          env=server.env, capture_output=True, text=True, timeout=300)


def rid() -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=10))


def as_ui(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results as the UI makes them: random region ids (shared by a claim's two results)."""
    ids: dict[str, str] = {}
    out = []
    for r in results:
        r = json.loads(json.dumps(r))
        for key in ("id", "from_id", "to_id"):
            if key in r:
                r[key] = ids.setdefault(r[key], rid())
        r.setdefault("origin", "manual")
        out.append(r)
    return out


# --- the config ----------------------------------------------------------------------------

def test_checked_in_config_is_generated_from_the_schema() -> None:
    assert (REPO / "schema" / "labelstudio.xml").read_text(encoding="utf-8") == \
        labelstudio_config()


def test_config_control_names_and_labels() -> None:
    root = ET.fromstring(labelstudio_config())
    text = root.find("Text")
    assert text is not None and text.get("name") == "text" and text.get("value") == "$text"
    labels = {e.get("name"): [x.get("value") for x in e] for e in root.iter("Labels")}
    assert labels == {"mention": list(mention_types()), "claim": ["CLAIM"]}
    choices = root.find("Choices")
    assert choices is not None and choices.get("name") == "claim_type"
    assert choices.get("toName") == "text" and choices.get("perRegion") == "true"
    assert [c.get("value") for c in choices] == list(claim_types())
    assert [r.get("value") for r in root.iter("Relation")] == ["claimant", *stance_labels()]


def test_config_prevents_the_mistakes_the_pull_would_refuse() -> None:
    root = ET.fromstring(labelstudio_config())
    # the QID box sits in a View shown only for a selected mention (Label Studio ignores
    # whenTagName on the TextArea itself, so a QID box was offered for claims too)
    (view,) = [v for v in root.iter("View") if v.find("TextArea") is not None]
    assert (view.get("visibleWhen"), view.get("whenTagName")) == ("region-selected", "mention")
    assert view.find("TextArea").get("name") == "entity"  # type: ignore[union-attr]
    relations = root.find("Relations")
    assert relations is not None and relations.get("choice") == "single"  # one label each
    keys = [x.get("hotkey") for x in root.iter() if x.tag in ("Label", "Choice")]
    assert None not in keys and len(set(keys)) == len(keys)
    assert {x.get("value"): x.get("hotkey") for x in root.iter()
            if x.tag in ("Label", "Choice")} == hotkeys()
    assert [hotkeys()[t] for t in claim_types()] == [t[0] for t in claim_types()]


def test_label_studio_and_the_viewer_draw_labels_in_the_same_colours() -> None:
    """One palette from the schema: the config's label and relation colours, and the
    viewer's CSS (tinted as Label Studio tints regions), are the same colours. A relation's
    background in Label Studio is its colour's tint (dark text is written on it)."""
    root = ET.fromstring(labelstudio_config())
    config = {x.get("value"): x.get("background") for x in root.iter()
              if x.tag in ("Label", "Relation")}
    colours = palette()
    assert config == colours["mention_type"] | {"CLAIM": colours["claim"]["claim"]} \
        | {label: on_white(c) for label, c in colours["relation"].items()}
    styles = {x.get("value"): x.get("style") for x in root.iter("Choice")}
    assert styles == {t: f"border-bottom: 3px solid {c}"
                      for t, c in colours["claim_type"].items()}
    css = "\n".join(palette_css())
    for label, colour in colours["mention_type"].items():
        assert f".mt-{label}{{background:{tint(colour)}}}" in css
    assert f".claim{{background:{tint(config['CLAIM'] or '')}}}" in css
    for label, colour in colours["claim_type"].items():
        assert f".ct-{label}{{border-bottom-color:{colour}}}" in css
    for label, colour in colours["relation"].items():
        assert f".rel-{label}{{color:{colour}}}" in css
    assert tint("#ff8000") == "rgba(255, 128, 0, 0.3)"  # Label Studio's region opacity


def test_ls_config_command_prints_it() -> None:
    out = subprocess.run([sys.executable, "-m", "claimstance", "ls", "config"],
                         capture_output=True, text=True, check=True).stdout
    assert out == labelstudio_config()


def test_server_validates_the_config(client: Any) -> None:
    ok = client.projects.create(title="config-check", label_config=labelstudio_config())
    try:
        broken = labelstudio_config().replace('toName="text" perRegion', 'toName="txt" perRegion')
        from label_studio_sdk.core.api_error import ApiError

        with pytest.raises(ApiError) as e:
            client.projects.validate_label_config(id=ok.id, label_config=broken)
        assert e.value.status_code == 400
    finally:
        client.projects.delete(id=ok.id)


# --- push / annotate / pull ----------------------------------------------------------------

@pytest.fixture
def ls_corpus(corpus: Path) -> Path:
    """The repository's corpus plus a seed full of astral characters; no annotator layers."""
    src = corpus / "emoji.txt"
    src.write_text(EMOJI_TEXT, encoding="utf-8")
    ingest(src, EMOJI_DOC, corpus, title="Emoji, flags and a drone", added="2026-11-25")
    src.unlink()
    return corpus


@pytest.fixture
def project(ls_server: LSServer, request: pytest.FixtureRequest) -> Iterator[str]:
    title = f"t-{request.node.name[5:30]}-{rid()[:6]}"
    yield title
    with ls_server.client() as client:
        p = find_project(client, title)
        if p is not None:
            client.projects.delete(id=p.id)


@pytest.fixture
def client(ls_server: LSServer) -> Iterator[Any]:
    with ls_server.client() as c:
        yield c


def test_push_is_idempotent_and_reports_changed_seeds(client: Any, ls_corpus: Path,
                                                      project: str) -> None:
    first = push(client, Corpus.at(ls_corpus), project)
    assert first.ok and first.counts["tasks created"] == 2 and first.counts["project created"]
    second = push(client, Corpus.at(ls_corpus), project)
    assert second.ok and second.counts["tasks created"] == 0
    assert second.counts["tasks unchanged"] == 2
    seed_path = ls_corpus / "seeds" / f"{EMOJI_DOC}.json"
    seed = json.loads(seed_path.read_text())
    src = ls_corpus / "new.txt"
    src.write_text(seed["text"] + " Updated.", encoding="utf-8")
    ingest(src, EMOJI_DOC, ls_corpus, force=True, title=seed["title"], added=seed["added"])
    third = push(client, Corpus.at(ls_corpus), project)
    assert not third.ok
    assert [(p.code, p.path) for p in third.report.problems] == [
        ("ls-task-text-changed", f"seeds/{EMOJI_DOC}.json")]
    tasks = project_tasks(client, first.project_id or 0)
    assert sorted(tasks) == sorted([DOC, EMOJI_DOC])  # nothing duplicated
    assert len(list(client.tasks.list(project=first.project_id))) == 2


def test_push_updates_a_stale_config(client: Any, ls_corpus: Path, project: str) -> None:
    stale = labelstudio_config().replace('<Relation value="neutral"', '<Relation value="meh"')
    p = client.projects.create(title=project, label_config=stale)
    summary = push(client, Corpus.at(ls_corpus), project)
    assert summary.counts["labeling config updated"] == 1
    assert client.projects.get(id=p.id).label_config.strip() == labelstudio_config().strip()


def _annotate(client: Any, project_id: int, gold: dict[str, Any], *, emoji_task: Any,
              url: str, token: str) -> None:
    """Annotations as the UI leaves them, quirks and all; returns user ids by role."""
    tasks = project_tasks(client, project_id)
    task = tasks[DOC]
    admin = next(u for u in client.users.list() if u.email == "admin@example.org")
    with signed_up(url, token) as (bob, _, as_bob):
        _annotate_as(client, task, gold, emoji_task, as_bob, url, token)
    assert admin.id != bob


def _annotate_as(client: Any, task: Any, gold: dict[str, Any], emoji_task: Any, as_bob: Any,
                 url: str, token: str) -> None:
    def by_bob(task_id: int, **body: Any) -> None:
        as_bob.post(f"/api/tasks/{task_id}/annotations/", json=body).raise_for_status()

    results = as_ui(results_of(gold))
    by_id = {r["id"]: r for r in results if "id" in r}
    for r in results:  # value.text is unreliable: collapsed spaces, escaped newlines
        if r.get("type") == "labels":
            r["value"]["text"] = r["value"]["text"].replace(" ", "  ").replace("\n", "\\n")
    a_mention = next(r["id"] for r in results if r.get("from_name") == "mention")
    a_claim = next(r["id"] for r in results if r.get("from_name") == "claim")
    results.append({"from_id": a_mention, "to_id": a_claim, "type": "relation",
                    "direction": "right"})  # a relation without labels
    assert by_id  # ids are random strings now
    client.annotations.create(id=task.id, result=results, lead_time=321.5)
    # bob: a smaller layer, trailing whitespace in one span, a relation drawn backwards
    m = gold["mentions"][0]
    text = json.loads((REPO / "seeds" / f"{DOC}.json").read_text())["text"]
    c = next(c for c in gold["claims"] if text[c["start"] - 1] == " ")
    mid, cid = rid(), rid()
    start = c["start"] - 1  # the UI happily includes the space before a word
    bob_results = [
        {"id": mid, "from_name": "mention", "to_name": "text", "type": "labels",
         "value": {"start": m["start"], "end": m["end"], "text": m["text"], "labels": ["GPE"]}},
        {"id": cid, "from_name": "claim", "to_name": "text", "type": "labels",
         "value": {"start": start, "end": c["end"], "text": "?", "labels": ["CLAIM"]}},
        {"id": cid, "from_name": "claim_type", "to_name": "text", "type": "choices",
         "value": {"start": start, "end": c["end"], "text": "?", "choices": [c["type"]]}},
        {"from_id": cid, "to_id": mid, "type": "relation", "direction": "right",
         "labels": ["refute"]},
    ]
    by_bob(task.id, result=bob_results)
    # cancelled (skipped) and draft annotations are not pulled
    client.annotations.create(id=task.id, result=[], was_cancelled=True)
    by_bob(task.id, result=[], was_cancelled=True)
    import httpx

    httpx.post(f"{url}/api/tasks/{task.id}/drafts", headers={"Authorization": f"Token {token}"},
               json={"result": bob_results[:1], "lead_time": 1.0}).raise_for_status()
    # astral characters: offsets are code points
    text2 = emoji_task.data["text"]
    start = text2.index("Algeria")
    flag = text2.index("🇩🇿")
    drone = text2.index("drone 🛸")
    emoji_results = [
        {"id": rid(), "from_name": "mention", "to_name": "text", "type": "labels",
         "value": {"start": start, "end": start + 7, "text": "Algeria", "labels": ["GPE"]}},
        {"id": "shared", "from_name": "claim", "to_name": "text", "type": "labels",
         "value": {"start": drone, "end": drone + 7, "text": "drone 🛸",
                   "labels": ["CLAIM"]}},
        {"id": "shared", "from_name": "claim_type", "to_name": "text", "type": "choices",
         "value": {"start": drone, "end": drone + 7, "text": "drone 🛸",
                   "choices": ["fact"]}},
    ]
    client.annotations.create(id=emoji_task.id, result=emoji_results)
    emoji_results.append(  # half a flag: these offsets cannot be the seed's
        {"id": rid(), "from_name": "mention", "to_name": "text", "type": "labels",
         "value": {"start": flag + 1, "end": flag + 2, "text": "🇿", "labels": ["GPE"]}})
    by_bob(emoji_task.id, result=as_ui(emoji_results))


def test_round_trip(ls_server: LSServer, client: Any, ls_corpus: Path, project: str,
                    tmp_path: Path) -> None:
    corpus = Corpus.at(ls_corpus)
    gold = json.loads((ls_corpus / "annotations" / DOC / "gold.json").read_text())
    pushed = push(client, corpus, project)
    assert pushed.ok
    tasks = project_tasks(client, pushed.project_id or 0)
    _annotate(client, pushed.project_id or 0, gold, emoji_task=tasks[EMOJI_DOC],
              url=ls_server.url, token=ls_server.token)

    summary = pull(client, corpus, project, salt=SALT)
    codes = sorted((p.code, p.pointer.split("/result/")[-1] if "/result/" in p.pointer else "")
                   for p in summary.report.problems)
    assert [c for c, _ in codes] == ["claim-unattributed", "ls-unlabelled-relation",
                                     "span-splits-character"], summary.text()
    c = summary.counts
    assert c["tasks"] == 2
    assert c["cancelled (skipped) annotations ignored"] == 2
    assert c["drafts ignored"] == 1
    assert c["relations without a label ignored"] == 1
    assert c["annotations converted"] == 3 and c["annotations refused"] == 1
    assert c["span texts recomputed from offsets"] > 0 and c["spans trimmed of whitespace"] == 1

    admin = pseudonym("admin@example.org", SALT)
    folder = ls_corpus / "annotations" / DOC
    assert (folder / f"{admin}.json").is_file()
    bob_files = [p for p in folder.glob("a*.json") if p.stem != admin]
    assert len(bob_files) == 1
    for p in folder.glob("*.json"):  # no e-mail address reaches a file
        assert "@" not in p.read_text()
    emoji_layers = list((ls_corpus / "annotations" / EMOJI_DOC).glob("*.json"))
    assert [p.stem for p in emoji_layers] == [admin]  # bob's is refused: it splits a flag
    emoji = json.loads(emoji_layers[0].read_text())
    assert [x["text"] for x in emoji["claims"]] == ["drone 🛸"]

    pulled = json.loads((folder / f"{admin}.json").read_text())
    assert pulled["status"] == "submitted" and pulled["annotator"] == admin
    prov = pulled["provenance"]
    assert prov["tool"] == "label-studio" and prov["project"] == project
    assert prov["lead_time_s"] == 321.5 and isinstance(prov["task"], int)
    assert isinstance(prov["tool_version"], str)
    for key in ("mentions", "claims", "stances"):
        assert pulled[key] == gold[key], key  # spans, types, claimants and stances survive
    bob = json.loads(bob_files[0].read_text())
    assert bob["stances"] == [{"id": "s1", "holder": "m1", "claim": "c1", "label": "refute"}]
    seed_text = json.loads((ls_corpus / "seeds" / f"{DOC}.json").read_text())["text"]
    c = next(c for c in gold["claims"] if seed_text[c["start"] - 1] == " ")
    assert (bob["claims"][0]["start"], bob["claims"][0]["end"]) == (c["start"], c["end"])

    assert validate(ls_corpus).valid
    again = pull(client, corpus, project, salt=SALT)  # re-pulling is a no-op
    assert again.counts["files unchanged"] == 3 and not again.counts["files written"]

    # Update in Label Studio: the file the last pull wrote follows, without --force
    path = folder / f"{admin}.json"
    stored = client.annotations.get(id=prov["annotation"])
    client.annotations.update(id=prov["annotation"], result=stored.result, lead_time=400.0)
    updated = pull(client, corpus, project, salt=SALT)
    assert updated.files["updated"] == [f"annotations/{DOC}/{admin}.json"], updated.text()
    assert "ls-would-overwrite" not in {p.code for p in updated.report.problems}
    assert json.loads(path.read_text())["provenance"]["lead_time_s"] == 400.0

    # a person's edit is kept unless --force
    edited = path.read_text().replace('"lead_time_s": 400.0', '"lead_time_s": 1')
    path.write_text(edited)
    kept = pull(client, corpus, project, salt=SALT)
    assert not kept.ok and path.read_text() == edited
    assert sorted(p.code for p in kept.report.problems if p.level.value == "error") == [
        "ls-would-overwrite", "span-splits-character"]
    forced = pull(client, corpus, project, salt=SALT, force=True)
    assert forced.counts["files updated"] == 1 and path.read_text() != edited

    # and the layer goes all the way into the dataset
    (folder / "gold.json").unlink()
    path.rename(folder / "gold.json")
    g = json.loads((folder / "gold.json").read_text())
    g["annotator"], g["status"] = "gold", "gold"
    g["provenance"]["sources"] = [admin]
    (folder / "gold.json").write_text(json.dumps(g, ensure_ascii=False, indent=2) + "\n")
    for p in folder.glob("a*.json"):
        p.unlink()
    build(ls_corpus, tmp_path / "dist")
    ds = datasets.load_dataset(str(tmp_path / "dist"), "mentions",
                               cache_dir=str(tmp_path / "cache"))
    rows = [r for split in ds.values() for r in split]
    assert [(r["start"], r["end"], r["text"]) for r in rows] == [
        (m["start"], m["end"], m["text"]) for m in gold["mentions"]]
    assert all(seed_text[r["start"]:r["end"]] == r["text"] for r in rows)


def test_pull_refuses_tasks_whose_text_changed(client: Any, ls_corpus: Path,
                                               project: str) -> None:
    pushed = push(client, Corpus.at(ls_corpus), project)
    text = json.loads((ls_corpus / "seeds" / f"{DOC}.json").read_text())["text"]
    client.projects.import_tasks(id=pushed.project_id, request=[
        {"data": {"text": text.replace("Mali", "Mali,", 1), "doc_id": DOC, "sha256": "0" * 64}}])
    stale = next(t for t in client.tasks.list(project=pushed.project_id, fields="all")
                 if t.data["sha256"] == "0" * 64)
    client.annotations.create(id=stale.id, result=[
        {"id": "x", "from_name": "mention", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 6, "text": "BAMAKO", "labels": ["GPE"]}}])
    summary = pull(client, Corpus.at(ls_corpus), project, salt=SALT)
    assert [p.code for p in summary.report.problems] == ["ls-task-text-changed"]
    assert summary.counts["annotations refused"] == 1
    assert not list((ls_corpus / "annotations" / DOC).glob("a*.json"))


def test_cli_push_overlap_and_gold_suggestions(ls_server: LSServer, client: Any,
                                               ls_corpus: Path, project: str) -> None:
    """--annotators-per-task sets the overlap; --from gold pushes gold as predictions that
    pre-fill new annotations; pushing again changes nothing; annotator layers never go."""
    a_layer = ls_corpus / "annotations" / DOC / "a0123456789.json"
    gold = json.loads((ls_corpus / "annotations" / DOC / "gold.json").read_text())
    a_layer.write_text(json.dumps(gold | {"annotator": "a0123456789", "status": "submitted"},
                                  ensure_ascii=False, indent=2) + "\n")
    out = cli(ls_server, "ls", "push", "--project", project, "--from", "gold",
              "--annotators-per-task", "2", "--format", "json", cwd=ls_corpus)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["counts"]["tasks created"] == 2
    assert summary["counts"]["predictions created"] == 1
    p = client.projects.get(id=summary["project_id"])
    assert (p.maximum_annotations, p.overlap_cohort_percentage) == (2, 100)
    assert p.model_version == "gold" and p.show_collab_predictions
    # the annotators' instructions, shown before they label (test_ls_ui sees them)
    assert p.show_instruction and p.expert_instruction == INSTRUCTIONS
    assert summary["settings"]["instructions"] == "shown before labelling"
    again = json.loads(cli(ls_server, "ls", "push", "--project", project, "--from", "gold",
                           "--annotators-per-task", "2", "--format", "json",
                           cwd=ls_corpus).stdout)
    assert again["counts"]["predictions unchanged"] == 1
    assert "predictions created" not in again["counts"] and "overlap updated" not in \
        again["counts"] and "instructions updated" not in again["counts"]
    client.projects.update(id=p.id, show_instruction=False)  # switched off in the UI
    fixed = json.loads(cli(ls_server, "ls", "push", "--project", project, "--format", "json",
                           cwd=ls_corpus).stdout)
    assert fixed["counts"]["instructions updated"] == 1
    assert client.projects.get(id=p.id).show_instruction
    task = project_tasks(client, summary["project_id"])[DOC]
    (pred,) = client.predictions.list(task=task.id)
    assert pred.model_version == "gold" and pred.score == 1.0
    assert sorted(r.get("labels", [""])[0] for r in pred.result if r["type"] == "relation") \
        == sorted(["claimant"] * sum(1 for c in gold["claims"] if c["claimant"])
                  + [s["label"] for s in gold["stances"]])
    pulled = cli(ls_server, "ls", "pull", "--project", project, cwd=ls_corpus)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert "tasks: 2" in pulled.stdout
    missing = cli(ls_server, "ls", "pull", "--project", "no-such-project", cwd=ls_corpus)
    assert missing.returncode == 1 and "ls push" in missing.stderr
    assert "Traceback" not in missing.stderr
    retired = cli(ls_server, "ls", "push", "--project", project, "--with-annotations",
                  cwd=ls_corpus)
    assert retired.returncode == 2  # annotators' layers are never pushed to others


def test_wrong_token_is_a_clear_error(ls_server: LSServer, ls_corpus: Path) -> None:
    from claimstance.labelstudio.api import connect

    with pytest.raises(Refused, match="HTTP 401"), connect(ls_server.url, "0" * 40) as bad:
        push(bad, Corpus.at(ls_corpus), "x")
    out = subprocess.run([sys.executable, "-m", "claimstance", "ls", "push", "--url",
                          ls_server.url, "--api-key", "0" * 40], cwd=ls_corpus,
                         capture_output=True, text=True)
    assert out.returncode == 1 and "HTTP 401" in out.stderr and "Traceback" not in out.stderr
