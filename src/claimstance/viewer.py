"""Self-contained HTML views of annotation layers (no network: CSS and JS are inline).

The text is cut at every span boundary; each piece is wrapped in one element per span that
covers it (claims outside, mentions inside, longest first), so overlapping and nested spans
render correctly and every span can be found by its data-* id.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus.layout import Corpus
from .corpus.lock import corpus_lock
from .corpus.naming import GOLD, is_annotator, is_doc_id
from .corpus.palette import palette, tint
from .corpus.schema import claim_types, label_set, mention_types, stance_labels
from .corpus.writing import (
    atomic_write,
    check_output_file,
    claim_output,
    io_refused,
    output_lock,
    staged_output,
)
from .dataset.manifest import made_here
from .problems import Code, refuse
from .quality.adjudicate import Conflict, adjudicate
from .validation.run import require_valid


@dataclass
class Span:
    start: int
    end: int
    kind: str  # "mention" | "claim"
    id: str
    label: str
    classes: list[str] = field(default_factory=list)


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def _script_json(obj: Any) -> str:
    """JSON safe inside <script>: no '</script>' or '<!--' can close or confuse it."""
    return (json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def render_text(text: str, spans: list[Span]) -> str:
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    order = sorted(spans, key=lambda s: (s.kind != "claim", s.start, -s.end, s.id))
    out = []
    for a, b in itertools.pairwise(cuts):
        if a >= b:
            continue
        cover = [s for s in order if s.start <= a and s.end >= b]
        opened = []
        for s in cover:
            attr = "data-mention" if s.kind == "mention" else "data-claim"
            cls = " ".join([s.kind, f"{'mt' if s.kind == 'mention' else 'ct'}-{s.label}",
                            *s.classes])
            opened.append(f'<span class="{_esc(cls)}" {attr}="{_esc(s.id)}" '
                          f'data-type="{_esc(s.label)}">')
        out.append("".join(opened) + _esc(text[a:b]) + "</span>" * len(opened))
    return "".join(out)


def _style() -> str:
    rules = [
        "body{font:16px/1.6 system-ui,sans-serif;margin:0;display:flex;gap:1.5rem;"
        "padding:1rem;color:#222}",
        "main{flex:3;max-width:60rem}aside{flex:2;font-size:14px}",
        ".text{white-space:pre-wrap;border:1px solid #ddd;padding:1rem;border-radius:6px}",
        ".mention{padding:0 1px;border-radius:3px}",
        ".mention .mention{box-shadow:inset 0 -2px 0 #0006}",
        ".claim{border-bottom:3px solid;cursor:pointer}",
        ".focus{outline:2px solid #000}.selected{background:#fff3b0!important}",
        ".legend span,.tag{display:inline-block;padding:0 .4rem;margin:.1rem;border-radius:3px}",
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .4rem;"
        "text-align:left}",
        "li[data-claim]{cursor:pointer}#details{border:1px solid #999;padding:.5rem;"
        "min-height:3rem;border-radius:6px}",
        ".cmp-agree{outline:2px solid #2ca02c}.cmp-differs{outline:2px dashed #ff7f0e}",
        ".cmp-only-a{outline:2px solid #d62728}.cmp-only-b{outline:2px solid #1f77b4}",
    ]
    return "\n".join(rules + palette_css())


def palette_css() -> list[str]:
    """The label colours, from the palette Label Studio's config uses too: regions tinted as
    Label Studio tints them, claim types underlined, relation labels in their colour."""
    colours = palette()
    rules = [f".mt-{t}{{background:{tint(c)}}}" for t, c in colours["mention_type"].items()]
    rules.append(f".claim{{background:{tint(colours['claim']['claim'])}}}")
    rules += [f".ct-{t}{{border-bottom-color:{c}}}" for t, c in colours["claim_type"].items()]
    rules += [f".rel-{t}{{color:{c}}}" for t, c in colours["relation"].items()]
    return rules


_SCRIPT = """
const DATA = JSON.parse(document.getElementById('data').textContent);
function esc(s){const d=document.createElement('div');d.textContent=s;return d.innerHTML;}
function focus(id){
  document.querySelectorAll('[data-mention="'+id+'"]').forEach(e=>e.classList.add('focus'));
}
function show(id){
  document.querySelectorAll('.focus,.selected').forEach(e=>e.classList.remove('focus','selected'));
  const c = DATA.claims[id]; if(!c) return;
  document.querySelectorAll('[data-claim="'+id+'"]').forEach(e=>e.classList.add('selected'));
  let h = '<b>'+esc(id)+'</b> '+esc(c.text);
  for(const l of c.layers){
    const who = l.claimant ? esc(l.claimant.text)+' ('+esc(l.claimant.id)+')'
      : 'the article itself';
    if(l.claimant) focus(l.claimant.id);
    h += '<div class="layer" data-layer="'+esc(l.annotator)+'">'+
      (c.layers.length > 1 || DATA.compare ? '<b>'+esc(l.annotator)+'</b> ' : '')+
      '<span class="tag">'+esc(l.type)+'</span><br>claimant: <span class="claimant rel-claimant">'+
      who+'</span><ul class="stances">';
    for(const s of l.stances){
      focus(s.holder);
      h += '<li data-stance="'+esc(s.id)+'">'+esc(s.holder_text)+' ('+esc(s.holder)+
        ') <b class="rel-'+esc(s.label)+'">'+esc(s.label)+'</b></li>';
    }
    h += '</ul>'+(l.stances.length ? '' : '<i>no stances</i>')+'</div>';
  }
  if(!c.layers.length) h += '<br><i>in no layer</i>';
  document.getElementById('details').innerHTML = h;
}
document.addEventListener('click', ev=>{
  const el = ev.target.closest('[data-claim]'); if(el) show(el.getAttribute('data-claim'));
});
"""


def _claim_entry(annotator: str, claim: dict[str, Any], ann: dict[str, Any],
                 page_id: dict[str, str]) -> dict[str, Any]:
    """One layer's view of a claim: its type, claimant and stances, with the ids its
    mentions have on the page (`page_id`: the layer's mention id -> page id)."""
    mentions = {m["id"]: m for m in ann["mentions"]}
    cl = mentions.get(claim["claimant"]) if claim["claimant"] else None
    return {
        "annotator": annotator, "type": claim["type"],
        "claimant": {"id": page_id.get(cl["id"], cl["id"]), "text": cl["text"]} if cl else None,
        "stances": [{"id": (f"{annotator}:" if page_id else "") + s["id"],
                     "holder": page_id.get(s["holder"], s["holder"]),
                     "holder_text": mentions[s["holder"]]["text"]
                     if s["holder"] in mentions else "?", "label": s["label"]}
                    for s in ann["stances"] if s["claim"] == claim["id"]],
    }


def _claims_data(ann: dict[str, Any]) -> dict[str, Any]:
    return {c["id"]: {"text": c["text"], "layers": [_claim_entry(ann["annotator"], c, ann, {})]}
            for c in ann["claims"]}


def _legend(ann: dict[str, Any]) -> str:
    counts = {t: sum(1 for m in ann["mentions"] if m["type"] == t) for t in mention_types()}
    defs = label_set("mention_type")
    items = "".join(f'<span class="mt-{t}" title="{_esc(defs[t])}" data-legend="{t}">{t} '
                    f"{counts[t]}</span>" for t in mention_types())
    cdefs = label_set("claim_type")
    citems = "".join(f'<span class="claim ct-{t}" title="{_esc(cdefs[t])}">{t}</span>'
                     for t in claim_types())
    return f'<div class="legend">{items}</div><div class="legend">{citems}</div>'


def _claim_list(ann: dict[str, Any]) -> str:
    mentions = {m["id"]: m["text"] for m in ann["mentions"]}
    rows = []
    for c in ann["claims"]:
        who = _esc(mentions.get(c["claimant"], c["claimant"])) if c["claimant"] else (
            "<i>article</i>")
        rows.append(f'<li data-claim="{_esc(c["id"])}"><b>{_esc(c["id"])}</b> '
                    f'<span class="tag ct-{_esc(c["type"])}">{_esc(c["type"])}</span> {who}: '
                    f'{_esc(c["text"])}</li>')
    return "<ol class='claims'>" + "".join(rows) + "</ol>"


def _stance_table(ann: dict[str, Any]) -> str:
    mentions = {m["id"]: m["text"] for m in ann["mentions"]}
    claims = {c["id"]: c["text"] for c in ann["claims"]}
    rows = "".join(
        f'<tr data-stance="{_esc(s["id"])}"><td>{_esc(mentions.get(s["holder"], s["holder"]))}'
        f'</td><td class="rel-{_esc(s["label"])}">{_esc(s["label"])}</td>'
        f'<td data-claim="{_esc(s["claim"])}">'
        f'{_esc(claims.get(s["claim"], s["claim"]))}</td></tr>' for s in ann["stances"])
    labels = ", ".join(stance_labels())
    return (f"<table class='stances'><tr><th>holder</th><th>stance ({labels})</th><th>claim</th>"
            f"</tr>{rows}</table>")


def _page(title: str, main: str, aside: str, data: Any) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{_esc(title)}</title><style>{_style()}</style></head><body>"
            f"<main>{main}</main><aside>{aside}</aside>"
            f"<script type=\"application/json\" id=\"data\">{_script_json(data)}</script>"
            f"<script>{_SCRIPT}</script></body></html>\n")


