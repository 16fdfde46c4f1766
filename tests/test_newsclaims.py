"""NewsClaims parity: `export --format newsclaims` writes the files blender-nlp/NewsClaims'
official scripts read, and `score --mode newsclaims` prints the figures those scripts print
on them.

tests/cases/newsclaims/official.json holds what `eval/eval_claim_detection.py` (NewsClaims
at the commit it names) printed, run outside the project on this export of each prediction
set, with the sha256 of every file it read: the test re-exports each set, checks that the
files are byte for byte the ones the script read, and that our figures equal its figures
(to 1e-6), n/a (with a reason) exactly where it printed nan or stopped on a division by zero.
The prediction sets (tests/cases/newsclaims/predictions, against a frozen copy of the
corpus gold and a document whose claimer is outside its claim's sentence): perfect,
dropped, shifted, trimmed, wrong claimants, spurious, mixed, no <AUTHOR>, all <AUTHOR>,
spans in the right sentence that miss the gold span (disjoint), and nothing predicted;
the corner cases of tests/cases/newsclaims/corners (an emoji before the claims, claims
across sentences, two predictions in one sentence, a sentence without gold claim, a claim
over the whole text); and the three prediction files of tests/cases/eval.
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

from claimstance.corpus.items import Items
from claimstance.corpus.segmentation import segment
from claimstance.interchange.export import export
from claimstance.quality.evaluate import score
from claimstance.quality.newsclaims import NOTHING, NewsClaimsFigures, entries

from .conftest import CASES, REPO

OFFICIAL = json.loads((CASES / "newsclaims" / "official.json").read_text("utf-8"))
SETS = OFFICIAL["sets"]


def test_the_fixture_says_where_its_figures_come_from() -> None:
    assert OFFICIAL["repository"] == "blender-nlp/NewsClaims"
    assert OFFICIAL["commit"].startswith("d247b70")
    assert OFFICIAL["script"] == "eval/eval_claim_detection.py"
    assert len(SETS) >= 8
    stopped = {name for name, s in SETS.items() if s["stopped"]}
    assert {"newsclaims/empty", "newsclaims/no_author"} <= stopped


def _export(case: dict[str, Any], out: Path) -> None:
    export("newsclaims", out, root=REPO / case["corpus"], pred=REPO / case["predictions"])


@pytest.mark.parametrize("name", sorted(SETS))
def test_figures_equal_the_official_scripts(name: str, tmp_path: Path) -> None:
    case = SETS[name]
    out = tmp_path / "newsclaims"
    _export(case, out)
    for file, digest in case["files_read_sha256"].items():  # what the script read, unchanged
        assert hashlib.sha256((out / file).read_bytes()).hexdigest() == digest, file
    report = score(REPO / case["corpus"], REPO / case["predictions"], mode="newsclaims")
    f = report.scopes[0].figures
    assert isinstance(f, NewsClaimsFigures) and report.scopes[0].name == "corpus"
    ours, reasons = f.values(), f.reasons
    assert set(case["figures"]) <= set(ours)
    for path, value in ours.items():
        printed = case["printed"].get(path)
        if printed is None:  # a division by zero stopped the script before it printed this:
            # ours is n/a for that reason, or has no division of its own (P and R beside an
            # F1 that divides by zero, the in/out of sentence means printed after it)
            assert case["stopped"], (name, path)
            assert any("divides by zero" in why for why in reasons.values()), name
            assert value is not None or "nan" in reasons[path] or "divides by zero" in \
                reasons[path], (name, path)
        elif printed == "nan":
            assert value is None and "nan" in reasons[path], (name, path)
        else:
            assert value is not None, (name, path, reasons.get(path))
            assert float(value) == pytest.approx(float(printed), abs=1e-6), (name, path)
    assert not set(reasons) - {p for p, v in ours.items() if v is None}


def test_the_export_holds_one_claim_per_sentence_and_counts_the_others(tmp_path: Path) -> None:
    out = tmp_path / "nc"
    result = export("newsclaims", out, root=CASES / "newsclaims" / "corpus")
    assert sorted(p.name for p in out.iterdir()) == [
        ".claimstance-export.json", "all_sents.json", "corpus.json"]
    gold = json.loads((out / "corpus.json").read_text("utf-8"))
    sents = json.loads((out / "all_sents.json").read_text("utf-8"))
    seeds = {p.stem: json.loads(p.read_text("utf-8"))
             for p in (CASES / "newsclaims" / "corpus" / "seeds").glob("*.json")}
    for doc, sentences in sents.items():
        assert "".join(sentences) == seeds[doc]["text"]  # the sentences tile the text
    # the real article: 15 gold claims in 13 sentences (two sentences hold two)
    mali = gold["mali-accuses-algeria-downed-drone"]
    assert len(mali) == 13 and all(k.isdigit() for k in mali)
    first = mali["0"]
    sentence = sents["mali-accuses-algeria-downed-drone"][0]
    a, b = first["claim_span"]
    assert sentence[a:b + 1] == "sponsoring and exporting terrorism"  # last is inclusive
    assert first["has_claimer"] and first["claimer"] == "Mali"
    # "He said Algeria sponsors terrorism and Algeria lied": the claimer is in the sentence
    # before, and the second claim of the sentence cannot be represented
    out_of = gold["nc-claimer-out-of-sentence"]
    assert out_of["1"]["claimer"] == "Mali's foreign minister"
    assert out_of["1"]["claimer_in_sentence"] is False
    assert out_of["2"] == {"claim_span": [0, 19], "has_claimer": False, "claimer": "<AUTHOR>",
                           "claimer_in_sentence": False}
    assert dict(result.lost) == {
        "gold claims not representable (after the first claim of their sentence)": 3}
    assert "not representable" in result.text()


def test_a_sentence_takes_the_prediction_that_overlaps_its_gold_claim_most() -> None:
    text = "Mali said that Algeria lied about the drone. Niger agreed."
    seg = segment(text)
    lied = (15, 43, "fact")
    gold = Items(claims=[lied], claimants=[None])
    start, short, late = (0, 4, "fact"), (15, 20, "fact"), (21, 43, "fact")
    # the most overlap wins over the first in text order
    doc = entries(text, gold, Items(claims=[start, short, late], claimants=[None] * 3), seg)
    assert doc.predicted["0"].claim_span == (21, 42)
    assert doc.detected == ["0"] and doc.predictions_left_out == 2
    # no overlap at all: the first claim starting in the sentence
    doc = entries(text, gold, Items(claims=[(4, 9, "fact"), start], claimants=[None] * 2), seg)
    assert doc.predicted["0"].claim_span == (0, 3)
    # a claim starting in another sentence is not this sentence's prediction
    doc = entries(text, gold, Items(claims=[(45, 57, "fact")], claimants=[None]), seg)
    assert doc.predicted["0"] is NOTHING and doc.detected == ["1"]


def test_a_claim_belongs_to_the_sentence_of_its_first_character() -> None:
    text = "Mali spoke. Algeria lied. Niger agreed."
    seg = segment(text)
    across = (5, 24, "fact")  # starts in sentence 0, ends in sentence 1
    doc = entries(text, Items(claims=[across], claimants=[None]), None, seg)
    assert list(doc.gold) == ["0"] and doc.gold["0"].claim_span == (5, 23)


def test_nothing_predicted_scores_zero_and_is_not_an_author() -> None:
    report = score(CASES / "newsclaims" / "corpus",
                   CASES / "newsclaims" / "predictions" / "empty.jsonl", mode="newsclaims")
    f = report.scopes[0].figures
    assert isinstance(f, NewsClaimsFigures)
    assert (f.sentence_p, f.sentence_r, f.sentence_f1) == (0, 0, 0)
    assert (f.span_p.value, f.span_r.value, f.span_f1) == (0, 0, None)
    assert (f.journalist_pred, f.journalist_p, f.claimer_f1) == (0, None, None)
    assert f.reported.value == F(0)
    assert f.not_representable == 3
    text = report.text()
    assert "3 gold claim(s) not representable" in text
    assert "n/a claimer.journalist.p: no <AUTHOR> predicted" in text


def test_bad_predictions_refuse_the_export_and_write_nothing(tmp_path: Path) -> None:
    from claimstance.problems import Refused

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "no-such-document", "claims": []}\n', "utf-8")
    with pytest.raises(Refused) as e:
        export("newsclaims", tmp_path / "out", root=CASES / "newsclaims" / "corpus", pred=bad)
    assert [p.code.value for p in e.value.problems] == ["document-not-found"]
    assert not (tmp_path / "out").exists()


def test_a_split_takes_the_predictions_of_the_whole_corpus_as_score_does(
        tmp_path: Path) -> None:
    """`score --split` takes a predictions file of every document and scores the split's;
    `export --split --pred` takes the same file, writes the split's and counts the others."""
    corpus = CASES / "newsclaims" / "corpus"
    every = CASES / "newsclaims" / "predictions" / "mixed.jsonl"
    lines = every.read_text("utf-8").splitlines(keepends=True)
    assert len(lines) == 2  # one document of the validation split, one of train
    alone = tmp_path / "validation-only.jsonl"
    alone.write_text("".join(x for x in lines if "mali-accuses" in x), "utf-8")
    got = export("newsclaims", tmp_path / "all", root=corpus, split="validation", pred=every)
    export("newsclaims", tmp_path / "one", root=corpus, split="validation", pred=alone)
    for name in ("validation.predictions.json", "validation.claim_sentences.json"):
        assert (tmp_path / "all" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    assert got.lost["predicted documents outside the split (not exported)"] == 1
    scored = score(corpus, every, split="validation", mode="newsclaims")
    assert scored.ignored == ["nc-claimer-out-of-sentence"]


def test_pred_goes_with_the_newsclaims_format_only(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from claimstance.cli import main

    pred = CASES / "newsclaims" / "predictions" / "perfect.jsonl"
    res = CliRunner().invoke(main, ["export", "--format", "brat", str(tmp_path / "out"),
                                    "--root", str(CASES / "newsclaims" / "corpus"),
                                    "--pred", str(pred)])
    assert res.exit_code == 2 and "--pred goes with --format newsclaims" in res.output
    res = CliRunner().invoke(main, ["export", "--format", "newsclaims", str(tmp_path / "nc"),
                                    "--root", str(CASES / "newsclaims" / "corpus"),
                                    "--pred", str(pred), "--summary", "json"])
    assert res.exit_code == 0, res.output
    assert sorted(json.loads(res.output)["files"]) == [
        ".claimstance-export.json", "all_sents.json", "corpus.claim_sentences.json",
        "corpus.json", "corpus.predictions.json"]
