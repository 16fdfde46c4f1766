"""Incremental pulls against the real server (see the `ls_server` fixture): after a completed
pull, the next exports only the tasks changed since, plus those whose annotations were
refused or whose files were kept; `--all` and `--force` export everything; the record of
pulls holds the watermark, and status reads the last pull from it."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from claimstance.corpus.layout import Corpus
from claimstance.labelstudio.api import CHANGED_VIEW, find_project, project_tasks, server_clock
from claimstance.labelstudio.convert import results_of
from claimstance.labelstudio.ledger import LEDGER, Ledger
from claimstance.labelstudio.pull import pull
from claimstance.labelstudio.push import push
from claimstance.labelstudio.status import offline_status
from claimstance.labelstudio.times import instant

from .conftest import LSServer, signed_up

SALT = b"test-salt"
#: No margin: nothing here is saved while a pull runs, and the default's minute would have
#: to pass before a pull could find nothing changed
NO_MARGIN = timedelta(0)
MALI = "mali-accuses-algeria-downed-drone"


@pytest.fixture
def project(ls_server: LSServer, three_docs: Path) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """A project of three documents, each annotated once by the admin."""
    corpus = three_docs
    title = f"incremental-{secrets.token_hex(3)}"
    with ls_server.client() as client:
        push(client, Corpus.at(corpus), title, annotators_per_task=2)
        p = find_project(client, title)
        assert p is not None
        tasks = project_tasks(client, p.id)
        gold = Corpus.at(corpus).read_layer(MALI, "gold")
        annotations = {MALI: client.annotations.create(id=tasks[MALI].id,
                                                       result=results_of(gold))}
        for doc_id in ("second-doc", "third-doc"):
            annotations[doc_id] = client.annotations.create(id=tasks[doc_id].id, result=[
                {"id": "r1", "from_name": "mention", "to_name": "text", "type": "labels",
                 "value": {"start": 0, "end": 6, "labels": ["GPE"]}}])
        yield title, client, {"tasks": tasks, "annotations": annotations}
        client.projects.delete(id=p.id)


def errors(summary: Any) -> list[str]:
    return [p.code.value for p in summary.report.problems if p.level.value == "error"]


def settle(client: Any) -> None:
    """The watermark comes from the server's Date header, in whole seconds: wait until it
    ticks, so that what was saved before is older than the next pull's watermark."""
    first = server_clock(client)
    assert first is not None
    while server_clock(client) == first:
        time.sleep(0.05)


def test_a_pull_exports_only_what_changed(project: tuple[str, Any, dict[str, Any]],
                                          corpus: Path) -> None:
    title, client, made = project
    c = Corpus.at(corpus)
    settle(client)  # the annotations made by `project` are older than the watermark
    first = pull(client, c, title, salt=SALT, margin=NO_MARGIN)
    assert first.ok, first.text()
    assert first.settings["pulled"] == "every task" and first.counts["tasks"] == 3
    assert first.counts["files written"] == 3
    mark = Ledger.of(c).marks[title]
    assert mark.project_id == first.project_id and mark.overlap == 2 and mark.retry == ()
    assert mark.since and mark.at
    lines = (corpus / LEDGER).read_text().splitlines()
    assert json.loads(lines[-1])["pull"] == title and len(lines) == 4  # 3 layers + the mark

    quiet = pull(client, c, title, salt=SALT, margin=NO_MARGIN)
    assert quiet.ok and quiet.settings["pulled"] == f"tasks changed since {mark.since}"
    assert quiet.counts["tasks"] == 0 and not quiet.files

    # an Update in Label Studio: only its task is exported, and its file follows
    a = made["annotations"]["second-doc"]
    client.annotations.update(id=a.id, result=a.result, lead_time=77.0)
    changed = pull(client, c, title, salt=SALT, margin=NO_MARGIN)
    assert changed.counts["tasks"] == 1, changed.text()
    assert changed.files == {"updated": ["annotations/second-doc/" + _admin(c) + ".json"]}
    assert not [v for v in client.views.list(project=first.project_id)
                if v.data.get("title") == CHANGED_VIEW]  # its temporary view is gone

    # a margin: the next pull asks again for what changed that long before this one's export
    # (here every task: all were saved within the last minute)
    within = pull(client, c, title, salt=SALT, margin=timedelta(seconds=60))
    mark = Ledger.of(c).marks[title]
    at, since = instant(mark.at), instant(mark.since)
    assert within.ok and at is not None and since is not None
    assert timedelta(seconds=60) <= at - since < timedelta(seconds=120)  # `at`: after the export
    asks_again = pull(client, c, title, salt=SALT, margin=NO_MARGIN)
    assert asks_again.settings["pulled"] == f"tasks changed since {mark.since}"
    assert asks_again.counts["tasks"] == 3 and asks_again.counts["files unchanged"] == 3

    everything = pull(client, c, title, salt=SALT, full=True)
    assert everything.counts["tasks"] == 3 and everything.counts["files unchanged"] == 3

    # the record of pulls stays the truth: offline status reads the last pull from it
    offline = offline_status(c, title)
    assert offline.last_pull == Ledger.of(c).marks[title].at and offline.overlap == 2


