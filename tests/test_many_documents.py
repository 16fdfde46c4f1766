"""`agree` and `adjudicate` over many documents in one run: the same answers as one
document at a time, one validation up front, and per-document outcomes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import synth

from claimstance.corpus.layout import Corpus
from claimstance.problems import Refused
from claimstance.quality.adjudicate import (
    Outcome,
    adjudicate_corpus,
    adjudicate_document,
    review_path,
)
from claimstance.quality.agreement import agreement, corpus_agreement

from .layers import DOC
from .test_adjudicate import LAYERS
from .test_security import snapshot

SYNTHETIC = 8  # documents of synth's valid mix beside the hand-built one


def mixed(tmp_path: Path) -> Path:
    """The hand-built document (annotators ann-x, ann-y, ann-z: four conflicts) and eight
    synthetic ones, some with two or three annotators, the rest with gold alone."""
    root = tmp_path / "c"
    if not root.exists():
        from .layers import make_corpus

        make_corpus(tmp_path, LAYERS.values())
        synth.write(SYNTHETIC, root, mix="valid")
    return root


def several(root: Path) -> list[str]:
    """Documents with two or more annotator layers."""
    corpus = Corpus.at(root)
    return [d for d in corpus.doc_ids()
            if len([a for a in corpus.annotators(d) if a != "gold"]) >= 2]


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimstance", "adjudicate", "--root",
                           str(root), *args], capture_output=True, text=True)


def test_one_run_does_what_one_document_at_a_time_does(tmp_path: Path) -> None:
    root = mixed(tmp_path)
    alone = tmp_path / "alone"
    shutil.copytree(root, alone)
    multi = several(root)
    assert DOC in multi and 1 < len(multi) < SYNTHETIC + 1  # some left alone
    result = adjudicate_corpus(root)
    assert [o.document for o in result.documents] == multi
    assert result.skipped == SYNTHETIC + 1 - len(multi)
    assert {o.status for o in result.documents} == {"open"} and not result.ok
    for doc_id, outcome in zip(multi, result.documents, strict=True):
        one = adjudicate_document(alone, doc_id)
        assert Outcome.of(one).to_dict() == outcome.to_dict()
        assert outcome.review == f"review/{doc_id}.json" and outcome.open == len(one.unresolved)
    assert snapshot(root) == snapshot(alone)  # the same review files, byte for byte
    again = adjudicate_corpus(root)  # the same inputs: the same outcome, nothing rewritten
    assert again.to_dict() == result.to_dict()


def test_the_cli_summary_for_people_and_json_for_programs(tmp_path: Path) -> None:
    root = mixed(tmp_path)
    multi = several(root)
    text = run(root)
    assert text.returncode == 1, text.stderr  # conflicts are open
    assert text.stdout.startswith(f"{len(multi)} document(s) adjudicated: 0 gold.json "
                                  f"written, 0 unchanged, {len(multi)} with open conflicts, "
                                  "0 refused")
    assert f"open      {DOC}  4 conflict(s) in review/{DOC}.json" in text.stdout
    assert "left alone" in text.stdout and "Traceback" not in text.stderr
    out = run(root, "--format", "json", "--quiet")
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["counts"] == {"written": 0, "unchanged": 0, "open": len(multi), "refused": 0}
    assert data["adjudicated"] == len(multi) and data["skipped"] == SYNTHETIC + 1 - len(multi)
    assert data["conflicts"]["open"] == sum(d["open"] for d in data["documents"]) > 0
    first = next(d for d in data["documents"] if d["document"] == DOC)
    assert first == {"document": DOC, "status": "open",
                     "annotators": ["ann-x", "ann-y", "ann-z"],
                     "agreed": {"mentions": 3, "claims": 1, "stances": 0},
                     "conflicts": 4, "resolved": 0, "open": 4, "gold": None,
                     "review": f"review/{DOC}.json", "message": None, "problems": [],
                     "warnings": []}


def test_prefer_writes_gold_where_it_can_and_nothing_is_overwritten(tmp_path: Path) -> None:
    root = mixed(tmp_path)
    multi = several(root)
    gold = root / "annotations" / DOC / "gold.json"
    first = adjudicate_corpus(root, prefer="ann-x")
    by_doc = {o.document: o for o in first.documents}
    assert by_doc[DOC].status == "written" and by_doc[DOC].gold == f"annotations/{DOC}/gold.json"
    assert gold.is_file()
    assert first.without_prefer == len(multi) - 1  # ann-x annotated only the hand-built one
    assert {o.status for d, o in by_doc.items() if d != DOC} == {"open"}
    assert "--prefer ann-x: no layer in" in first.text()
    again = adjudicate_corpus(root, prefer="ann-x")
    assert {o.document: o.status for o in again.documents}[DOC] == "unchanged"
    edited = gold.read_text().replace('"ORG"', '"GROUP"')  # a person edits the gold
    gold.write_text(edited)
    kept = run(root, "--prefer", "ann-x", "--format", "json")
    assert kept.returncode == 1 and gold.read_text() == edited
    docs = {d["document"]: d for d in json.loads(kept.stdout)["documents"]}
    assert docs[DOC]["status"] == "refused" and "--force" in docs[DOC]["message"]
    assert docs[DOC]["problems"][0]["code"] == "would-overwrite"
    assert len(docs) == len(multi)  # the others went on
    forced = adjudicate_corpus(root, prefer="ann-x", force=True)
    assert {o.document: o.status for o in forced.documents}[DOC] == "written"
    assert "GROUP" not in gold.read_text() and '"ORG"' in gold.read_text()


def test_a_malformed_review_file_refuses_its_document_only(tmp_path: Path) -> None:
    root = mixed(tmp_path)
    review = review_path(Corpus.at(root), DOC)
    review.parent.mkdir()
    review.write_bytes(b'{"conflicts": 5}')
    out = run(root)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"refused   {DOC} [missing-field]" in out.stdout
    assert "refused documents were left as they were" in out.stdout
    assert review.read_bytes() == b'{"conflicts": 5}'
    others = [d for d in several(root) if d != DOC]
    assert all(review_path(Corpus.at(root), d).is_file() for d in others)


def test_invalid_input_anywhere_refuses_the_whole_run_before_anything_is_written(
        tmp_path: Path) -> None:
    root = mixed(tmp_path)
    victim = next(d for d in several(root) if d != DOC)
    layer = next(p for p in (root / "annotations" / victim).glob("a*.json"))
    data = json.loads(layer.read_text())
    data["mentions"][0]["text"] += "x"
    layer.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    before = snapshot(tmp_path)
    out = run(root)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "span-text-mismatch" in out.stderr and "nothing was written" in out.stderr
    assert snapshot(tmp_path) == before and not (root / "review").exists()


@pytest.mark.parametrize("args,code", [
    ((DOC, "no-such-document"), "document-not-found"),
    (("--prefer", "nobody"), "invalid-value"),
])
def test_refusals_up_front(tmp_path: Path, args: tuple[str, ...], code: str) -> None:
    root = mixed(tmp_path)
    before = snapshot(tmp_path)
    out = run(root, *args)
    assert out.returncode == 1 and f"[{code}]" in out.stderr and "Traceback" not in out.stderr
    assert snapshot(tmp_path) == before


def test_named_documents_and_layers(tmp_path: Path) -> None:
    root = mixed(tmp_path)
    lone = next(d for d in Corpus.at(root).doc_ids() if d not in several(root))
    named = adjudicate_corpus(root, [lone, DOC])
    assert [(o.document, o.status) for o in named.documents] == [(lone, "refused"),
                                                                 (DOC, "open")]
    assert named.documents[0].problems[0].code.value == "too-few-layers"
    # ann-x and ann-y agree on everything: only the hand-built document has both
    two = adjudicate_corpus(root, annotators=["ann-x", "ann-y"])
    assert [(o.document, o.status, o.conflicts) for o in two.documents] == [
        (DOC, "written", 0)] and two.ok
    assert two.skipped == SYNTHETIC
    none = adjudicate_corpus(root, annotators=["ann-x"])
    assert none.documents == [] and none.ok and "nothing to adjudicate" in none.text()


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More documents than one chunk, three annotators each: work for two processes."""
    root = tmp_path_factory.mktemp("three") / "c"
    synth.write(300, root, mix="valid", annotators=3)
    return root


