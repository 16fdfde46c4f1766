"""The HTML views, opened in real headless Chromium (Debian's, driven by playwright)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from claimstance.cli import main
from claimstance.corpus.layout import Corpus
from claimstance.viewer import render_compare, render_layer, render_site

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


def test_compare_colours_agreement(page: Any, tmp_path: Path) -> None:
    doc, ann = gold()
    b = json.loads(json.dumps(ann)) | {"annotator": "bob"}
    b["mentions"][0]["type"] = "LOC"  # a type disagreement
    del b["mentions"][1]  # a mention only in A
    open_html(page, render_compare(doc, ann | {"annotator": "alice"}, b), tmp_path)
    assert page.locator("#text .cmp-type").count() >= 1
    assert page.locator("#text .cmp-only-a").count() >= 1
    assert page.locator("table.disagreements tr.cmp-type").count() == 1
    assert page.locator("table.disagreements tr.cmp-only-a").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compare-view.png"), full_page=True)


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
