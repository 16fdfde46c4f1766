"""The HTML views, opened in real headless Chromium (Debian's, driven by playwright)."""

from __future__ import annotations

import copy
import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from claimstance.cli import main
from claimstance.corpus.document import sha256
from claimstance.corpus.layout import Corpus
from claimstance.quality.adjudicate import adjudicate
from claimstance.viewer import render_compare, render_layer, render_site

from . import layers
from .conftest import REPO

DOC = "mali-accuses-algeria-downed-drone"
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context()
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert errors == [], errors


def gold() -> tuple[dict[str, Any], dict[str, Any]]:
    doc = json.loads((REPO / f"seeds/{DOC}.json").read_text(encoding="utf-8"))
    ann = json.loads((REPO / f"annotations/{DOC}/gold.json").read_text(encoding="utf-8"))
    return doc, ann


def open_html(page: Any, html: str, tmp_path: Path, name: str = "view.html") -> None:
    f = tmp_path / name
    f.write_text(html, encoding="utf-8")
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
               else r.abort())  # prove it needs no network
    page.goto(f.as_uri())


DISTINCT_IDS = """(sel) => {
  const out = {};
  for (const e of document.querySelectorAll(sel)) {
    const t = e.dataset.type;
    (out[t] = out[t] || new Set()).add(e.dataset.mention || e.dataset.claim);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.size]));
}"""


def test_seed_view_shows_every_gold_item(page: Any, tmp_path: Path) -> None:
    doc, ann = gold()
    open_html(page, render_layer(doc, ann), tmp_path)
    shown = page.evaluate(DISTINCT_IDS, "#text .mention")
    assert shown == dict(Counter(m["type"] for m in ann["mentions"]))
    claims = page.evaluate(DISTINCT_IDS, "#text .claim")
    assert claims == dict(Counter(c["type"] for c in ann["claims"]))
    assert page.locator("table.stances tr[data-stance]").count() == len(ann["stances"])
    assert page.inner_text("#text") == doc["text"]  # nothing lost or added by the markup
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "seed-view.png"), full_page=True)


def test_clicking_a_claim_shows_claimant_and_stances(page: Any, tmp_path: Path) -> None:
    doc, ann = gold()
    open_html(page, render_layer(doc, ann), tmp_path)
    mentions = {m["id"]: m for m in ann["mentions"]}
    for claim in ann["claims"]:
        page.locator(f'#text [data-claim="{claim["id"]}"]').first.click()
        details = page.locator("#details")
        want = mentions[claim["claimant"]]["text"] if claim["claimant"] else "the article"
        assert want in details.locator(".claimant").inner_text()
        stances = [s for s in ann["stances"] if s["claim"] == claim["id"]]
        items = details.locator("li[data-stance]")
        assert items.count() == len(stances)
        for s in stances:
            text = details.locator(f'li[data-stance="{s["id"]}"]').inner_text()
            assert s["label"] in text and mentions[s["holder"]]["text"] in text
        if claim["claimant"]:
            focused = page.locator(f'[data-mention="{claim["claimant"]}"].focus').count()
            assert focused >= 1


def test_script_in_text_is_shown_not_run(page: Any, tmp_path: Path) -> None:
    text = ('He wrote <script>window.pwned=1</script> and '
            '"</script><img src=x onerror=pwned=2>".')
    doc = {"id": "xss-doc", "title": "<b>t</b>", "text": text}
    a, b = text.index("<script>"), text.index("</script>") + len("</script>")
    ann = {"annotator": "alice", "mentions": [
        {"id": "m1", "start": a, "end": b, "text": text[a:b], "type": "EVENT"}],
        "claims": [{"id": "c1", "start": 0, "end": len(text), "text": text, "type": "fact",
                    "claimant": "m1"}], "stances": []}
    open_html(page, render_layer(doc, ann), tmp_path)
    assert page.evaluate("window.pwned === undefined")
    assert page.inner_text("#text") == text
    page.locator('#text [data-claim="c1"]').first.click()
    assert page.evaluate("window.pwned === undefined")
    assert "<script>" in page.inner_text("#details")


def test_overlapping_and_nested_spans(page: Any, tmp_path: Path) -> None:
    text = "Mali\u2019s foreign ministry said so."
    doc = {"id": "nest-doc", "text": text}
    ann = {"annotator": "alice", "mentions": [
        {"id": "m1", "start": 0, "end": 4, "text": "Mali", "type": "GPE"},
        {"id": "m2", "start": 0, "end": 23, "text": text[:23], "type": "ORG"},
        {"id": "m3", "start": 7, "end": 28, "text": text[7:28], "type": "EVENT"}],  # crosses m2
        "claims": [], "stances": []}
    open_html(page, render_layer(doc, ann), tmp_path)
    got = page.evaluate("""() => Object.fromEntries(['m1','m2','m3'].map(id => [id,
        [...document.querySelectorAll('#text [data-mention="'+id+'"]')]
          .map(e => e.textContent).join('')]))""")
    assert got == {"m1": "Mali", "m2": text[:23], "m3": text[7:28]}
    inner = page.locator('#text [data-mention="m2"] [data-mention="m1"]')
    assert inner.count() == 1  # the nested mention sits inside the outer one