def test_every_document_of_synth_annotators_has_exactly_that_many(three: Path) -> None:
    corpus = Corpus.at(three)
    assert {len(corpus.annotators(d)) for d in corpus.doc_ids()} == {4}  # and gold


def test_two_processes_give_what_one_does(three: Path, tmp_path: Path) -> None:
    copies = []
    results: list[dict[str, Any]] = []
    for jobs in (1, 2):
        copy = tmp_path / f"j{jobs}"
        shutil.copytree(three, copy)
        results.append(adjudicate_corpus(copy, jobs=jobs).to_dict())
        copies.append(copy)
        assert corpus_agreement(three, jobs=jobs).to_dict() == corpus_agreement(
            three, jobs=1).to_dict()
    assert results[0] == results[1] and results[0]["adjudicated"] == 300
    assert snapshot(copies[0]) == snapshot(copies[1])


def test_agree_in_one_reading_gives_the_figures_of_the_layers(three: Path) -> None:
    corpus = Corpus.at(three)
    ids = corpus.doc_ids()[:40]
    docs = [(d, {a: corpus.read_layer(d, a) for a in corpus.annotators(d) if a != "gold"})
            for d in ids]
    lengths = {d: len(corpus.read_seed(d)["text"]) for d in ids}
    assert corpus_agreement(three, ids).to_dict() == agreement(docs, lengths).to_dict()


