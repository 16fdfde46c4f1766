"""Adjudication of a three-annotator fixture: expected gold and expected conflicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from claimstance.corpus.document import sha256
from claimstance.problems import CATALOGUE
from claimstance.quality.adjudicate import adjudicate
from claimstance.validation.run import validate

from .conftest import REPO
from .layers import DOC, TEXT, layer, make_corpus
from .test_security import snapshot

MENTIONS = [("Mali", 0, "GPE"), ("AES", 0, "ORG"), ("Bamako", 0, "GPE")]
LYING = ("lying", "accusation", ("Mali", 0))
X = layer("ann-x", [*MENTIONS, ("Algeria", 0, "GPE"), ("Niger", 0, "GPE")],
          [LYING, ("The AES met in Bamako", "fact", None)],
          [(("Niger", 0), "lying", "support")])
Y = layer("ann-y", [*MENTIONS, ("Algeria", 0, "GPE"), ("Niger", 0, "GPE")],
          [LYING, ("The AES met in Bamako", "fact", None)],
          [(("Niger", 0), "lying", "support")])
Z = layer("ann-z", [*MENTIONS, ("Algeria", 0, "PERSON")],
          [LYING, ("The AES met in Bamako", "evaluation", None)], [])
LAYERS = {"ann-x": X, "ann-y": Y, "ann-z": Z}


def spans(items: list[dict[str, Any]]) -> list[str]:
    return [f"{x['text']}:{x.get('type', x.get('label'))}" for x in items]


def test_agreed_items_are_taken_and_the_rest_listed() -> None:
    r = adjudicate(DOC, TEXT, sha256(TEXT), LAYERS)
    assert spans(r.gold["mentions"]) == ["Mali:GPE", "AES:ORG", "Bamako:GPE"]
    assert spans(r.gold["claims"]) == ["lying:accusation"]
    assert r.gold["claims"][0]["claimant"] == "m1" and r.gold["stances"] == []
    assert r.agreed == {"mentions": 3, "claims": 1, "stances": 0}
    assert [(c.id, c.kind, c.text) for c in r.conflicts] == [
        ("mention 13-20", "mention", "Algeria"),
        ("mention 31-36", "mention", "Niger"),
        ("claim 50-71", "claim", "The AES met in Bamako"),
        ("stance 31-36 24-29", "stance", "Niger -> lying"),
    ]
    algeria = r.conflicts[0].versions
    assert algeria == {"ann-x": {"type": "GPE"}, "ann-y": {"type": "GPE"},
                       "ann-z": {"type": "PERSON"}}
    assert r.conflicts[1].versions["ann-z"] is None  # z did not mark Niger
    assert len(r.unresolved) == 4 and not r.problems
    g = r.gold
    assert g["status"] == "gold" and g["annotator"] == "gold"
    assert g["provenance"]["tool"] == "claimstance-adjudicate"
    assert g["provenance"]["sources"] == ["ann-x", "ann-y", "ann-z"]


def test_prefer_breaks_ties() -> None:
    r = adjudicate(DOC, TEXT, sha256(TEXT), LAYERS, prefer="ann-z")
    assert spans(r.gold["mentions"]) == ["Mali:GPE", "Algeria:PERSON", "AES:ORG", "Bamako:GPE"]
    assert spans(r.gold["claims"]) == ["lying:accusation", "The AES met in Bamako:evaluation"]
    assert r.gold["stances"] == [] and not r.unresolved
    x = adjudicate(DOC, TEXT, sha256(TEXT), LAYERS, prefer="ann-x")
    for key in ("mentions", "claims", "stances"):
        assert x.gold[key] == X[key]


def test_review_resolutions_win_over_prefer() -> None:
    r = adjudicate(DOC, TEXT, sha256(TEXT), LAYERS, prefer="ann-x",
                   resolutions={"mention 13-20": "take:ann-z", "mention 31-36": "drop"})
    assert spans(r.gold["mentions"]) == ["Mali:GPE", "Algeria:PERSON", "AES:ORG", "Bamako:GPE"]
    assert r.gold["stances"] == []  # its holder was dropped
    assert {c.id: c.resolved_by for c in r.conflicts}["mention 13-20"] == "review file"


def _corpus(tmp_path: Path) -> Path:
    return make_corpus(tmp_path, LAYERS.values())


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimstance", "adjudicate", DOC, "--root",
                           str(root), *args], capture_output=True, text=True)


def test_cli_review_cycle(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    first = run(root)
    assert first.returncode == 1, first.stderr  # conflicts open
    assert "4 conflict(s) open" in first.stdout and "mention 13-20" in first.stdout
    gold = root / "annotations" / DOC / "gold.json"
    assert not gold.exists() and "gold.json not written" in first.stdout
    review = root / "review" / f"{DOC}.json"
    data = json.loads(review.read_text())
    assert [c["resolution"] for c in data["conflicts"]] == [None] * 4
    same = run(root)  # the same inputs: the same review file, still no gold
    assert same.returncode == 1 and "error" not in same.stderr and not gold.exists()
    assert json.loads(review.read_text()) == data
    for c in data["conflicts"]:  # a person resolves every conflict
        c["resolution"] = {"mention": "take:ann-x", "claim": "take:ann-z",
                           "stance": "drop"}[c["kind"]]
    review.write_text(json.dumps(data, indent=2))
    done = run(root, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert summary["unresolved"] == [] and summary["resolved"]["review file"] == 4
    assert summary["gold"] == f"annotations/{DOC}/gold.json"
    g = json.loads(gold.read_text())
    assert spans(g["claims"]) == ["lying:accusation", "The AES met in Bamako:evaluation"]
    assert spans(g["mentions"]) == ["Mali:GPE", "Algeria:GPE", "Niger:GPE", "AES:ORG",
                                    "Bamako:GPE"]
    assert validate(root).valid
    # resolutions are kept in the review file for the next run
    assert all(c["resolution"] for c in json.loads(review.read_text())["conflicts"])
    edited = gold.read_text().replace('"ORG"', '"GROUP"')  # a person edits the gold
    gold.write_text(edited)
    again = run(root)  # never overwritten without --force
    assert again.returncode == 1 and "--force" in again.stderr and gold.read_text() == edited
    assert run(root, "--force").returncode == 0 and json.loads(gold.read_text()) == g


def test_open_conflicts_never_become_gold_that_builds(tmp_path: Path) -> None:
    """Gold from the agreed items alone validated and built a dataset that silently lacked
    every disputed item; now there is no gold until every conflict is settled."""
    from claimstance.dataset.build import build

    from .layers import A, B

    root = make_corpus(tmp_path, [A | {"annotator": "a000000000a"},
                                  B | {"annotator": "a000000000b"}])
    out = run(root, "--format", "json")
    assert out.returncode == 1 and json.loads(out.stdout)["gold"] is None
    assert not (root / "annotations" / DOC / "gold.json").exists()
    result = build(root, tmp_path / "dist")
    assert result.documents == 0 and result.excluded == [DOC]
    assert run(root, "--prefer", "a000000000a").returncode == 0
    assert build(root, tmp_path / "dist").documents == 1


def test_a_claim_whose_claimant_was_dropped_can_be_settled(tmp_path: Path) -> None:
    p = layer("ann-p", [("Mali", 0, "GPE"), ("Algeria", 0, "GPE")],
              [("lying", "accusation", ("Algeria", 0))], [])
    q = layer("ann-q", [("Mali", 0, "GPE"), ("Algeria", 0, "PERSON")],
              [("lying", "accusation", ("Algeria", 0))], [])
    root = make_corpus(tmp_path, [p, q])
    review = root / "review" / f"{DOC}.json"
    assert run(root).returncode == 1
    data = json.loads(review.read_text())
    assert [c["id"] for c in data["conflicts"]] == ["mention 13-20", "claim 24-29 claimant"]
    data["conflicts"][0]["resolution"] = "drop"  # Algeria, the claimant, is dropped
    review.write_text(json.dumps(data))
    second = run(root, "--format", "json")
    assert second.returncode == 1  # so the claim has no claimant: open until settled
    assert [c["id"] for c in json.loads(second.stdout)["unresolved"]] == ["claim 24-29 claimant"]
    data["conflicts"][1]["resolution"] = "drop"
    review.write_text(json.dumps(data))
    assert run(root).returncode == 0
    gold = json.loads((root / "annotations" / DOC / "gold.json").read_text())
    assert spans(gold["mentions"]) == ["Mali:GPE"] and gold["claims"] == []


@pytest.mark.parametrize("content", [
    b"not json", b'{"conflicts": 5}', b'{"conflicts": [5]}',
    b'{"conflicts": [{"id": "x", "resolution": 5}]}',
    b'{"conflicts": [], "conflicts": []}', b"[" * 2000 + b"]" * 2000,
    "{\"conflicts\": [{\"id\": \"caf\u00e9\"}]}".encode("latin-1"), b"fifo", b"folder",
], ids=["not-json", "not-a-list", "not-an-object", "bad-resolution", "duplicate-key",
        "deep", "latin-1", "fifo", "folder"])
def test_a_malformed_review_file_is_a_coded_refusal(tmp_path: Path, content: bytes) -> None:
    root = _corpus(tmp_path)
    review = root / "review" / f"{DOC}.json"
    review.parent.mkdir()
    if content == b"fifo":
        os.mkfifo(review)
    elif content == b"folder":
        review.mkdir()
    else:
        review.write_bytes(content)
    out = run(root)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert "error [" in out.stderr or "error:" in out.stderr
    assert not (root / "annotations" / DOC / "gold.json").exists()
    if content not in (b"fifo", b"folder"):
        assert review.read_bytes() == content


@pytest.mark.parametrize("link", ["folder", "file", "loop"])
def test_a_review_file_outside_the_corpus_is_neither_read_nor_written(tmp_path: Path,
                                                                      link: str) -> None:
    """review/ (or the review file) as a symbolic link out of the corpus: adjudicate read
    and wrote the review file there, as `ls pull` and `import` no longer do for layers (a
    link to itself leads nowhere: refused the same way, no traceback)."""
    root = _corpus(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if link == "folder":
        (root / "review").symlink_to(elsewhere)
    elif link == "loop":
        (root / "review").symlink_to(root / "review")
    else:
        (root / "review").mkdir()
        (elsewhere / f"{DOC}.json").write_text('{"conflicts": []}')
        (root / "review" / f"{DOC}.json").symlink_to(elsewhere / f"{DOC}.json")
    before = snapshot(elsewhere)
    for args in ([DOC], []):
        out = subprocess.run([sys.executable, "-m", "claimstance", "adjudicate", *args,
                              "--root", str(root)], capture_output=True, text=True)
        assert out.returncode == 1 and "outside-root" in out.stdout + out.stderr, out
        assert "Traceback" not in out.stderr
        assert snapshot(elsewhere) == before
    assert not (root / "annotations" / DOC / "gold.json").exists()


@pytest.mark.parametrize("take", ["take:nobody", "take:", "take:gold", "take:ann-x:y"])
def test_a_take_that_names_no_merged_annotator_is_refused_and_kept(tmp_path: Path,
                                                                    take: str) -> None:
    """It used to be dropped silently (the review file rewritten with null)."""
    root = _corpus(tmp_path)
    review = root / "review" / f"{DOC}.json"
    assert run(root).returncode == 1
    data = json.loads(review.read_text())
    data["conflicts"][0]["resolution"] = take
    review.write_text(json.dumps(data))
    before = review.read_bytes()
    out = run(root)
    assert out.returncode == 1 and "[invalid-value]" in out.stderr, out.stderr
    assert "/conflicts/0/resolution" in out.stderr and review.read_bytes() == before
    many = subprocess.run([sys.executable, "-m", "claimstance", "adjudicate", "--root",
                           str(root)], capture_output=True, text=True)
    assert many.returncode == 1 and review.read_bytes() == before, many.stdout + many.stderr


@pytest.mark.parametrize("args,message", [
    (("--annotators", "ann-x"), "needs two or more"),
    (("--prefer", "nobody"), "not one of"),
    (("--annotators", "ann-x,ghost"), "no layer"),
    (("--annotators", "ann-x,ann-x"), "more than once"),
])
def test_cli_refusals(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    out = run(_corpus(tmp_path), *args)
    assert out.returncode in (1, 2) and message in out.stderr and "Traceback" not in out.stderr


def test_two_items_on_the_same_offsets_in_one_layer_are_both_kept_apart() -> None:
    """The exact matcher pairs items one to one: a layer with "Algeria" as GPE and as
    PERSON pairs one of them with the other layers' "Algeria"; the second is a conflict of
    its own (it used to overwrite the first silently)."""
    twice = layer("ann-y", [*MENTIONS, ("Algeria", 0, "GPE"), ("Algeria", 0, "PERSON"),
                            ("Niger", 0, "GPE")],
                  [LYING, ("The AES met in Bamako", "fact", None)],
                  [(("Niger", 0), "lying", "support")])
    r = adjudicate(DOC, TEXT, sha256(TEXT), {"ann-x": X, "ann-y": twice})
    assert spans(r.gold["mentions"]) == ["Mali:GPE", "Algeria:GPE", "Niger:GPE", "AES:ORG",
                                         "Bamako:GPE"]
    assert [(c.id, c.versions) for c in r.conflicts] == [
        ("mention 13-20 #2", {"ann-x": None, "ann-y": {"type": "PERSON"}})]


def test_items_on_the_same_offsets_pair_with_the_same_type_first() -> None:
    """Items on one pair of offsets were paired in label order, not by label: x's "Algeria"
    PERSON against y's GPE, y's PERSON left over, so two conflicts where one item differs,
    and "take:ann-x", "take:ann-y" put PERSON into gold twice (a duplicate-span)."""
    person = layer("ann-x", [*MENTIONS, ("Algeria", 0, "PERSON")], [LYING], [])
    both = layer("ann-y", [*MENTIONS, ("Algeria", 0, "GPE"), ("Algeria", 0, "PERSON")],
                 [LYING], [])
    r = adjudicate(DOC, TEXT, sha256(TEXT), {"ann-x": person, "ann-y": both})
    assert r.agreed["mentions"] == 4
    assert [(c.id, c.versions) for c in r.conflicts] == [
        ("mention 13-20 #2", {"ann-x": None, "ann-y": {"type": "GPE"}})]


# --- review files: every resolution takes effect, or is refused at its pointer -------------

CASES = sorted((REPO / "tests" / "cases" / "review").glob("*/*/"))


def refusal(out: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    """(code, pointer) of each problem of a refusal printed with --format json."""
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    return [(p["code"], p["pointer"]) for p in json.loads(out.stdout)["problems"]]


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_review_case(case: Path, tmp_path: Path) -> None:
    """tests/cases/review/<code>/<case>/: a corpus with its review file, and expected.json
    listing the (code, pointer) problems `adjudicate DOC --format json` refuses it with;
    nothing is written and the review file stays as the person wrote it."""
    root = tmp_path / "c"
    shutil.copytree(case, root)
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    review = root / "review" / f"{expected['document']}.json"
    before = review.read_bytes()
    assert refusal(run(root, "--format", "json")) == [
        (p["code"], p["pointer"]) for p in expected["problems"]]
    assert review.read_bytes() == before
    assert not (root / "annotations" / expected["document"] / "gold.json").exists()


def test_every_review_code_has_a_case() -> None:
    with_cases = {p.parent.name for p in CASES}
    assert {c for c, v in CATALOGUE.items() if v.stage == "adjudicate"} == with_cases


P = layer("ann-p", [("Mali", 0, "GPE"), ("Algeria", 0, "GPE"), ("Niger", 0, "GPE")],
          [("lying", "accusation", ("Algeria", 0))], [(("Niger", 0), "lying", "support")])
Q = layer("ann-q", [("Mali", 0, "GPE"), ("Algeria", 0, "PERSON")],
          [("lying", "accusation", ("Algeria", 0))], [])


def reviewed(tmp_path: Path, layers: list[dict[str, Any]],
             resolutions: dict[str, Any]) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A corpus of `layers`, adjudicated once, its review file resolved as given (by
    conflict id), and adjudicated again with --format json."""
    root = make_corpus(tmp_path, layers)
    assert run(root).returncode == 1
    review = root / "review" / f"{DOC}.json"
    data = json.loads(review.read_text())
    for c in data["conflicts"]:
        c["resolution"] = resolutions.get(c["id"], c["resolution"])
    review.write_text(json.dumps(data))
    return root, run(root, "--format", "json")


