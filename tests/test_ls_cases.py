"""Pulling Label Studio exports without a server: one case folder per problem code.

tests/cases/ls/<code>/<case>/ holds seeds/, export.json (Label Studio's JSON export format)
and expected.json; `valid/ui-export` is a snapshot taken from a real server.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claimstance.corpus.layout import Corpus
from claimstance.labelstudio.ledger import LEDGER
from claimstance.labelstudio.pull import pull_export
from claimstance.labelstudio.summary import Summary
from claimstance.problems import CATALOGUE, Refused
from claimstance.validation.run import validate

from .conftest import CASES, REPO

LS_CASES = sorted(p for p in (CASES / "ls").glob("*/*") if p.is_dir())
SALT = b"test-salt"
#: Subprocesses get a small environment, and this tree's package.
BASE_ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO / "src")}
DOC = "mali-accuses-algeria-downed-drone"


def _tree(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def _pull(case: Path, work: Path, tmp_path: Path) -> Summary:
    """Pull the case's export into `work`, with its users file (kept outside the corpus)."""
    users = None
    if (work / "users.json").is_file():
        users = tmp_path / "users.json"
        (work / "users.json").rename(users)
    return pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users)


@pytest.mark.parametrize("case", LS_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ls_case(case: Path, tmp_path: Path) -> None:
    before = _tree(case)
    work = tmp_path / "corpus"
    shutil.copytree(case, work)
    expected = json.loads((case / "expected.json").read_text())
    if "refused" in expected:
        with pytest.raises(Refused) as e:
            _pull(case, work, tmp_path)
        assert [p.code for p in e.value.problems] == [expected["refused"]]
        assert _tree(case) == before
        return
    summary = _pull(case, work, tmp_path)
    got = sorted((p.code, p.pointer) for p in summary.report.problems)
    assert got == sorted((e["code"], e["pointer"]) for e in expected["problems"]), summary.text()
    for e in expected["problems"]:
        if "path" in e:
            assert any(p.path == e["path"] for p in summary.report.problems if p.code == e["code"])
    for p in summary.report.problems:  # an annotator can act on every message
        if "/annotations/" in p.pointer:
            assert p.message.split(" ")[0].rstrip(",") in (DOC, "emoji-flags-and-drones"), p
            if p.code not in ("ls-unknown-user", "ls-invalid-export"):
                assert re.search(r"annotator a[0-9a-f]{10} \(task \d+, annotation \d+",
                                 p.message), p
            assert not re.search(r"\b(Xa1|Zz|Kq9)\b", p.message), p  # never a region id
    if case.parent.name != "valid":
        assert case.parent.name in {c for c, _ in got}
    for key, value in expected.get("counts", {}).items():
        assert summary.counts[key] == value, key
    written = sorted(p for p in (work / "annotations").rglob("*.json")) \
        if (work / "annotations").is_dir() else []
    if "files" in expected:
        assert len(written) == expected["files"]
    if "annotators" in expected:
        assert sorted(p.stem for p in written) == expected["annotators"]
    if "edited" in expected:  # a person's edit is never overwritten without --force
        assert (work / expected["edited"]).read_bytes() == (case / expected["edited"]).read_bytes()
    for rel in expected.get("updated", []):  # a file the last pull wrote follows Label Studio
        assert (work / rel).read_bytes() != (case / rel).read_bytes()
        assert rel in summary.files["updated"]
    for path in written:  # whatever a pull writes passes the validator
        assert "@" not in path.read_text()
    ledger = work / LEDGER
    if ledger.is_file():  # the pull records hold no e-mail
        assert "@" not in ledger.read_text()
    assert validate(work).valid
    assert _tree(case) == before


def test_every_ls_code_has_a_case() -> None:
    ls_codes = {c for c, v in CATALOGUE.items() if v.stage == "ls"}
    assert ls_codes - {p.parent.name for p in LS_CASES} == set()


def _ui_export(tmp_path: Path, name: str = "corpus") -> Path:
    work = tmp_path / name
    shutil.copytree(CASES / "ls" / "valid" / "ui-export", work)
    (work / "users.json").rename(tmp_path / f"{name}-users.json")
    return work


def test_repull_of_an_export_is_a_no_op(tmp_path: Path) -> None:
    work = _ui_export(tmp_path)
    users = tmp_path / "corpus-users.json"
    first = pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users)
    snapshot = _tree(work)
    second = pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users)
    assert second.counts["files unchanged"] == first.counts["files written"] == 3
    assert _tree(work) == snapshot


