"""Sentences and tokens in the built dataset: the `tokens` config loads with the real
`datasets.load_dataset`, its BIO tags decode to the gold spans, and the segmentation cache
changes nothing but time."""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import sqlite3
import sys
import warnings
from pathlib import Path
from typing import Any

import datasets
import pytest

from claimstance.corpus import cache, segments
from claimstance.corpus.segmentation import decode_bio, segment
from claimstance.dataset.build import build, group_size

from .conftest import CASES, REPO, copy_corpus

FIXTURE = CASES / "eval" / "corpus"


def copy_fixture(root: Path) -> Path:
    """A copy of the fixture corpus to build (a build takes the corpus's write lock: two
    workers building the checked-in folder at once would refuse each other)."""
    shutil.copytree(FIXTURE, root)
    return root


def load(path: Path, config: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return datasets.load_dataset(str(path), config, cache_dir=str(path.parent / "hf"))


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of this test's own (a build's workers inherit the environment)."""
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv(cache.NO_CACHE, raising=False)
    monkeypatch.setattr(cache, "_off", False)  # on in this process (tests/conftest.py)
    return home


def test_tokens_config_loads_and_its_tags_decode_to_the_gold_spans(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    result = build(copy_corpus(tmp_path / "corpus"), dist)
    doc_id = "mali-accuses-algeria-downed-drone"
    gold = json.loads((REPO / "annotations" / doc_id / "gold.json").read_text())
    text = json.loads((REPO / "seeds" / f"{doc_id}.json").read_text())["text"]
    (split,) = load(dist, "tokens").keys()
    rows = load(dist, "tokens")[split]
    doc = load(dist, "documents")[split][0]
    sentences = [(s["start"], s["end"]) for s in doc["sentences"]]
    assert sentences[0][0] == 0 and sentences[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(sentences))
    assert [r["sentence"] for r in rows] == list(range(len(sentences)))
    names = {k: rows.features[k].feature.names for k in ("mention_tags", "claim_tags")}
    decoded: dict[str, set[tuple[int, int, str]]] = {"mentions": set(), "claims": set()}
    for row, (a, b) in zip(rows, sentences, strict=True):
        offsets = [tuple(o) for o in row["offsets"]]
        assert all(a <= s < e <= b and text[s:e] == t
                   for (s, e), t in zip(offsets, row["tokens"], strict=True))
        for kind, column in (("mentions", "mention_tags"), ("claims", "claim_tags")):
            tags = [names[column][t] for t in row[column]]
            decoded[kind] |= set(decode_bio(offsets, tags))
    for kind in ("mentions", "claims"):
        spans = {(x["start"], x["end"], x["type"]) for x in gold[kind]}
        counts = result.bio[kind]
        assert decoded[kind] <= spans
        assert len(decoded[kind]) == counts["tagged"] == counts["spans"] - counts["nested"] \
            - counts["blank"] - counts["crossing"]
        for x in gold[kind]:  # every span left out is inside (or over) a tagged one
            if (x["start"], x["end"], x["type"]) not in decoded[kind]:
                assert any(s <= x["start"] < e or s < x["end"] <= e
                           for s, e, _ in decoded[kind]), x
    assert result.bio["mentions"]["nested"] == 8 and result.bio["claims"]["nested"] == 0
    for kind in ("mentions", "claims"):
        for item in doc[kind]:
            a, b = sentences[item["sentence"]]
            assert a <= item["start"] < b
    card = (dist / "README.md").read_text()
    assert "| mentions | 62 | 54 | 8 | 0 | 0 | 0 |" in card
    assert "## Evaluation" in card and "No figure here is meaningful yet" in card


def test_fixture_rows_by_hand(tmp_path: Path) -> None:
    """fx-bamako-border-9, sentence 1: "Officials in Bamako said the border would close, but
    Niger disputed this." GROUP over three tokens holds the nested GPE "Bamako" (untagged)."""
    dist = tmp_path / "dist"
    result = build(copy_fixture(tmp_path / "corpus"), dist)
    rows = load(dist, "tokens")["test"]
    f = rows.features
    row = next(r for r in rows if r["doc_id"] == "fx-bamako-border-9" and r["sentence"] == 1)
    assert row["tokens"] == ["Officials", "in", "Bamako", "said", "the", "border", "would",
                             "close", ",", "but", "Niger", "disputed", "this", "."]
    assert row["offsets"][:3] == [[43, 52], [53, 55], [56, 62]]
    mention_tags = [f["mention_tags"].feature.names[t] for t in row["mention_tags"]]
    assert mention_tags == ["B-GROUP", "I-GROUP", "I-GROUP", "O", "B-LOC", "I-LOC", "O", "O",
                            "O", "O", "B-GPE", "O", "O", "O"]
    claim_tags = [f["claim_tags"].feature.names[t] for t in row["claim_tags"]]
    assert claim_tags == ["O"] * 4 + ["B-intention"] + ["I-intention"] * 3 + ["O"] * 6
    assert result.bio["mentions"] == {"spans": 12, "tagged": 11, "nested": 1, "blank": 0,
                                      "crossing": 0, "misaligned": 0}
    docs = {d["id"]: d for d in load(dist, "documents")["test"]}
    assert [m["sentence"] for m in docs["fx-bamako-border-9"]["mentions"]] == [0, 0, 1, 1, 1, 1]
    assert [(s["start"], s["end"]) for s in docs["fx-niger-strike-1"]["sentences"]] == [
        (0, 41), (41, 87)]


