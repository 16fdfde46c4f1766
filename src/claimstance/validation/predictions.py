"""Read a predictions file (JSON Lines, `schema/prediction.schema.json`) strictly.

Each line is read like every corpus file (encoding, syntax, duplicate keys, the schema),
then checked against the document it names: the doc_id is one of the gold documents and
not repeated, offsets fit the text, stated texts equal the slices, ids are unique and
references resolve. Every problem carries the line number and a JSON pointer into that
line's object. A line with problems gives no items; the caller refuses to score.

A claimant or holder given as a span is the predicted mention with those offsets, or else
a span the prediction names only there (`Items.implicit`: linked to gold like a mention,
never counted as a predicted mention). A stance's claim given as a span must be a
predicted claim's.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..corpus.items import Items, Span, implicit_links, to_layer
from ..corpus.layout import Corpus
from ..corpus.schema import PREDICTION
from ..problems import Code, Problem, Refused, problem, refuse
from .reader import MAX_BYTES, NotAFile, is_json_int, load_bytes, open_regular
from .rules import integer_problem, range_problem, text_problem
from .schema_errors import check as schema_check


@dataclass
class Predictions:
    """What a predictions file holds: items by document, and every problem found."""

    items: dict[str, Items] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # doc_id -> line number
    problems: list[Problem] = field(default_factory=list)


def open_predictions(path: Path, display: str) -> BinaryIO:
    """The predictions file open for reading, or a coded refusal saying why it cannot be:
    missing, standard input ('-'), or not a regular file (a FIFO is never waited on)."""
    try:
        fd, _ = open_regular(path)
    except FileNotFoundError:
        why = (": '-' is not read as standard input; write the predictions to a file and "
               "give its path" if str(path) == "-" else "")
        raise refuse(Code.FILE_NOT_FOUND, display, f"no predictions file {display}{why}"
                     ) from None
    except NotAFile:
        raise refuse(Code.NOT_A_FILE, display,
                     f"{display} is not a regular file (a folder, a FIFO or a device): "
                     "write the predictions to a file and give its path") from None
    except OSError as e:
        raise refuse(Code.IO_ERROR, display, f"cannot read {display}: {e.strerror}") from None
    return os.fdopen(fd, "rb")


#: The longest line read: one document's predictions, as large as a corpus file, and its end.
LINE_LIMIT = MAX_BYTES + 2


def _lines(fh: BinaryIO) -> Iterator[tuple[int, bytes | int]]:
    """(line number, line without its end) of each line, or the line's length in bytes when
    it is over the limit (never held in memory whole)."""
    with fh:
        for n in itertools.count(1):
            raw = fh.readline(LINE_LIMIT)
            if not raw:
                return
            if len(raw) == LINE_LIMIT and not raw.endswith(b"\n"):
                size = len(raw)
                while raw and not raw.endswith(b"\n"):
                    raw = fh.readline(1 << 20)
                    size += len(raw)
                yield n, size
            else:
                yield n, raw.rstrip(b"\r\n")


def _too_long(display: str, line: int, size: int) -> Problem:
    return Problem(display, "", Code.FILE_TOO_LARGE,
                   f"line {line} is {size:,} bytes; one document's predictions may be at most "
                   f"{MAX_BYTES:,}, as any corpus file. Is this a JSON Lines file (one "
                   "document per line, each ending with \\n)?", line)


def _hint(p: Problem, raw: bytes) -> Problem:
    """A syntax error in a line that holds a carriage return: say that CR alone does not
    end a line (a file with CR line ends is one long line)."""
    if p.code is not Code.INVALID_JSON or b"\r" not in raw:
        return p
    return Problem(p.path, p.pointer, p.code, f"{p.message} (the line holds a carriage return: "
                   "CR line ends? JSON Lines end each line with \\n)", p.line, p.column)


def read_predictions(path: Path, display: str, texts: Mapping[str, str],
                     digests: Mapping[str, str] | None = None, *, among: str) -> Predictions:
    """Check and resolve every line; `texts` are the documents predictions may name
    (doc_id -> text), `digests` their sha256, and `among` says what they are, in the caller's
    words, for a doc_id that is none of them ("no document 'x' {among}"). A file that cannot
    be read is refused."""
    out = Predictions()
    for n, raw in _lines(open_predictions(path, display)):
        if isinstance(raw, int) or len(raw) > MAX_BYTES:
            out.problems.append(_too_long(display, n, raw if isinstance(raw, int) else len(raw)))
            continue
        if not raw.strip():
            continue  # a blank line holds nothing to lose
        f = load_bytes(raw, display, MAX_BYTES)  # a line may be as large as a corpus file
        found = [_hint(p, raw) for p in f.problems]
        items = None
        if f.parsed:
            shape = schema_check(PREDICTION, f.data, display)
            more, items = check_line(f.data, display, texts, digests or {}, out.lines, n,
                                     among, resolve=not shape and not found)
            found += shape + more
        if found:
            out.problems += [p.at(n, p.column) for p in f.locate(found)]
        elif items is not None:
            doc_id = f.data["doc_id"]
            out.items[doc_id] = items
        if isinstance(f.data, dict) and isinstance(f.data.get("doc_id"), str):
            out.lines.setdefault(f.data["doc_id"], n)
    return out


def _offset(x: Any) -> bool:
    return is_json_int(x) and x >= 0


def _span(x: Any) -> Span | None:
    """(start, end) of an object with int offsets, else None (the schema reports it)."""
    if isinstance(x, dict) and _offset(x.get("start")) and _offset(x.get("end")):
        return x["start"], x["end"]
    return None


def _list(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    items = data.get(key, [])
    return [(i, x) for i, x in enumerate(items) if isinstance(x, dict)] \
        if isinstance(items, list) else []


def check_line(data: Any, path: str, texts: Mapping[str, str], digests: Mapping[str, str],
               seen: Mapping[str, int], line: int, among: str, *,
               resolve: bool = True) -> tuple[list[Problem], Items | None]:
    """The problems of one parsed line and, when it has none (and `resolve`: the schema
    found none either), its resolved items (`among`: as `read_predictions`)."""
    out: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("doc_id"), str):
        return out, None
    doc_id = data["doc_id"]
    if doc_id in seen and seen[doc_id] != line:
        out.append(problem(Code.DUPLICATE_DOCUMENT, path, "/doc_id",
                           f"{doc_id!r} is already predicted on line {seen[doc_id]}; keep one "
                           "line per document"))
    text = texts.get(doc_id)
    if text is None:
        out.append(problem(Code.DOCUMENT_NOT_FOUND, path, "/doc_id",
                           f"no document {doc_id!r} {among}"))
        return out, None
    digest = data.get("sha256")
    if isinstance(digest, str) and doc_id in digests and digest != digests[doc_id]:
        out.append(problem(Code.DOCUMENT_SHA256_MISMATCH, path, "/sha256",
                           f"the prediction was made on another text than {doc_id!r} has now "
                           f"(its sha256 is {digests[doc_id][:12]}...); predict again"))

    def check_span(x: Any, ptr: str) -> Span | None:
        """The offsets of x when they fit the text (problems reported), else None."""
        span = _span(x)
        if span is None:
            if isinstance(x, dict):
                out.extend(bad for bad in (integer_problem(x.get(k), path, f"{ptr}/{k}")
                                           for k in ("start", "end")) if bad is not None)
            return None
        bad = range_problem(span[0], span[1], len(text), path, ptr)
        if bad is not None:
            out.append(bad)
            return None
        got = x.get("text")
        if isinstance(got, str) and got != text[span[0]:span[1]]:
            out.append(text_problem(got, text, span[0], span[1], path, f"{ptr}/text"))
        return span

    ids: dict[str, dict[str, int]] = {}
    spans: dict[str, dict[int, Span | None]] = {}
    for kind in ("mentions", "claims", "stances"):
        ids[kind] = {}
        spans[kind] = {}
        for i, x in _list(data, kind):
            if kind != "stances":
                spans[kind][i] = check_span(x, f"/{kind}/{i}")
            item_id = x.get("id")
            if isinstance(item_id, str):
                if item_id in ids[kind]:
                    out.append(problem(Code.DUPLICATE_ID, path, f"/{kind}/{i}/id",
                                       f"id {item_id!r} is used by more than one {kind[:-1]} "
                                       "on this line"))
                ids[kind].setdefault(item_id, i)

    mentions = _list(data, "mentions")
    claims = _list(data, "claims")
    m_spans = [spans["mentions"][i] for i, _ in mentions]
    c_spans = [spans["claims"][i] for i, _ in claims]
    m_index = {i: k for k, (i, _) in enumerate(mentions)}
    c_index = {i: k for k, (i, _) in enumerate(claims)}
    m_at = _first_at(m_spans, [x.get("type") for _, x in mentions])
    c_at = _first_at(c_spans, [x.get("type") for _, x in claims])
    implicit: dict[Span, int] = {}

    index = {"mentions": m_index, "claims": c_index}

    def by_id(ref: str, ptr: str, role: str, want: str, other: str) -> int | None:
        """Index of the item of kind `want` whose id is `ref`; a coded problem otherwise."""
        if ref in ids[want]:
            return index[want][ids[want][ref]]
        wrong = ref in ids[other]
        out.append(problem(Code.WRONG_REFERENCE_KIND if wrong else Code.DANGLING_REFERENCE,
                           path, ptr, f"{role} {ref!r} is not the id of a {want[:-1]} on this "
                           "line" + (f" (it is a {other[:-1]}'s)" if wrong else "")))
        return None

    def person(ref: Any, ptr: str, role: str) -> int | None:
        """Index of the mention (or named span) a claimant or holder refers to."""
        if isinstance(ref, str):
            return by_id(ref, ptr, role, "mentions", "claims")
        span = check_span(ref, ptr)
        if span is None:
            return None
        if span in m_at:
            return m_at[span]
        return len(mentions) + implicit.setdefault(span, len(implicit))

    def claim(ref: Any, ptr: str) -> int | None:
        if isinstance(ref, str):
            return by_id(ref, ptr, "claim", "claims", "mentions")
        span = check_span(ref, ptr)
        if span is None:
            return None
        if span not in c_at:
            out.append(problem(Code.UNRESOLVED_SPAN_REFERENCE, path, ptr,
                               f"no claim predicted on this line has the offsets "
                               f"{span[0]}-{span[1]}; give a predicted claim's span or id"))
            return None
        return c_at[span]

    claimants: list[int | None] = []
    for i, x in claims:
        ref = x.get("claimant")
        claimants.append(None if ref is None else person(ref, f"/claims/{i}/claimant",
                                                         "claimant"))
    stances: list[tuple[int, int, str]] = []
    held: dict[tuple[int, int], int] = {}
    for i, x in _list(data, "stances"):
        h = person(x.get("holder"), f"/stances/{i}/holder", "holder")
        c = claim(x.get("claim"), f"/stances/{i}/claim")
        if h is None or c is None:
            continue
        if (h, c) in held:
            out.append(problem(Code.DUPLICATE_STANCE, path, f"/stances/{i}",
                               f"stances {held[(h, c)]} and {i} have the same holder and "
                               "claim; keep one"))
        held.setdefault((h, c), i)
        stances.append((h, c, str(x.get("label"))))
    if out or not resolve:
        return out, None
    labelled = []
    for kind_spans, kind_items in ((m_spans, mentions), (c_spans, claims)):
        labelled.append([(sp[0], sp[1], str(x["type"]))
                         for sp, (_, x) in zip(kind_spans, kind_items, strict=True)
                         if sp is not None])
    return out, Items(mentions=labelled[0], claims=labelled[1], claimants=claimants,
                      stances=stances, implicit=sorted(implicit, key=implicit.__getitem__))


def _first_at(spans: list[Span | None], labels: list[Any]) -> dict[Span, int]:
    """Span -> index of the first item with those offsets, in canonical order (start, end,
    label, position): what a span reference resolves to."""
    out: dict[Span, int] = {}
    order = sorted((s, str(label), k) for k, (s, label) in enumerate(zip(spans, labels,
                                                                         strict=True))
                   if s is not None)
    for s, _, k in order:
        out.setdefault(s, k)
    return out


class _Seeds(Mapping[str, str]):
    """doc_id -> text (or sha256) of the corpus's seeds, each read once, when a line names
    it (`seeds` is the cache the two views share)."""

    def __init__(self, corpus: Corpus, key: str, seeds: dict[str, dict[str, Any]]) -> None:
        self.corpus, self.key, self.seeds = corpus, key, seeds
        self.ids = set(corpus.doc_ids())

    def __getitem__(self, doc_id: str) -> str:
        if doc_id not in self.ids:
            raise KeyError(doc_id)
        if doc_id not in self.seeds:
            self.seeds[doc_id] = self.corpus.read_seed(doc_id)
        value: str = self.seeds[doc_id][self.key]
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.ids))

    def __len__(self) -> int:
        return len(self.ids)


def checked_predictions(path: Path, shown: str, texts: Mapping[str, str],
                        digests: Mapping[str, str], done: str, among: str) -> Predictions:
    """The predictions of `path` for the documents `texts` (`among`: what they are, as
    `read_predictions` says it), or `Refused` with every problem (nothing is `done` with bad
    predictions); a file that cannot be read is refused."""
    read = read_predictions(path, shown, texts, digests, among=among)
    if read.problems:
        raise Refused(f"{len(read.problems)} problem(s) in {shown}; nothing was {done}: fix "
                      "them first", sorted(read.problems, key=lambda p: (p.line or 0,
                                                                         p.pointer)))
    return read


def prediction_layers(corpus: Corpus, path: Path) -> tuple[dict[str, dict[str, Any]], int]:
    """A predictions file as layer-shaped items per document of a (valid) corpus, for Label
    Studio suggestions and `agree --against predictions`; refused (`Refused`, every coded
    problem with its line) unless every line is sound. Also returns how many claimants and
    holders were named only by a span (a layer cannot keep them)."""
    seeds: dict[str, dict[str, Any]] = {}
    texts = _Seeds(corpus, "text", seeds)
    read = checked_predictions(path, path.name, texts, _Seeds(corpus, "sha256", seeds), "used",
                               "in the corpus (no seeds/<doc_id>.json); check the id")
    layers = {d: to_layer(items, texts[d]) for d, items in read.items.items()}
    return layers, sum(implicit_links(items) for items in read.items.values())