def gold_of(root: Path) -> dict[str, Any]:
    return dict(json.loads((root / "annotations" / DOC / "gold.json").read_text()))


def test_take_on_a_claimant_conflict_takes_effect() -> None:
    """It passed the review-file check, was then ignored and reset to null, and the
    conflict stayed open with no word. Now take: keeps the claim; its claimant mention goes
    into gold by its own conflict's resolution."""
    r = adjudicate(DOC, TEXT, sha256(TEXT), {"ann-p": P, "ann-q": Q},
                   resolutions={"mention 13-20": "take:ann-q", "mention 31-36": "drop",
                                "claim 24-29 claimant": "take:ann-p",
                                "stance 31-36 24-29": "drop"})
    assert not r.unresolved and not r.problems
    assert spans(r.gold["mentions"]) == ["Mali:GPE", "Algeria:PERSON"]
    assert r.gold["claims"][0]["claimant"] == "m2"
    assert {c.id: c.resolution for c in r.conflicts}["claim 24-29 claimant"] == "take:ann-p"
    odd = adjudicate(DOC, TEXT, sha256(TEXT), {"ann-p": P, "ann-q": Q},
                     resolutions={"mention 13-20": "take:nobody", "mention 31-36": "xxxxxann-p",
                                  "stance 31-36 24-29": "keep"})
    assert [(p.code.value, p.path) for p in odd.problems] == [
        ("invalid-value", f"review/{DOC}.json")] * 3