def test_pseudonyms_depend_on_the_salt(tmp_path: Path) -> None:
    names = []
    for salt in (b"one", b"two"):
        work = _ui_export(tmp_path, salt.decode())
        pull_export(work / "export.json", Corpus.at(work), salt=salt,
                    users=tmp_path / f"{salt.decode()}-users.json")
        names.append(sorted(p.name for p in (work / "annotations").rglob("*.json")))
    assert names[0] != names[1] and len(names[0]) == len(names[1]) == 3


def test_cli_from_export(tmp_path: Path) -> None:
    work = _ui_export(tmp_path)
    users = str(tmp_path / "corpus-users.json")
    env = BASE_ENV | {"CLAIMSTANCE_PSEUDONYM_SALT": "test-salt", "HOME": str(tmp_path)}

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "claimstance", "ls", "pull", *args],
                              cwd=work, env=env | extra, capture_output=True, text=True)

    out = run("--from-export", "export.json", "--users", users, "--format", "json")
    assert out.returncode == 1, out.stderr  # the half-flag span is an error
    summary = json.loads(out.stdout)
    assert summary["counts"]["files written"] == 3
    assert [p["code"] for p in summary["problems"] if p["level"] == "error"] == [
        "span-splits-character"]
    text = run("--from-export", "export.json", "--users", users)
    assert "files unchanged: 3" in text.stdout and "Traceback" not in text.stderr
    nosalt = run("--from-export", "export.json", CLAIMSTANCE_PSEUDONYM_SALT="")
    assert nosalt.returncode == 1 and "CLAIMSTANCE_PSEUDONYM_SALT" in nosalt.stderr
    # without the users file, numeric ids are refused, never given a second pseudonym
    nousers = run("--from-export", "export.json", "--format", "json")
    codes = [p["code"] for p in json.loads(nousers.stdout)["problems"]]
    assert nousers.returncode == 1 and set(codes) >= {"ls-unknown-user"}
    assert len(list((work / "annotations").rglob("*.json"))) == 3  # no "user:1" layers
    inside = work / "users.json"
    shutil.copy(users, inside)  # e-mails inside the corpus could be committed: refused
    refused = run("--from-export", "export.json", "--users", str(inside))
    assert refused.returncode == 1 and "ls-invalid-users" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_salt_must_not_be_empty(tmp_path: Path) -> None:
    work = _ui_export(tmp_path)
    salt = tmp_path / "config" / "claimstance" / "pseudonym-salt"
    salt.parent.mkdir(parents=True)
    salt.write_text("\n")
    env = BASE_ENV | {"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "claimstance", "ls", "pull", "--from-export",
                          "export.json"], cwd=work, env=env, capture_output=True, text=True)
    assert out.returncode == 1 and "ls-no-salt" in out.stderr and "empty" in out.stderr
    assert not (work / "annotations").exists()


def test_fifo_or_non_seed_where_a_seed_should_be(tmp_path: Path) -> None:
    """A task naming a seed that is a FIFO (or a JSON file that is not a seed) is refused,
    never waited on or trusted."""
    for kind in ("fifo", "not-a-seed"):
        work = _ui_export(tmp_path, kind)
        seed = work / "seeds" / f"{DOC}.json"
        seed.unlink()
        if kind == "fifo":
            os.mkfifo(seed)
        else:
            seed.write_text('["a list, not a seed"]\n')
        summary = pull_export(work / "export.json", Corpus.at(work), salt=SALT,
                              users=tmp_path / f"{kind}-users.json")
        assert "document-not-found" in {p.code for p in summary.report.problems}
        assert not (work / "annotations" / DOC).exists()


def test_one_person_one_pseudonym_across_servers(tmp_path: Path) -> None:
    """Two servers of one team give the same person different user ids; the pseudonym
    comes from the e-mail, so both exports give the same files."""
    names = []
    for server, offset in (("one", 0), ("two", 40)):
        work = _ui_export(tmp_path, server)
        users = json.loads((tmp_path / f"{server}-users.json").read_text())
        export = json.loads((work / "export.json").read_text())
        for task in export:
            for a in task["annotations"]:
                a["completed_by"] += offset
                a["updated_by"] += offset
        (work / "export.json").write_text(json.dumps(export, ensure_ascii=False))
        for u in users:
            u["id"] += offset
        (tmp_path / f"{server}-users.json").write_text(json.dumps(users))
        pull_export(work / "export.json", Corpus.at(work), salt=SALT,
                    users=tmp_path / f"{server}-users.json")
        names.append(sorted(p.relative_to(work).as_posix()
                            for p in (work / "annotations").rglob("*.json")))
    assert names[0] == names[1] and len(names[0]) == 3


