"""Agreement figures on hand-built layers, checked against figures worked out by hand.

Krippendorff's alpha (nominal) by hand: with N pairable values, n_c values of category c and
D_o the share of values in disagreeing units (two coders, no missing values),
alpha = 1 - D_o / D_e, D_e = (N^2 - sum n_c^2) / (N (N - 1)).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimstance.problems import CATALOGUE
from claimstance.quality.agreement import MAX_LAYERS, agreement, alpha, compare
from claimstance.quality.matching import match

from .conftest import REPO
from .layers import DOC, TEXT, A, B, make_corpus

CASES = sorted((REPO / "tests" / "cases" / "agree").glob("*/*/"))


def test_match_is_one_to_one() -> None:
    assert match([(0, 4), (5, 9)], [(0, 4), (0, 4)], overlap=False) == [(0, 0)]
    # (0,10) overlaps both; the larger overlap wins, the other finds its own partner
    assert match([(0, 10), (8, 12)], [(0, 9), (9, 12)], overlap=True) == [(0, 0), (1, 1)]


def test_pairwise_figures_by_hand() -> None:
    d = compare(A, B, len(TEXT)).to_dict()
    # mentions: A has 6, B has 5; 4 equal spans, 5 overlapping (AES ~ The AES)
    assert d["mention_spans"]["exact"] == {"f1": round(8 / 11, 4), "matched": 4, "items": 11}
    assert d["mention_spans"]["overlap"] == {"f1": round(10 / 11, 4), "matched": 5, "items": 11}
    # types on the 5 matched: GPE/GPE, GPE/PERSON, GPE/GPE, ORG/ORG, GPE/LOC
    # N=10: GPE 6, ORG 2, PERSON 1, LOC 1; D_o = 4/10; D_e = (100-42)/90 -> alpha = 22/58
    assert d["mention_type"] == {"alpha": round(22 / 58, 4), "observed_agreement": 0.6,
                                 "items": 5}
    # claims: "The AES met in Bamako" equal, "lying" ~ "of lying" overlapping
    assert d["claim_spans"]["exact"] == {"f1": 0.5, "matched": 1, "items": 4}
    assert d["claim_spans"]["overlap"] == {"f1": 1.0, "matched": 2, "items": 4}
    # claim types: accusation/accusation, fact/evaluation: N=4 -> D_o=1/2, D_e=10/12 -> 0.4
    assert d["claim_type"] == {"alpha": 0.4, "observed_agreement": 0.5, "items": 2}
    # claimants: the matched "Mali" both times, the article both times
    assert d["claimant"] == {"agreement": 1.0, "items": 2}
    # stances on matched (holder, claim): support/refute, refute/refute, neutral/neutral;
    # A's stance of the second "Mali" has no partner (B did not mark that mention)
    # N=6: support 1, refute 3, neutral 2 -> D_o = 2/6, D_e = 22/30 -> alpha = 12/22
    assert d["stance_label"] == {"alpha": round(12 / 22, 4), "observed_agreement": round(2 / 3, 4),
                                 "items": 3}


def test_alpha_matches_the_hand_formula_and_is_undefined_without_variation() -> None:
    assert alpha([("x", "x"), ("y", "x")]) == pytest.approx(1 - (2 / 4) / ((16 - 10) / 12))
    assert alpha(Counter({("x", "x"): 1, ("y", "x"): 1})) == alpha([("x", "x"), ("y", "x")])
    assert alpha([("x", "x"), ("x", "x")]) is None
    assert alpha([]) is None


def test_corpus_pools_every_pair() -> None:
    C = copy.deepcopy(A)
    C["annotator"] = "ann-c"
    report = agreement([(DOC, {"ann-a": A, "ann-b": B, "ann-c": C})], {DOC: len(TEXT)})
    d = report.to_dict()
    assert [p["annotators"] for p in d["pairs"]] == [["ann-a", "ann-b"], ["ann-a", "ann-c"],
                                                     ["ann-b", "ann-c"]]
    ac = d["pairs"][1]
    assert ac["mention_spans"]["exact"]["f1"] == 1.0 and ac["mention_type"]["alpha"] == 1.0
    # pooled: matched 4 + 6 + 4 of 11 + 12 + 11 items
    assert d["corpus"]["mention_spans"]["exact"] == {"f1": round(28 / 34, 4), "matched": 14,
                                                     "items": 34}
    assert d["corpus"]["mention_type"]["items"] == 5 + 6 + 5
    assert d["corpus"]["documents"] == 1 and report.documents == [DOC]


def test_documents_with_one_annotator_are_left_out() -> None:
    assert agreement([(DOC, {"ann-a": A})], {DOC: len(TEXT)}).to_dict()["corpus"]["documents"] == 0


def test_cli(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, (A, B))
    run = [sys.executable, "-m", "claimstance", "agree", "--root", str(root)]
    out = subprocess.run([*run, "--format", "json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["corpus"]["claim_type"]["alpha"] == 0.4
    text = subprocess.run(run, capture_output=True, text=True).stdout
    assert "claim type, alpha" in text and "0.400" in text and "n=2" in text
    md = subprocess.run([*run, "--format", "markdown"], capture_output=True, text=True).stdout
    assert md.startswith("| figure | corpus (n) | ann-a vs ann-b (n) |")


def test_scored_figures_by_hand() -> None:
    """A as gold, B as prediction: the claimants of both paired claims agree (Mali/Mali,
    article/article); of A's 4 stances B has (Algeria, AES, refute) and (Bamako, lying,
    neutral) right, (Niger, lying) with another label, and not (Mali #2, AES)."""
    d = compare(A, B, len(TEXT)).to_dict()
    assert d["claimant_link"] == {"f1": 1.0, "matched": 2, "items": 4}
    assert d["stance_triples"] == {"f1": round(4 / 7, 4), "matched": 2, "items": 7}
    per = d["per_label"]
    # strict: Mali and Niger are GPE in both; A has 5 GPE, B 2
    assert per["mention_type"]["GPE"] == {"f1": round(4 / 7, 4), "matched": 2, "items": 7}
    assert per["mention_type"]["ORG"] == {"f1": 0.0, "matched": 0, "items": 2}  # AES/The AES
    assert per["claim_type"]["accusation"] == {"f1": 1.0, "matched": 1, "items": 2}
    assert per["claim_type"]["fact"]["f1"] == per["claim_type"]["evaluation"]["f1"] == 0.0
    assert per["stance_label"]["refute"] == {"f1": round(2 / 3, 4), "matched": 1, "items": 3}
    assert per["stance_label"]["neutral"]["f1"] == 1.0
    u = d["unitizing"]
    assert u["claims"]["units"] == 4 and u["mentions"]["units"] == 11
    assert -1 < u["claims"]["alpha"] < 1 and u["merged_overlapping_units"] == 0


def test_a_forgotten_stance_lowers_the_triples_but_not_the_label_alpha() -> None:
    """Alpha only sees stances both annotators made: a stance A has and B forgot leaves it
    unchanged, while stance-triple F1 counts it."""
    more = copy.deepcopy(A)
    niger = next(m["id"] for m in more["mentions"] if m["text"] == "Niger")
    aes = next(c["id"] for c in more["claims"] if c["text"].startswith("The AES"))
    more["stances"].append({"id": "s5", "holder": niger, "claim": aes, "label": "support"})
    before = compare(A, B, len(TEXT)).to_dict()
    after = compare(more, B, len(TEXT)).to_dict()
    assert after["stance_label"] == before["stance_label"]  # alpha 12/22 on the same 3 pairs
    assert after["stance_triples"] == {"f1": 0.5, "matched": 2, "items": 8}
    assert after["stance_triples"]["f1"] < before["stance_triples"]["f1"]


def test_identical_layers_agree_fully_on_every_figure() -> None:
    d = compare(A, copy.deepcopy(A), len(TEXT)).to_dict()
    assert d["claimant_link"]["f1"] == d["stance_triples"]["f1"] == 1.0
    assert d["unitizing"]["mentions"]["alpha"] == d["unitizing"]["claims"]["alpha"] == 1.0
    assert d["unitizing"]["mentions"]["per_type"]["GPE"]["alpha"] == 1.0
    assert d["unitizing"]["mentions"]["per_type"]["EVENT"] == {"alpha": None, "units": 0}


def test_against_gold_scores_each_annotator_and_pools_them(tmp_path: Path) -> None:
    gold = copy.deepcopy(A) | {"annotator": "gold", "status": "gold"}
    gold["provenance"] = gold["provenance"] | {"sources": ["ann-a", "ann-b"]}
    root = make_corpus(tmp_path, (A, B, gold))
    run = [sys.executable, "-m", "claimstance", "agree", "--against", "gold", "--root",
           str(root)]
    out = subprocess.run([*run, "--format", "json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    scopes = {s["scope"]: s for s in json.loads(out.stdout)["scopes"]}
    assert list(scopes) == ["all annotators", "ann-a", "ann-b"]
    assert scopes["ann-a"]["stances"]["triples"]["f1"] == 1.0
    assert scopes["ann-b"]["stances"]["triples"] == {"p": round(2 / 3, 6), "r": 0.5,
                                                      "f1": round(4 / 7, 6), "tp": 2,
                                                      "pred": 3, "gold": 4}
    assert scopes["all annotators"]["stances"]["triples"]["f1"] == round(12 / 15, 6)
    text = subprocess.run(run, capture_output=True, text=True).stdout
    assert "all annotators (2 layer(s))" in text and "human performance" in text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("abcd")), max_size=40))