A, B = "a000000000a", "a000000000b"  # two annotators' pseudonyms


def corpus_pair() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The seed and two layers made from its gold, differing as two annotators do: a QID
    (Mali Q912 against Q1032), a type, a claimant, a stance label (support against
    refute), a mention and a stance only one of them has, a mention only the other has."""
    doc, ann = gold()
    a = copy.deepcopy(ann) | {"annotator": A, "status": "submitted"}
    b = copy.deepcopy(a) | {"annotator": B}
    mentions = {m["id"]: m for m in b["mentions"]}
    claims = {c["id"]: c for c in b["claims"]}
    mentions["m3"]["entity"] = "Q1032"  # c1's claimant, s2's holder
    mentions["m4"]["type"] = "ORG"
    claims["c6"]["claimant"] = None
    next(s for s in b["stances"] if s["id"] == "s2")["label"] = "support"
    b["stances"] = [s for s in b["stances"] if s["id"] != "s5"]
    b["mentions"].remove(mentions["m7"])  # referenced by nothing
    start = doc["text"].index("Malian drone")
    b["mentions"].append({"id": "m99", "start": start, "end": start + 12,
                          "text": "Malian drone", "type": "EVENT"})
    return doc, a, b


def fixture_pair() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The two hand-built layers agreement and adjudication are tested with."""
    return {"id": layers.DOC, "text": layers.TEXT, "sha256": sha256(layers.TEXT)}, \
        layers.A, layers.B


