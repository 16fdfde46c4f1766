"""Sentences tile the text, tokens never split a character, BIO gives back what it holds."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from claimstance.corpus.document import is_grapheme_boundary
from claimstance.corpus.schema import mention_types
from claimstance.corpus.segmentation import bio_names, decode_bio, encode_bio, segment

from .conftest import REPO

DOC = "mali-accuses-algeria-downed-drone"
WORDS = ["Mali", "said", "Algeria", "“lied”", "(AES)", "🇲🇱", "😞", "e\u0301", "U.S.", "2km.",
         "—", ".", "?", "\n", "\n\n", " ", "  ", '"Go."', "'", "Zürich", "don't"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join).map(str.strip))
def test_sentences_tile_and_tokens_respect_characters(text: str) -> None:
    seg = segment(text)
    if not text:
        assert seg.sentences == [] and seg.tokens == []
        return
    assert seg.sentences[0][0] == 0 and seg.sentences[-1][1] == len(text)
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(seg.sentences, seg.sentences[1:],
                                                             strict=False))
    assert all(not text[a].isspace() for a, _ in seg.sentences)
    for a, b in seg.tokens:
        assert text[a:b].strip() == text[a:b] != ""
        assert is_grapheme_boundary(text, a) and is_grapheme_boundary(text, b)
    assert seg.tokens == sorted(seg.tokens)
    for k, (a, _) in enumerate(seg.sentences):
        assert seg.sentence_of(a) == k


def test_gold_mentions_round_trip_through_bio_except_the_nested() -> None:
    text = json.loads((REPO / "seeds" / f"{DOC}.json").read_text())["text"]
    gold = json.loads((REPO / "annotations" / DOC / "gold.json").read_text())
    seg = segment(text)
    spans = [(m["start"], m["end"], m["type"]) for m in gold["mentions"]]
    tagged = encode_bio(seg.tokens, spans, mention_types())
    assert len(tagged.kept) + len(tagged.nested) == len(spans)
    assert tagged.nested, "the seed has mentions inside mentions"
    assert decode_bio(seg.tokens, tagged.tags) == tagged.kept == sorted(
        set(spans) - set(tagged.nested))
    assert set(tagged.tags) <= set(bio_names(mention_types()))
