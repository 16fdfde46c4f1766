"""CoNLL: spaCy's own converter (`spacy convert --converter ner`) reads the export and gives
back every span BIO can hold; nested ones, spaces at edges, boundaries inside tokens and
spans across sentence breaks are counted; tokens are the corpus's one segmentation."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from claimstance.corpus.segmentation import SPACY_VERSION, decode_bio, segment, segmenter_version
from claimstance.interchange.common import to_layer
from claimstance.interchange.conll import (
    DOCSTART,
    KINDS,
    Lost,
    file_names,
    read_conll,
    tag_document,
    to_conll,
)

from .interchange_cases import CASES, GOLD_CASE, seed_of

NAMES = file_names("corpus")
ORDER = sorted(CASES)


def test_spacy_is_the_pinned_version() -> None:
    assert segmenter_version().startswith(f"spacy-{SPACY_VERSION}+")


def expected(seed: dict[str, Any], layer: dict[str, Any], kind: str) -> list[tuple[int, int,
                                                                                  str]]:
    """Where each span BIO holds reads back: its own offsets, trimmed of spaces at its
    edges, or widened to whole tokens; nested ones not at all."""
    seg, tagged = tag_document(seed, layer)
    t = tagged[kind]  # type: ignore[index]
    out = []
    for a, b, label in t.kept:
        if (a, b, label) in t.misaligned:
            starts = [x for x, _ in seg.tokens]
            first = next(i for i, (_, e) in enumerate(seg.tokens) if e > a)
            last = max(i for i, s in enumerate(starts) if s < b)
            a, b = seg.tokens[first][0], seg.tokens[last][1]
        out.append((a, b, label))
    return sorted(out)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    """Every case, exported in one CoNLL export, read by `python -m spacy convert` (the
    converter's own command line); spaCy's Docs by kind, in the export's order."""
    import spacy
    from spacy.tokens import DocBin

    folder = tmp_path_factory.mktemp("conll")
    files, _ = to_conll([CASES[k] for k in ORDER])
    out: dict[str, list[Any]] = {}
    for kind in KINDS:
        path = folder / NAMES[kind]
        path.write_text(files[NAMES[kind]], "utf-8")
        res = subprocess.run([sys.executable, "-m", "spacy", "convert", str(path), str(folder),
                              "--converter", "ner"], capture_output=True, text=True, check=False)
        assert res.returncode == 0, res.stdout + res.stderr
        spacy_file = folder / (path.name.removesuffix(".conll") + ".spacy")
        out[kind] = list(DocBin().from_disk(spacy_file).get_docs(spacy.blank("xx").vocab))
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_spacys_converter_gives_back_every_span_bio_holds(
        kind: str, converted: dict[str, list[Any]]) -> None:
    docs = converted[kind]
    assert len(docs) == len(ORDER)
    for name, doc in zip(ORDER, docs, strict=True):
        seed, layer = CASES[name]
        text, seg = seed["text"], segment(seed["text"])
        assert [t.text for t in doc] == [text[a:b] for a, b in seg.tokens], name
        got = sorted((seg.tokens[e.start][0], seg.tokens[e.end - 1][1], e.label_)
                     for e in doc.ents)
        assert got == expected(seed, layer, kind), name
        sentences = [(s[0].i, s[-1].i) for s in doc.sents]
        assert all(seg.sentence_of(seg.tokens[a][0]) <= seg.sentence_of(seg.tokens[b][0])
                   for a, b in sentences)


def test_every_non_nested_mention_of_the_corpus_comes_back_from_spacy(
        converted: dict[str, list[Any]]) -> None:
    """The corpus's mentions: every one not inside another is an entity, at its offsets."""
    seed, layer = CASES[GOLD_CASE]
    doc = converted["mentions"][ORDER.index(GOLD_CASE)]
    seg = segment(seed["text"])
    got = {(seg.tokens[e.start][0], seg.tokens[e.end - 1][1], e.label_) for e in doc.ents}
    _, tagged = tag_document(seed, layer)
    spans = {(m["start"], m["end"], m["type"]) for m in layer["mentions"]}
    assert got == spans - set(tagged["mentions"].nested)
    assert len(got) == 54 and len(tagged["mentions"].nested) == 8


@pytest.mark.parametrize("case", ORDER)
def test_the_files_decode_to_what_the_side_file_counts(case: str) -> None:
    seed, layer = CASES[case]
    files, counts = to_conll([(seed, layer)])
    assert sorted(files) == sorted(NAMES.values())
    [side] = [json.loads(line) for line in files[NAMES["documents"]].splitlines()]
    assert (side["doc_id"], side["annotator"]) == (seed["id"], layer["annotator"])
    seg = segment(seed["text"])
    _, tagged = tag_document(seed, layer)
    for kind in KINDS:
        [doc] = read_conll(files[NAMES[kind]])
        rows = [row for sentence in doc for row in sentence]
        assert [r[0] for r in rows] == [seed["text"][a:b] for a, b in seg.tokens]
        assert decode_bio(seg.tokens, [r[1] for r in rows]) == expected(seed, layer, kind)
        lost = Lost(**side[kind])
        assert lost.total == len(layer[kind]) == len(tagged[kind].kept) + lost.nested + \
            lost.blank
        assert lost.trimmed + lost.widened == len(tagged[kind].misaligned)
        for key, n in lost.summary(kind, NAMES[kind]).items():
            assert counts[key] == n


def test_no_comment_lines_and_conll_2003_document_lines() -> None:
    cases = [CASES[k] for k in ORDER]
    files, counts = to_conll(cases)
    assert to_conll(cases) == (files, counts)  # deterministic
    for kind in KINDS:
        text = files[NAMES[kind]]
        lines = text.split("\n")
        assert lines.count(DOCSTART) == len(cases)
        assert all(line == DOCSTART or not line or len(line.split("\t")) == 2
                   for line in lines)
        assert all(len(line.split()) == 2 for line in lines if line and line != DOCSTART)
        assert not any(line.startswith("#") and "\t" not in line for line in lines)
        assert text.startswith(DOCSTART + "\n\n") and text.endswith("\n\n")


def test_a_span_across_a_line_break_is_one_span_in_one_sentence() -> None:
    seed, layer = CASES["emoji-text/ann-e"]
    files, counts = to_conll([(seed, layer)])
    [claims] = read_conll(files[NAMES["claims"]])
    [mentions] = read_conll(files[NAMES["mentions"]])
    assert len(mentions) == 3 and len(claims) == 2  # the fact's two sentences are one
    assert ("🇲🇱", "B-GPE") in mentions[0]  # the flag is one token
    assert counts["claims across a sentence or line break in corpus.claims.conll (its "
                  "sentences written as one)"] == 1


def test_a_space_at_an_edge_is_trimmed_and_a_boundary_inside_a_word_widened() -> None:
    seed = seed_of("edge-spaces", "Mali said Algeria lied.")
    mentions = [{"id": "m1", "start": 0, "end": 5, "text": "Mali ", "type": "GPE"},
                {"id": "m2", "start": 10, "end": 14, "text": "Alge", "type": "GPE"}]
    layer = to_layer(seed, "ann", {"mentions": mentions, "claims": [], "stances": []})
    files, counts = to_conll([(seed, layer)])
    [side] = [json.loads(line) for line in files[NAMES["documents"]].splitlines()]
    assert side["mentions"] == {"total": 2, "nested": 0, "blank": 0, "trimmed": 1,
                                "widened": 1, "joined": 0}
    assert counts["mentions trimmed in corpus.conll (a space at an edge)"] == 1
    [doc] = read_conll(files[NAMES["mentions"]])
    assert doc[0][:3] == [("Mali", "B-GPE"), ("said", "O"), ("Algeria", "B-GPE")]


def test_a_span_on_whitespace_alone_is_counted_as_such_not_as_nested() -> None:
    """A claim on the two spaces between sentences (valid, with a warning) covers no token:
    it is left out, and said to be on whitespace, not inside another span."""
    seed = seed_of("blank-span", "Mali spoke.  Algeria lied.")
    claims = [{"id": "c1", "start": 11, "end": 13, "text": "  ", "type": "fact",
               "claimant": None}]
    layer = to_layer(seed, "ann", {"mentions": [], "claims": claims, "stances": []})
    files, counts = to_conll([(seed, layer)])
    [side] = [json.loads(line) for line in files[NAMES["documents"]].splitlines()]
    assert side["claims"] == {"total": 1, "nested": 0, "blank": 1, "trimmed": 0,
                              "widened": 0, "joined": 0}
    assert counts["claims left out of corpus.claims.conll (on whitespace alone, no token)"] == 1
    assert not counts["claims left out of corpus.claims.conll (nested or overlapping)"]


def test_nested_spans_are_counted_in_the_side_file_and_the_summary() -> None:
    seed, layer = CASES[GOLD_CASE]
    files, counts = to_conll([(seed, layer)])
    _, tagged = tag_document(seed, layer)
    nested = len(tagged["mentions"].nested)
    assert nested > 0  # the seed has mentions inside mentions
    assert counts["mentions left out of corpus.conll (nested or overlapping)"] == nested
    side = json.loads(files[NAMES["documents"]])
    assert (side["mentions"]["total"], side["mentions"]["nested"]) == (62, nested)
    assert side["claims"] == {"total": 15, "nested": 0, "blank": 0, "trimmed": 0,
                              "widened": 0, "joined": 0}


def test_no_counts_when_nothing_is_lost() -> None:
    seed, layer = CASES["hand-built/A"]
    assert to_conll([(seed, layer)])[1] == Counter()


def test_the_export_command_writes_the_three_files(corpus: Path, tmp_path: Path) -> None:
    from claimstance.interchange.export import export

    result = export("conll", tmp_path / "out", root=corpus)
    assert sorted(result.files) == sorted([*NAMES.values(), ".claimstance-export.json"])
    files, _ = to_conll([CASES[GOLD_CASE]])
    for name, text in files.items():
        assert (tmp_path / "out" / name).read_text("utf-8") == text
