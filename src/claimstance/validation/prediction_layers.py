"""A predictions file read into layer-shaped items: what `ls push --predictions` shows
annotators and what `agree --against predictions` compares their layers with.

The format is the evaluation's (`schema/prediction.schema.json`): JSON lines, one document
a line, shaped like an annotation layer; ids optional; a claimant or holder a mention id or
a span; a stance's claim a claim id or span. This reader checks what a layer needs (offsets
fit the text, labels are the schema's, references resolve) and is meant to give way to the
evaluation's own strict reader once both are in one tree: only `read_prediction_layers`
changes then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..corpus.layout import Corpus
from ..corpus.naming import is_doc_id
from ..corpus.schema import claim_types, mention_types, stance_labels
from ..problems import Code, Problem, problem
from .reader import load_bytes

Items = dict[str, list[dict[str, Any]]]  # {"mentions", "claims", "stances"}, layer-shaped


def read_prediction_layers(corpus: Corpus, path: Path) -> tuple[dict[str, Items], list[Problem]]:
    """Predictions file -> layer-shaped items per document (ids m1.., c1.., s1..).

    Each line is checked against its document: offsets fit the text, labels are the
    schema's, references resolve. A claimant or holder given as a span that no predicted
    mention has cannot be drawn in Label Studio and is left out.
    """
    display = path.name
    out: dict[str, Items] = {}
    problems: list[Problem] = []
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            f = load_bytes(raw.rstrip(b"\r\n"), display)
            found = list(f.problems)
            items = _line(corpus, f.data, display, found, out) if not found else None
            problems += [p.at(n, p.column) for p in found]
            if items is not None and not found:
                out[f.data["doc_id"]] = items
    return out, problems


def _line(corpus: Corpus, data: Any, path: str, found: list[Problem],
          seen: dict[str, Items]) -> Items | None:
    def bad(code: Code, ptr: str, message: str) -> None:
        found.append(problem(code, path, ptr, message))

    if not isinstance(data, dict) or not is_doc_id(data.get("doc_id")):
        bad(Code.WRONG_TYPE, "/doc_id", "each line is an object with the doc_id of a document")
        return None
    doc_id = data["doc_id"]
    if doc_id in seen:
        bad(Code.DUPLICATE_ID, "/doc_id", f"{doc_id!r} is predicted on an earlier line too")
    if not corpus.seed_path(doc_id).is_file():
        bad(Code.DOCUMENT_NOT_FOUND, "/doc_id", f"no seed seeds/{doc_id}.json")
        return None
    text: str = corpus.read_seed(doc_id)["text"]

    def listed(key: str) -> list[Any]:
        v = data.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            bad(Code.WRONG_TYPE, f"/{key}", f"{key} must be a list of objects")
            return []
        return v

    def span(x: dict[str, Any], ptr: str) -> tuple[int, int] | None:
        s, e = x.get("start"), x.get("end")
        if type(s) is not int or type(e) is not int or not 0 <= s < e <= len(text):
            bad(Code.OFFSET_OUT_OF_RANGE, ptr, f"offsets {s}-{e} do not fit the text of "
                f"{doc_id} ({len(text)} characters)")
            return None
        return s, e

    mentions: list[dict[str, Any]] = []
    ids: dict[str, str | None] = {}  # a refused item's id maps to None: reported once
    by_span: dict[tuple[int, int], str] = {}
    for i, m in enumerate(listed("mentions")):
        sp = span(m, f"/mentions/{i}")
        if isinstance(m.get("id"), str):
            ids[m["id"]] = None
        if m.get("type") not in mention_types():
            bad(Code.UNKNOWN_LABEL, f"/mentions/{i}/type", f"{m.get('type')!r} is not a "
                f"mention type ({', '.join(mention_types())})")
        elif sp is not None:
            mid = f"m{len(mentions) + 1}"
            mentions.append({"id": mid, "start": sp[0], "end": sp[1],
                             "text": text[sp[0]:sp[1]], "type": m["type"]})
            by_span.setdefault(sp, mid)
            if isinstance(m.get("id"), str):
                ids[m["id"]] = mid

    def person(ref: Any, ptr: str) -> str | None:
        if isinstance(ref, str):
            if ref not in ids:
                bad(Code.DANGLING_REFERENCE, ptr, f"no predicted mention has the id {ref!r}")
            return ids.get(ref)
        if isinstance(ref, dict):
            sp = span(ref, ptr)
            return by_span.get(sp) if sp is not None else None
        if ref is not None:
            bad(Code.WRONG_TYPE, ptr, "a mention id, a span {start, end} or null")
        return None

    claims: list[dict[str, Any]] = []
    cids: dict[str, str | None] = {}
    c_span: dict[tuple[int, int], str] = {}
    for i, c in enumerate(listed("claims")):
        sp = span(c, f"/claims/{i}")
        if isinstance(c.get("id"), str):
            cids[c["id"]] = None
        if c.get("type") not in claim_types():
            bad(Code.UNKNOWN_LABEL, f"/claims/{i}/type", f"{c.get('type')!r} is not a claim "
                f"type ({', '.join(claim_types())})")
        elif sp is not None:
            cid = f"c{len(claims) + 1}"
            claims.append({"id": cid, "start": sp[0], "end": sp[1], "text": text[sp[0]:sp[1]],
                           "type": c["type"],
                           "claimant": person(c.get("claimant"), f"/claims/{i}/claimant")})
            c_span.setdefault(sp, cid)
            if isinstance(c.get("id"), str):
                cids[c["id"]] = cid
    stances: list[dict[str, Any]] = []
    for i, st in enumerate(listed("stances")):
        holder = person(st.get("holder"), f"/stances/{i}/holder")
        ref = st.get("claim")
        claim = cids.get(ref) if isinstance(ref, str) else (
            c_span.get(sp) if isinstance(ref, dict) and (sp := span(ref, f"/stances/{i}/claim"))
            else None)
        if claim is None:
            if not (isinstance(ref, str) and ref in cids):  # else: its claim was refused
                bad(Code.DANGLING_REFERENCE, f"/stances/{i}/claim", "no predicted claim has "
                    "this id or span")
        elif st.get("label") not in stance_labels():
            bad(Code.UNKNOWN_LABEL, f"/stances/{i}/label", f"{st.get('label')!r} is not a "
                f"stance label ({', '.join(stance_labels())})")
        elif holder is not None:
            stances.append({"id": f"s{len(stances) + 1}", "holder": holder, "claim": claim,
                            "label": st["label"]})
    return {"mentions": mentions, "claims": claims, "stances": stances}