def test_a_take_that_cannot_take_effect_is_refused_at_its_pointer(tmp_path: Path) -> None:
    root, out = reviewed(tmp_path, [P, Q], {"mention 13-20": "drop",
                                            "claim 24-29 claimant": "take:ann-p"})
    assert refusal(out) == [("review-unresolvable", "/conflicts/2/resolution")]
    assert "keep that too, or drop this" in json.loads(out.stdout)["problems"][0]["message"]
    data = json.loads((root / "review" / f"{DOC}.json").read_text())
    assert data["conflicts"][2]["resolution"] == "take:ann-p"  # kept as written


def test_a_take_of_a_stance_whose_holder_is_dropped_is_refused(tmp_path: Path) -> None:
    _, out = reviewed(tmp_path, [P, Q], {"mention 31-36": "drop",
                                         "stance 31-36 24-29": "take:ann-p"})
    assert refusal(out) == [("review-unresolvable", "/conflicts/3/resolution")]


def test_a_version_combines_one_annotators_span_with_anothers_type(tmp_path: Path) -> None:
    """Gold had to be edited by hand for this: x marked "The AES" as GPE, y "AES" as ORG;
    the reviewer keeps x's span with y's type, and x's Mali with y's QID."""
    x = layer("ann-x", [("Mali", 0, "GPE"), ("The AES", 0, "GPE")], [], [])
    y = layer("ann-y", [("Mali", 0, "GPE"), ("AES", 0, "ORG")], [], [])
    x["mentions"][0]["entity"], y["mentions"][0]["entity"] = "Q912", "Q1032"
    root, out = reviewed(tmp_path, [x, y], {
        "mention 0-4": {"type": "GPE", "entity": "Q1032"},
        "mention 50-57": {"type": "ORG"}, "mention 54-57": "drop"})
    assert out.returncode == 0, out.stdout + out.stderr
    g = gold_of(root)
    assert [(m["text"], m["type"], m.get("entity")) for m in g["mentions"]] == [
        ("Mali", "GPE", "Q1032"), ("The AES", "ORG", None)]
    review = json.loads((root / "review" / f"{DOC}.json").read_text())
    assert review["conflicts"][1]["resolution"] == {"type": "ORG"}  # kept for the next run
    assert validate(root).valid


