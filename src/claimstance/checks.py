"""Semantic checks a JSON schema cannot express, as pure functions over parsed data.

They run even when the schema check failed, skipping only the items whose shape they cannot
trust, so a contributor sees every problem in one pass.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from typing import Any

from . import annotation as annotation_mod
from .document import is_normalized, normalize_text, sha256
from .layout import GOLD
from .problems import Level, Problem, problem
from .schema import ANNOTATION, DOCUMENT, SUPPORTED_VERSIONS
from .schema import check as schema_check
from .speedups import C

_JOINERS = {"\u200d", "\u20e3"}
_REF = re.compile(r"^[mcs][1-9][0-9]*$")


def _is_regional_indicator(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _is_continuation(ch: str) -> bool:
    """True for a code point that cannot begin a user-perceived character."""
    cp = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch in _JOINERS
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0xE0100 <= cp <= 0xE01EF
        or 0x1F3FB <= cp <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xDC00 <= cp <= 0xDFFF  # a low surrogate: the pair was split
        or 0xE0020 <= cp <= 0xE007F  # tag characters (flag sequences)
    )


def splits_character(text: str, i: int) -> bool:
    """True when offset `i` falls inside a grapheme (combining or emoji sequence, pair)."""
    if not 0 < i < len(text):
        return False
    if text[i] < "\u0300" and text[i - 1] < "\u0300":
        return False  # no combining mark, joiner, surrogate or emoji part lies below U+0300
    if _is_continuation(text[i]) or text[i - 1] == "\u200d" or 0xD800 <= ord(text[i - 1]) <= 0xDBFF:
        return True
    if _is_regional_indicator(text[i]) and _is_regional_indicator(text[i - 1]):
        run = 0  # flags are pairs of regional indicators: inside one if an odd count precedes
        while i - run - 1 >= 0 and _is_regional_indicator(text[i - run - 1]):
            run += 1
        return run % 2 == 1
    return False


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
        out.append(problem("id-mismatch", path, "/id",
                           f"id {doc_id!r} differs from the file name {stem!r}.json; rename the "
                           "file or fix the id"))
    text = data.get("text")
    if isinstance(text, str):
        norm = text if is_normalized(text) else normalize_text(text)
        if norm != text:
            i = next((k for k, (a, b) in enumerate(zip(text, norm, strict=False)) if a != b),
                     min(len(text), len(norm)))
            out.append(problem(
                "text-not-normalized", path, "/text",
                f"text is not normalized (NFC, \\n line ends, no trailing whitespace) from "
                f"character {i}; re-ingest it with `claimstance ingest`"))
        actual = digest or sha256(text)
        recorded = data.get("sha256")
        if isinstance(recorded, str) and recorded != actual:
            out.append(problem(
                "text-hash-mismatch", path, "/sha256",
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


def _check_spans(data: dict[str, Any], path: str, text: str) -> list[Problem]:
    out: list[Problem] = []
    for key in ("mentions", "claims"):
        seen: Counter[tuple[Any, ...]] = Counter()
        for i, item in _items(data, key):
            start_: Any = item.get("start")
            end_: Any = item.get("end")
            got = item.get("text")
            if not (_int(start_) and _int(end_)) or start_ < 0:
                continue
            start, end = int(start_), int(end_)
            base = f"/{key}/{i}"
            if start >= end:
                out.append(problem("reversed-span", path, f"{base}/start",
                                   f"start {start} is not before end {end}"))
                continue
            if end > len(text):
                out.append(problem("offset-out-of-range", path, f"{base}/end",
                                   f"end {end} is beyond the end of the text ({len(text)} "
                                   "characters)"))
                continue
            for name, off in (("start", start), ("end", end)):
                if splits_character(text, off):
                    out.append(problem(
                        "span-splits-character", path, f"{base}/{name}",
                        f"{name} {off} falls inside the character sequence "
                        f"{_short(text[max(0, off - 2) : off + 2])}; move it to a boundary"))
            want = text[start:end]
            if isinstance(got, str) and got != want:
                out.append(problem(
                    "span-text-mismatch", path, f"{base}/text",
                    f"text {_short(got)} differs from the document's text[{start}:{end}] = "
                    f"{_short(want)}{_utf16_hint(text, start, end, got)}"))
                continue  # wrong offsets: boundary warnings would only be noise
            for name, off in (("start", start), ("end", end)):
                if 0 < off < len(text) and text[off - 1].isalnum() and text[off].isalnum():
                    out.append(problem(
                        "span-inside-word", path, f"{base}/{name}",
                        f"{name} {off} cuts the word in "
                        f"{_short(text[max(0, off - 8) : off + 8])}"))
            if want != want.strip():
                out.append(problem("span-whitespace", path, f"{base}/start",
                                   f"span {_short(want)} starts or ends with whitespace"))
            sig = (start, end, item.get("type"))
            seen[sig] += 1
            if seen[sig] == 2:
                out.append(problem("duplicate-span", path, base,
                                   f"another {key[:-1]} has the same offsets {start}-{end} and "
                                   f"type {item.get('type')}"))
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
                out.append(problem("duplicate-id", path, f"/{key}/{i}/id",
                                   f"id {item_id!r} is used by more than one {key[:-1]}"))
            if isinstance(item_id, str):
                reported.add(item_id)

    def ref(value: Any, want: str, ptr: str, role: str) -> bool:
        if not isinstance(value, str) or not _REF.match(value):
            return False  # the schema reports malformed references
        kind = {"m": "mentions", "c": "claims", "s": "stances"}.get(value[0])
        if kind != want:
            out.append(problem("wrong-reference-kind", path, ptr,
                               f"{role} {value!r} must refer to a {want[:-1]} id "
                               f"({want[0]}1, {want[0]}2, ...)"))
            return False
        if value not in ids[want]:
            out.append(problem("dangling-reference", path, ptr,
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
            out.append(problem("duplicate-stance", path, f"/stances/{i}",
                               f"{holder} already has a stance towards {claim}; keep one"))
        if claimant_of.get(claim) == holder:
            out.append(problem("self-stance", path, f"/stances/{i}",
                               f"{holder} is the claimant of {claim}; its own claim needs no "
                               "stance"))
    for i, c in _items(data, "claims"):
        if (c.get("claimant", "") is None and c.get("type") not in ("fact", None)
                and c.get("id") not in stanced):
            out.append(problem("claim-unattributed", path, f"/claims/{i}/claimant",
                               f"{c.get('type')} {c.get('id')} has no claimant and no stance, so "
                               "the article itself makes it; check that no claimant was missed"))
    return out


@functools.lru_cache(maxsize=256)
def _ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, n + 1)]


@functools.lru_cache(maxsize=256)
def _numbers(prefix: str, n: int) -> dict[str, int]:
    return {f"{prefix}{i}": i for i in range(1, n + 1)}


_ABOVE_LATIN = re.compile("[^\x00-\u02ff]")  # where combining marks and emoji parts begin
_SPAN = operator.itemgetter("start", "end", "text", "type")
_ID = operator.itemgetter("id")
_CLAIMANT = operator.itemgetter("claimant")
_STANCE = operator.itemgetter("claim", "holder")
_lt = operator.lt
_minus_one = (1).__rsub__


def _clean_spans(items: list[dict[str, Any]], text: str) -> bool:
    """Every check of `_check_spans` at once, as maps over the items (no Python-level loop;
    no slices of `text`, which cost a scan each when it holds astral characters)."""
    if not items:
        return True
    rows = list(map(_SPAN, items))
    if not all(map(_lt, rows, rows[1:])):
        return False  # not strictly in (start, end, text, type) order: unsorted or a duplicate
    starts, ends, texts, _ = zip(*rows, strict=True)
    if max(ends) > len(text) or not all(texts):
        return False
    if list(map(len, texts)) != list(map(operator.sub, ends, starts)) or not all(
            map(text.startswith, texts, starts)):
        return False  # with the lengths equal, startswith is text[start:end] == span text
    if list(map(str.strip, texts)) != list(texts):
        return False
    offsets = list(set(starts).union(ends))
    padded = text + " "  # offset 0 looks back at, and len(text) forward to, a space
    before = list(map(padded.__getitem__, map(_minus_one, offsets)))
    after = list(map(padded.__getitem__, offsets))
    if any(map(operator.and_, map(str.isalnum, before), map(str.isalnum, after))):
        return False
    if not _ABOVE_LATIN.search("".join(before) + "".join(after)):
        return True
    size = len(text)
    return not any(splits_character(text, o) for o in offsets
                   if 0 < o < size and (text[o] >= "\u0300" or text[o - 1] >= "\u0300"))


def _clean_py(data: dict[str, Any], text: str) -> bool:
    """True only when the item checks below would find nothing, in a few maps.

    Called on schema-valid layers only, so shapes and types can be trusted. Anything unusual
    (a reference out of order, a span that needs a closer look) answers False and the full
    checks, which alone write problems, decide.
    """
    mentions, claims, stances = data["mentions"], data["claims"], data["stances"]
    nm, nc = len(mentions), len(claims)
    if (list(map(_ID, mentions)) != _ids("m", nm) or list(map(_ID, claims)) != _ids("c", nc)
            or list(map(_ID, stances)) != _ids("s", len(stances))):
        return False
    if not (_clean_spans(mentions, text) and _clean_spans(claims, text)):
        return False
    mnum, cnum = _numbers("m", nm), _numbers("c", nc)
    claimant = list(map(_CLAIMANT, claims))
    if not mnum.keys() >= set(claimant) - {None}:
        return False
    targets: tuple[str, ...] = ()
    if stances:
        targets, holders = zip(*map(_STANCE, stances), strict=True)
        if not (mnum.keys() >= set(holders) and cnum.keys() >= set(targets)):
            return False
        claim_no = list(map(cnum.__getitem__, targets))
        if any(map(operator.eq, map(claimant.__getitem__, map(_minus_one, claim_no)), holders)):
            return False  # a self-stance
        order = list(zip(claim_no, map(mnum.__getitem__, holders), strict=True))
        if not all(map(_lt, order, order[1:])):
            return False  # not in (claim, holder) order, or one holder twice on a claim
    if None not in claimant:
        return True
    stanced = set(targets)
    return all(x is not None or c["type"] == "fact" or c["id"] in stanced
               for x, c in zip(claimant, claims, strict=True))


_clean: Callable[[dict[str, Any], str], bool] = (
    _clean_py if C is None else functools.partial(C.clean, splits_character))


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
        return [problem("unsupported-schema-version", path, "/schema_version",
                        f"schema_version {data['schema_version']!r} is not supported (this "
                        f"validator knows {', '.join(SUPPORTED_VERSIONS)}); upgrade claimstance")]
    out = schema_check(ANNOTATION, data, path)
    if not isinstance(data, dict):
        return out
    annotator = data.get("annotator")
    if isinstance(annotator, str) and annotator != stem:
        out.append(problem("id-mismatch", path, "/annotator",
                           f"annotator {annotator!r} differs from the file name {stem!r}.json"))
    status = data.get("status")
    if isinstance(status, str) and (status == "gold") != (stem == GOLD):
        want = "gold" if stem == GOLD else "submitted"
        out.append(problem("status-mismatch", path, "/status",
                           f"status is {status!r} but {stem}.json must have status {want!r}"))
    doc = data.get("document")
    doc_ok = False
    if isinstance(doc, dict) and isinstance(doc.get("id"), str):
        if doc["id"] != folder:
            out.append(problem("id-mismatch", path, "/document/id",
                               f"document.id {doc['id']!r} differs from the folder "
                               f"annotations/{folder}/ the file is in"))
        elif not seed_exists:
            out.append(problem("document-not-found", path, "/document/id",
                               f"no seed seeds/{folder}.json for this annotation; ingest the "
                               "document first"))
        elif text_sha256 is not None and doc.get("sha256") != text_sha256:
            out.append(problem(
                "document-sha256-mismatch", path, "/document/sha256",
                "the seed's text changed since this was annotated (its sha256 is now "
                f"{text_sha256[:12]}...); offsets were not checked: re-annotate or re-pull"))
        else:
            doc_ok = True
    if not out and doc_ok and text is not None and _clean(data, text):
        return out
    out.extend(_check_references(data, path))
    if doc_ok and text is not None:
        out.extend(_check_spans(data, path, text))
    if not any(p.level is Level.ERROR for p in out) and not annotation_mod.is_canonical(data):
        out.append(problem("ids-not-canonical", path, "",
                           "items are not in text order with ids m1.., c1.., s1..; run "
                           "`claimstance fmt` to rewrite the file"))
    return out