def _case(tmp_path: Path, code: str, name: str) -> tuple[Path, Path]:
    """A copy of a case folder to pull into, and its users file moved out of it."""
    work = tmp_path / "corpus"
    shutil.copytree(CASES / "ls" / code / name, work)
    users = tmp_path / "users.json"
    (work / "users.json").rename(users)
    return work, users


def test_edits_by_others_can_be_accepted(tmp_path: Path) -> None:
    """--accept-edits-by-others takes the colleague's edit as the author's layer."""
    work, users = _case(tmp_path, "ls-edited-by-other", "colleague-pressed-update")
    layer = work / "annotations" / DOC / "ac2df93d1c9.json"
    before = layer.read_bytes()
    refused = pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users)
    (p,) = [p for p in refused.report.problems if p.code == "ls-edited-by-other"]
    # both pseudonyms, the document, the task and the annotation are named
    for part in (DOC, "annotator ac2df93d1c9", "af10f57a4c8", "task 7, annotation 11",
                 "--accept-edits-by-others"):
        assert part in p.message, p.message
    assert layer.read_bytes() == before
    accepted = pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users,
                           accept_edits_by_others=True)
    assert accepted.ok, accepted.text()
    assert accepted.counts["annotations last updated by someone else (accepted)"] == 1
    assert accepted.files["updated"] == [f"annotations/{DOC}/ac2df93d1c9.json"]


def test_the_newest_annotation_of_an_annotator_wins_by_its_instant(tmp_path: Path) -> None:
    """Label Studio lets an annotator add a tab: one who finds their tab edited by a colleague
    and annotates again in a new tab has that newest annotation pulled (the edited one is
    superseded like any older one of theirs); the colleague's edit, when it is the newest,
    is refused and nothing of theirs replaces the file. Newest is by instant: Label Studio
    leaves the microseconds out when they are 0, so '09:30:00Z' sorts after '09:30:00.5Z'
    as a string, though it is half a second earlier."""
    rel = f"annotations/{DOC}/ac2df93d1c9.json"

    def pull(own_at: str, name: str) -> tuple[Summary, Path]:
        work, users = _case(tmp_path / name, "ls-edited-by-other", "colleague-pressed-update")
        export = json.loads((work / "export.json").read_text())
        edited = export[0]["annotations"][0]  # annotator 1's, updated by user 3
        assert (edited["completed_by"], edited["updated_by"]) == (1, 3)
        edited["updated_at"] = "2026-11-26T09:30:00Z"
        own = edited | {"id": 13, "updated_by": 1, "updated_at": own_at,
                        "result": edited["result"][:2]}
        export[0]["annotations"].append(own)
        (work / "export.json").write_text(json.dumps(export))
        return pull_export(work / "export.json", Corpus.at(work), salt=SALT,
                           users=users), work

    newer, work = pull("2026-11-26T09:30:00.500000Z", "own-newer")
    assert newer.ok, newer.text()
    assert newer.files["updated"] == [rel]
    assert json.loads((work / rel).read_text())["provenance"]["annotation"] == 13
    assert newer.counts["older annotations by the same annotator superseded"] == 1
    assert newer.counts["annotations refused"] == 0
    older, work = pull("2026-11-26T09:29:59.999999Z", "edit-newer")
    assert [p.code for p in older.report.problems] == ["ls-edited-by-other"]
    assert (work / rel).read_bytes() == (CASES / "ls" / "ls-edited-by-other" /
                                         "colleague-pressed-update" / rel).read_bytes()
    assert older.counts["annotations refused"] == 1


def test_changed_text_with_the_seed_hash_is_said_so(tmp_path: Path) -> None:
    work, users = _case(tmp_path, "ls-task-text-changed", "same-sha256-other-text")
    summary = pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users)
    (p,) = summary.report.problems
    digest = json.loads((work / "seeds" / f"{DOC}.json").read_text())["sha256"]
    assert p.message.count(digest[:12]) == 0 and "sha256 field is the seed's" in p.message


