"""brat standoff: round trips of every layer, checkann, the generated configs, bad .ann lines."""

from __future__ import annotations

import re

import pytest

from claimstance.corpus.annotation import canonicalize
from claimstance.corpus.schema import claim_types, mention_types
from claimstance.interchange.brat import (
    annotation_conf,
    check_brat,
    configs,
    from_brat,
    to_brat,
    tools_conf,
)
from claimstance.interchange.common import relation_types, to_layer
from claimstance.problems import Level
from claimstance.validation.rules import check_annotation

from .interchange_cases import BREAKS_TEXT, CASES, EMOJI_TEXT, Layer, Seed, seed_of


def errors(seed: Seed, layer: Layer) -> list[str]:
    problems = check_annotation(layer, "x.json", stem=layer["annotator"], folder=seed["id"],
                                text=seed["text"], text_sha256=seed["sha256"], seed_exists=True)
    return [p.code.value for p in problems if p.level is Level.ERROR]


@pytest.mark.parametrize("case", CASES)
def test_round_trip(case: str) -> None:
    seed, layer = CASES[case]
    txt, ann = to_brat(seed, layer)
    assert txt == seed["text"]
    items, problems = from_brat(txt, ann, seed)
    assert problems == []
    back = to_layer(seed, layer["annotator"], items, layer["provenance"])
    assert back == canonicalize(layer)
    assert errors(seed, back) == []


@pytest.mark.parametrize("case", CASES)
def test_checkann_passes(case: str) -> None:
    """Every text-bound annotation reproduces its text, as brat's tools/checkann.py checks."""
    assert check_brat(*to_brat(*CASES[case])) == []


def test_checkann_reports_a_shifted_span() -> None:
    txt, ann = to_brat(*CASES["hand-built/A"])
    bad = ann.replace("\tGPE 0 4\tMali", "\tGPE 1 5\tMali")
    assert check_brat(txt, bad) == ["line 1: mismatch in T1 1 5: reference 'Mali', document 'ali '"]


def test_offsets_are_code_points_and_line_breaks_cut_spans() -> None:
    seed, layer = CASES["emoji-text/ann-e"]
    _, ann = to_brat(seed, layer)
    flag = EMOJI_TEXT.index("🇲🇱")
    assert f"GPE {flag} {flag + 2}\t🇲🇱\n" in ann  # two regional indicators = two code points
    nl = EMOJI_TEXT.index("\n")
    fact = next(line for line in ann.splitlines() if "\tfact " in line)
    assert f"\tfact 0 {nl};{nl + 1} " in fact  # the claim over a line break, in two fragments
    assert all(len(line.split("\t")) == 3 for line in ann.splitlines() if line.startswith("T"))
    assert "N1\tReference T1 Wikidata:Q912\t\n" in ann


def test_spans_with_line_breaks_at_their_ends() -> None:
    seed, layer = CASES["breaks/ann-x"]
    _, ann = to_brat(seed, layer)
    assert "\tfact 5 10;11 11\tlied. \n" in ann  # an empty last fragment keeps the end
    assert BREAKS_TEXT[5:11] == "lied.\n"


def test_fragments_brat_trimmed_are_joined() -> None:
    seed = seed_of("nl-text", "Mali said\n  Algeria lied.")
    ann = "T1\tfact 0 9;12 24\tMali said Algeria lied\n"
    items, problems = from_brat(seed["text"], ann, seed)
    assert problems == []
    assert items["claims"][0]["text"] == "Mali said\n  Algeria lied"


def test_configs_are_generated_from_the_schema() -> None:
    conf = annotation_conf()
    sections = re.findall(r"^\[(\w+)\]$", conf, re.M)
    assert sections == ["entities", "relations", "events", "attributes"]
    entities = conf.split("[relations]")[0]
    for t in [*mention_types(), *claim_types()]:
        assert f"\n\t{t}\n" in entities
    arg1, arg2 = "|".join(mention_types()), "|".join(claim_types())
    for r in relation_types():
        assert f"\n{r}\tArg1:{arg1}, Arg2:{arg2}\n" in conf
    assert "<OVERLAP>\tArg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:<ANY>" in conf
    assert tools_conf().startswith("[normalization]\nWikidata\t")
    assert list(configs()) == ["annotation.conf", "tools.conf", "visual.conf"]
    for t in [*mention_types(), *claim_types()]:
        assert re.search(rf"^{t}\tbgColor:#[0-9a-f]{{6}}$", configs()["visual.conf"], re.M)


def test_label_sets_are_disjoint_and_cased_apart() -> None:
    """What lets a brat span type say whether it is a mention or a claim."""
    assert all(t.isupper() for t in mention_types())
    assert all(t.islower() for t in claim_types())


def test_text_that_differs_is_refused() -> None:
    seed, layer = CASES["hand-built/A"]
    txt, ann = to_brat(seed, layer)
    items, problems = from_brat(txt.replace("lying", "lies!"), ann, seed)
    assert items == {"mentions": [], "claims": [], "stances": []}
    assert [(p.code.value, p.path) for p in problems] == [("import-text-mismatch", "doc.txt")]
    assert "offset 25" in problems[0].message
    _, problems = from_brat(txt.replace(".", ".\r\n", 1), ann, seed)
    assert problems[0].code.value == "import-text-mismatch" and "\\r\\n" in problems[0].message


def test_a_final_newline_in_the_txt_is_accepted() -> None:
    seed, layer = CASES["hand-built/A"]
    txt, ann = to_brat(seed, layer)
    items, problems = from_brat(txt + "\n", ann, seed)
    assert problems == [] and to_layer(seed, "ann-a", items, layer["provenance"]) == layer


