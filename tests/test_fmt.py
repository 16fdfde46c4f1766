"""`claimstance fmt`: canonical order, and never a rewrite of a file it cannot read strictly."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from claimstance.cli import main

from .conftest import REPO

GOLD = REPO / "annotations" / "mali-accuses-algeria-downed-drone" / "gold.json"


def test_reorders_and_renumbers(tmp_path: Path) -> None:
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    data["mentions"].reverse()
    layer = tmp_path / "layer.json"
    layer.write_text(json.dumps(data, indent=4), encoding="utf-8")
    res = CliRunner().invoke(main, ["fmt", "--check", str(layer)])
    assert res.exit_code == 1 and "would reformat" in res.output
    res = CliRunner().invoke(main, ["fmt", str(layer)])
    assert res.exit_code == 0, res.output
    assert layer.read_bytes() == GOLD.read_bytes()
    assert CliRunner().invoke(main, ["fmt", "--check", str(layer)]).exit_code == 0


def test_a_duplicated_key_is_refused_and_the_file_left_alone(tmp_path: Path) -> None:
    text = GOLD.read_text(encoding="utf-8").replace('"status": "gold",',
                                                    '"status": "gold",\n  "status": "x",', 1)
    layer = tmp_path / "layer.json"
    layer.write_text(text, encoding="utf-8")
    before = layer.read_bytes()
    res = CliRunner().invoke(main, ["fmt", str(layer), "--format", "json"])
    assert res.exit_code == 1
    out = json.loads(res.output)
    assert out["refused"] == [str(layer)]
    assert [(p["code"], p["pointer"]) for p in out["problems"]] == [("duplicate-key",
                                                                      "/status")]
    assert layer.read_bytes() == before


def test_broken_json_and_wrong_shapes_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"mentions": [', encoding="utf-8")
    shape = tmp_path / "shape.json"
    shape.write_text('{"mentions": 5}\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["fmt", str(broken), str(shape)])
    assert res.exit_code == 1
    assert "invalid-json" in res.output and "missing-field" in res.output
    assert broken.read_text() == '{"mentions": ['
    assert shape.read_text() == '{"mentions": 5}\n'
    assert "Traceback" not in res.output


def test_canonicalize_orders_ids_of_other_tools_too() -> None:
    """Label Studio's random region ids are not numbered: ties sort after numbered ids, by
    their text, and a second pass changes nothing."""
    from claimstance.corpus.annotation import canonicalize, empty_provenance

    layer = {"schema_version": "1.0", "document": {"id": "x-doc", "sha256": "0" * 64},
             "annotator": "a", "status": "submitted", "provenance": empty_provenance(),
             "mentions": [{"id": "DJ9MX70Mvf", "start": 0, "end": 4, "text": "Mali",
                           "type": "GPE"},
                          {"id": "m3", "start": 0, "end": 4, "text": "Mali", "type": "GPE"},
                          {"id": "a1", "start": 0, "end": 4, "text": "Mali", "type": "GPE"}],
             "claims": [], "stances": []}
    once = canonicalize(layer)
    assert [m["id"] for m in once["mentions"]] == ["m1", "m2", "m3"]
    assert canonicalize(once) == once


def test_a_layer_that_would_grow_past_the_size_limit_is_refused(tmp_path: Path) -> None:
    """A compact layer just under validate's 5 MiB limit grows past it when indented: fmt
    must refuse it (fmt-would-be-invalid) and leave it as it was, not write a file that
    validate then refuses (it did: 4.7 MB in, 6.3 MB out, exit 0)."""
    import orjson

    from claimstance.validation.reader import MAX_BYTES
    from claimstance.validation.run import validate

    corpus = tmp_path / "corpus"
    (corpus / "seeds").mkdir(parents=True)
    doc = "mali-accuses-algeria-downed-drone"
    (corpus / "seeds" / f"{doc}.json").write_bytes((REPO / "seeds" / f"{doc}.json")
                                                  .read_bytes())
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    mentions = data["mentions"]
    data["mentions"] = [dict(mentions[i % len(mentions)], id=f"m{i + 1}")
                        for i in range(56_000)]
    data["mentions"].reverse()  # so that fmt has something to reorder
    raw = orjson.dumps(data)
    assert 4_500_000 < len(raw) < MAX_BYTES
    layer = corpus / "annotations" / doc / "gold.json"
    layer.parent.mkdir(parents=True)
    layer.write_bytes(raw)
    assert validate(corpus).errors == 0
    res = CliRunner().invoke(main, ["fmt", str(layer), "--format", "json"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    assert out["refused"] == [str(layer)] and out["changed"] == []
    assert [(p["code"], p["path"]) for p in out["problems"]] == [("fmt-would-be-invalid",
                                                                   str(layer))]
    assert layer.read_bytes() == raw
    assert CliRunner().invoke(main, ["fmt", "--check", str(layer)]).exit_code == 1
    assert validate(corpus).errors == 0