def test_one_email_for_two_user_ids_is_refused(tmp_path: Path) -> None:
    """Two ids with one e-mail (in --users, or one from --users and one spelt out by the
    export) would merge two annotators into one pseudonym."""
    work, users = _case(tmp_path, "ls-edited-by-other", "colleague-pressed-update")
    listed = json.loads(users.read_text())
    users.write_text(json.dumps([*listed, {"id": 9, "email": " Annotator@Example.org"}]))
    with pytest.raises(Refused) as e:
        pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users)
    assert [p.code for p in e.value.problems] == ["ls-invalid-users"]
    assert "user ids 1 and 9" in e.value.message
    users.write_text(json.dumps(listed))
    export = json.loads((work / "export.json").read_text())
    export[0]["annotations"][1]["completed_by"] = {"id": 9, "email": "annotator@example.org"}
    (work / "export.json").write_text(json.dumps(export))
    with pytest.raises(Refused) as e:
        pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users)
    assert [(p.code, p.pointer) for p in e.value.problems] == [
        ("ls-invalid-users", "/0/annotations/1/completed_by")]


def test_pull_records_through_a_symlink_outside_are_refused(tmp_path: Path) -> None:
    """.claimstance/ leading outside the corpus: refused before anything is written."""
    work, users = _case(tmp_path, "ls-stale-export", "older-than-last-pull")
    outside = tmp_path / "outside"
    (work / ".claimstance").rename(outside)
    (work / ".claimstance").symlink_to(outside)
    before, records = _tree(work), (outside / "ls-pulls.jsonl").read_bytes()
    with pytest.raises(Refused) as e:
        pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users)
    assert [p.code for p in e.value.problems] == ["outside-root"]
    assert _tree(work) == before and (outside / "ls-pulls.jsonl").read_bytes() == records
    assert {p.name for p in outside.iterdir()} == {"ls-pulls.jsonl"}  # no temporary file


def test_the_same_content_gives_the_same_bytes_on_every_route(tmp_path: Path) -> None:
    """A UI export does not say which Label Studio made it (tool_version null); the API
    route does. Neither rewrites a file whose annotation did not change, in either order."""
    from claimstance.labelstudio.convert import convert_export
    from claimstance.labelstudio.identity import read_users
    from claimstance.labelstudio.pull import write_layers
    from claimstance.validation.reader import seed_or_none

    work = _ui_export(tmp_path)
    corpus = Corpus.at(work)
    export = json.loads((work / "export.json").read_text())
    users = read_users(tmp_path / "corpus-users.json")

    def by_api(version: str) -> Summary:
        conv = convert_export(export, lambda d: seed_or_none(corpus, d), salt=SALT,
                              path="label-studio:claimstance", users=users,
                              tool_version=version)
        summary = Summary("pull", "claimstance")
        write_layers(corpus, conv, summary, force=False)
        return summary

    def by_export() -> Summary:
        return pull_export(work / "export.json", corpus, salt=SALT,
                           users=tmp_path / "corpus-users.json")

    assert by_api("1.23.2").counts["files written"] == 3
    snapshot = _tree(work)
    assert by_export().counts["files unchanged"] == 3
    assert by_api("1.24.0").counts["files unchanged"] == 3  # a server upgrade changes nothing
    assert _tree(work) == snapshot
    for path in (work / "annotations").rglob("*.json"):
        assert json.loads(path.read_text())["provenance"]["tool_version"] == "1.23.2"
    again = _ui_export(tmp_path, "again")  # the other order
    pull_export(again / "export.json", Corpus.at(again), salt=SALT,
                users=tmp_path / "again-users.json")
    first = _tree(again)
    work, corpus = again, Corpus.at(again)
    assert by_api("1.23.2").counts["files unchanged"] == 3
    assert _tree(again) == first


