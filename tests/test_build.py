"""The built folder, loaded with the real `datasets.load_dataset`."""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import datasets
import pytest

from claimstance.corpus.splits import split_of
from claimstance.dataset.build import build
from claimstance.dataset.features import CONFIGS
from claimstance.problems import Refused

from .conftest import REPO, copy_corpus
from .layers import as_annotator

DOC = "mali-accuses-algeria-downed-drone"


def load(path: Path, config: str | None = None, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # progress-bar and cache chatter is not our concern
        return datasets.load_dataset(str(path), config, cache_dir=str(path.parent / "hf-cache"),
                                     **kw)


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "dist"
    build(copy_corpus(out.with_name("corpus")), out)  # a copy: a build locks its corpus
    return out


def test_every_config_loads_and_spans_slice(built: Path) -> None:
    docs = load(built)
    (split,) = docs.keys()
    assert split == split_of("mali-accuses-algeria-downed-drone")
    texts = {d["id"]: d["text"] for d in docs[split]}
    gold = json.loads((REPO / "annotations/mali-accuses-algeria-downed-drone/gold.json")
                      .read_text(encoding="utf-8"))
    for config in ("mentions", "claims"):
        ds = load(built, config)[split]
        assert len(ds) == len(gold[config])
        for row in ds:
            assert texts[row["doc_id"]][row["start"]:row["end"]] == row["text"]
    doc = docs[split][0]
    for m in doc["mentions"] + doc["claims"]:
        assert doc["text"][m["start"]:m["end"]] == m["text"]
    stances = load(built, "stances")[split]
    assert len(stances) == len(gold["stances"])
    names = stances.features["label"].names
    assert [names[r["label"]] for r in stances] == [s["label"] for s in gold["stances"]]
    mtype = docs[split].features["mentions"].feature["type"]
    assert [mtype.names[m["type"]] for m in doc["mentions"]] == [
        m["type"] for m in gold["mentions"]]


def test_all_four_configs_declared(built: Path) -> None:
    card = (built / "README.md").read_text(encoding="utf-8")
    for c in CONFIGS:
        assert f"config_name: {c}" in card
        assert any((built / "data" / c).glob("*.parquet"))
    assert "license: unknown" in card


def test_build_is_byte_identical(built: Path, tmp_path: Path) -> None:
    again = tmp_path / "dist"
    build(copy_corpus(tmp_path / "corpus"), again)
    assert hashes(again) == hashes(built)


def test_refuses_invalid_corpus_and_keeps_previous_output(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build(corpus, out)
    before = hashes(out)
    gold = next((corpus / "annotations").glob("*/gold.json"))
    gold.write_text(gold.read_text(encoding="utf-8").replace('"GPE"', '"COUNTRY"', 1),
                    encoding="utf-8")
    with pytest.raises(Refused) as e:
        build(corpus, out)
    assert e.value.report is not None and e.value.report.errors == 1
    assert hashes(out) == before


def test_refuses_to_replace_a_foreign_folder(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(Refused):
        build(corpus, out)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_documents_without_gold_are_excluded(corpus: Path, tmp_path: Path) -> None:
    for gold in (corpus / "annotations").glob("*/gold.json"):
        gold.unlink()
    result = build(corpus, tmp_path / "dist")
    assert result.documents == 0
    assert result.excluded == ["mali-accuses-algeria-downed-drone"]


def test_columnar_tables_equal_the_row_reference(corpus: Path) -> None:
    """columns.Columns (fast) and rows.rows + from_pylist (the spec) give equal tables."""
    import orjson
    import pyarrow as pa

    from claimstance.corpus.segmentation import segment
    from claimstance.dataset.columns import Columns
    from claimstance.dataset.features import CONFIGS, LabelIndex, arrow_schema
    from claimstance.dataset.tokens import BioCounts

    from .reference_rows import rows

    sys.path.insert(0, str(REPO / "benchmarks"))
    import synth

    ix = LabelIndex()
    seed = orjson.loads((corpus / "seeds" / f"{DOC}.json").read_bytes())
    gold = orjson.loads((corpus / "annotations" / DOC / "gold.json").read_bytes())
    docs = [(seed, gold), *(synth.document(k) for k in range(5))]
    cols = Columns(ix)
    want: dict[str, list[dict[str, object]]] = {c: [] for c in CONFIGS}
    bio = {"mentions": BioCounts(), "claims": BioCounts()}
    for doc, ann in docs:
        cols.add(doc, ann, segment(doc["text"]))
        for config, batch in rows(doc, ann, ix).items():
            want[config] += batch
    for config, table in cols.tables(bio).items():
        expected = pa.Table.from_pylist(want[config], schema=arrow_schema(config))
        assert table.equals(expected), config


def test_allow_single_takes_a_lone_layer_and_records_it(corpus: Path, tmp_path: Path) -> None:
    gold = corpus / "annotations" / DOC / "gold.json"
    as_annotator(gold, "a0000000501", replace=True)
    assert build(corpus, tmp_path / "strict").excluded == [DOC]
    result = build(corpus, tmp_path / "dist", allow_single=True)
    assert result.documents == 1 and result.single == [DOC] and not result.excluded
    ds = datasets.load_dataset(str(tmp_path / "dist"), cache_dir=str(tmp_path / "cache"))
    row = next(r for split in ds.values() for r in split)
    assert row["annotation_source"] == "single" and row["annotators"] == ["a0000000501"]
    card = (tmp_path / "dist" / "README.md").read_text(encoding="utf-8")
    assert "1 from a single annotator's layer" in card
    manifest = json.loads((tmp_path / "dist" / "manifest.json").read_text())
    assert manifest["single"] == [DOC]


def test_card_reports_agreement_computed_by_the_tool(corpus: Path, tmp_path: Path) -> None:
    from claimstance.quality.agreement import agreement

    gold = corpus / "annotations" / DOC / "gold.json"
    a = as_annotator(gold, "a000000000a")
    b = as_annotator(gold, "a000000000b")
    data = json.loads(b.read_text(encoding="utf-8"))
    data["mentions"][0]["type"] = "LOC"  # one disagreement
    b.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    build(corpus, tmp_path / "dist")
    card = (tmp_path / "dist" / "README.md").read_text(encoding="utf-8")
    layers = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (a, b)}
    text = json.loads((corpus / "seeds" / f"{DOC}.json").read_text(encoding="utf-8"))["text"]
    want = agreement([(DOC, layers)], {DOC: len(text)}).to_dict()["corpus"]["mention_type"]
    assert "## Annotation and agreement" in card
    assert f"| mention type, alpha | {want['alpha']:.3f} ({want['items']}) |" in card
    assert "| mention spans, exact F1 | 1.000 (124) |" in card


def test_card_says_when_no_agreement_can_be_reported(corpus: Path, tmp_path: Path) -> None:
    build(corpus, tmp_path / "dist")
    card = (tmp_path / "dist" / "README.md").read_text(encoding="utf-8")
    assert "no inter-annotator agreement can be reported" in card


def test_card_figures_from_tables_equal_the_stats_command(tmp_path: Path) -> None:
    """The build counts labels and lengths with Arrow; `claimstance stats` in Python."""
    from claimstance.dataset.stats import corpus_stats

    sys.path.insert(0, str(REPO / "benchmarks"))
    import synth

    synth.write(300, tmp_path / "c", mix="valid")  # warnings, several annotators
    result = build(tmp_path / "c", tmp_path / "dist")
    want = corpus_stats(tmp_path / "c")
    assert result.stats["gold"] == want["gold"]
    assert result.stats["per_annotator"] == want["per_annotator"]


def test_card_has_the_human_row_when_two_annotators_made_the_gold(corpus: Path,
                                                                  tmp_path: Path) -> None:
    """Annotators scored against the gold they were adjudicated into, by the scorer."""
    from claimstance.corpus.items import from_layer
    from claimstance.corpus.segmentation import segment
    from claimstance.quality.scoring import figures, tally, total

    gold = corpus / "annotations" / DOC / "gold.json"
    a = as_annotator(gold, "a000000000a")
    b = as_annotator(gold, "a000000000b")
    data = json.loads(b.read_text(encoding="utf-8"))
    data["stances"] = data["stances"][1:]  # b forgot a stance
    b.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    result = build(corpus, tmp_path / "dist")
    card = (tmp_path / "dist" / "README.md").read_text(encoding="utf-8")
    assert "| figure | baseline | annotators vs gold (2 layers, 1 documents) |" in card
    text = json.loads((corpus / "seeds" / f"{DOC}.json").read_text(encoding="utf-8"))["text"]
    g = from_layer(json.loads(gold.read_text(encoding="utf-8")))
    want = figures(total(tally(g, from_layer(json.loads(p.read_text(encoding="utf-8"))),
                               segment(text).tokens) for p in (a, b)), 1).stance_triples
    assert (want.tp, want.pred, want.gold) == (9, 9, 10)
    assert f"({want.tp} of {want.pred} predicted, {want.gold} gold) |" in card
    assert result.human.layers == {"validation": 2}