def test_a_claim_can_be_given_another_claimant(tmp_path: Path) -> None:
    root, out = reviewed(tmp_path, [P, Q], {
        "mention 13-20": "drop", "mention 31-36": "take:ann-p", "stance 31-36 24-29": "drop",
        "claim 24-29 claimant": {"type": "accusation", "claimant": [0, 4]}})
    assert out.returncode == 0, out.stdout
    g = gold_of(root)
    assert spans(g["mentions"]) == ["Mali:GPE", "Niger:GPE"]
    assert [(c["text"], c["claimant"]) for c in g["claims"]] == [("lying", "m1")]


@pytest.mark.parametrize("version,code,pointer", [
    ({"type": "CITY"}, "unknown-label", "/type"),
    ({"type": "GPE", "colour": "red"}, "unknown-field", "/colour"),
    ({}, "missing-field", ""),
    ({"type": "GPE", "entity": "1032"}, "invalid-value", "/entity"),
    ({"label": "support"}, "unknown-field", "/label"),
])
def test_a_version_is_checked_like_the_versions_it_stands_for(
        tmp_path: Path, version: dict[str, Any], code: str, pointer: str) -> None:
    root, out = reviewed(tmp_path, [P, Q], {"mention 13-20": version})
    got = refusal(out)
    assert (code, "/conflicts/0/resolution" + pointer) in got
    assert json.loads((root / "review" / f"{DOC}.json").read_text())[
        "conflicts"][0]["resolution"] == version


