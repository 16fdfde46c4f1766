"""The semantic rules a JSON schema cannot express, each written once, as pure functions.

They run even when the schema check failed, skipping only the items whose shape they cannot
trust, so a contributor sees every problem in one pass.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from ..corpus import annotation as annotation_mod
from ..corpus.document import inside_graphemes, is_normalized, normalize_text, sha256
from ..corpus.naming import GOLD, KIND_OF_PREFIX, REF
from ..corpus.schema import ANNOTATION, DOCUMENT, SUPPORTED_VERSIONS, unattributed_ok
from ..problems import Code, Level, Problem, problem
from .schema_errors import check as schema_check


def _utf16_hint(text: str, start: int, end: int, got: str) -> str:
    enc = text.encode("utf-16-le")
    if 2 * end <= len(enc) and enc[2 * start : 2 * end].decode("utf-16-le", "replace") == got:
        return " (the offsets look like UTF-16 code units; the corpus uses code points)"
    return ""


def _short(s: str, n: int = 60) -> str:
    r = repr(s)
    return r if len(r) <= n else r[: n - 4] + "...'"


def check_document(data: Any, path: str, stem: str, digest: str | None = None) -> list[Problem]:
    """Every problem of one seed; `digest` is sha256(text) when the caller has it already."""
    out = schema_check(DOCUMENT, data, path)
    if not isinstance(data, dict):
        return out
    doc_id = data.get("id")
    if isinstance(doc_id, str) and doc_id != stem:
        out.append(problem(Code.ID_MISMATCH, path, "/id",
                           f"id {doc_id!r} differs from the file name {stem!r}.json; rename the "
                           "file or fix the id"))
    text = data.get("text")
    if isinstance(text, str):
        norm = text if is_normalized(text) else normalize_text(text)
        if norm != text:
            i = next((k for k, (a, b) in enumerate(zip(text, norm, strict=False)) if a != b),
                     min(len(text), len(norm)))
            out.append(problem(
                Code.TEXT_NOT_NORMALIZED, path, "/text",
                f"text is not normalized (NFC, \\n line ends, no trailing whitespace) from "
                f"character {i}; re-ingest it with `claimstance ingest`"))
        actual = digest or sha256(text)
        recorded = data.get("sha256")
        if isinstance(recorded, str) and recorded != actual:
            out.append(problem(
                Code.TEXT_HASH_MISMATCH, path, "/sha256",
                f"sha256 is not the hash of the text (that is {actual}); the text was "
                "edited after ingest: restore it, or re-ingest and re-check its annotations"))
    return out


_SPAN = operator.itemgetter("start", "end", "text", "type")
_ID = operator.itemgetter("id")
_CLAIM_REFS = operator.itemgetter("id", "claimant", "type")
_STANCE_REFS = operator.itemgetter("holder", "claim")


def _rows(items: Any, getter: Callable[[Any], Any], fields: tuple[str, ...],
          ) -> tuple[list[int], list[Any]]:
    """(indexes, value tuples) of the items of one list, read in bulk when every item has
    every field; otherwise item by item, skipping what is not an object (the schema
    reports the shapes)."""
    if not isinstance(items, list):
        return [], []
    try:
        return list(range(len(items))), list(map(getter, items))
    except (KeyError, TypeError):
        where, rows = [], []
        for i, x in enumerate(items):
            if isinstance(x, dict):
                where.append(i)
                rows.append(tuple(x.get(f) for f in fields) if len(fields) > 1 else
                            x.get(fields[0]))
        return where, rows


def _check_spans(data: dict[str, Any], path: str, text: str) -> list[Problem]:
    """The offset rules of mentions and claims, over each list at once."""
    out: list[Problem] = []
    size = len(text)
    for key in ("mentions", "claims"):
        where, rows = _rows(data.get(key), _SPAN, ("start", "end", "text", "type"))
        spans = [(i, s, e, t, ty) for i, (s, e, t, ty) in zip(where, rows, strict=True)
                 if type(s) is int and type(e) is int and s >= 0]  # else: the schema says
        fit = []
        for i, s, e, t, ty in spans:
            if s >= e:
                out.append(problem(Code.REVERSED_SPAN, path, f"/{key}/{i}/start",
                                   f"start {s} is not before end {e}"))
            elif e > size:
                out.append(problem(Code.OFFSET_OUT_OF_RANGE, path, f"/{key}/{i}/end",
                                   f"end {e} is beyond the end of the text ({size} "
                                   "characters)"))
            else:
                fit.append((i, s, e, t, ty))
        inside = inside_graphemes(text, {o for _, s, e, _, _ in fit for o in (s, e)})
        whole = []  # spans whose text matches: the word and whitespace rules look at them
        for i, s, e, t, _ in fit:
            for name, off in (("start", s), ("end", e)):
                if off in inside:
                    out.append(problem(
                        Code.SPAN_SPLITS_CHARACTER, path, f"/{key}/{i}/{name}",
                        f"{name} {off} falls inside the character sequence "
                        f"{_short(text[max(0, off - 2) : off + 2])}; move it to a boundary"))
            want = text[s:e]
            if isinstance(t, str) and t != want:
                out.append(problem(
                    Code.SPAN_TEXT_MISMATCH, path, f"/{key}/{i}/text",
                    f"text {_short(t)} differs from the document's text[{s}:{e}] = "
                    f"{_short(want)}{_utf16_hint(text, s, e, t)}"))
            else:
                whole.append((i, s, e, want))
        cut = _cuts_words(text, {o for _, s, e, _ in whole for o in (s, e)} - inside)
        for i, s, e, want in whole:
            for name, off in (("start", s), ("end", e)):
                if off in cut:
                    out.append(problem(
                        Code.SPAN_INSIDE_WORD, path, f"/{key}/{i}/{name}",
                        f"{name} {off} cuts the word in "
                        f"{_short(text[max(0, off - 8) : off + 8])}"))
            if want[0].isspace() or want[-1].isspace():
                out.append(problem(Code.SPAN_WHITESPACE, path, f"/{key}/{i}/start",
                                   f"span {_short(want)} starts or ends with whitespace"))
        sigs = [(s, e, ty if isinstance(ty, str) else repr(ty)) for _, s, e, _, ty in fit]
        if len(set(sigs)) < len(sigs):
            seen: set[tuple[int, int, str]] = set()
            for (i, s, e, _, ty), sig in zip(fit, sigs, strict=True):
                if sig in seen:
                    out.append(problem(Code.DUPLICATE_SPAN, path, f"/{key}/{i}",
                                       f"another {key[:-1]} has the same offsets {s}-{e} and "
                                       f"type {ty}"))
                seen.add(sig)
    return out


def _cuts_words(text: str, offsets: set[int]) -> set[int]:
    """The offsets that fall between two letters or digits."""
    size = len(text)
    offs = [o for o in offsets if 0 < o < size]
    before = map(str.isalnum, map(text.__getitem__, map((1).__rsub__, offs)))
    after = map(str.isalnum, map(text.__getitem__, offs))
    return {o for o, a, b in zip(offs, before, after, strict=True) if a and b}


def _check_references(data: dict[str, Any], path: str) -> list[Problem]:
    """The rules of ids and references (claimants, holders, claims), over each list at once."""
    out: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for key in ("mentions", "claims", "stances"):
        where, found = _rows(data.get(key), _ID, ("id",))
        named = [(i, x) for i, x in zip(where, found, strict=True) if isinstance(x, str)]
        ids[key] = {x for _, x in named}
        if len(ids[key]) < len(named):
            seen: set[str] = set()
            for i, x in named:
                if x in seen:
                    out.append(problem(Code.DUPLICATE_ID, path, f"/{key}/{i}/id",
                                       f"id {x!r} is used by more than one {key[:-1]}"))
                seen.add(x)

    def resolves(value: Any, want: str, ptr: str, role: str) -> bool:
        if not isinstance(value, str) or not REF.match(value):
            return False  # the schema reports malformed references
        if value in ids[want]:
            return True
        if KIND_OF_PREFIX.get(value[0]) != want:
            out.append(problem(Code.WRONG_REFERENCE_KIND, path, ptr,
                               f"{role} {value!r} must refer to a {want[:-1]} id "
                               f"({want[0]}1, {want[0]}2, ...)"))
        else:
            out.append(problem(Code.DANGLING_REFERENCE, path, ptr,
                               f"{role} {value!r} refers to no {want[:-1]} in this file"))
        return False

    c_where, claims = _rows(data.get("claims"), _CLAIM_REFS, ("id", "claimant", "type"))
    mentions = ids["mentions"]
    for i, (_, claimant, _) in zip(c_where, claims, strict=True):
        if claimant is not None and not (isinstance(claimant, str) and claimant in mentions):
            resolves(claimant, "mentions", f"/claims/{i}/claimant", "claimant")
    claimant_of = {str(cid): claimant for cid, claimant, _ in claims if isinstance(claimant, str)}
    s_where, stances = _rows(data.get("stances"), _STANCE_REFS, ("holder", "claim"))
    held: set[tuple[str, str]] = set()
    for i, (holder, claim) in zip(s_where, stances, strict=True):
        ok_h = (isinstance(holder, str) and holder in mentions) or resolves(
            holder, "mentions", f"/stances/{i}/holder", "holder")
        ok_c = (isinstance(claim, str) and claim in ids["claims"]) or resolves(
            claim, "claims", f"/stances/{i}/claim", "claim")
        if not (ok_h and ok_c):
            continue
        if (holder, claim) in held:
            out.append(problem(Code.DUPLICATE_STANCE, path, f"/stances/{i}",
                               f"{holder} already has a stance towards {claim}; keep one"))
        held.add((holder, claim))
        if claimant_of.get(claim) == holder:
            out.append(problem(Code.SELF_STANCE, path, f"/stances/{i}",
                               f"{holder} is the claimant of {claim}; its own claim needs no "
                               "stance"))
    stanced = {c for _, c in held}
    ok_alone = unattributed_ok()
    for i, (cid, claimant, ctype) in zip(c_where, claims, strict=True):
        if (claimant is None and isinstance(ctype, str) and ctype not in ok_alone
                and cid not in stanced and _has(data, "claims", i, "claimant")):
            out.append(problem(Code.CLAIM_UNATTRIBUTED, path, f"/claims/{i}/claimant",
                               f"{ctype} {cid} has no claimant and no stance, so the article "
                               "itself makes it; check that no claimant was missed"))
    return out


def _has(data: dict[str, Any], key: str, i: int, field: str) -> bool:
    """Whether the item has the field (null is a value; a missing field the schema reports)."""
    return field in data[key][i]


def check_annotation(
    data: Any,
    path: str,
    *,
    stem: str,
    folder: str,
    text: str | None,
    text_sha256: str | None,
    seed_exists: bool,
) -> list[Problem]:
    """Every problem of one annotation layer.

    `text`/`text_sha256` are the seed's (None when the seed is missing or unreadable, which
    skips the checks that need it; the seed's own problems are reported on the seed).
    """
    if isinstance(data, dict) and "schema_version" in data and (
        data["schema_version"] not in SUPPORTED_VERSIONS
    ):
        return [problem(Code.UNSUPPORTED_SCHEMA_VERSION, path, "/schema_version",
                        f"schema_version {data['schema_version']!r} is not supported (this "
                        f"validator knows {', '.join(SUPPORTED_VERSIONS)}); upgrade claimstance")]
    out = schema_check(ANNOTATION, data, path)
    if not isinstance(data, dict):
        return out
    annotator = data.get("annotator")
    if isinstance(annotator, str) and annotator != stem:
        out.append(problem(Code.ID_MISMATCH, path, "/annotator",
                           f"annotator {annotator!r} differs from the file name {stem!r}.json"))
    status = data.get("status")
    if isinstance(status, str) and (status == GOLD) != (stem == GOLD):
        want = "gold" if stem == GOLD else "submitted"
        out.append(problem(Code.STATUS_MISMATCH, path, "/status",
                           f"status is {status!r} but {stem}.json must have status {want!r}"))
    doc = data.get("document")
    doc_ok = False
    if isinstance(doc, dict) and isinstance(doc.get("id"), str):
        if doc["id"] != folder:
            out.append(problem(Code.ID_MISMATCH, path, "/document/id",
                               f"document.id {doc['id']!r} differs from the folder "
                               f"annotations/{folder}/ the file is in"))
        elif not seed_exists:
            out.append(problem(Code.DOCUMENT_NOT_FOUND, path, "/document/id",
                               f"no seed seeds/{folder}.json for this annotation; ingest the "
                               "document first"))
        elif text_sha256 is not None and doc.get("sha256") != text_sha256:
            out.append(problem(
                Code.DOCUMENT_SHA256_MISMATCH, path, "/document/sha256",
                "the seed's text changed since this was annotated (its sha256 is now "
                f"{text_sha256[:12]}...); offsets were not checked: re-annotate or re-pull"))
        else:
            doc_ok = True
    out.extend(_check_references(data, path))
    if doc_ok and text is not None:
        out.extend(_check_spans(data, path, text))
    if not any(p.level is Level.ERROR for p in out) and not annotation_mod.is_canonical(data):
        out.append(problem(Code.IDS_NOT_CANONICAL, path, "",
                           "items are not in text order with ids m1.., c1.., s1..; run "
                           "`claimstance fmt` to rewrite the file"))
    return out
