"""Adjudication of a three-annotator fixture: expected gold and expected conflicts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from claimstance.corpus.document import sha256
from claimstance.quality.adjudicate import adjudicate
from claimstance.validation.run import validate

from .layers import DOC, TEXT, layer, make_corpus

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
