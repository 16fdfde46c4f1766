"""doccano's own import pipeline (doccano 1.8.4, in its own virtualenv) on our exports.

Every layer of the corpus and of the fixtures is exported alone (short files are where
doccano's encoding guess goes wrong: the fixtures hold a flag, a ZWJ emoji, precomposed and
combining accents, a tab, a form feed, a no-break space and spans across line breaks), and
the corpus once through `claimstance export`. Each file goes through the code doccano's
upload runs, into a "Sequence labeling" project with relation labeling and overlapping spans
on and grapheme counting off (tests/doccano_harness.py). The test checks every span,
relation and entity link doccano stored, then imports doccano's own export of the project
back and gets the same layer (the layer with the same mention twice goes first, so that
doccano numbers its entities from 1, as a new doccano does, and our ids name others). The
last tests record what doccano does otherwise, as README says: a UTF-8 file misread by its
encoding guess, overlapping spans off, grapheme counting on.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from claimstance.corpus.annotation import canonicalize
from claimstance.interchange.common import to_layer
from claimstance.interchange.doccano import from_doccano, to_doccano, to_jsonl
from claimstance.interchange.export import export

from .conftest import REPO, copy_corpus, missing
from .interchange_cases import CASES, TWO_MALIS

HARNESS = Path(__file__).with_name("doccano_harness.py")
CORPUS_EXPORT = "claimstance export of the corpus"
#: doccano's encoding guess, and the project options README asks for
RUN: dict[str, Any] = {"encoding": "Auto", "overlap": True, "grapheme": False}
OBSERVED: dict[str, tuple[str, dict[str, Any]]] = {  # what README says doccano does otherwise
    "utf-8 file: special-text": ("special-text/ann-s", {}),
    "utf-8 file: emoji-text": ("emoji-text/ann-e", {}),
    "no overlapping spans": (CORPUS_EXPORT, {"overlap": False}),
    "grapheme counting": ("special-text/ann-s", {"grapheme": True}),
    "upload form's utf_8": (CORPUS_EXPORT, {"encoding": "utf_8"}),
}


@pytest.fixture(scope="session")
def doccano(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each export imported by doccano: run name -> what doccano stored and exported (and
    the records we wrote)."""
    from .doccano_venv import ensure_venv

    try:
        python = ensure_venv(quiet=True)  # created once, as .ci/run does (a few minutes)
    except (OSError, subprocess.CalledProcessError, RuntimeError) as e:
        missing("doccano's virtualenv", f"python -m tests.doccano_venv ({e})")
    work = tmp_path_factory.mktemp("doccano")
    files: dict[str, Path] = {}
    for name in [TWO_MALIS, *sorted(set(CASES) - {TWO_MALIS})]:  # first: doccano's ids from 1
        files[name] = work / f"case-{len(files)}.jsonl"
        files[name].write_bytes(to_jsonl(to_doccano(*CASES[name])))
    corpus = copy_corpus(work / "corpus")
    export("doccano", work / "export", root=corpus)
    files[CORPUS_EXPORT] = work / "export" / "corpus.jsonl"
    runs = {name: {"file": str(path), **RUN} for name, path in files.items()}
    for name, (source, options) in OBSERVED.items():
        path = files[source]
        if name.startswith("utf-8 file"):  # the same records, written as UTF-8
            path = work / f"utf8-{len(runs)}.jsonl"
            path.write_bytes(json.dumps(to_doccano(*CASES[source]), ensure_ascii=False)
                             .encode("utf-8") + b"\n")
        runs[name] = {"file": str(path), **RUN, **options}
    spec = work / "runs.json"
    spec.write_text(json.dumps(list(runs.values())), "utf-8")
    res = subprocess.run([str(python), str(HARNESS), str(work / "doccano"), str(spec)],
                         capture_output=True, text=True, timeout=600, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    results = dict(zip(runs, json.loads(res.stdout), strict=True))
    for name, path in files.items():
        results[name]["records"] = [json.loads(line) for line in
                                    path.read_text("utf-8").splitlines()]
    return results


def _span_key(x: dict[str, Any]) -> tuple[int, int, str]:
    return x["start_offset"], x["end_offset"], x["label"]


def assert_stored_as_written(result: dict[str, Any]) -> None:
    """Every record became an example with its text and metadata, every entity a span,
    every relation a relation between the same spans, every entity link kept."""
    assert "exception" not in result and result["errors"] == []
    records, examples = result["records"], result["examples"]
    assert len(examples) == len(records)
    for record, ex in zip(records, examples, strict=True):
        assert ex["text"] == record["text"]
        meta = {k: v for k, v in record.items() if k not in ("text", "entities", "relations")}
        assert ex["meta"] == meta  # doc_id, sha256, annotator, offset_units, entity_links
        assert Counter((s["start"], s["end"], s["label"]) for s in ex["spans"]) == Counter(
            _span_key(e) for e in record["entities"])
        ours = {e["id"]: _span_key(e) for e in record["entities"]}
        theirs = {s["id"]: (s["start"], s["end"], s["label"]) for s in ex["spans"]}
        assert Counter((theirs[r["from"]], theirs[r["to"]], r["type"])
                       for r in ex["relations"]) == Counter(
            (ours[r["from_id"]], ours[r["to_id"]], r["type"]) for r in record["relations"])
        for link in record.get("entity_links", []):
            assert _span_key(link) in theirs.values()


@pytest.mark.parametrize("name", [*sorted(CASES), CORPUS_EXPORT])
def test_doccano_stores_every_span_relation_and_link(name: str,
                                                     doccano: dict[str, Any]) -> None:
    assert_stored_as_written(doccano[name])


@pytest.mark.parametrize("name", [*sorted(CASES), CORPUS_EXPORT])
def test_doccanos_own_export_imports_back_as_the_same_layer(
        name: str, doccano: dict[str, Any]) -> None:
    result = doccano[name]
    exported = result["export"]
    assert len(exported) == len(result["records"])
    for theirs, ours in zip(exported, result["records"], strict=True):
        if name == CORPUS_EXPORT:
            seed = json.loads((REPO / "seeds" / f"{ours['doc_id']}.json").read_text("utf-8"))
            layer = json.loads((REPO / "annotations" / ours["doc_id"] / "gold.json")
                               .read_text("utf-8"))
        else:
            seed, layer = CASES[name]
        assert theirs["offset_units"] == "utf-16"
        items, problems = from_doccano(json.loads(json.dumps(theirs)), seed)
        assert problems == []
        back = to_layer(seed, layer["annotator"], items, layer["provenance"])
        assert back == canonicalize(layer)


def test_the_upload_forms_encoding_stores_the_same(doccano: dict[str, Any]) -> None:
    result = doccano["upload form's utf_8"]
    assert_stored_as_written(result | {"records": doccano[CORPUS_EXPORT]["records"]})


def test_observed_a_short_utf8_file_is_misread_by_doccanos_encoding_guess(
        doccano: dict[str, Any]) -> None:
    """Why the export is ASCII: the same records in UTF-8 fail or turn into mojibake."""
    failed = doccano["utf-8 file: special-text"]
    assert failed["exception"].startswith("UnicodeDecodeError") and not failed["examples"]
    [mojibake] = doccano["utf-8 file: emoji-text"]["examples"]
    text = CASES["emoji-text/ann-e"][0]["text"]
    assert mojibake["text"] != text and mojibake["text"].startswith("Mali \u00f0\u0178")


def test_observed_without_overlapping_spans_doccano_drops_spans_then_fails(
        doccano: dict[str, Any]) -> None:
    result = doccano["no overlapping spans"]
    [example] = result["examples"]
    [record] = doccano[CORPUS_EXPORT]["records"]
    assert len(example["spans"]) == 56 < len(record["entities"]) == 77
    assert result["exception"].startswith("KeyError") and example["relations"] == []


def test_observed_grapheme_counting_stores_the_same_offsets(doccano: dict[str, Any]) -> None:
    """doccano stores the offsets the file gives whatever the project counts; a project
    counting graphemes shows them shifted after a flag, a ZWJ emoji or a combining accent."""
    def content(ex: dict[str, Any]) -> tuple[Any, ...]:
        return ex["text"], ex["meta"], [(s["start"], s["end"], s["label"]) for s in ex["spans"]]

    grapheme = doccano["grapheme counting"]["examples"]
    assert [content(e) for e in grapheme] == [
        content(e) for e in doccano["special-text/ann-s"]["examples"]]