def test_alpha_from_counts_equals_the_krippendorff_package(units: list[tuple[str, str]]) -> None:
    """Nominal alpha from coincidence counts (mergeable, no numpy at run time) gives what
    the reference implementation gives on the same units."""
    import krippendorff
    import numpy as np

    ours = alpha(units)
    values = sorted({v for u in units for v in u})
    if ours is None:
        assert not units or len(values) < 2
        return
    index = {v: k for k, v in enumerate(values)}
    data = np.array([[index[a] for a, _ in units], [index[b] for _, b in units]], dtype=float)
    want = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours == pytest.approx(float(want), abs=1e-12)


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_agree_case(case: Path) -> None:
    """tests/cases/agree/<code>/<case>/: the corpus, and expected.json listing the
    (code, path, pointer) problems `agree --format json` reports and the documents it
    compares."""
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    run = [sys.executable, "-m", "claimstance", "agree", "--root", str(case), "--quiet"]
    out = subprocess.run([*run, "--format", "json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert [{k: p[k] for k in ("code", "path", "pointer")} for p in got["problems"]] == \
        expected["problems"]
    assert got["documents"] == expected["documents"]
    text = subprocess.run(run, capture_output=True, text=True).stdout
    for p in expected["problems"]:
        assert p["code"] in text and p["path"] in text


def test_every_agree_code_has_a_case() -> None:
    with_cases = {p.parent.name for p in CASES}
    assert {c for c, v in CATALOGUE.items() if v.stage == "agree"} == with_cases


def test_too_many_layers_is_left_out_saying_so() -> None:
    """250 layers of one document took 29 s and 1,000 did not finish: every pair is compared
    and kept. Past MAX_LAYERS the document is left out of the figures, with a coded warning
    in the report and its Markdown (the dataset card)."""
    many = {f"a{k:010x}": A | {"annotator": f"a{k:010x}"} for k in range(MAX_LAYERS + 1)}
    report = agreement([(DOC, many), ("other-doc", {"ann-a": A, "ann-b": B})],
                       {DOC: len(TEXT), "other-doc": len(TEXT)})
    assert report.documents == ["other-doc"] and list(report.pairs) == [("ann-a", "ann-b")]
    assert [(p.code.value, p.path) for p in report.left_out] == [
        ("agreement-too-many-layers", f"annotations/{DOC}")]
    assert "agreement-too-many-layers" in report.markdown()
    assert f"{MAX_LAYERS}" in CATALOGUE["agreement-too-many-layers"].description
    at_limit = dict(list(many.items())[:MAX_LAYERS])
    assert agreement([(DOC, at_limit)], {DOC: len(TEXT)}).documents == [DOC]