@pytest.mark.parametrize("field,value,says", [
    ("entity", None, 'entity null is not a Wikidata QID (Q and digits); leave "entity" out'),
    ("document", None, "names the document null;"),
    ("document", 7, "names the document 7;"),
])
def test_a_review_file_s_values_are_shown_as_json(tmp_path: Path, field: str, value: Any,
                                                  says: str) -> None:
    """JSON's null was shown as Python's 'None' ('7' for a number), which the person reads
    as a string they never wrote; a null QID now says what to write instead."""
    root = _corpus(tmp_path)
    assert run(root).returncode == 1
    review = root / "review" / f"{DOC}.json"
    data = json.loads(review.read_text())
    if field == "entity":
        data["conflicts"][0]["resolution"] = {"type": "GPE", "entity": value}
    else:
        data["document"] = value
    review.write_text(json.dumps(data))
    out = run(root, "--format", "json")
    messages = [p["message"] for p in json.loads(out.stdout)["problems"]]
    assert any(says in m for m in messages), messages


@pytest.mark.parametrize("claimant", [[1, 2], [0], "m1", [0, 4, 2]])
def test_a_claimant_must_name_a_mention(tmp_path: Path, claimant: Any) -> None:
    _, out = reviewed(tmp_path, [P, Q], {
        "claim 24-29 claimant": {"type": "fact", "claimant": claimant}})
    assert refusal(out) == [("invalid-value", "/conflicts/2/resolution/claimant")]


