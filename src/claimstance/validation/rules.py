"""The semantic rules a JSON schema cannot express, each written once, as pure functions.

They run even when the schema check failed, skipping only the items whose shape they cannot
trust, so a contributor sees every problem in one pass.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..corpus import annotation as annotation_mod
from ..corpus.document import (
    is_normalized,
    normalize_text,
    sha256,
    span_edges,
)
from ..corpus.naming import GOLD, KIND_OF_PREFIX, REF, is_pseudonym
from ..corpus.schema import ANNOTATION, DOCUMENT, SUPPORTED_VERSIONS, definition, unattributed_ok
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


DATE = re.compile(definition(DOCUMENT, "date")["pattern"])


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
    for key in ("published", "added"):
        value = data.get(key)
        if isinstance(value, str) and DATE.match(value):  # other shapes: the schema says
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                out.append(problem(Code.INVALID_VALUE, path, f"/{key}",
                                   f"{key} {value!r} is not a date in the calendar; write the "
                                   "real date, or null when unknown"))
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


#: The fields the rules read, by list; each list is read once per layer (`read_items`).
FIELDS = {"mentions": ("id", "start", "end", "text", "type"),
          "claims": ("id", "start", "end", "text", "type", "claimant"),
          "stances": ("id", "holder", "claim")}
_GETTERS = {key: operator.itemgetter(*fields) for key, fields in FIELDS.items()}
Items = dict[str, tuple[list[int], dict[str, Sequence[Any]]]]


def read_items(data: dict[str, Any], *, shaped: bool = False) -> Items:
    """Each list of a layer as columns: key -> (indexes, field -> column). `shaped`: the
    schema passed the layer, so every item has every field and scalar values."""
    out: Items = {}
    for key, fields in FIELDS.items():
        where, columns = _columns(data.get(key), _GETTERS[key], fields, shaped=shaped)
        out[key] = (where, dict(zip(fields, columns, strict=True)))
    return out
_SCALARS = frozenset((str, int, float, bool, type(None)))


def _columns(items: Any, getter: Callable[[Any], Any], fields: tuple[str, ...], *,
             shaped: bool = False) -> tuple[list[int], list[Sequence[Any]]]:
    """(indexes, one column per field) of the objects of one list, read in bulk when every
    item has every field; otherwise item by item (absent: None). A value that is no scalar
    becomes its repr, so the rules can compare and hash it; the schema reports the shapes."""
    if not isinstance(items, list) or not items:
        return [], [() for _ in fields]
    try:
        rows = list(map(getter, items))
        where = list(range(len(items)))
    except (KeyError, TypeError):
        where, rows = [], []
        for i, x in enumerate(items):
            if isinstance(x, dict):
                where.append(i)
                rows.append(tuple(x.get(f) for f in fields) if len(fields) > 1 else
                            x.get(fields[0]))
    if len(fields) == 1:
        if not shaped and not set(map(type, rows)) <= _SCALARS:
            rows = [v if type(v) in _SCALARS else repr(v) for v in rows]
        return where, [rows]
    if not shaped and not set(map(type, itertools.chain.from_iterable(rows))) <= _SCALARS:
        rows = [tuple(v if type(v) in _SCALARS else repr(v) for v in row) for row in rows]
    if not rows:
        return [], [() for _ in fields]
    return where, list(zip(*rows, strict=True))


def range_problem(start: int, end: int, size: int, path: str, base: str) -> Problem | None:
    """An empty or reversed span, or one ending past the text (offsets are ints >= 0);
    `base` points at the object holding `start` and `end`. Layers and predictions alike."""
    if start >= end:
        return problem(Code.REVERSED_SPAN, path, f"{base}/start",
                       f"start {start} is not before end {end}")
    if end > size:
        return problem(Code.OFFSET_OUT_OF_RANGE, path, f"{base}/end",
                       f"end {end} is beyond the end of the text ({size} characters)")
    return None


def integer_problem(value: Any, path: str, ptr: str) -> Problem | None:
    """An offset JSON Schema takes for an integer though it is no JSON integer: a whole
    number written with a fraction or an exponent (0.0, 1e2), or one too large for the
    parser's integers. Layers and predictions alike."""
    if type(value) is not float or not value.is_integer() or value < 0:
        return None  # the schema reports fractions and negative numbers
    if value >= 2**63:
        return problem(Code.WRONG_TYPE, path, ptr,
                       "a number of 2^63 or more is far too large for an offset into a text")
    return problem(Code.WRONG_TYPE, path, ptr,
                   f"{value!r} is a number written with a fraction or an exponent; offsets "
                   f"are integers written without them: {int(value)}")


def text_problem(got: str, text: str, start: int, end: int, path: str, ptr: str) -> Problem:
    """A span's stated text that is not text[start:end]."""
    return problem(Code.SPAN_TEXT_MISMATCH, path, ptr,
                   f"text {_short(got)} differs from the document's text[{start}:{end}] = "
                   f"{_short(text[start:end])}{_utf16_hint(text, start, end, got)}")


