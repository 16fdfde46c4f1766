"""`claimstance score` on a hand-built three-document fixture (tests/cases/eval/), every
figure checked against values worked out by hand.

The fixture (splits by the corpus rule: fx-mali-drone -> train, the others -> test):
- fx-mali-drone: one mention typed ORG instead of GPE; one claim predicted a little short
  (overlap, not exact); one spurious claim.
- fx-niger-strike-1: no ids; a claimant given as a span; a claim type wrong; a claim and a
  stance missed; a spurious claim.
- fx-bamako-border-9: "Officials in Bamako" (GROUP) predicted as "Officials" (PERSON), with
  the nested "Bamako" found; a mention missed; the article's own claim given a claimant; a
  stance label wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

from claimstance.corpus.items import Items, from_layer
from claimstance.quality.evaluate import ScopeResult, ScoreReport, score
from claimstance.quality.newsclaims import (
    NewsClaimsFigures,
    normalize_answer,
    span_scores,
    token_f1,
)
from claimstance.quality.scoring import PRF, Figures, figures, flatten, tally

from .conftest import CASES

EVAL = CASES / "eval"
CORPUS = EVAL / "corpus"


def build_copy(dist: Path) -> None:
    """Build the fixture corpus from a copy beside `dist`: builds take the corpus's write lock,
    so two workers building the checked-in folder at once would refuse each other."""
    from claimstance.dataset.build import build

    root = dist.with_name("corpus")
    shutil.copytree(CORPUS, root)
    build(root, dist)


def run(pred: str, **kw: Any) -> ScoreReport:
    return score(CORPUS, EVAL / pred, **kw)


def scope(report: ScoreReport, name: str) -> Any:
    s: ScopeResult = next(s for s in report.scopes if s.name == name)
    return s.figures


def prf(f: PRF) -> tuple[Any, Any, Any, int, int, int]:
    return f.p, f.r, f.f1, int(f.tp), int(f.pred), int(f.gold)


def test_every_figure_of_the_corpus_by_hand() -> None:
    f: Figures = scope(run("pred.jsonl"), "corpus")
    assert f.documents == 3
    # mentions: 12 gold, 11 predicted; strict misses Algeria/ORG, Officials/PERSON (span too)
    assert prf(f.mentions_strict) == (F(9, 11), F(3, 4), F(18, 23), 9, 11, 12)
    assert prf(f.mentions_span) == (F(10, 11), F(5, 6), F(20, 23), 10, 11, 12)
    types = {k: prf(v) for k, v in f.mention_types.items()}
    assert types["GPE"] == (F(1), F(6, 7), F(12, 13), 6, 6, 7)
    assert types["LOC"] == (F(1), F(2, 3), F(4, 5), 2, 2, 3)
    assert types["ORG"] == (F(1, 2), F(1), F(2, 3), 1, 2, 1)
    assert types["GROUP"] == (None, F(0), F(0), 0, 0, 1)
    assert types["PERSON"] == (F(0), None, F(0), 0, 1, 0)
    assert types["EVENT"] == (None, None, None, 0, 0, 0)
    assert f.confusion["GPE"] == {"GPE": 6, "ORG": 1}
    # claims: 6 gold, 7 predicted; 4 exact pairs, 5 overlapping
    assert prf(f.claims_exact) == (F(4, 7), F(2, 3), F(8, 13), 4, 7, 6)
    assert prf(f.claims_overlap) == (F(5, 7), F(5, 6), F(10, 13), 5, 7, 6)
    # tokens: shared 3 + 4 + 6 + 7 + 4; predicted 3+4+3 + 6+3 + 7+4; gold 3+5 + 6+3 + 7+4
    t = f.claim_tokens
    assert (t.overlap, t.pred, t.gold, t.p, t.r) == (24, 30, 28, F(4, 5), F(6, 7))
    # types of the 5 pairs: acc/acc fact/fact eval/acc fact/fact int/int
    assert f.claim_type.accuracy == F(4, 5)
    assert f.claim_type.macro_f1 == (F(2, 3) + 1 + 0 + 1) / 4
    # claimants: Mali/Mali, null/null, Niger/span of Niger, null/The army (wrong),
    # Officials in Bamako/Officials (linked: the larger overlap wins over Bamako)
    assert prf(f.claimant) == (F(4, 7), F(2, 3), F(8, 13), 4, 7, 6)
    # stances: (Algeria, c1, refute) right; (Burkina Faso, c1, support) missed;
    # (Niger, c2) paired with the label neutral instead of refute
    assert prf(f.stance_triples) == (F(1, 2), F(1, 3), F(2, 5), 1, 2, 3)
    assert f.stance_label.accuracy == F(1, 2)
    assert f.stance_label.macro_f1 == (F(2, 3) + 0) / 2  # support is in no pair


def test_every_figure_per_split_by_hand() -> None:
    report = run("pred.jsonl")
    assert [(s.name, s.doc_ids) for s in report.scopes] == [
        ("corpus", ["fx-bamako-border-9", "fx-mali-drone", "fx-niger-strike-1"]),
        ("train", ["fx-mali-drone"]), ("test", ["fx-bamako-border-9", "fx-niger-strike-1"])]
    train: Figures = scope(report, "train")
    assert prf(train.mentions_strict)[:3] == (F(3, 4), F(3, 4), F(3, 4))
    assert prf(train.mentions_span)[:3] == (1, 1, 1)
    assert prf(train.claims_exact)[:3] == (F(1, 3), F(1, 2), F(2, 5))
    assert prf(train.claims_overlap)[:3] == (F(2, 3), 1, F(4, 5))
    assert (train.claim_tokens.p, train.claim_tokens.r) == (F(7, 10), F(7, 8))
    assert (train.claim_type.accuracy, train.claim_type.macro_f1) == (1, 1)
    assert prf(train.claimant)[:3] == (F(2, 3), 1, F(4, 5))
    assert prf(train.stance_triples)[:3] == (1, 1, 1)
    assert train.stance_label.accuracy == 1
    test: Figures = scope(report, "test")
    assert prf(test.mentions_strict)[:3] == (F(6, 7), F(3, 4), F(4, 5))
    assert prf(test.mentions_span)[:3] == (F(6, 7), F(3, 4), F(4, 5))
    assert prf(test.claims_exact)[:3] == prf(test.claims_overlap)[:3] == (F(3, 4),) * 3
    assert (test.claim_tokens.p, test.claim_tokens.r) == (F(17, 20), F(17, 20))
    assert (test.claim_type.accuracy, test.claim_type.macro_f1) == (F(2, 3), F(1, 2))
    assert prf(test.claimant)[:3] == (F(1, 2),) * 3
    assert prf(test.stance_triples) == (0, 0, 0, 0, 1, 2)
    assert (test.stance_label.accuracy, test.stance_label.macro_f1) == (0, 0)


def test_newsclaims_mode_by_hand() -> None:
    """The figures NewsClaims' script prints on this prediction's export (one claim per
    sentence; tests/test_newsclaims.py checks them against the script's own output)."""
    report = run("pred.jsonl", mode="newsclaims")
    f: NewsClaimsFigures = scope(report, "corpus")
    # claim sentences: gold {0,2} {0,1} {0,1}; predicted {0,1,2} {0,1} {0,1}
    assert (f.sentence_tp, f.sentence_pred, f.sentence_gold) == (6, 7, 6)
    assert (f.sentence_p, f.sentence_r, f.sentence_f1) == (F(6, 7), 1, F(12, 13))
    # span, inclusive ends: [57,90] vs [61,90] overlap 30 -> P 30/30, R 30/34; the sentence
    # whose claim was missed gets the prediction starting in it, which misses: 0/0; four
    # exact ones 1/1
    assert (f.span_p.value, f.span_r.value) == (F(5, 6), (4 + F(15, 17)) / 6)
    assert f.span_f1 == F(415, 504)
    # claimer: reported Mali 1, Niger 1, Burkina Faso's sentence missed 0, Officials vs
    # Officials in Bamako 1/2
    assert (f.reported.value, f.reported.n) == (F(5, 8), 4)
    # journalist: D1's sentence 2 predicted <AUTHOR> (right), D3's sentence 0 "The army"
    # (wrong), D2's sentence 1 <AUTHOR> where gold says Burkina Faso
    assert (f.journalist_tp, f.journalist_pred, f.journalist_gold) == (1, 2, 2)
    assert (f.journalist_p, f.journalist_r, f.journalist_f1) == (F(1, 2), F(1, 2), F(1, 2))
    assert f.claimer_f1 == (4 * F(5, 8) + 2 * F(1, 2)) / 6 == F(7, 12)
    assert (f.in_sentence.value, f.in_sentence.n, f.out_of_sentence.value) == (F(5, 8), 4, None)
    assert f.reasons == {"claimer.out_of_sentence.f1":
                         "nothing to average: the official script prints nan"}
    train: NewsClaimsFigures = scope(report, "train")
    assert (train.sentence_p, train.sentence_r, train.sentence_f1) == (F(2, 3), 1, F(4, 5))
    assert (train.span_p.value, train.span_r.value, train.span_f1) == (1, F(16, 17),
                                                                      F(32, 33))
    test: NewsClaimsFigures = scope(report, "test")
    assert (test.sentence_p, test.sentence_r, test.sentence_f1) == (1, 1, 1)
    assert (test.span_p.value, test.span_r.value, test.span_f1) == (F(3, 4),) * 3
    # an <AUTHOR> predicted, none right: the script's F1 divides 0 by 0
    assert (test.reported.value, test.journalist_p, test.journalist_r) == (F(1, 2), 0, 0)
    assert (test.journalist_f1, test.claimer_f1) == (None, None)
    assert "divides by zero" in test.reasons["claimer.f1"]
    out = report.to_dict()
    assert "not comparable" in out["scopes"][0]["note"]
    assert "not comparable" in report.text()


def test_newsclaims_journalist_edge_case_without_any_author_predicted() -> None:
    """NewsClaims' own script divides by zero here: P, F1 and the claimer F1 are n/a."""
    report = run("pred_no_author.jsonl", mode="newsclaims")
    f: NewsClaimsFigures = scope(report, "corpus")
    assert (f.journalist_tp, f.journalist_pred, f.journalist_gold) == (0, 0, 2)
    assert (f.journalist_p, f.journalist_r, f.journalist_f1, f.claimer_f1) == (None, 0, None,
                                                                              None)
    assert f.reasons["claimer.journalist.p"] == ("no <AUTHOR> predicted: the official script "
                                                 "divides by zero")
    assert f.reported.value == F(7, 8)
    plain: Figures = scope(run("pred_no_author.jsonl"), "corpus")
    assert prf(plain.claimant)[:3] == (F(3, 7), F(1, 2), F(6, 13))


def test_squad_normalisation_and_span_scores() -> None:
    assert normalize_answer("The  Army's, (new) unit!") == "armys new unit"
    curly = "Mali\u2019s \u201carmy\u201d"
    assert normalize_answer(curly) == curly.lower()  # ASCII punctuation only, as SQuAD
    assert token_f1("Officials", "Officials in Bamako") == F(1, 2)
    assert token_f1("<AUTHOR>", "the author") == 1  # as in NewsClaims: <AUTHOR> -> author
    assert token_f1("The", "The") == 0  # normalises to nothing
    assert span_scores((57, 90), (61, 90)) == (F(1), F(30, 34))  # [first, last]


def test_gold_against_itself_is_one_everywhere() -> None:
    for mode in ("claimstance", "newsclaims"):
        report = run("pred_gold.jsonl", mode=mode)
        for s in report.to_dict()["scopes"]:
            values = flatten(s)
            assert values and set(values.values()) == {1.0}, (mode, s["scope"], values)


def test_bootstrap_is_seeded_and_degenerate_where_it_must_be() -> None:
    a = run("pred.jsonl", replicates=200, seed=7)
    b = run("pred.jsonl", replicates=200, seed=7)
    assert a.to_dict() == b.to_dict()
    corpus = a.scopes[0].intervals
    lo, hi = corpus["mentions.strict.f1"].low, corpus["mentions.strict.f1"].high
    assert lo <= 18 / 23 <= hi and lo < hi
    train = a.scopes[1]  # one document: every replicate is that document
    point = flatten(train.figures.to_dict())
    for path, ci in train.intervals.items():
        assert ci.low == ci.high == pytest.approx(point[path]), path
    gold = run("pred_gold.jsonl", replicates=100)
    assert {(c.low, c.high) for c in gold.scopes[0].intervals.values()} == {(1.0, 1.0)}
    assert "F1 [" in a.text()


def test_split_option_scores_one_split_and_says_what_it_left_out() -> None:
    report = run("pred.jsonl", split="test")
    assert [s.name for s in report.scopes] == ["test"]
    assert report.ignored == ["fx-mali-drone"] and report.missing == []
    assert prf(scope(report, "test").claimant)[:3] == (F(1, 2),) * 3


def test_a_missing_line_is_an_empty_prediction(tmp_path: Path) -> None:
    pred = tmp_path / "one.jsonl"
    pred.write_text((EVAL / "pred_gold.jsonl").read_text().splitlines()[0] + "\n\n")
    report = score(CORPUS, pred)
    assert report.missing == ["fx-bamako-border-9", "fx-niger-strike-1"]
    test: Figures = scope(report, "test")
    assert prf(test.mentions_strict) == (None, 0, 0, 0, 0, 8)


def test_a_forgotten_stance_lowers_the_triples() -> None:
    gold = from_layer(json.loads((CORPUS / "annotations/fx-mali-drone/gold.json").read_text()))
    same = figures(tally(gold, gold), 1)
    fewer = Items(gold.mentions, gold.claims, gold.claimants, [])
    forgot = figures(tally(gold, fewer), 1)
    assert same.stance_triples.f1 == 1 and forgot.stance_triples.f1 == 0
    assert forgot.mentions_strict.f1 == 1 and forgot.stance_label.accuracy is None


@pytest.mark.parametrize("gold_from", ["corpus", "dist"])
def test_gold_from_the_built_dataset_gives_the_same_figures(tmp_path: Path,
                                                            gold_from: str) -> None:
    from claimstance.dataset.built import gold_docs

    dist = tmp_path / "dist"
    build_copy(dist)
    gold = (lambda: gold_docs(dist)) if gold_from == "dist" else None
    got = score(CORPUS, EVAL / "pred.jsonl", gold=gold, gold_name=gold_from).to_dict()
    want = run("pred.jsonl").to_dict()
    assert got["scopes"] == want["scopes"] and got["gold"] == gold_from


@pytest.mark.parametrize("damage", ["no build", "garbage shard", "edited shard", "foreign",
                                    "fifo shard"])
def test_scoring_against_a_damaged_build_is_refused_with_a_code(tmp_path: Path,
                                                                 damage: str) -> None:
    """`--gold dist` reads what the build wrote, checked against its manifest, or nothing."""

    dist = tmp_path / "dist"
    if damage == "foreign":
        (dist / "data" / "documents").mkdir(parents=True)
        (dist / "data" / "documents" / "train-00000-of-00001.parquet").write_text("x")
    elif damage != "no build":
        build_copy(dist)
        shard = next((dist / "data" / "documents").glob("train-*.parquet"))
        raw = shard.read_bytes()
        if damage == "fifo shard":  # never waited on
            shard.unlink()
            os.mkfifo(shard)
        else:
            shard.write_bytes(b"garbage" if damage == "garbage shard" else
                              raw[:-9] + b"X" + raw[-8:])
    out = cli("--pred", str(EVAL / "pred.jsonl"), "--root", str(CORPUS), "--gold", "dist",
              "--dist", str(dist), "--format", "json")
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert json.loads(out.stdout)["problems"][0]["code"] == "export-bad-dist"


PRED_CASES = sorted(p for p in (CASES / "pred").glob("*/*") if p.is_dir())


@pytest.mark.parametrize("case", PRED_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bad_predictions_give_coded_problems_with_lines(case: Path) -> None:
    from claimstance.problems import Refused

    expected = json.loads((case / "expected.json").read_text())["problems"]
    with pytest.raises(Refused) as e:
        score(CORPUS, case / "pred.jsonl")
    got = sorted((p.code.value, p.line, p.pointer) for p in e.value.problems)
    assert got == sorted((x["code"], x["line"], x["pointer"]) for x in expected)
    assert case.parent.name in {p.code.value for p in e.value.problems}


def test_every_score_code_has_a_case() -> None:
    from claimstance.problems import CATALOGUE

    with_cases = {p.parent.name for p in PRED_CASES}
    assert {c for c, v in CATALOGUE.items() if v.stage == "score"} - with_cases == {"no-gold"}


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimstance", "score", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_refuses_bad_lines_with_codes_and_exit_one(tmp_path: Path) -> None:
    good = (EVAL / "pred.jsonl").read_text().splitlines()
    pred = tmp_path / "bad.jsonl"
    pred.write_text("\n".join([good[0], '{"doc_id": "fx-niger-strike-1", "claims": [',
                               '{"doc_id": "nowhere"}',
                               good[2].replace('"end": 101', '"end": 117')]) + "\n")
    out = cli("--pred", str(pred), "--root", str(CORPUS), "--format", "json")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    problems = json.loads(out.stdout)["problems"]
    assert [(p["code"], p["line"], p["pointer"]) for p in problems] == [
        ("invalid-json", 2, ""), ("document-not-found", 3, "/doc_id"),
        ("offset-out-of-range", 4, "/mentions/4/end")]
    assert problems[1]["message"] == (
        "no document 'nowhere' with gold annotations in the corpus to score against; "
        "check the id (or the --gold source)")
    text = cli("--pred", str(pred), "--root", str(CORPUS))
    assert text.returncode == 1 and f"{pred}:4:" in text.stderr
    assert "[offset-out-of-range]" in text.stderr and "nothing was scored" in text.stderr


def test_cli_formats_and_refusals(tmp_path: Path) -> None:
    pred = str(EVAL / "pred.jsonl")
    out = cli("--pred", pred, "--root", str(CORPUS), "--format", "json", "--split", "train")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["scopes"][0]["claims"]["overlap"] == {"p": 0.666667, "r": 1.0, "f1": 0.8, "tp": 2,
                                                   "pred": 3, "gold": 2}
    md = cli("--pred", pred, "--root", str(CORPUS), "--format", "markdown", "--bootstrap", "50")
    assert "| figure | P | R | F1 | F1 95% CI | counts |" in md.stdout
    missing = cli("--pred", str(tmp_path / "nope.jsonl"), "--root", str(CORPUS))
    assert missing.returncode == 1 and "[file-not-found]" in missing.stderr
    no_dist = cli("--pred", pred, "--root", str(CORPUS), "--gold", "dist", "--dist",
                  str(tmp_path / "nothing"))
    assert no_dist.returncode == 1 and "[export-bad-dist]" in no_dist.stderr
    neither = cli("--pred", str(tmp_path / "nope.jsonl"), "--root", str(CORPUS), "--gold",
                  "dist", "--dist", str(tmp_path / "nothing"))
    assert neither.returncode == 1 and "[file-not-found]" in neither.stderr  # named first
    no_split = cli("--pred", pred, "--root", str(CORPUS), "--split", "validation")
    assert no_split.returncode == 1 and "[no-gold]" in no_split.stderr
    assert "Traceback" not in missing.stderr + no_dist.stderr + no_split.stderr


def test_the_prediction_schema_is_valid_and_the_fixture_follows_it() -> None:
    import jsonschema

    from claimstance.corpus.schema import PREDICTION, load_schema
    from claimstance.validation.schema_errors import check

    jsonschema.Draft202012Validator.check_schema(load_schema(PREDICTION))
    for name in ("pred.jsonl", "pred_no_author.jsonl", "pred_gold.jsonl"):
        for n, line in enumerate((EVAL / name).read_text().splitlines(), 1):
            assert check(PREDICTION, json.loads(line), name) == [], (name, n)


def test_the_readme_example_is_a_valid_prediction_that_scores(tmp_path: Path) -> None:
    from .conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("**Prediction format**", 1)[1].split("```json\n", 1)[1]
    pred = tmp_path / "example.jsonl"
    pred.write_text(block.split("```", 1)[0], encoding="utf-8")
    f: Figures = scope(score(REPO, pred), "corpus")
    assert (f.mentions_strict.tp, f.claims_exact.tp, f.claimant.tp, f.stance_triples.tp) == (
        1, 1, 1, 1)