def test_mention_and_claim_says_which_key_takes_a_label_off(tmp_path: Path) -> None:
    """Pressing a label's key again takes it off the selected region (verified in the real
    UI by test_ls_ui); deleting the region would lose its QID and relations."""
    from claimstance.labelstudio.config import hotkeys

    (case,) = (CASES / "ls" / "ls-mention-and-claim").iterdir()
    work, users = _case(tmp_path, "ls-mention-and-claim", case.name)
    summary = pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users)
    (p,) = [p for p in summary.report.problems if p.code == "ls-mention-and-claim"]
    mention = re.search(r"mention label (\w+)", p.message)
    assert mention is not None
    assert f"press {hotkeys()['CLAIM']} (CLAIM's key) to take CLAIM off" in p.message
    label = mention.group(1)
    assert f"or {hotkeys()[label]} ({label}'s key) to take {label} off" in p.message
    assert "Backspace" not in p.message and "QID and relations stay" in p.message


def test_a_pull_record_with_a_key_twice_is_dropped_not_read_as_its_last(tmp_path: Path) -> None:
    """The strict reader's duplicate-key check, at the line and column of the second key."""
    from claimstance.labelstudio.ledger import Ledger

    work = tmp_path / "corpus"
    shutil.copytree(CASES / "ls" / "ls-damaged-pull-record" / "key-twice", work)
    ledger = Ledger.of(Corpus.at(work))
    assert ledger.records == {}
    [p] = ledger.problems
    assert (p.code, p.line, p.column) == ("ls-damaged-pull-record", 1, 151)
    assert "holds the key 'sha256' twice" in p.message


def test_a_users_file_says_what_it_expected_and_what_it_got(tmp_path: Path) -> None:
    """Ids given as strings or e-mails, e-mails as numbers: every entry named, no traceback."""
    work, users = _case(tmp_path, "ls-invalid-users", "ids-as-strings")
    users.write_text(json.dumps({"results": [
        {"id": "1", "email": "annotator@example.org"},
        {"id": "colleague@example.org", "email": 3}, {"id": 4, "email": "x@example.org"}]}))
    env = BASE_ENV | {"CLAIMSTANCE_PSEUDONYM_SALT": "test-salt", "HOME": str(tmp_path)}
    before = _tree(work)
    out = subprocess.run([sys.executable, "-m", "claimstance", "ls", "pull", "--from-export",
                          "export.json", "--users", str(users), "--format", "json"],
                         cwd=work, env=env, capture_output=True, text=True)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    problems = json.loads(out.stdout)["problems"]
    assert [(p["code"], p["pointer"], p["line"]) for p in problems] == [
        ("ls-invalid-users", "/results/0/id", 1), ("ls-invalid-users", "/results/1/id", 1),
        ("ls-invalid-users", "/results/1/email", 1)]
    assert problems[0]["message"] == (
        "id is expected to be Label Studio's numeric user id (as completed_by gives it), "
        "e.g. 3; got the string '1'")
    assert problems[1]["message"].endswith(
        "got the string 'colleague@example.org': id and email swapped?")
    assert problems[2]["message"] == ("email is expected to be the user's e-mail, a string; "
                                      "got the number 3: id and email swapped?")
    assert _tree(work) == before  # nothing pulled


def test_a_time_that_cannot_be_read_counts_as_changed(tmp_path: Path) -> None:
    """No updated_at (or one that is no time) in the export: the task is asked for again on
    every pull, and the annotation replaces the file the last pull wrote (no ls-stale-export,
    which needs two times to compare): an edit is never missed."""
    from claimstance.labelstudio.pull import _untimed_tasks

    work, users = _case(tmp_path, "ls-stale-export", "older-than-last-pull")
    export = json.loads((work / "export.json").read_text())
    assert _untimed_tasks(export) == {7}  # a hand-made export: no time on the task
    export[0]["updated_at"] = export[0]["annotations"][0]["updated_at"]  # as servers give
    assert _untimed_tasks(export) == set()
    for stamp in (None, "yesterday", "2026-13-01T00:00:00Z"):
        changed = json.loads(json.dumps(export))
        changed[0]["annotations"][0]["updated_at"] = stamp
        assert _untimed_tasks(changed) == {changed[0]["id"]}
        task = json.loads(json.dumps(export))
        del task[0]["updated_at"]
        assert _untimed_tasks(task) == {task[0]["id"]}
    export[0]["annotations"][0].pop("updated_at")
    (work / "export.json").write_text(json.dumps(export))
    summary = pull_export(work / "export.json", Corpus.at(work), salt=SALT, users=users)
    assert "ls-stale-export" not in {p.code for p in summary.report.problems}
    assert "annotations/mali-accuses-algeria-downed-drone/ac2df93d1c9.json" in \
        summary.files["updated"]
