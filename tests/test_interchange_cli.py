"""`claimstance export` and `import` end to end: every format exports the seed's gold,
byte-identically; brat and doccano come back as the same layer; OUT and the corpus are safe."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import spacy
from click.testing import CliRunner
from spacy.tokens import DocBin

from claimstance.cli import main
from claimstance.corpus.annotation import canonicalize
from claimstance.corpus.splits import SPLITS, split_of
from claimstance.dataset.build import build
from claimstance.interchange import EXPORT_FORMATS
from claimstance.interchange.brat import check_brat
from claimstance.interchange.export import MARKER

from .layers import as_annotator

DOC = "mali-accuses-algeria-downed-drone"
FILES = {"brat": [f"{DOC}.ann", f"{DOC}.txt", "annotation.conf", "tools.conf", "visual.conf"],
         "conll": ["corpus.conll", "corpus.claims.conll", "corpus.documents.jsonl"],
         "spacy": ["corpus-00000-of-00001.spacy"],
         "doccano": ["corpus.jsonl"], "newsclaims": ["corpus.json", "all_sents.json"]}


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(*args: str | Path) -> tuple[int, str]:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.output


def export(corpus: Path, fmt: str, out: Path, *more: str | Path) -> dict[str, Any]:
    code, output = cli("export", "--format", fmt, out, "--root", corpus, "--summary", "json",
                       *more)
    assert code == 0, output
    result: dict[str, Any] = json.loads(output)
    return result


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_format_exports_the_gold_byte_identically(fmt: str, corpus: Path,
                                                        tmp_path: Path) -> None:
    result = export(corpus, fmt, tmp_path / "a")
    assert result["documents"] == [DOC] and result["source"] == "gold"
    assert sorted(result["files"]) == sorted([*FILES[fmt], MARKER])
    assert sorted(tree(tmp_path / "a")) == sorted(result["files"])
    first = tree(tmp_path / "a")
    export(corpus, fmt, tmp_path / "a")  # again into the same folder: replaced, same bytes
    export(corpus, fmt, tmp_path / "b")
    assert tree(tmp_path / "a") == first == tree(tmp_path / "b")
    assert (tmp_path / "a").stat().st_mode & 0o055  # readable by others, like any folder


def test_spacy_loads_the_exported_file(corpus: Path, tmp_path: Path) -> None:
    export(corpus, "spacy", tmp_path / "out")
    [doc] = DocBin().from_disk(tmp_path / "out" / "corpus-00000-of-00001.spacy").get_docs(
        spacy.blank("en").vocab)
    gold = json.loads((corpus / "annotations" / DOC / "gold.json").read_text())
    assert [(s.start_char, s.end_char, s.text) for s in doc.spans["claims"]] == [
        (c["start"], c["end"], c["text"]) for c in gold["claims"]]


def test_nested_spans_are_reported_by_the_summary(corpus: Path, tmp_path: Path) -> None:
    result = export(corpus, "conll", tmp_path / "out")
    assert result["not_kept"]["mentions left out of corpus.conll (nested or overlapping)"] > 0
    code, text = cli("export", "--format", "conll", tmp_path / "out", "--root", corpus)
    assert code == 0 and "nested or overlapping" in text


@pytest.mark.parametrize("fmt", ["brat", "doccano"])
def test_export_then_import_gives_back_the_layer(fmt: str, corpus: Path,
                                                 tmp_path: Path) -> None:
    export(corpus, fmt, tmp_path / "out")
    source = tmp_path / "out" / ("corpus.jsonl" if fmt == "doccano" else "")
    if fmt == "brat":
        assert check_brat((source / f"{DOC}.txt").read_text("utf-8"),
                          (source / f"{DOC}.ann").read_text("utf-8")) == []
    code, output = cli("import", "--format", fmt, source, "--annotator", "roundtrip", "--root",
                       corpus, "--summary", "json")
    assert code == 0, output
    result = json.loads(output)
    assert [d["outcome"] for d in result["documents"]] == ["written"]
    gold = json.loads((corpus / "annotations" / DOC / "gold.json").read_text())
    back = json.loads((corpus / "annotations" / DOC / "roundtrip.json").read_text())
    assert back == canonicalize(gold | {"annotator": "roundtrip", "status": "submitted",
                                        "provenance": back["provenance"]})
    assert back["provenance"]["tool"] == "manual"
    again = json.loads(cli("import", "--format", fmt, source, "--annotator", "roundtrip",
                           "--root", corpus, "--summary", "json")[1])
    assert [d["outcome"] for d in again["documents"]] == ["unchanged"]


def test_an_annotator_layer_exports_and_round_trips(corpus: Path, tmp_path: Path) -> None:
    as_annotator(corpus / "annotations" / DOC / "gold.json", "a0123456789")
    export(corpus, "brat", tmp_path / "out", "--source", "a0123456789")
    cli("import", "--format", "brat", tmp_path / "out", "--annotator", "copy", "--root", corpus)
    layers = [json.loads((corpus / "annotations" / DOC / f"{n}.json").read_text())
              for n in ("a0123456789", "copy")]
    assert layers[0]["mentions"] == layers[1]["mentions"]
    assert layers[0]["stances"] == layers[1]["stances"]


def test_predictions_of_a_document_without_the_source_layer_name_the_layer(
        corpus: Path, tmp_path: Path) -> None:
    """`export --source X --pred` takes predictions of the documents with an X layer; one of
    another document is refused as such, not as one 'with gold annotations to score'."""
    as_annotator(corpus / "annotations" / DOC / "gold.json", "a0123456789")
    pred = tmp_path / "p.jsonl"
    pred.write_text('{"doc_id": "no-such-document", "claims": []}\n', "utf-8")
    code, output = cli("export", "--format", "newsclaims", tmp_path / "out", "--root", corpus,
                       "--source", "a0123456789", "--pred", pred, "--summary", "json")
    assert code == 1 and not (tmp_path / "out").exists()
    [p] = json.loads(output)["problems"]
    assert (p["code"], p["line"], p["pointer"]) == ("document-not-found", 1, "/doc_id")
    assert p["message"] == ("no document 'no-such-document' with a a0123456789 layer in the "
                            "corpus to export beside; check the id (or --source)")


def test_import_of_a_text_that_is_not_the_seed_exits_1_and_writes_nothing(
        corpus: Path, tmp_path: Path) -> None:
    export(corpus, "brat", tmp_path / "out")
    txt = tmp_path / "out" / f"{DOC}.txt"
    txt.write_text(txt.read_text("utf-8").replace("Algeria", "Algerie", 1), "utf-8")
    before = tree(corpus)
    res = subprocess.run([sys.executable, "-m", "claimstance", "import", "--format", "brat",
                          str(tmp_path / "out"), "--annotator", "bob", "--root", str(corpus)],
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert "error [import-text-mismatch]" in res.stderr and "Traceback" not in res.stderr
    assert tree(corpus) == before
    res = subprocess.run([sys.executable, "-m", "claimstance", "import", "--format", "brat",
                          str(tmp_path / "out"), "--annotator", "bob", "--root", str(corpus),
                          "--summary", "json"], capture_output=True, text=True)
    out = json.loads(res.stdout)
    assert res.returncode == 1 and [p["code"] for p in out["problems"]] == [
        "import-text-mismatch"]
    assert tree(corpus) == before


def test_annotator_names_are_checked_before_any_path(corpus: Path, tmp_path: Path) -> None:
    for name in ("../seeds/x", "Bob", "a", "bob@example.org"):
        code, output = cli("import", "--format", "doccano", tmp_path, "--annotator", name,
                           "--root", corpus)
        assert code == 2 and "not a layer name" in output
        code, output = cli("export", "--format", "brat", tmp_path / "o", "--source", name,
                           "--root", corpus)
        assert code == 2 and not (tmp_path / "o").exists()


@pytest.mark.parametrize("where", ["seeds", "annotations", "annotations/x", ".", ".."])
def test_out_never_inside_or_around_the_corpus(where: str, corpus: Path) -> None:
    before = tree(corpus)
    code, output = cli("export", "--format", "brat", corpus / where, "--root", corpus,
                       "--force", "--summary", "json")
    assert code == 1 and json.loads(output)["problems"][0]["code"] == "export-into-corpus"
    assert tree(corpus) == before


def test_a_folder_export_did_not_write_is_kept_unless_force(corpus: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, output = cli("export", "--format", "doccano", out, "--root", corpus, "--summary",
                       "json")
    assert code == 1 and json.loads(output)["problems"][0]["code"] == "output-not-ours"
    assert tree(out) == {"notes.txt": hashlib.sha256(b"mine").hexdigest()}
    export(corpus, "doccano", out, "--force")
    assert sorted(tree(out)) == sorted([MARKER, "corpus.jsonl"])
    (tmp_path / "file").write_text("x")
    assert cli("export", "--format", "brat", tmp_path / "file", "--root", corpus)[0] == 1


def test_an_invalid_layer_refuses_the_export(corpus: Path, tmp_path: Path) -> None:
    gold = corpus / "annotations" / DOC / "gold.json"
    gold.write_text(gold.read_text("utf-8").replace('"text": "BAMAKO"', '"text": "BAMAK0"'),
                    "utf-8")
    code, output = cli("export", "--format", "brat", tmp_path / "out", "--root", corpus,
                       "--summary", "json")
    assert code == 1
    assert [p["code"] for p in json.loads(output)["problems"] if p["level"] == "error"] == [
        "span-text-mismatch"]
    assert not (tmp_path / "out").exists()


def test_source_and_split_select_layers(corpus: Path, tmp_path: Path) -> None:
    code, output = cli("export", "--format", "conll", tmp_path / "o", "--root", corpus,
                       "--source", "a0000000000", "--summary", "json")
    assert code == 1 and json.loads(output)["problems"][0]["code"] == "export-nothing"
    code, _ = cli("export", "--format", "conll", tmp_path / "o", "--root", corpus,
                  "--split", "train")
    assert code == 1 and not (tmp_path / "o").exists()
    result = export(corpus, "conll", tmp_path / "o", "--split", "validation")
    assert result["files"] == ["validation.claims.conll", "validation.conll",
                               "validation.documents.jsonl", MARKER]
    assert result["documents"] == [DOC]


def test_export_from_a_built_folder(corpus: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build(corpus, dist)
    card = (dist / "README.md").read_text("utf-8")
    assert "claimstance export --format brat" in card  # the card names the commands
    assert all(f"--format {fmt}" in card for fmt in EXPORT_FORMATS)
    for fmt in EXPORT_FORMATS:
        from_dist = export(corpus, fmt, tmp_path / f"{fmt}-dist", "--dist", dist)
        assert from_dist["from"] == "dist" and from_dist["documents"] == [DOC]
        export(corpus, fmt, tmp_path / f"{fmt}-corpus")
        a, b = tree(tmp_path / f"{fmt}-dist"), tree(tmp_path / f"{fmt}-corpus")
        assert a.pop(MARKER) != b.pop(MARKER) and a == b  # the same files, another origin
    code, output = cli("export", "--format", "brat", dist / "x", "--root", corpus, "--dist",
                       dist, "--summary", "json")
    assert code == 1 and json.loads(output)["problems"][0]["code"] == "export-into-corpus"
    shard = next((dist / "data" / "documents").glob("*.parquet"))
    shard.write_bytes(shard.read_bytes() + b"edited")
    code, output = cli("export", "--format", "brat", tmp_path / "x", "--root", corpus,
                       "--dist", dist, "--summary", "json")
    assert code == 1 and json.loads(output)["problems"][0]["code"] == "export-bad-dist"
    (tmp_path / "empty").mkdir()
    code, output = cli("export", "--format", "brat", tmp_path / "x", "--root", corpus,
                       "--dist", tmp_path / "empty", "--summary", "json")
    assert code == 1 and json.loads(output)["problems"][0]["code"] == "export-bad-dist"


def test_help_does_not_import_spacy() -> None:
    code = ("import sys; from claimstance.cli import main\n"
            "for cmd in (['export', '--help'], ['import', '--help']):\n"
            "    try:\n        main(cmd, standalone_mode=False)\n"
            "    except SystemExit: pass\n"
            "assert 'spacy' not in sys.modules and 'pyarrow' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_a_larger_corpus_exports_the_same_from_its_build(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents stream one at a time, split by split then by id, from the corpus files or
    from the built Parquet, and the files are the same; spaCy reads the folder of shards."""
    import synth
    from spacy.training import Corpus

    from claimstance.interchange import spacy_docbin

    synth.write(40, tmp_path / "c")
    build(tmp_path / "c", tmp_path / "dist")
    for fmt in ("conll", "doccano", "brat"):
        a = export(tmp_path / "c", fmt, tmp_path / f"{fmt}-a")
        b = export(tmp_path / "c", fmt, tmp_path / f"{fmt}-b", "--dist", tmp_path / "dist")
        assert a["documents"] == b["documents"] and len(a["documents"]) == 40
        ta, tb = tree(tmp_path / f"{fmt}-a"), tree(tmp_path / f"{fmt}-b")
        assert ta.pop(MARKER) != tb.pop(MARKER) and ta == tb
    order = [json.loads(line)["doc_id"] for line in
             (tmp_path / "doccano-a" / "corpus.jsonl").read_text("utf-8").splitlines()]
    assert order == a["documents"]
    assert order == sorted(order, key=lambda d: (SPLITS.index(split_of(d)), d))
    monkeypatch.setattr(spacy_docbin, "SHARD_DOCS", 16)
    result = export(tmp_path / "c", "spacy", tmp_path / "spacy")
    assert sorted(result["files"]) == [MARKER, *(f"corpus-{k:05d}-of-00003.spacy"
                                                 for k in range(3))]
    nlp = spacy.blank("en")
    docs = [eg.reference for eg in Corpus(tmp_path / "spacy")(nlp)]
    assert sorted(d.user_data["doc_id"] for d in docs) == sorted(result["documents"])