@pytest.mark.parametrize("pair", [corpus_pair, fixture_pair], ids=["corpus", "fixture"])
def test_compare_shows_every_conflict_adjudicate_finds(page: Any, tmp_path: Path,
                                                       pair: Any) -> None:
    """The table left out stance, claimant and QID conflicts (Mali Q912 against Q1032
    counted as agreement): its rows are now adjudicate's conflicts, one for one."""
    doc, a, b = pair()
    na, nb = a["annotator"], b["annotator"]
    merged = adjudicate(doc["id"], doc["text"], doc["sha256"], {na: a, nb: b})
    open_html(page, render_compare(doc, a, b), tmp_path)
    rows = page.evaluate("""() => [...document.querySelectorAll(
        'table.disagreements tr[data-conflict]')].map(r => [r.dataset.conflict,
        r.className, r.cells[0].textContent])""")
    assert [r[0] for r in rows] == [c.id for c in merged.conflicts]
    assert [r[2] for r in rows] == [c.kind for c in merged.conflicts]
    assert {r[2] for r in rows} == {"mention", "claim", "stance"} | (
        {"claimant"} if pair is corpus_pair else set())
    want = {c.id: "cmp-" + ("only-a" if c.versions[nb] is None else "only-b"
                            if c.versions[na] is None else "differs") for c in merged.conflicts}
    assert {r[0]: r[1] for r in rows} == want
    counts = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '[data-count]')].map(e => [e.dataset.count, +e.textContent.split(' ').pop()]))""")
    assert counts["agree"] == sum(merged.agreed.values())
    assert counts["differs"] + counts["only-a"] + counts["only-b"] == len(merged.conflicts)
    # every item of either layer is drawn once, coloured as agreed unless in a conflict
    for kind, attr in (("mentions", "data-mention"), ("claims", "data-claim")):
        drawn = page.evaluate(f"""() => new Set([...document.querySelectorAll(
            '#text [{attr}]')].map(e => e.getAttribute('{attr}'))).size""")
        assert drawn == len(merged.items[kind])
    assert page.inner_text("#text") == doc["text"]
    if pair is corpus_pair:
        qid = page.locator('tr[data-conflict="mention 15-19"]').inner_text()
        assert "Q912" in qid and "Q1032" in qid
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "compare-view.png"), full_page=True)


def test_clicking_a_claim_in_a_comparison_shows_each_layers_claimant_and_stances(
        page: Any, tmp_path: Path) -> None:
    """The page carried "claims": {}, so a click showed nothing."""
    doc, a, b = corpus_pair()
    open_html(page, render_compare(doc, a, b), tmp_path)
    for claim in a["claims"]:
        page.locator(f'#text [data-claim="c{claim["start"]}-{claim["end"]}"]').first.click()
        for layer in (a, b):
            mine = next(c for c in layer["claims"] if c["start"] == claim["start"])
            mentions = {m["id"]: m for m in layer["mentions"]}
            shown = page.locator(f'#details [data-layer="{layer["annotator"]}"]')
            who = mentions[mine["claimant"]]["text"] if mine["claimant"] else "the article"
            assert who in shown.locator(".claimant").inner_text()
            stances = [s for s in layer["stances"] if s["claim"] == mine["id"]]
            assert shown.locator("li[data-stance]").count() == len(stances)
            for s in stances:
                item = shown.locator(f'li[data-stance="{layer["annotator"]}:{s["id"]}"]')
                assert s["label"] in item.inner_text()
                assert mentions[s["holder"]]["text"] in item.inner_text()
    page.locator("table.disagreements tr[data-conflict^='claim '] td").first.click()
    assert page.locator("#details .layer").count() >= 1  # a claim's row opens it too


def test_site_index_links_to_each_view(page: Any, tmp_path: Path) -> None:
    pages = render_site(Corpus.at(REPO))
    for rel, html in pages.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(html, encoding="utf-8")
    page.goto((tmp_path / "index.html").as_uri())
    row = page.locator(f'tr[data-doc="{DOC}"]')
    _, ann = gold()
    assert str(len(ann["mentions"])) in row.inner_text()
    row.locator("a").click()
    assert page.locator("#text .mention").count() >= len(ann["mentions"])


def test_view_cli_refuses_invalid_layer(corpus: Path, tmp_path: Path) -> None:
    gold_file = corpus / f"annotations/{DOC}/gold.json"
    gold_file.write_text(gold_file.read_text(encoding="utf-8").replace('"GPE"', '"X"', 1),
                         encoding="utf-8")
    out = tmp_path / "v.html"
    res = CliRunner().invoke(main, ["view", DOC, "--root", str(corpus), "--out", str(out)])
    assert res.exit_code == 1 and "unknown-label" in res.output and not out.exists()
    res = CliRunner().invoke(main, ["view", "no-such-doc", "--root", str(corpus)])
    assert res.exit_code == 1 and "document-not-found" in res.output


def test_stats_json_counts(corpus: Path) -> None:
    res = CliRunner().invoke(main, ["stats", "--root", str(corpus), "--format", "json"])
    s = json.loads(res.output)
    _, ann = gold()
    assert sum(s["gold"]["mention_types"].values()) == len(ann["mentions"])
    assert s["per_annotator"]["gold"]["stances"] == len(ann["stances"])
    assert s["gold"]["mention_length"]["n"] == len(ann["mentions"])


def test_view_writes_under_a_git_ignored_folder_and_keeps_other_files(corpus: Path,
                                                                       tmp_path: Path) -> None:
    """It wrote into the corpus root, which .gitignore did not cover, and replaced any
    page there. Now: views/ under the root (ignored by git); a page it wrote is replaced,
    another file only with --force, and never a file that is not a page."""
    def view(*args: str) -> Any:
        return CliRunner().invoke(main, ["view", DOC, "--root", str(corpus), *args])

    res = view()
    page = corpus / "views" / f"{DOC}.gold.html"
    assert res.exit_code == 0, res.output
    assert page.is_file() and not list(corpus.glob("*.html"))
    ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q",
                              f"views/{DOC}.gold.html"])
    assert ignored.returncode == 0, "views/ is not ignored by git"
    assert view().exit_code == 0  # its own page: replaced
    mine = b"<!DOCTYPE html><p>my notes</p>\n"
    page.write_bytes(mine)
    res = view()
    assert res.exit_code == 1 and "would-overwrite" in res.output and page.read_bytes() == mine
    edited = tmp_path / "edited.html"
    assert view("--out", str(edited)).exit_code == 0
    edited.write_bytes(edited.read_bytes().replace(b"<h1>", b"<h1>Note: ", 1))
    assert view("--out", str(edited)).exit_code == 1  # edited since: kept
    assert view("--force").exit_code == 0 and page.read_bytes() != mine
    script = tmp_path / "notes.txt"
    script.write_text("keep me")
    res = view("--out", str(script), "--force")
    assert res.exit_code == 1 and script.read_text() == "keep me"


@pytest.mark.parametrize("name", ["page.txt", "page", "page.html.bak"])
def test_view_writes_only_html_files(corpus: Path, tmp_path: Path, name: str) -> None:
    """A new --out of any name was written, and the next run refused to replace it ("not
    an .html file"): a page view cannot replace is never written."""
    out = tmp_path / name
    res = CliRunner().invoke(main, ["view", DOC, "--root", str(corpus), "--out", str(out)])
    assert res.exit_code == 1 and "invalid-file-name" in res.output and ".html" in res.output
    assert not out.exists()


def test_view_compare_on_the_command_line(corpus: Path, page: Any) -> None:
    doc, a, b = corpus_pair()
    folder = corpus / "annotations" / DOC
    for layer in (a, b):
        (folder / f"{layer['annotator']}.json").write_text(json.dumps(layer), encoding="utf-8")
    res = CliRunner().invoke(main, ["view", DOC, "--root", str(corpus), "--compare", A, B])
    assert res.exit_code == 0, res.output
    out = corpus / "views" / f"{DOC}.{A}-vs-{B}.html"
    page.goto(out.as_uri())
    merged = adjudicate(DOC, doc["text"], doc["sha256"], {A: a, B: b})
    assert page.locator("tr[data-conflict]").count() == len(merged.conflicts)
    res = CliRunner().invoke(main, ["view", DOC, "--root", str(corpus), "--compare", A, A])
    assert res.exit_code == 1 and "two different layers" in res.output