def _admin(c: Corpus) -> str:
    return next(a for a in c.annotators("second-doc") if a != "gold")


def test_refused_and_kept_tasks_are_asked_for_again(project: tuple[str, Any, dict[str, Any]],
                                                    corpus: Path, ls_server: LSServer
                                                    ) -> None:
    title, client, made = project
    c = Corpus.at(corpus)
    broken = made["tasks"]["third-doc"]

    def mention(end: int) -> dict[str, Any]:
        return {"result": [{"id": "r9", "from_name": "mention", "to_name": "text",
                            "type": "labels",
                            "value": {"start": 0, "end": end, "labels": ["GPE"]}}]}

    with signed_up(ls_server.url, ls_server.token) as (_, _, as_bob):
        made_by_bob = as_bob.post(f"/api/tasks/{broken.id}/annotations/",
                                  json=mention(900))  # offsets past the text
        made_by_bob.raise_for_status()
        bad = made_by_bob.json()
        settle(client)  # every annotation so far is older than the watermark
        first = pull(client, c, title, salt=SALT, margin=NO_MARGIN)
        assert errors(first) == ["offset-out-of-range"]
        assert Ledger.of(c).marks[title].retry == (broken.id,)
        # unchanged, yet asked again and reported
        again = pull(client, c, title, salt=SALT, margin=NO_MARGIN)
        assert again.counts["tasks"] == 1
        assert errors(again) == ["offset-out-of-range"]
        as_bob.patch(f"/api/annotations/{bad['id']}/", json=mention(6)).raise_for_status()
    fixed = pull(client, c, title, salt=SALT, margin=NO_MARGIN)
    assert not errors(fixed) and fixed.counts["files written"] == 1
    assert Ledger.of(c).marks[title].retry == ()

    # a file edited by hand, then an Update in Label Studio: kept, and asked for again
    path = corpus / "annotations" / "second-doc" / f"{_admin(c)}.json"
    edited = path.read_text().replace('"lead_time_s": null', '"lead_time_s": 1')
    path.write_text(edited)
    a = made["annotations"]["second-doc"]
    client.annotations.update(id=a.id, result=a.result, lead_time=5.0)
    settle(client)  # the fix and the Update are older than the watermark
    kept = pull(client, c, title, salt=SALT, margin=NO_MARGIN)
    assert errors(kept) == ["ls-would-overwrite"]
    task = made["tasks"]["second-doc"].id
    assert Ledger.of(c).marks[title].retry == (task,)
    still = pull(client, c, title, salt=SALT, margin=NO_MARGIN)
    assert still.counts["tasks"] == 1 and path.read_text() == edited
    forced = pull(client, c, title, salt=SALT, force=True, margin=NO_MARGIN)  # --force: every task
    assert forced.counts["tasks"] == 3 and forced.counts["files updated"] == 1
    assert Ledger.of(c).marks[title].retry == ()


def test_the_mark_of_another_project_or_a_damaged_one_means_a_full_pull(
        project: tuple[str, Any, dict[str, Any]], corpus: Path) -> None:
    title, client, _ = project
    c = Corpus.at(corpus)
    pull(client, c, title, salt=SALT)
    ledger = corpus / LEDGER
    lines = ledger.read_text().splitlines()
    mark = json.loads(lines[-1])
    ledger.write_text("\n".join([*lines[:-1], json.dumps(mark | {"project_id": 999999})])
                      + "\n")
    assert pull(client, c, title, salt=SALT).counts["tasks"] == 3  # another project's mark
    lines = ledger.read_text().splitlines()
    ledger.write_text("\n".join([*lines[:-1], '{"pull": "' + title + '", "since": 5'])
                      + "\n")  # cut short
    damaged = pull(client, c, title, salt=SALT)
    assert damaged.counts["tasks"] == 3
    assert [(p.code.value, p.line) for p in damaged.report.problems
            if p.code.value == "ls-damaged-pull-record"] == [("ls-damaged-pull-record", 4)]
    assert Ledger.of(c).marks[title].project_id == damaged.project_id