def test_a_span_on_whitespace_alone_is_counted_as_blank_not_nested(tmp_path: Path) -> None:
    """The card counted a claim on the space between two sentences (valid, with a warning) as
    "nested or overlapping", which it is not; the CoNLL export counts it as on whitespace
    alone. Both now read one definition (segmentation.BioIds)."""
    from claimstance.corpus.segmentation import encode_bio

    root = tmp_path / "corpus"
    shutil.copytree(FIXTURE, root)
    path = root / "annotations" / "fx-niger-strike-1" / "gold.json"
    gold = json.loads(path.read_text())
    gold["claims"].append({"id": "c3", "start": 40, "end": 41, "text": " ", "type": "fact",
                           "claimant": None})
    path.write_text(json.dumps(gold))
    result = build(root, tmp_path / "dist")
    assert result.bio["claims"] == {"spans": 7, "tagged": 6, "nested": 0, "blank": 1,
                                    "crossing": 0, "misaligned": 0}
    card = (tmp_path / "dist" / "README.md").read_text()
    assert "| on whitespace alone, no token (not tagged) |" in card
    assert "| claims | 7 | 6 | 0 | 1 | 0 | 0 |" in card
    tagged = encode_bio([(39, 40), (41, 48)], [(40, 41, "fact")], ["fact"])
    assert (tagged.nested, tagged.blank) == ([], [(40, 41, "fact")])


def test_the_cache_changes_nothing_but_time(tmp_path: Path, cache_home: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import synth

    synth.write(600, tmp_path / "c", mix="valid")  # with teams of annotators: agreement too
    cold = build(tmp_path / "c", tmp_path / "cold", jobs=2)
    db = cache_home / "claimstance" / cache.FILE
    groups = -(-600 // group_size(600))
    with sqlite3.connect(db) as conn:  # each document's validation, work and segmentation
        assert conn.execute("SELECT count(*) FROM entries").fetchone() == (3 * 600 + groups,)
    warm = build(tmp_path / "c", tmp_path / "warm", jobs=2)
    monkeypatch.setenv(cache.NO_CACHE, "1")
    off = build(tmp_path / "c", tmp_path / "off", jobs=1)
    assert tree(tmp_path / "cold") == tree(tmp_path / "warm") == tree(tmp_path / "off")
    assert cold.bio == warm.bio == off.bio


def test_a_damaged_cache_entry_is_recomputed(cache_home: Path) -> None:
    text = "Mali said Algeria lied. Algeria denied it."
    want = segment(text)
    assert segments.segments(text) == want
    db = cache_home / "claimstance" / cache.FILE
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE entries SET value = ?", (b"\x07\x00",))
    assert segments.segments(text) == want
    assert segments.decode(segments.encode(want), len(text)) == want


def test_an_unusable_cache_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert segments.segments("One. Two.") == segment("One. Two.")
