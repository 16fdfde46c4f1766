"""ingest --from end to end, with articles the tests make (tests/articles.py): provenance,
all or nothing, near-duplicates through validate, build, the card and publish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from news import EDITS, Story, article, title

from claimstance.cli import main
from claimstance.corpus.annotation import canonicalize, empty_provenance
from claimstance.corpus.splits import split_of
from claimstance.corpus.writing import dumps

from .conftest import REPO


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def eighty() -> list[dict[str, Any]]:
    """56 articles (pairs of them on one story, in other words, sharing a quote), then 24
    near-duplicates of the first 24, six by each edit."""
    rows = []
    for k in range(56):
        story = Story.make(k // 2)
        rows.append({"id": f"story-{k:02d}", "title": title(story, k),
                     "text": article(story, k, quote=True), "source": "Test Wire",
                     "published": f"2026-03-{1 + k % 28:02d}", "license": "cc by 4.0"})
    for k in range(24):
        rows.append({"id": f"story-{k:02d}-v", "title": rows[k]["title"],
                     "text": EDITS[k % 4](rows[k]["text"]), "license": "CC-BY-4.0"})
    return rows


def seeds(root: Path) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in sorted((root / "seeds").glob("*.json"))}


def corpus_root(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "seeds").mkdir(parents=True)
    for name in ("DATASHEET.md", "CHANGELOG.md", "CITATION.cff"):
        shutil.copy(REPO / name, root / name)
    return root


def add_gold(root: Path, doc_id: str) -> None:
    seed = json.loads((root / "seeds" / f"{doc_id}.json").read_text(encoding="utf-8"))
    layer = canonicalize({
        "schema_version": "1.0", "document": {"id": doc_id, "sha256": seed["sha256"]},
        "annotator": "gold", "status": "gold",
        "provenance": empty_provenance("manual") | {"sources": []},
        "mentions": [], "claims": [], "stances": []})
    path = root / "annotations" / doc_id / "gold.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dumps(layer))


def test_eighty_articles_with_24_near_duplicates(tmp_path: Path) -> None:
    """The issue's check: one command with provenance kept; validate names every pair; after
    a build every pair sits in one split, and the card shows the groups."""
    root = corpus_root(tmp_path)
    rows = eighty()
    src = write_jsonl(tmp_path / "crawl.jsonl", rows)
    res = run("ingest", "--from", src, "--root", root, "--added", "2026-11-25",
              "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert len(out["written"]) == 80 and out["unchanged"] == [] and out["skipped"] == 0
    near = [p for p in out["problems"] if p["code"] == "near-duplicate"]
    assert sorted(p["line"] for p in near) == list(range(57, 81))
    assert all(f"crawl.jsonl:{p['line'] - 56}" in p["message"] for p in near)
    # provenance: every seed's file and line
    ledger = [json.loads(line) for line in
              (root / ".claimstance" / "ingested.jsonl").read_text().splitlines()]
    assert [r["id"] for r in ledger] == sorted(r["id"] for r in rows)
    assert {r["id"]: r["line"] for r in ledger} == {r["id"]: n for n, r in enumerate(rows, 1)}
    assert {r["file"] for r in ledger} == {"crawl.jsonl"}
    seed = json.loads((root / "seeds" / "story-00.json").read_text(encoding="utf-8"))
    assert seed["license"] == "CC-BY-4.0" and seed["published"] == "2026-03-01"
    # validate names every pair, both documents
    res = run("validate", "--root", root, "--format", "json")
    assert res.exit_code == 0, res.output
    found = json.loads(res.output)["problems"]
    pairs = {(p["path"], p["message"].split(" ")[2]) for p in found
             if p["code"] == "near-duplicate"}
    assert pairs == {(f"seeds/story-{k:02d}-v.json", f"seeds/story-{k:02d}.json")
                     for k in range(24)}
    assert [p for p in found if p["code"] != "near-duplicate"] == []
    # build: every pair in one split, as `datasets` reads it; the card lists the groups
    for r in rows:
        add_gold(root, r["id"])
    res = run("build", "--root", root, "--format", "json")
    assert res.exit_code == 0, res.output
    import datasets

    built = datasets.load_dataset(str(root / "dist"))
    where = {doc_id: split for split in built for doc_id in built[split]["id"]}
    assert len(where) == 80
    assert all(where[f"story-{k:02d}"] == where[f"story-{k:02d}-v"] for k in range(24))
    assert any(split_of(f"story-{k:02d}") != split_of(f"story-{k:02d}-v") for k in range(24))
    card = (root / "dist" / "README.md").read_text(encoding="utf-8")
    assert "24 group(s) hold 48 documents of this dataset (sizes: 24 of 2 documents)" in card
    for k in range(24):
        assert f"| `story-{k:02d}` | 2 | {where[f'story-{k:02d}']} | `story-{k:02d}-v` |" in card
    manifest = json.loads((root / "dist" / "manifest.json").read_text())
    assert manifest["near_duplicates"]["groups"] == [[f"story-{k:02d}", f"story-{k:02d}-v"]
                                                      for k in range(24)]


def test_a_text_twice_in_the_input_names_the_first_row_and_its_id(tmp_path: Path) -> None:
    root = corpus_root(tmp_path)
    text = article(Story.make(1), 1)
    src = write_jsonl(tmp_path / "a.jsonl", [{"title": "Ferry back", "text": text},
                                             {"title": "Ferry back again", "text": text}])
    res = run("ingest", "--from", src, "--root", root)
    assert res.exit_code == 1
    assert f"a.jsonl:2:1: error [ingest-duplicate-text] /text: the same text as {src}:1 " \
           "(id 'ferry-back')" in res.output


def test_an_exact_duplicate_under_a_new_id_writes_nothing(tmp_path: Path) -> None:
    root = corpus_root(tmp_path)
    rows = eighty()[:5]
    assert run("ingest", "--from", write_jsonl(tmp_path / "a.jsonl", rows), "--root",
               root).exit_code == 0
    before = seeds(root)
    again = [{"id": "fresh-one", "text": article(Story.make(90), 90)},
             {**rows[3], "id": "story-03-copy", "text": rows[3]["text"] + "  \n"}]
    res = run("ingest", "--from", write_jsonl(tmp_path / "b.jsonl", again), "--root", root)
    assert res.exit_code == 1
    assert "b.jsonl:2:1: error [ingest-duplicate-text] /text: the same text as " \
           "seeds/story-03.json" in res.output
    assert seeds(root) == before


def test_one_bad_row_writes_nothing_and_names_its_line(tmp_path: Path) -> None:
    root = corpus_root(tmp_path)
    rows = eighty()[:6]
    rows[4]["published"] = "last Tuesday"
    res = run("ingest", "--from", write_jsonl(tmp_path / "a.jsonl", rows), "--root", root)
    assert res.exit_code == 1
    assert "a.jsonl:5:1: error [ingest-bad-date] /published" in res.output
    assert seeds(root) == {} and not (root / ".claimstance").exists()
    res = run("ingest", "--from", tmp_path / "a.jsonl", "--root", root, "--skip-bad",
              "--format", "json")
    out = json.loads(res.output)
    assert res.exit_code == 0 and out["skipped"] == 1 and len(out["written"]) == 5
    assert sorted(seeds(root)) == sorted(r["id"] for r in rows if r is not rows[4])


def test_a_rerun_changes_nothing_and_ids_are_slugged_stably(tmp_path: Path) -> None:
    root = corpus_root(tmp_path)
    rows = [{"title": "Ferry back at Odlin, after a week", "text": article(Story.make(1), 1)},
            {"title": "Zürich: café owners protest", "text": article(Story.make(2), 2)}]
    src = write_jsonl(tmp_path / "a.jsonl", rows)
    assert run("ingest", "--from", src, "--root", root, "--added", "2026-11-01").exit_code == 0
    assert sorted(seeds(root)) == ["ferry-back-at-odlin-after-a-week",
                                   "zurich-cafe-owners-protest"]
    before = seeds(root)
    ledger = (root / ".claimstance" / "ingested.jsonl").read_bytes()
    res = run("ingest", "--from", src, "--root", root, "--added", "2026-11-25",
              "--format", "json")
    assert res.exit_code == 0 and json.loads(res.output)["written"] == []
    assert seeds(root) == before
    assert (root / ".claimstance" / "ingested.jsonl").read_bytes() == ledger


def test_csv_with_renamed_columns_and_quoted_line_breaks(tmp_path: Path) -> None:
    import csv

    root = corpus_root(tmp_path)
    src = tmp_path / "export.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["slug", "headline", "body", "sentiment"])
        for k in range(3):
            w.writerow([f"item-{k}", f"Headline {k}", article(Story.make(k), k), "neutral"])
    res = run("ingest", "--from", src, "--root", root, "--map",
              "id=slug,title=headline,text=body", "--format", "json")
    out = json.loads(res.output)
    assert res.exit_code == 0 and out["written"] == ["item-0", "item-1", "item-2"]
    assert out["ignored_columns"] == ["sentiment"]
    ledger = [json.loads(x) for x in (root / ".claimstance/ingested.jsonl").read_text()
              .splitlines()]
    text_lines = article(Story.make(0), 0).count("\n") + 1
    assert [r["line"] for r in ledger][:2] == [2, 2 + text_lines]
    res = run("ingest", "--from", src, "--root", root, "--map", "text=nothing")
    assert res.exit_code == 1 and "ingest-unreadable" in res.output
    assert run("ingest", "--from", src, "--map", "body=text").exit_code == 2


def test_csv_as_spreadsheets_save_it(tmp_path: Path) -> None:
    """A tab-separated export reads as a comma one does; a Latin-1 byte is named by its line
    however far in it is (not by its place in a block of the decoder); a column named twice
    is refused rather than one of the two silently kept."""
    root = corpus_root(tmp_path)
    rows = [(f"item-{k}", article(Story.make(k), k)) for k in range(8)]
    tabs = tmp_path / "export.csv"
    tabs.write_text("id\ttext\r\n" + "".join(f'{i}\t"{t}"\r\n' for i, t in rows),
                    encoding="utf-8")
    res = run("ingest", "--from", tabs, "--root", root, "--format", "json")
    assert res.exit_code == 0 and len(json.loads(res.output)["written"]) == 8, res.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"id,text\n" + "".join(
        f'new-{i},"{t}"\n' for i, t in rows).encode("latin-1") + b"odd,Caf\xe9 closed\n")
    assert latin.stat().st_size > 8192  # past the first block a text file decodes
    res = run("ingest", "--from", latin, "--root", root, "--format", "json")
    assert res.exit_code == 1
    [found] = json.loads(res.output)["problems"]
    lines = latin.read_bytes().count(b"\n")
    assert (found["code"], found["line"], found["column"]) == ("ingest-unreadable", lines, 8)
    assert f"line {lines} is not UTF-8" in found["message"]
    twice = tmp_path / "twice.csv"
    twice.write_text("id,title,text,title\nsome-id,One,Some text,Two\n", encoding="utf-8")
    res = run("ingest", "--from", twice, "--root", root)
    assert res.exit_code == 1 and "title more than once" in res.output


def test_a_folder_of_texts_without_sidecars(tmp_path: Path) -> None:
    """The sidecar is optional: a file's name is its id when nothing names one. Hidden files
    (a Mac's ._ copies) are no articles; .TXT is .txt; a sidecar's other keys are listed."""
    root = corpus_root(tmp_path)
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "Odlin Ferry.txt").write_text(article(Story.make(1), 1), encoding="utf-8")
    (folder / "KELMOR-CAR.TXT").write_text(article(Story.make(2), 2), encoding="utf-8")
    (folder / "._KELMOR-CAR.TXT").write_bytes(b"\x00\x05\x16\x07Mac OS X")
    (folder / "harvest.txt").write_text(article(Story.make(3), 3), encoding="utf-8")
    (folder / "harvest.json").write_text('{"title": "Sarven harvest", "desk": "farming"}')
    (folder / "Новости.txt").write_text(article(Story.make(4), 4), encoding="utf-8")
    res = run("ingest", "--from", folder, "--root", root, "--format", "json")
    out = json.loads(res.output)
    assert [(p["code"], p["path"]) for p in out["problems"]] == [
        ("ingest-bad-id", f"{folder}/Новости.txt")]
    assert "file name 'Новости' makes no id" in out["problems"][0]["message"]
    (folder / "Новости.json").write_text('{"id": "novosti"}')
    res = run("ingest", "--from", folder, "--root", root, "--format", "json")
    out = json.loads(res.output)
    assert res.exit_code == 0, res.output
    assert out["written"] == ["kelmor-car", "novosti", "odlin-ferry", "sarven-harvest"]
    assert out["ignored_columns"] == ["desk"]


def test_readers_recompute_every_split_from_the_groups_listed(tmp_path: Path) -> None:
    """A group's split key is its smallest id in the corpus, which may be a document the build
    leaves out (no gold yet): the card and manifest name it, so that the split of every built
    document is the rule's hash of the first id of the group listed with it (or of its own)."""
    from claimstance.corpus.splits import split_of

    root = corpus_root(tmp_path)
    base = article(Story.make(5), 5)
    first = "aaa-first-version"  # sorts first; a split other than its versions' own ids'
    version = next(f"story-{k}" for k in range(100) if split_of(f"story-{k}") != split_of(first))
    rows = [{"id": first, "text": base}, {"id": version, "text": EDITS[0](base)},
            {"id": f"{version}-fix", "text": EDITS[2](base)},
            {"id": "zz-wire", "text": EDITS[1](article(Story.make(6), 6))},
            {"id": "zz-wire-copy", "text": EDITS[3](EDITS[1](article(Story.make(6), 6)))},
            {"id": "lonely", "text": article(Story.make(7), 7)}]
    assert run("ingest", "--from", write_jsonl(tmp_path / "a.jsonl", rows), "--root",
               root).exit_code == 0
    for r in rows[1:]:
        add_gold(root, r["id"])
    assert run("build", "--root", root).exit_code == 0
    manifest = json.loads((root / "dist" / "manifest.json").read_text())
    listed = manifest["near_duplicates"]["groups"]
    assert listed == [[first, version, f"{version}-fix"], ["zz-wire", "zz-wire-copy"]]
    key = {d: g[0] for g in listed for d in g}
    built = {d: split for split, ids in manifest["splits"].items() for d in ids}
    assert sorted(built) == sorted(r["id"] for r in rows[1:])
    assert all(split_of(key.get(d, d)) == split for d, split in built.items())
    card = (root / "dist" / "README.md").read_text(encoding="utf-8")
    assert f"| `{first}` * | 2 | {split_of(first)} | `{version}`, `{version}-fix` |" in card
    assert f"| `zz-wire` | 2 | {split_of('zz-wire')} | `zz-wire-copy` |" in card


def test_publish_refuses_a_split_move_unless_allowed(tmp_path: Path) -> None:
    """A new version of a published article, with a smaller id that hashes elsewhere, moves
    its group: the build says so, publish refuses, --allow-split-moves accepts."""
    root = corpus_root(tmp_path)
    rows = eighty()[:6]
    assert run("ingest", "--from", write_jsonl(tmp_path / "a.jsonl", rows), "--root",
               root).exit_code == 0
    for r in rows:
        add_gold(root, r["id"])
    assert run("build", "--root", root).exit_code == 0
    target = tmp_path / "published"
    res = run("publish", "--to", target, "--root", root)
    assert res.exit_code == 0, res.output
    old = split_of("story-02")
    new_id = next(f"aa-{n}" for n in range(1000) if split_of(f"aa-{n}") != old)
    assert run("ingest", "--from", write_jsonl(tmp_path / "b.jsonl", [
        {"id": new_id, "text": EDITS[0](rows[2]["text"]), "license": "CC0-1.0"}]),
        "--root", root).exit_code == 0
    add_gold(root, new_id)
    log = root / "CHANGELOG.md"
    log.write_text(log.read_text().replace("## [", "## [9.9.9] - 2026-12-01\n\n- more\n\n## [",
                                           1))
    res = run("build", "--root", root, "--format", "json")
    moves = json.loads(res.output)["moves"]
    assert moves == [{"id": "story-02", "from": old, "to": split_of(new_id), "group": new_id}]
    res = run("build", "--root", root)
    assert "story-02:" not in res.output  # moved since the last build: nothing now
    res = run("publish", "--to", target, "--root", root)
    assert res.exit_code == 1 and "publish-split-move" in res.output
    assert "story-02 was published in" in res.output
    assert json.loads((target / "manifest.json").read_text())["version"] != "9.9.9"
    res = run("publish", "--to", target, "--root", root, "--allow-split-moves")
    assert res.exit_code == 0, res.output
    assert json.loads((target / "manifest.json").read_text())["version"] == "9.9.9"


@pytest.mark.parametrize("args", [["a.txt", "--from", "x.jsonl"], [], ["--from", "x.jsonl",
                                                                       "--title", "T"]])
def test_usage_errors(args: list[str]) -> None:
    assert run("ingest", *args).exit_code == 2


def test_provenance_stays_sorted_and_survives_hand_edits(tmp_path: Path) -> None:
    root = corpus_root(tmp_path)
    for k, doc_id in enumerate(["carrot", "apple", "banana"]):
        src = tmp_path / f"{doc_id}.txt"
        src.write_text(article(Story.make(200 + k), 200 + k), encoding="utf-8")
        assert run("ingest", src, "--id", doc_id, "--root", root).exit_code == 0
    ledger = root / ".claimstance" / "ingested.jsonl"
    assert [json.loads(x)["id"] for x in ledger.read_text().splitlines()] == \
        ["apple", "banana", "carrot"]
    assert json.loads(ledger.read_text().splitlines()[0])["file"] == "apple.txt"
    ledger.write_text("\n".join(reversed(ledger.read_text().splitlines())) + "\nnot json\n")
    src = tmp_path / "date.txt"
    src.write_text(article(Story.make(210), 210), encoding="utf-8")
    assert run("ingest", src, "--id", "date", "--root", root).exit_code == 0
    assert [json.loads(x)["id"] for x in ledger.read_text().splitlines()] == \
        ["apple", "banana", "carrot", "date"]


KILL_INGEST = """
import os, signal, sys
from pathlib import Path
from claimstance.corpus import writing
from claimstance.ingest import ingest_source

root, src, where = sys.argv[1:4]
real = getattr(os, where)
calls = []


def die(*args):
    if where == "replace" and "/seeds/" in str(args[-1]):
        calls.append(1)
    if where == "sync" or len(calls) == 2:  # before the mark, or one seed moved in
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args)


setattr(writing.os, where, die)
ingest_source(root, Path(src), mapping={}, added="2026-11-25")
"""


@pytest.mark.parametrize("where", ["sync", "replace"])
def test_a_killed_bulk_ingest_is_all_or_nothing(tmp_path: Path, where: str) -> None:
    """kill -9 once the 80 seeds are written, before they are marked complete (`sync`), or
    while they are put in place (`replace`): nothing changed, or the next ingest finishes
    it; no staging folder is left."""
    import signal
    import subprocess
    import sys

    root = corpus_root(tmp_path)
    src = write_jsonl(tmp_path / "a.jsonl", eighty())
    res = subprocess.run([sys.executable, "-c", KILL_INGEST, str(root), str(src), where],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == -signal.SIGKILL, res.stderr
    assert len(seeds(root)) == (0 if where == "sync" else 1)
    res2 = run("ingest", "--from", src, "--root", root, "--format", "json")
    assert res2.exit_code == 0, res2.output
    out = json.loads(res2.output)
    assert len(seeds(root)) == 80
    assert (len(out["written"]), len(out["unchanged"])) == ((80, 0) if where == "sync" else
                                                            (0, 80))
    assert not [p for p in root.rglob("*") if ".claimstance-" in p.name]
    # where each came from is recorded, also for the seeds the killed run put in place
    ledger = (root / ".claimstance" / "ingested.jsonl").read_text().splitlines()
    assert [json.loads(line)["line"] for line in ledger] == [
        n for _, n in sorted((r["id"], n) for n, r in enumerate(eighty(), 1))]