def test_every_problem_of_a_review_file_is_reported_at_once(tmp_path: Path) -> None:
    """M6 (a conflict resolved twice: the last silently won, a mention left gold) and L9
    (resolutions of no conflict, a changed document, ignored silently), all in one file."""
    root = make_corpus(tmp_path, [P, Q])
    assert run(root).returncode == 1
    review = root / "review" / f"{DOC}.json"
    data = json.loads(review.read_text())
    data["document"] = "other-doc"
    data["conflicts"][0]["resolution"] = "take:ann-p"
    data["conflicts"][1]["resolution"] = "take:nobody"
    data["conflicts"] += [dict(data["conflicts"][0], resolution="drop"),
                          {"id": "mention 0-3", "resolution": "drop"},
                          {"id": "mention 1-2", "resolution": None}]  # resolves nothing: fine
    review.write_text(json.dumps(data))
    before = review.read_bytes()
    out = run(root, "--format", "json")
    assert refusal(out) == [("review-other-document", "/document"),
                            ("invalid-value", "/conflicts/1/resolution"),
                            ("review-duplicate-conflict", "/conflicts/4/id")]
    assert review.read_bytes() == before
    del data["conflicts"][4]
    data["document"] = DOC
    data["conflicts"][1]["resolution"] = None
    review.write_text(json.dumps(data))
    assert refusal(run(root, "--format", "json")) == [
        ("review-unknown-conflict", "/conflicts/4/id")]  # mention 0-3: no such conflict
    del data["conflicts"][4]
    review.write_text(json.dumps(data))
    assert run(root).returncode == 1  # accepted: the rest are still open
    kept = json.loads(review.read_text())
    assert [c["id"] for c in kept["conflicts"]] == [
        "mention 13-20", "mention 31-36", "claim 24-29 claimant", "stance 31-36 24-29"]
    assert kept["conflicts"][0]["resolution"] == "take:ann-p"


