"""The semantic rules a JSON schema cannot express, each written once, as pure functions.

They run even when the schema check failed, skipping only the items whose shape they cannot
trust, so a contributor sees every problem in one pass.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..corpus import annotation as annotation_mod
from ..corpus.document import is_grapheme_boundary, is_normalized, normalize_text, sha256
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


def _items(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [(i, x) for i, x in enumerate(items) if isinstance(x, dict)]


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def range_problem(start: int, end: int, size: int, path: str, base: str) -> Problem | None:
    """An empty or reversed span, or one ending past the text (offsets are ints >= 0);
    `base` points at the object holding `start` and `end`."""
    if start >= end:
        return problem(Code.REVERSED_SPAN, path, f"{base}/start",
                       f"start {start} is not before end {end}")
    if end > size:
        return problem(Code.OFFSET_OUT_OF_RANGE, path, f"{base}/end",
                       f"end {end} is beyond the end of the text ({size} characters)")
    return None


def text_problem(got: str, text: str, start: int, end: int, path: str, ptr: str) -> Problem:
    """A span's stated text that is not text[start:end]."""
    return problem(Code.SPAN_TEXT_MISMATCH, path, ptr,
                   f"text {_short(got)} differs from the document's text[{start}:{end}] = "
                   f"{_short(text[start:end])}{_utf16_hint(text, start, end, got)}")


def _check_spans(data: dict[str, Any], path: str, text: str) -> list[Problem]:
    out: list[Problem] = []
    size = len(text)
    for key in ("mentions", "claims"):
        items = data.get(key)
        if not isinstance(items, list):
            continue
        seen: set[tuple[int, int, Any]] = set()
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            start, end = item.get("start"), item.get("end")
            if type(start) is not int or type(end) is not int or start < 0:
                continue  # the schema reports it
            base = f"/{key}/{i}"
            bad = range_problem(start, end, size, path, base)
            if bad is not None:
                out.append(bad)
                continue
            whole = []  # boundaries between characters; those inside one are reported
            for name, off in (("start", start), ("end", end)):
                if is_grapheme_boundary(text, off):
                    whole.append((name, off))
                else:
                    out.append(problem(
                        Code.SPAN_SPLITS_CHARACTER, path, f"{base}/{name}",
                        f"{name} {off} falls inside the character sequence "
                        f"{_short(text[max(0, off - 2) : off + 2])}; move it to a boundary"))
            want = text[start:end]
            got = item.get("text")
            if isinstance(got, str) and got != want:
                out.append(text_problem(got, text, start, end, path, f"{base}/text"))
                continue  # wrong offsets: boundary warnings would only be noise
            for name, off in whole:
                if 0 < off < size and text[off - 1].isalnum() and text[off].isalnum():
                    out.append(problem(
                        Code.SPAN_INSIDE_WORD, path, f"{base}/{name}",
                        f"{name} {off} cuts the word in "
                        f"{_short(text[max(0, off - 8) : off + 8])}"))
            if want[0].isspace() or want[-1].isspace():
                out.append(problem(Code.SPAN_WHITESPACE, path, f"{base}/start",
                                   f"span {_short(want)} starts or ends with whitespace"))
            sig = (start, end, item.get("type"))
            if sig in seen:
                out.append(problem(Code.DUPLICATE_SPAN, path, base,
                                   f"another {key[:-1]} has the same offsets {start}-{end} and "
                                   f"type {item.get('type')}"))
            seen.add(sig)
    return out


def _check_references(data: dict[str, Any], path: str) -> list[Problem]:
    out: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for key in ("mentions", "claims", "stances"):
        counts = Counter(str(x["id"]) for _, x in _items(data, key) if isinstance(x.get("id"), str))
        ids[key] = set(counts)
        reported: set[str] = set()
        for i, item in _items(data, key):
            item_id = item.get("id")
            if isinstance(item_id, str) and counts[item_id] > 1 and item_id in reported:
                out.append(problem(Code.DUPLICATE_ID, path, f"/{key}/{i}/id",
                                   f"id {item_id!r} is used by more than one {key[:-1]}"))
            if isinstance(item_id, str):
                reported.add(item_id)

    def ref(value: Any, want: str, ptr: str, role: str) -> bool:
        if not isinstance(value, str) or not REF.match(value):
            return False  # the schema reports malformed references
        kind = KIND_OF_PREFIX.get(value[0])
        if kind != want:
            out.append(problem(Code.WRONG_REFERENCE_KIND, path, ptr,
                               f"{role} {value!r} must refer to a {want[:-1]} id "
                               f"({want[0]}1, {want[0]}2, ...)"))
            return False
        if value not in ids[want]:
            out.append(problem(Code.DANGLING_REFERENCE, path, ptr,
                               f"{role} {value!r} refers to no {want[:-1]} in this file"))
            return False
        return True

    claimant_of: dict[str, Any] = {}
    for i, c in _items(data, "claims"):
        ref(c.get("claimant"), "mentions", f"/claims/{i}/claimant", "claimant")
        claimant_of[str(c.get("id"))] = c.get("claimant")
    held: Counter[tuple[str, str]] = Counter()
    stanced: set[str] = set()
    for i, s in _items(data, "stances"):
        holder, claim = s.get("holder"), s.get("claim")
        ok_h = ref(holder, "mentions", f"/stances/{i}/holder", "holder")
        ok_c = ref(claim, "claims", f"/stances/{i}/claim", "claim")
        if not (ok_h and ok_c):
            continue
        assert isinstance(holder, str) and isinstance(claim, str)
        stanced.add(claim)
        held[(holder, claim)] += 1
        if held[(holder, claim)] == 2:
            out.append(problem(Code.DUPLICATE_STANCE, path, f"/stances/{i}",
                               f"{holder} already has a stance towards {claim}; keep one"))
        if claimant_of.get(claim) == holder:
            out.append(problem(Code.SELF_STANCE, path, f"/stances/{i}",
                               f"{holder} is the claimant of {claim}; its own claim needs no "
                               "stance"))
    ok_alone = unattributed_ok() | {None}
    for i, c in _items(data, "claims"):
        if (c.get("claimant", "") is None and c.get("type") not in ok_alone
                and c.get("id") not in stanced):
            out.append(problem(Code.CLAIM_UNATTRIBUTED, path, f"/claims/{i}/claimant",
                               f"{c.get('type')} {c.get('id')} has no claimant and no stance, so "
                               "the article itself makes it; check that no claimant was missed"))
    return out


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
