"""CoNLL: BIO columns decode to the spans kept, nested ones are counted, tokens are the
corpus's one segmentation."""

from __future__ import annotations

from collections import Counter

import pytest

from claimstance.corpus.segmentation import SPACY_VERSION, decode_bio, segment, segmenter_version
from claimstance.interchange.conll import COLUMNS, DOCSTART, read_conll, tag_document, to_conll

from .interchange_cases import CASES, GOLD_CASE


def test_spacy_is_the_pinned_version() -> None:
    assert segmenter_version().startswith(f"spacy-{SPACY_VERSION}+")


@pytest.mark.parametrize("case", CASES)
def test_bio_columns_decode_to_the_non_nested_spans(case: str) -> None:
    seed, layer = CASES[case]
    text, counts = to_conll([(seed, layer)])
    [doc] = read_conll(text)
    assert (doc.doc_id, doc.annotator) == (seed["id"], layer["annotator"])
    seg = segment(seed["text"])
    rows = doc.rows()
    assert [r[0] for r in rows] == [seed["text"][a:b] for a, b in seg.tokens]
    _, tagged = tag_document(seed, layer)
    for column, key in ((1, "mentions"), (2, "claims")):
        t = tagged[key]
        decoded = decode_bio(seg.tokens, [r[column] for r in rows])
        spans = {(x["start"], x["end"], x["type"]) for x in layer[key]}
        assert len(t.kept) + len(t.nested) == len(layer[key])  # nothing dropped silently
        assert set(t.kept) | set(t.nested) == spans
        if not t.misaligned:
            assert decoded == t.kept  # the same spans, at the layer's own offsets
        else:  # a span on whitespace or inside a word tags whole tokens, and is counted
            assert len(decoded) == len(t.kept)
            assert counts[f"{key} widened to whole tokens in {COLUMNS[column]}"] == len(
                t.misaligned)


def test_a_span_inside_a_word_is_widened_and_counted() -> None:
    key = "invalid/span-inside-word/inside-a-word/tiny-doc/a11ce000000"
    seed, layer = CASES[key]
    text, counts = to_conll([(seed, layer)])
    assert counts["mentions widened to whole tokens in MENTION_BIO"] == 1
    assert "1 widened to whole tokens" in text


def test_nested_spans_are_counted_in_the_file_and_the_summary() -> None:
    seed, layer = CASES[GOLD_CASE]
    text, counts = to_conll([(seed, layer)])
    _, tagged = tag_document(seed, layer)
    nested = len(tagged["mentions"].nested)
    assert nested > 0  # the seed has mentions inside mentions
    assert counts["mentions left out of MENTION_BIO (nested or overlapping)"] == nested
    assert (f"# mentions = 62 ({62 - nested} in MENTION_BIO; {nested} nested or overlapping, "
            "left out)") in text
    assert "# claims = 15 (15 in CLAIM_BIO)" in text


def test_documents_sentences_and_determinism() -> None:
    cases = [CASES[k] for k in sorted(CASES)]
    text, counts = to_conll(cases)
    assert text.count(DOCSTART + "\n\n# doc_id = ") == len(cases)
    assert text.startswith(f"# global.columns = {' '.join(COLUMNS)}\n# segmenter = ")
    assert to_conll(cases) == (text, counts)
    docs = read_conll(text)
    for doc, (seed, _) in zip(docs, cases, strict=True):
        assert len(doc.sentences) == sum(
            1 for k in range(len(segment(seed["text"]).sentences))
            if segment(seed["text"]).tokens_in(k)[0] < segment(seed["text"]).tokens_in(k)[1])
    assert all(len(line.split("\t")) == 3 for line in text.splitlines() if "\t" in line)
    assert not any("\t" in line for line in text.splitlines() if line.startswith("# "))


def test_a_claim_across_sentences_keeps_one_span() -> None:
    seed, layer = CASES["emoji-text/ann-e"]
    text, _ = to_conll([(seed, layer)])
    [doc] = read_conll(text)
    assert len(doc.sentences) == 3
    assert doc.sentences[1][0][2] == "I-fact"  # the fact runs on past the line break
    assert ("🇲🇱", "B-GPE", "I-fact") in doc.sentences[0]  # the flag is one token


def test_no_counts_when_nothing_is_lost() -> None:
    seed, layer = CASES["hand-built/A"]
    assert to_conll([(seed, layer)])[1] == Counter()