BAD_ANN = """\
T1\tGPE 0 4\tMali
T2\tGPE 0 4 Mali
T3\tfact 5 3\tx
T4\tGPE 0 5\tMali!
T5\tWEAPON 0 4\tMali
T6\tGPE 0 2;3 4\tMa i
E1\tAttack:T1
*\tEquiv T1 T7
A1\tNegation T1
#1\tAnnotatorNotes T1\tcheck this one
R1\tclaimant Arg1:T1 Arg2:T5
R2\tsupport Arg1:T1
R3\tblames Arg1:T1 Arg2:T8
T1\tGPE 13 20\tAlgeria
garbage
N1\tReference T1 Wikidata:X12
N2\tReference T1 GeoNames:2453866
R4\tclaimant Arg1:T1 Arg2:T7

T7\tGPE 13 20\tAlgeria
T8\taccusation 24 29\tlying
R5\tclaimant Arg1:T1 Arg2:T8
R6\tclaimant Arg1:T7 Arg2:T8
R7\trefute Arg1:T7 Arg2:T8
R8\tsupport Arg1:T7 Arg2:T8
R9\tneutral Arg1:T9 Arg2:T8
N3\tReference T8 Wikidata:Q1
N4\tReference T1 Wikidata:Q912
N5\tReference T1 Wikidata:Q913
R10\tsupport Arg1:T1 Arg2:E1
"""


def test_bad_lines_come_back_as_coded_problems_with_lines_and_ids() -> None:
    seed, _ = CASES["hand-built/A"]
    items, problems = from_brat(seed["text"], BAD_ANN, seed, "c/doc.ann")
    got = [(p.line, p.code.value, p.pointer) for p in problems]
    assert sorted(got) == sorted([
        (2, "import-bad-line", "/T2"), (3, "import-bad-offsets", "/T3"),
        (4, "import-bad-offsets", "/T4"), (5, "import-unknown-label", "/T5"),
        (6, "import-unsupported", "/T6"), (7, "import-unsupported", "/E1"),
        (8, "import-unsupported", "/*"), (9, "import-unsupported", "/A1"),
        (10, "import-unsupported", "/#1"), (11, "import-bad-relation", "/R1"),
        (12, "import-bad-line", "/R2"), (13, "import-unknown-label", "/R3"),
        (14, "import-bad-line", "/T1"), (15, "import-bad-line", ""),
        (16, "import-bad-link", "/N1"), (17, "import-unsupported", "/N2"),
        (18, "import-bad-relation", "/R4"), (23, "import-bad-relation", "/R6"),
        (25, "import-bad-relation", "/R8"), (26, "import-bad-relation", "/R9"),
        (27, "import-bad-link", "/N3"), (29, "import-bad-link", "/N5"),
        (30, "import-bad-relation", "/R10"),
    ])
    assert {p.path for p in problems} == {"c/doc.ann"}
    assert {p.level for p in problems if p.code.value == "import-unsupported"} == {Level.WARNING}
    messages = {p.line: p.message for p in problems}
    assert "T5, which was not imported (line 5)" in messages[11]
    assert "already has a claimant" in messages[23]
    assert "already takes the stance 'refute'" in messages[25]
    assert "T9, which does not exist" in messages[26]
    assert "E1, which was not imported (line 7)" in messages[30]
    assert items["mentions"] == [
        {"id": "m1", "start": 0, "end": 4, "text": "Mali", "type": "GPE", "entity": "Q912"},
        {"id": "m2", "start": 13, "end": 20, "text": "Algeria", "type": "GPE"}]
    assert items["claims"] == [{"id": "c1", "start": 24, "end": 29, "text": "lying",
                                "type": "accusation", "claimant": "m1"}]
    assert items["stances"] == [{"id": "s1", "holder": "m2", "claim": "c1", "label": "refute"}]


def test_a_repeated_relation_is_reported() -> None:
    seed, layer = CASES["hand-built/A"]
    txt, ann = to_brat(seed, layer)
    first_r = next(line for line in ann.splitlines() if line.startswith("R"))
    items, problems = from_brat(txt, ann + first_r.replace("R1\t", "R99\t") + "\n", seed)
    assert [(p.code.value, "repeats" in p.message) for p in problems] == [
        ("import-bad-relation", True)]
    assert to_layer(seed, "ann-a", items, layer["provenance"]) == layer


@pytest.mark.parametrize("ann", [
    "R1\t\n", "T1\t\n", "T1\tGPE\tMali\n", "T1\tGPE a b\tx\n", "N1\tReference\n", "X1\tfoo\n",
    "T1\tGPE 0 4;\tMali\n", "R1\tclaimant Arg1:T1 Arg1:T2\n", "T1\tGPE 99999 100000\tx\n",
    "T1\tGPE \u0661 \u0662\tx\n",  # Arabic-Indic digits: int() reads them, brat's format not
    "A1\n", "#\tnote\n",
])
def test_junk_never_raises(ann: str) -> None:
    seed, _ = CASES["hand-built/A"]
    items, problems = from_brat(seed["text"], ann, seed)
    assert items == {"mentions": [], "claims": [], "stances": []}
    assert [p.line for p in problems] == [1]


def test_a_span_inside_a_character_is_refused() -> None:
    seed, _ = CASES["emoji-text/ann-e"]
    flag = EMOJI_TEXT.index("🇲🇱")
    ann = f"T1\tGPE {flag} {flag + 1}\t{EMOJI_TEXT[flag]}\n"  # half the flag
    items, problems = from_brat(seed["text"], ann, seed)
    assert items["mentions"] == []
    assert [(p.code.value, p.line, "inside a character" in p.message) for p in problems] == [
        ("import-bad-offsets", 1, True)]
