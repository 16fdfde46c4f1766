"""Model suggestions: a predictions file (the evaluation's format and strict reader) turned
into layer-shaped items (what `ls push --predictions` shows annotators), and
`agree --against predictions` (how much of them the annotators kept). The Label Studio side
is in test_ls_ui.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from claimstance.corpus.layout import Corpus
from claimstance.labelstudio.convert import results_of
from claimstance.labelstudio.suggestions import from_gold
from claimstance.problems import Refused
from claimstance.validation.predictions import prediction_layers

DOC = "mali-accuses-algeria-downed-drone"


def _gold(corpus: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((corpus / "annotations" / DOC / "gold.json").read_text())
    return data


def _prediction(gold: dict[str, Any]) -> dict[str, Any]:
    """Gold as a system would predict it: own ids, no texts, holders given as spans."""
    spans = {m["id"]: {"start": m["start"], "end": m["end"]} for m in gold["mentions"]}
    return {
        "doc_id": DOC,
        "mentions": [{"id": f"x{m['id']}", "start": m["start"], "end": m["end"],
                      "type": m["type"]} for m in gold["mentions"]],
        "claims": [{"id": f"x{c['id']}", "start": c["start"], "end": c["end"],
                    "type": c["type"], "claimant": f"x{c['claimant']}" if c["claimant"]
                    else None} for c in gold["claims"]],
        "stances": [{"holder": spans[s["holder"]], "claim": f"x{s['claim']}",
                     "label": s["label"]} for s in gold["stances"]],
    }


def test_a_prediction_reads_as_the_layer_it_describes(corpus: Path, tmp_path: Path) -> None:
    gold = _gold(corpus)
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(_prediction(gold)) + "\n\n")
    layers, implicit = prediction_layers(Corpus.at(corpus), path)
    assert implicit == 0
    got = layers[DOC]
    for key in ("mentions", "claims", "stances"):
        assert got[key] == [{k: v for k, v in x.items() if k != "entity"} for x in gold[key]]
    # gold pushed as suggestions gives the same Label Studio results as the file
    assert results_of(got) == results_of(from_gold(Corpus.at(corpus)).layers[DOC] | {
        "mentions": [{k: v for k, v in m.items() if k != "entity"}
                     for m in gold["mentions"]]})


def test_a_claimant_named_only_by_a_span_is_left_out_and_counted(corpus: Path,
                                                                 tmp_path: Path) -> None:
    gold = _gold(corpus)
    line = _prediction(gold)
    line["claims"][0]["claimant"] = {"start": 0, "end": 6}  # "BAMAKO", not a predicted mention
    line["mentions"] = [m for m in line["mentions"] if (m["start"], m["end"]) != (0, 6)]
    line["claims"] = [c | {"claimant": None} if c["claimant"] == "xm1" else c
                      for c in line["claims"]]
    line["stances"] = [s for s in line["stances"] if s["holder"] != {"start": 0, "end": 6}]
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(line) + "\n")
    layers, implicit = prediction_layers(Corpus.at(corpus), path)
    assert implicit == 1 and layers[DOC]["claims"][0]["claimant"] is None


def test_bad_predictions_are_refused_with_their_lines(corpus: Path, tmp_path: Path) -> None:
    gold = _gold(corpus)
    good = _prediction(gold)
    bad = good | {"mentions": [dict(good["mentions"][0], type="CITY"), *good["mentions"][1:]]}
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(bad) + "\n{not json\n")
    with pytest.raises(Refused) as e:
        prediction_layers(Corpus.at(corpus), path)
    assert {(p.line, p.code.value) for p in e.value.problems} >= {(1, "unknown-label"),
                                                                  (2, "invalid-json")}
    out = subprocess.run([sys.executable, "-m", "claimstance", "agree", "--against",
                          "predictions", "--predictions", str(path)], cwd=corpus,
                         capture_output=True, text=True)
    assert out.returncode == 1 and "unknown-label" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_unknown_document_is_one_not_in_the_corpus(corpus: Path, tmp_path: Path) -> None:
    """Predictions read as layers name documents of the corpus, not of a gold to score."""
    path = tmp_path / "p.jsonl"
    path.write_text('{"doc_id": "no-such-document"}\n')
    with pytest.raises(Refused) as e:
        prediction_layers(Corpus.at(corpus), path)
    [p] = e.value.problems
    assert (p.code.value, p.pointer) == ("document-not-found", "/doc_id")
    assert p.message == ("no document 'no-such-document' in the corpus "
                         "(no seeds/<doc_id>.json); check the id")


def test_agree_against_predictions_says_what_annotators_changed(corpus: Path,
                                                                tmp_path: Path) -> None:
    gold = _gold(corpus)
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(_prediction(gold)) + "\n")
    layer = json.loads(json.dumps(gold)) | {"annotator": "a0123456789", "status": "submitted"}
    layer["mentions"][0]["type"] = "ORG" if layer["mentions"][0]["type"] != "ORG" else "GPE"
    (corpus / "annotations" / DOC / "a0123456789.json").write_text(
        json.dumps(layer, ensure_ascii=False, indent=2) + "\n")
    out = subprocess.run([sys.executable, "-m", "claimstance", "agree", "--against",
                          "predictions", "--predictions", str(path), "--format", "json"],
                         cwd=corpus, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    (pair,) = report["pairs"]
    assert pair["annotators"] == ["predictions", "a0123456789"]
    assert pair["mention_spans"]["exact"]["f1"] == 1.0  # every suggested span kept ...
    assert pair["mention_type"]["observed_agreement"] < 1.0  # ... one type changed
    assert pair["claim_spans"]["exact"]["f1"] == 1.0
    text = subprocess.run([sys.executable, "-m", "claimstance", "agree", "--against",
                           "predictions", "--predictions", str(path)], cwd=corpus,
                          capture_output=True, text=True).stdout
    assert "kept the predictions" in text and "predictions vs a0123456789" in text
    usage = subprocess.run([sys.executable, "-m", "claimstance", "agree", "--against",
                            "predictions"], cwd=corpus, capture_output=True, text=True)
    assert usage.returncode == 2