def test_agree_refuses_unknown_documents_and_invalid_layers(three: Path, tmp_path: Path
                                                            ) -> None:
    with pytest.raises(Refused) as e:
        corpus_agreement(three, ["no-such-document"])
    assert e.value.problems[0].code.value == "document-not-found"
    root = tmp_path / "c"
    shutil.copytree(three, root)
    layer = next((root / "annotations" / "synthetic-0000290").glob("a*.json"))
    layer.write_text(layer.read_text().replace('"start": ', '"start": 1', 1))
    out = subprocess.run([sys.executable, "-m", "claimstance", "agree", "--root", str(root),
                          "--quiet"], capture_output=True, text=True)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "agreement on invalid layers means nothing" in out.stderr
    assert "annotations/synthetic-0000290/" in out.stderr


POOLS = """
import os, signal
import claimstance.cli as cli
from claimstance.corpus.parallel import map_chunks
cli._main_pid = os.getpid()  # as `claimstance` runs: its SIGTERM handler inherited by workers
signal.signal(signal.SIGTERM, cli._terminate)

def fails(part):
    if part[0] == 2:
        raise ValueError("a chunk failed")
    return sum(part)

for i in range(300):
    assert list(map_chunks(sum, [1] * 600, jobs=2)) == [256, 256, 88]
    stopped = map_chunks(sum, [1] * 2000, jobs=2)
    assert next(stopped) == 256
    stopped.close()  # a run stopped early ends its workers
    if i % 3 == 0:
        try:
            list(map_chunks(fails, [1] * 512 + [2] * 1500, jobs=2))
        except ValueError:
            pass
        else:
            raise AssertionError("the failure was lost")
print("done")
"""


def test_worker_pools_end_without_hanging() -> None:
    """Pools ended by SIGTERM to their workers, and one forked an instant before could lose
    it (CPython clears pending signals after fork); one killed while writing its result
    left the result queue's lock taken, and the pool's shutdown waited for it. Either way
    `agree`, `validate` or `build` hung now and then, when a run stopped early. The
    timeout only turns such a hang into a failure."""
    out = subprocess.run([sys.executable, "-c", POOLS], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0 and out.stdout == "done\n", out.stderr