def _only(kept: list[int], *columns: list[Any]) -> list[list[Any]]:
    return [[col[k] for k in kept] for col in columns]


def _check_spans(items: Items, path: str, text: str, shaped: bool) -> list[Problem]:
    """The offset rules of mentions and claims, run over both lists at once: every rule is
    a pass over columns, and only the items it flags are looked at one by one."""
    out: list[Problem] = []
    size = len(text)
    (mw, m), (cw, c) = items["mentions"], items["claims"]
    keys = ["mentions"] * len(mw) + ["claims"] * len(cw)
    where = mw + cw
    starts, ends = [*m["start"], *c["start"]], [*m["end"], *c["end"]]
    texts, types = [*m["text"], *c["text"]], [*m["type"], *c["type"]]
    ints = set(map(type, starts)) <= {int} and set(map(type, ends)) <= {int}
    if not (ints and (shaped or min(starts, default=0) >= 0)):
        keep = []  # the schema reports the others, bar numbers it takes for integers
        for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
            if type(a) is int and type(b) is int and a >= 0:
                keep.append(k)
            for name, value in (("start", a), ("end", b)):
                bad = integer_problem(value, path, f"/{keys[k]}/{where[k]}/{name}")
                if bad is not None:
                    out.append(bad)
        keys, where, starts, ends, texts, types = _only(keep, keys, where, starts, ends,
                                                      texts, types)
    if any(map(operator.ge, starts, ends)) or max(ends, default=0) > size:
        fit = []
        for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
            bad = range_problem(a, b, size, path, f"/{keys[k]}/{where[k]}")
            if bad is not None:
                out.append(bad)
            else:
                fit.append(k)
        keys, where, starts, ends, texts, types = _only(fit, keys, where, starts, ends,
                                                      texts, types)
    mismatched = set()  # wrong offsets: boundary warnings would only be noise
    wants = [text[a:b] for a, b in zip(starts, ends, strict=True)]
    if any(map(operator.ne, texts, wants)):
        for k, (got, want) in enumerate(zip(texts, wants, strict=True)):
            if got != want and isinstance(got, str):
                mismatched.add(k)
                out.append(text_problem(got, text, starts[k], ends[k], path,
                                        f"/{keys[k]}/{where[k]}/text"))
    inside, cut = span_edges(text, set(starts).union(ends))  # all within 0..size now
    if inside or cut:
        for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
            for name, off in (("start", a), ("end", b)):
                if off in inside:
                    out.append(problem(
                        Code.SPAN_SPLITS_CHARACTER, path, f"/{keys[k]}/{where[k]}/{name}",
                        f"{name} {off} falls inside the character sequence "
                        f"{_short(text[max(0, off - 2) : off + 2])}; move it to a boundary"))
                elif off in cut and k not in mismatched:
                    out.append(problem(
                        Code.SPAN_INSIDE_WORD, path, f"/{keys[k]}/{where[k]}/{name}",
                        f"{name} {off} cuts the word in "
                        f"{_short(text[max(0, off - 8) : off + 8])}"))
    if any(map(operator.ne, map(str.strip, wants), wants)):
        for k, want in enumerate(wants):
            if want != want.strip() and k not in mismatched:
                out.append(problem(Code.SPAN_WHITESPACE, path, f"/{keys[k]}/{where[k]}/start",
                                   f"span {_short(want)} starts or ends with whitespace"))
    sigs = list(zip(keys, starts, ends, types, strict=True))
    if len(set(sigs)) < len(sigs):
        seen: set[tuple[str, int, int, Any]] = set()
        for k, sig in enumerate(sigs):
            if sig in seen:
                key, start, end, kind = sig
                out.append(problem(Code.DUPLICATE_SPAN, path, f"/{key}/{where[k]}",
                                   f"another {key[:-1]} has the same offsets {start}-{end} "
                                   f"and type {kind}"))
            seen.add(sig)
    return out