def _spans(ann: dict[str, Any], extra: dict[str, list[str]] | None = None) -> list[Span]:
    extra = extra or {}
    return ([Span(m["start"], m["end"], "mention", m["id"], m["type"], extra.get(m["id"], []))
             for m in ann["mentions"]]
            + [Span(c["start"], c["end"], "claim", c["id"], c["type"], extra.get(c["id"], []))
               for c in ann["claims"]])


def render_layer(doc: dict[str, Any], ann: dict[str, Any]) -> str:
    title = doc.get("title") or doc["id"]
    meta = " · ".join(f"{k}: {_esc(str(doc.get(k) or 'unknown'))}"
                      for k in ("source", "published", "license"))
    main = (f"<h1>{_esc(title)}</h1><p class='meta'>{_esc(doc['id'])} · layer "
            f"<b>{_esc(ann['annotator'])}</b> · {meta}</p>"
            f"<div class='text' id='text'>{render_text(doc['text'], _spans(ann))}</div>")
    aside = (f"<h2>Legend</h2>{_legend(ann)}<h2>Selected claim</h2><div id='details'>"
             f"Click a claim to see its claimant and stances.</div><h2>Claims</h2>"
             f"{_claim_list(ann)}<h2>Stances</h2>{_stance_table(ann)}")
    return _page(f"{title} ({ann['annotator']})", main, aside, {"claims": _claims_data(ann)})


