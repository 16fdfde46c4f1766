"""spaCy DocBin: spaCy itself loads it, every span keeps the layer's offsets and text."""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, DocBin

from claimstance.corpus.segmentation import segment
from claimstance.interchange.spacy_docbin import to_docbin, words

from .conftest import REPO
from .interchange_cases import CASES


def load(data: bytes, tmp_path: Path) -> list[Doc]:
    path = tmp_path / "corpus.spacy"
    path.write_bytes(data)
    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


@pytest.mark.parametrize("case", CASES)
def test_spans_keep_the_layers_offsets(case: str, tmp_path: Path) -> None:
    seed, layer = CASES[case]
    data, _ = to_docbin([(seed, layer)])
    [doc] = load(data, tmp_path)
    assert doc.text == seed["text"]
    for key in ("mentions", "claims"):
        got = [(s.start_char, s.end_char, s.text, s.label_, s.id_) for s in doc.spans[key]]
        assert got == [(x["start"], x["end"], x["text"], x["type"], x["id"]) for x in layer[key]]
    assert [s.kb_id_ for s in doc.spans["mentions"]] == [
        m.get("entity", "") for m in layer["mentions"]]
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    assert set(ents) <= {(m["start"], m["end"], m["type"]) for m in layer["mentions"]}
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ents))
    by_id = {x["id"]: (x["start"], x["end"]) for x in [*layer["mentions"], *layer["claims"]]}
    assert doc.user_data["doc_id"] == seed["id"]
    assert doc.user_data["claimants"] == tuple(
        {"claim": by_id[c["id"]], "claimant": by_id[c["claimant"]]}
        for c in layer["claims"] if c["claimant"])
    assert doc.user_data["stances"] == tuple(
        {"holder": by_id[s["holder"]], "claim": by_id[s["claim"]], "label": s["label"]}
        for s in layer["stances"])


@pytest.mark.parametrize("case", CASES)
def test_sentences_are_the_corpus_segmentation(case: str, tmp_path: Path) -> None:
    seed, layer = CASES[case]
    [doc] = load(to_docbin([(seed, layer)])[0], tmp_path)
    starts = [s.start_char for s in doc.sents]
    assert starts == [a for a, _ in segment(seed["text"]).sentences]


def test_many_documents_and_the_ents_left_out(tmp_path: Path) -> None:
    cases = [CASES[k] for k in sorted(CASES)]
    data, counts = to_docbin(cases)
    docs = load(data, tmp_path)
    assert [d.user_data["annotator"] for d in docs] == [lay["annotator"] for _, lay in cases]
    left = sum(len(d.spans["mentions"]) - len(d.ents) for d in docs)
    assert counts == {"mentions left out of doc.ents (nested or overlapping)": left} and left > 0


def test_tokens_are_cut_at_span_boundaries() -> None:
    text = "Mali-Algeria border. Algerian  drones"
    seg = segment(text)
    ws, sp, _ = words(text, seg.tokens, {21, 30}, {26, 37}, {0})
    assert "".join(w + " " * s for w, s in zip(ws, sp, strict=True)) == text
    assert "Alger" in ws and "ian" in ws and ws[ws.index("ian") + 1] == " "


def test_spans_that_start_or_end_on_a_space(tmp_path: Path) -> None:
    seed, layer = CASES["hand-built/A"]
    text = seed["text"]  # "Mali accused Algeria of lying. ..."
    odd = dict(layer, mentions=[
        {"id": "m1", "start": 0, "end": 5, "text": text[0:5], "type": "GPE"},
        {"id": "m2", "start": 4, "end": 12, "text": text[4:12], "type": "GROUP"}],
        claims=[], stances=[])
    [doc] = load(to_docbin([(seed, odd)])[0], tmp_path)
    assert [(s.start_char, s.end_char, s.text) for s in doc.spans["mentions"]] == [
        (0, 5, "Mali "), (4, 12, " accused")]
    assert doc.text == text


def test_the_bytes_do_not_depend_on_the_hash_seed() -> None:
    code = ("import hashlib; from tests.interchange_cases import CASES;"
            "from claimstance.interchange.spacy_docbin import to_docbin;"
            "print(hashlib.sha256(to_docbin(CASES[k] for k in sorted(CASES))[0]).hexdigest())")
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}
    digests = {subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                              text=True, cwd=REPO, env=env | {"PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    local = hashlib.sha256(to_docbin(CASES[k] for k in sorted(CASES))[0]).hexdigest()
    assert digests == {local + "\n"}