def _check_references(items: Items, path: str, data: dict[str, Any],
                      shaped: bool = False) -> list[Problem]:
    """The rules of ids and references (claimants, holders, claims), run over each list at
    once; only what a pass flags is looked at one by one. `shaped`: every id is a string."""
    out: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for key in ("mentions", "claims", "stances"):
        where, cols = items[key]
        found = cols["id"]
        ids[key] = set(found) if shaped else {x for x in found if isinstance(x, str)}
        if len(ids[key]) < len(found):
            seen: set[str] = set()
            for i, x in zip(where, found, strict=True):
                if isinstance(x, str) and x in seen:
                    out.append(problem(Code.DUPLICATE_ID, path, f"/{key}/{i}/id",
                                       f"id {x!r} is used by more than one {key[:-1]}"))
                seen.add(x)

    def resolves(value: Any, want: str, ptr: str, role: str) -> bool:
        if value in ids[want]:
            return True
        if not isinstance(value, str) or not REF.match(value):
            return False  # the schema reports malformed references
        if KIND_OF_PREFIX.get(value[0]) != want:
            out.append(problem(Code.WRONG_REFERENCE_KIND, path, ptr,
                               f"{role} {value!r} must refer to a {want[:-1]} id "
                               f"({want[0]}1, {want[0]}2, ...)"))
        else:
            out.append(problem(Code.DANGLING_REFERENCE, path, ptr,
                               f"{role} {value!r} refers to no {want[:-1]} in this file"))
        return False

    mentions, claim_ids = ids["mentions"], ids["claims"]
    c_where, c_cols = items["claims"]
    cids, claimants, ctypes = c_cols["id"], c_cols["claimant"], c_cols["type"]
    if not set(claimants) - {None} <= mentions:
        for i, claimant in zip(c_where, claimants, strict=True):
            if claimant is not None:
                resolves(claimant, "mentions", f"/claims/{i}/claimant", "claimant")
    s_where, s_cols = items["stances"]
    holders, targets = s_cols["holder"], s_cols["claim"]
    ok = list(map(operator.and_, map(mentions.__contains__, holders),
                  map(claim_ids.__contains__, targets)))
    if not all(ok):
        for k, (i, holder, claim) in enumerate(zip(s_where, holders, targets, strict=True)):
            ok[k] = (resolves(holder, "mentions", f"/stances/{i}/holder", "holder")
                     & resolves(claim, "claims", f"/stances/{i}/claim", "claim"))
    pairs = list(itertools.compress(zip(s_where, holders, targets, strict=True), ok))
    claimant_of = dict(zip(cids, claimants, strict=True))
    if (len(set(zip(holders, targets, strict=True))) < len(holders)
            or any(map(operator.eq, map(claimant_of.get, targets), holders))):
        held: set[tuple[Any, Any]] = set()
        for i, holder, claim in pairs:
            if (holder, claim) in held:
                out.append(problem(Code.DUPLICATE_STANCE, path, f"/stances/{i}",
                                   f"{holder} already has a stance towards {claim}; keep one"))
            held.add((holder, claim))
            if claimant_of.get(claim) == holder:
                out.append(problem(Code.SELF_STANCE, path, f"/stances/{i}",
                                   f"{holder} is the claimant of {claim}; its own claim needs "
                                   "no stance"))
    if None not in claimants:
        return out
    stanced = {c for _, _, c in pairs}
    ok_alone = unattributed_ok()
    for i, cid, claimant, ctype in zip(c_where, cids, claimants, ctypes, strict=True):
        if (claimant is None and isinstance(ctype, str) and ctype not in ok_alone
                and cid not in stanced and "claimant" in data["claims"][i]):
            out.append(problem(Code.CLAIM_UNATTRIBUTED, path, f"/claims/{i}/claimant",
                               f"{ctype} {cid} has no claimant and no stance, so the article "
                               "itself makes it; check that no claimant was missed"))
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
    shaped = not out  # the schema passed it: every item has every field, of its type
    annotator = data.get("annotator")
    if isinstance(annotator, str) and annotator != stem:
        out.append(problem(Code.ID_MISMATCH, path, "/annotator",
                           f"annotator {annotator!r} differs from the file name {stem!r}.json"))
    elif isinstance(annotator, str) and not is_pseudonym(annotator):
        out.append(problem(Code.ANNOTATOR_NOT_PSEUDONYM, path, "/annotator",
                           f"layer {annotator!r} is not named by a pseudonym (a + 10 hex digits, "
                           "as `ls pull` makes them); rename the file and this field, or build "
                           "and publish will refuse it"))
    provenance = data.get("provenance")
    sources = provenance.get("sources") if isinstance(provenance, dict) else None
    for i, name in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(name, str) and not is_pseudonym(name):
            out.append(problem(Code.ANNOTATOR_NOT_PSEUDONYM, path, f"/provenance/sources/{i}",
                               f"source {name!r} is not a pseudonym (a + 10 hex digits, as `ls "
                               "pull` names layers): write the pseudonym of that annotator's "
                               "layer here, or build and publish will refuse it"))
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
    items = read_items(data, shaped=shaped)
    out.extend(_check_references(items, path, data, shaped))
    if doc_ok and text is not None:
        out.extend(_check_spans(items, path, text, shaped))
    if not any(p.level is Level.ERROR for p in out) and not annotation_mod.is_canonical(data):
        out.append(problem(Code.IDS_NOT_CANONICAL, path, "",
                           "items are not in text order with ids m1.., c1.., s1..; run "
                           "`claimstance fmt` to rewrite the file"))
    return out