STATUSES = {"agree": "agree", "differs": "differ", "only-a": "only {a}",
            "only-b": "only {b}"}


def status(c: Conflict, a: str, b: str) -> str:
    """How two layers disagree on a conflict: one of them lacks the item, or they differ
    (type, QID, claimant, label; or, for a claimant conflict, the claimant's mention)."""
    return "only-a" if c.versions[b] is None else "only-b" if c.versions[a] is None \
        else "differs"


def _page_id(kind: str, key: tuple[int, int, int]) -> str:
    """The id of an item on the compare page: its kind and offsets (and which, of two)."""
    return f"{kind[0]}{key[0]}-{key[1]}" + (f"-{key[2] + 1}" if key[2] else "")


def _shown_version(kind: str, v: dict[str, Any] | None, text: str) -> str:
    """One annotator's version of a conflict, as the table shows it."""
    if v is None:
        return "\u2014"
    if kind == "mention":
        return " ".join([v["type"], *([v["entity"]] if v.get("entity") else [])])
    if kind == "stance":
        return str(v["label"])
    who = v["claimant"]
    return f"{v['type']}, claimant: " + (f"{text[who[0]:who[1]]} [{who[0]}-{who[1]}]" if who
                                         else "the article")


def render_compare(doc: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> str:
    """Two layers merged: every conflict `adjudicate` finds between them (the same function,
    so the two cannot differ), one row each, and every item coloured by its conflict."""
    na, nb = a["annotator"], b["annotator"]
    text = doc["text"]
    merged = adjudicate(doc["id"], text, doc.get("sha256", ""), {na: a, nb: b})
    of_key = {(c.kind if c.kind != "claimant" else "claim", c.keys[0]): c
              for c in merged.conflicts if c.kind != "stance"}
    counts = {"agree": sum(merged.agreed.values()), "differs": 0, "only-a": 0, "only-b": 0}
    for one in merged.conflicts:
        counts[status(one, na, nb)] += 1
    spans: list[Span] = []
    page_ids: dict[str, dict[str, str]] = {na: {}, nb: {}}  # layer's id -> page id
    for kind in ("mentions", "claims"):
        for key, by in merged.items[kind].items():
            disputed = of_key.get((kind[:-1], key))
            found = status(disputed, na, nb) if disputed else "agree"
            pid = _page_id(kind, key)
            for name, item in by.items():
                page_ids[name][item["id"]] = pid
            label = (by.get(na) or by[nb])["type"]
            spans.append(Span(key[0], key[1], kind[:-1], pid, label, [f"cmp-{found}"]))
    claims = {_page_id("claims", key): {
        "text": text[key[0]:key[1]],
        "layers": [_claim_entry(name, item, layer, page_ids[name])
                   for name, layer in ((na, a), (nb, b))
                   if (item := by.get(name)) is not None]}
        for key, by in merged.items["claims"].items()}
    rows = []
    for c in merged.conflicts:
        found = status(c, na, nb)
        kind = c.kind
        rows.append(f"<tr class='cmp-{found}' data-conflict='{_esc(c.id)}'"
                    + (f" data-claim='{_page_id('claims', c.keys[0])}'"
                       if kind in ("claim", "claimant") else "")
                    + f"><td>{_esc(kind)}</td><td>{_esc(c.id)}</td><td>{_esc(c.text)}</td>"
                    f"<td>{_esc(_shown_version(kind, c.versions[na], text))}</td>"
                    f"<td>{_esc(_shown_version(kind, c.versions[nb], text))}</td></tr>")
    title = doc.get("title") or doc["id"]
    tags = " ".join(f"<span class='tag cmp-{k}' data-count='{k}'>"
                    f"{_esc(v.format(a=na, b=nb))} {counts[k]}</span>"
                    for k, v in STATUSES.items())
    main = (f"<h1>{_esc(title)}</h1><p>{_esc(na)} vs {_esc(nb)}: {tags}</p>"
            f"<div class='text' id='text'>{render_text(text, spans)}</div>")
    aside = (f"<h2>Selected claim</h2><div id='details'>Click a claim to see each layer's "
             f"claimant and stances.</div><h2>Disagreements ({len(rows)})</h2>"
             "<p>Every conflict <code>claimstance adjudicate</code> lists for these two layers"
             ", in its order and with its ids.</p><table class='disagreements'><tr><th>kind"
             f"</th><th>conflict</th><th>text</th><th>{_esc(na)}</th><th>{_esc(nb)}</th></tr>"
             f"{''.join(rows)}</table>")
    return _page(f"{title}: {na} vs {nb}", main, aside,
                 {"claims": claims, "counts": counts, "compare": [na, nb]})


def default_layer(corpus: Corpus, doc_id: str) -> str | None:
    layers = corpus.annotators(doc_id)
    return GOLD if GOLD in layers else (layers[0] if layers else None)


def render_site(corpus: Corpus) -> dict[str, str]:
    """index.html and docs/<doc_id>.html for every document with a layer: {relpath: html}."""
    pages: dict[str, str] = {}
    rows = []
    for doc_id in corpus.doc_ids():
        doc = corpus.read_seed(doc_id)
        layer = default_layer(corpus, doc_id)
        if layer is None:
            rows.append(f"<tr><td>{_esc(doc_id)}</td><td>{_esc(doc.get('title') or '')}</td>"
                        "<td colspan=4><i>not annotated</i></td></tr>")
            continue
        ann = corpus.read_layer(doc_id, layer)
        pages[f"docs/{doc_id}.html"] = render_layer(doc, ann)
        others = ", ".join(a for a in corpus.annotators(doc_id) if a != layer) or "—"
        rows.append(f"<tr data-doc='{_esc(doc_id)}'><td><a href='docs/{_esc(doc_id)}.html'>"
                    f"{_esc(doc_id)}</a></td><td>{_esc(doc.get('title') or '')}</td>"
                    f"<td>{_esc(layer)}</td><td>{len(ann['mentions'])}</td>"
                    f"<td>{len(ann['claims'])}</td><td>{len(ann['stances'])}</td>"
                    f"<td>{_esc(others)}</td></tr>")
    main = ("<h1>claimstance corpus</h1><table class='index'><tr><th>document</th><th>title</th>"
            "<th>layer shown</th><th>mentions</th><th>claims</th><th>stances</th>"
            f"<th>other layers</th></tr>{''.join(rows)}</table>")
    pages["index.html"] = _page("claimstance corpus", main, "", {"claims": {}})
    return pages


def write_pages(pages: dict[str, str], out: Path) -> list[Path]:
    written = []
    for rel, text in sorted(pages.items()):
        atomic_write(out / rel, text.encode("utf-8"))
        written.append(out / rel)
    return written


VIEWS = "views"  # where `view` writes its pages by default, under the corpus root (git-ignored)
PAGES = (".html", ".htm")  # what a page's file name ends with: the only files view writes
SEAL = b"<!-- claimstance view: sha256 of the page above this line "


def sealed(page: str) -> bytes:
    """The page with a last line holding the sha256 of the rest: what tells a page `view`
    wrote, unedited since, from any other file (which is never replaced without --force)."""
    body = page.encode("utf-8")
    return body + SEAL + hashlib.sha256(body).hexdigest().encode() + b" -->\n"


def is_sealed(data: bytes) -> bool:
    body, seal, rest = data.rpartition(SEAL)
    return bool(seal) and rest == hashlib.sha256(body).hexdigest().encode() + b" -->\n"


def view(root: str | Path | None, doc_id: str, *, annotator: str | None = None,
         compare: tuple[str, str] | None = None, out: Path | None = None,
         force: bool = False) -> Path:
    """Write the page of one layer (or of two layers compared) and return its path: `out`,
    or views/<doc_id>.<layer(s)>.html under the corpus root.

    The layers must be valid; a page `view` wrote is replaced, any other file is not (an
    .html file with `force`).
    """
    corpus = Corpus.at(root)
    if not is_doc_id(doc_id):  # never a path built from a name that is none
        raise refuse(Code.INVALID_FILE_NAME, doc_id, f"{doc_id!r} is not a document id "
                     "(the name of a seeds/ file without .json)")
    for name in (annotator, *(compare or ())):
        if name is not None and not is_annotator(name):
            raise refuse(Code.INVALID_FILE_NAME, name, f"{name!r} is not a layer name: gold, "
                         "or an annotator's pseudonym (lower-case letters, digits, '-', '_')")
    if compare and compare[0] == compare[1]:
        raise refuse(Code.INVALID_VALUE, compare[0], f"--compare {compare[0]} {compare[1]}: "
                     "name two different layers")
    seed = corpus.seed_path(doc_id)
    if not seed.is_file():
        raise refuse(Code.DOCUMENT_NOT_FOUND, corpus.rel(seed), f"no seed {corpus.rel(seed)}")
    names = list(compare) if compare else [annotator or default_layer(corpus, doc_id) or ""]
    if not names[0]:
        raise refuse(Code.FILE_NOT_FOUND, f"annotations/{doc_id}",
                     f"{doc_id} has no annotation layer yet")
    target = out or corpus.root / VIEWS / f"{doc_id}.{'-vs-'.join(names)}.html"
    check_output_file(corpus.root, target)
    if target.suffix.lower() not in PAGES:  # else written once, then never replaced
        raise refuse(Code.INVALID_FILE_NAME, str(target), f"--out {target}: a page is "
                     f"written to an {' or '.join(PAGES)} file; name it so")
    require_valid(corpus.root, [seed, *(corpus.annotation_path(doc_id, a) for a in names)],
                  "fix these problems first (claimstance validate)")
    doc = corpus.read_seed(doc_id)
    layers = [corpus.read_layer(doc_id, a) for a in names]
    page = render_compare(doc, *layers) if compare else render_layer(doc, layers[0])
    _refuse_overwrite(target, force)
    try:
        atomic_write(target, sealed(page))
    except OSError as e:
        raise io_refused(e, "view") from None
    return target


def _refuse_overwrite(target: Path, force: bool) -> None:
    """A page replaces a page `view` wrote (unedited since), or with `force` any .html
    file (`view` writes no other name); never a folder, a link or a device."""
    if not os.path.lexists(target):
        return
    if target.is_symlink() or not target.is_file():
        raise refuse(Code.WOULD_OVERWRITE, str(target),
                     f"{target} exists and is not a regular file (a link, a folder, a FIFO "
                     "or a device); choose another --out")
    if not force and not is_sealed(target.read_bytes()):
        raise refuse(Code.WOULD_OVERWRITE, str(target),
                     f"{target} exists and is not a page `claimstance view` wrote (or it was "
                     "edited since); choose another --out, or --force to replace it")


SITE_MARKER = ".claimstance-site.json"  # in a site folder: every page it holds, by sha256


def site(root: str | Path | None, out: Path, *, force: bool = False) -> list[Path]:
    """Write the browsable site of a valid corpus as the folder `out`, replaced as a whole
    (pages of documents since removed go too), and only when an earlier `site` wrote it
    or with `force`: a folder of pages a person wrote is never overwritten."""
    corpus = Corpus.at(root)
    target = Path(out).absolute()
    with corpus_lock(corpus.root, "site"), output_lock(corpus.root, target, "--out", "site"):
        claim_output(corpus.root, target, "--out", force=force,
                     ours=lambda folder: made_here(folder, SITE_MARKER) is not None,
                     ours_is=f"a site (a {SITE_MARKER} written by `claimstance site` that "
                     "lists every file in it)")
        require_valid(corpus.root, None,
                      "the corpus is not valid; fix it before building the site")
        pages = render_site(corpus)
        with staged_output(target, "site") as staging:
            write_pages(pages, staging)
            files = {rel: hashlib.sha256(text.encode("utf-8")).hexdigest()
                     for rel, text in sorted(pages.items())}
            (staging / SITE_MARKER).write_text(json.dumps({"files": files}, indent=2) + "\n")
    return [target / rel for rel in sorted(pages)]