def test_a_gold_with_warnings_says_so(tmp_path: Path) -> None:
    """take:a on a claim (its claimant Mali) and take:b on b's stance of Mali on it make a
    self-stance: gold.json was written with the warning and nothing said; now the warning is
    shown, coded and located as `validate` locates it, in text and JSON, for one document
    and for a run over the corpus."""
    a = layer("a000000000a", [("Mali", 0, "GPE"), ("Algeria", 0, "GPE")],
              [("lying", "accusation", ("Mali", 0))], [])
    b = layer("a000000000b", [("Mali", 0, "GPE"), ("Algeria", 0, "GPE")],
              [("lying", "accusation", ("Algeria", 0))], [(("Mali", 0), "lying", "refute")])
    root, out = reviewed(tmp_path, [a, b], {"claim 24-29": "take:a000000000a",
                                            "stance 0-4 24-29": "take:a000000000b"})
    assert out.returncode == 0, out.stdout + out.stderr
    gold = f"annotations/{DOC}/gold.json"
    found = [p for p in validate(root).problems if p.path == gold]
    assert [(p.code.value, p.pointer) for p in found] == [("self-stance", "/stances/0")]
    expected = [{**p.to_dict()} for p in found]
    assert json.loads(out.stdout)["warnings"] == expected
    text = run(root).stdout
    assert "1 warning(s) in " + gold in text
    assert f"{gold}:{found[0].line}:{found[0].column}: warning [self-stance] /stances/0" in text
    many = subprocess.run([sys.executable, "-m", "claimstance", "adjudicate", "--root",
                           str(root), "--format", "json"], capture_output=True, text=True)
    assert json.loads(many.stdout)["documents"][0]["warnings"] == expected
    many_text = subprocess.run([sys.executable, "-m", "claimstance", "adjudicate", "--root",
                                str(root)], capture_output=True, text=True).stdout
    assert "1 warning(s) in the gold.json files written" in many_text
    assert "warning [self-stance] /stances/0" in many_text


@pytest.mark.parametrize("value", ["take:nobody", "keep", 5])
def test_the_take_rule_says_the_same_from_a_file_and_from_a_caller(tmp_path: Path,
                                                                   value: Any) -> None:
    """The rule was written twice, in read_resolutions and where a resolution is applied,
    with different messages; now one function states it for both routes."""
    _, out = reviewed(tmp_path, [P, Q], {"mention 13-20": value})
    (read,) = json.loads(out.stdout)["problems"]
    given = adjudicate(DOC, TEXT, sha256(TEXT), {"ann-p": P, "ann-q": Q},
                       resolutions={"mention 13-20": value})
    (applied,) = given.problems
    assert (read["code"], applied.code.value) == ("invalid-value", "invalid-value")
    assert applied.message == f"mention 13-20: {read['message']}"
    assert "take:ann-p or take:ann-q, drop" in read["message"]
