"""doccano JSONL (relation extraction) <-> annotation layers: one JSON object per document.

    {"text": ..., "doc_id": ..., "sha256": ..., "annotator": ..., "offset_units": "utf-16",
     "entities": [{"id": 0, "label": <type>, "start_offset": 0, "end_offset": 6}, ...],
     "relations": [{"id": 0, "from_id": 3, "to_id": 62, "type": "claimant"}, ...],
     "entity_links": [{"entity_id": 0, "start_offset": 0, "end_offset": 6, "label": <type>,
                       "qid": "Q3703"}]}

Decisions:

- Records are ASCII, every other character as a JSON `\\u` escape: doccano guesses a file's
  encoding (chardet, its "Auto" encoding) and reads a short UTF-8 file with accents and
  emoji as Windows-1252 or -1254 (mojibake with shifted spans, or a UnicodeDecodeError);
  ASCII is read the same under every guess, and the JSON parser restores the text.
- Offsets are UTF-16 code units, not code points. doccano stores the integers its frontend
  sends, and the frontend (v-annotator) takes them from the browser's selection and
  JavaScript string lengths; only a project in "grapheme mode" counts grapheme clusters
  instead (v-annotator src/domain/models/EventHandler/TextSelectionHandler.ts and
  Label/Text.ts). So 😞 counts 2 and 🇲🇱 counts 4. Grapheme-mode projects are not supported.
  `offset_units` says so in the record (doccano keeps it as metadata and exports it again);
  a record may say `"code-points"` instead (as Python tools count). A record that says
  neither is read as UTF-16 where both agree; an entity after a character outside the
  Basic Multilingual Plane, where they differ, is refused (`import-bad-offsets`), never
  guessed.
- Mentions are entities labelled with their mention type, claims with their claim type (the
  schema keeps the two label sets disjoint); relations are `claimant` and the stance labels,
  from the mention to the claim (drawn the other way, they are read the same).
- A doccano entity has nowhere to keep a QID, so QIDs go in `entity_links`, naming the
  entity by id and by span and label; doccano keeps unknown keys as the example's metadata
  and exports them again, as it does `doc_id` and `sha256`. Our ids are the entities'
  places in the record (0..), and doccano renumbers entities with ids that rise in the
  file's order (from 1 in a new doccano, so an id of ours names another entity of
  doccano's): a link goes to the entity at the place its `entity_id` names (entities
  ordered by id) if that one has its span and label, else to the one entity that has them;
  where several do (the same mention twice), it is refused, never guessed.
- Import the file into a "Sequence labeling" project with "Allow overlapping spans" and
  "Use relation labeling" on, and "Count grapheme clusters as one character" off (README
  says what doccano does otherwise).
- Problems point into the record with a JSON pointer (`/entities/3`) at the record's line.
"""

from __future__ import annotations

import json
from typing import Any

from ..problems import Code, Problem
from ..validation.reader import is_json_int
from .common import At, Items, ItemsBuilder, Layer, Seed, empty_items, relations, text_problem


def utf16_offsets(text: str) -> list[int]:
    """Code point offset i -> UTF-16 offset, for i in 0..len(text)."""
    out = [0]
    for ch in text:
        out.append(out[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return out


UNITS = "offset_units"
UTF16, CODE_POINTS = "utf-16", "code-points"


def to_doccano(seed: Seed, layer: Layer) -> dict[str, Any]:
    """One JSONL record: entity ids are mentions 0.., then claims, in the layer's order."""
    u16 = utf16_offsets(seed["text"])
    items = [*layer["mentions"], *layer["claims"]]
    eid = {x["id"]: i for i, x in enumerate(items)}
    return {
        "text": seed["text"], "doc_id": seed["id"], "sha256": seed["sha256"],
        "annotator": layer["annotator"], UNITS: UTF16,
        "entities": [{"id": eid[x["id"]], "label": x["type"], "start_offset": u16[x["start"]],
                      "end_offset": u16[x["end"]]} for x in items],
        "relations": [{"id": i, "from_id": eid[a], "to_id": eid[b], "type": t}
                      for i, (t, a, b) in enumerate(relations(layer))],
        "entity_links": [{"entity_id": eid[m["id"]], "start_offset": u16[m["start"]],
                          "end_offset": u16[m["end"]], "label": m["type"], "qid": m["entity"]}
                         for m in layer["mentions"] if m.get("entity")],
    }


def to_jsonl(record: dict[str, Any]) -> bytes:
    """One line of the file: ASCII, which every encoding doccano may guess reads the same."""
    return json.dumps(record, ensure_ascii=True).encode("ascii") + b"\n"


def _list(b: ItemsBuilder, record: dict[str, Any], key: str, line: int | None) -> list[Any]:
    value = record.get(key, [])
    if not isinstance(value, list):
        b.problem(Code.IMPORT_BAD_LINE, At(f"/{key}", line),
                  f"{key!r} must be a list; none of it was imported")
        return []
    return value


class Reading:
    """How a record's offsets become code points: as UTF-16 code units, as code points, or,
    where the record does not say, only where both readings agree."""

    def __init__(self, text: str, units: str | None) -> None:
        self.units = units
        self.n = len(text)
        u16 = utf16_offsets(text)
        self.n16 = u16[-1]
        self.cp = {u: i for i, u in enumerate(u16)}

    def __call__(self, start: int, end: int) -> tuple[int, int] | str:
        """Code point offsets, or why there are none."""
        points_fit = 0 <= start <= end <= self.n
        if self.units == CODE_POINTS:
            return (start, end) if points_fit else (
                f"has code point offsets {start}-{end}, beyond the text ({self.n})")
        u16 = (self.cp[start], self.cp[end]) if start in self.cp and end in self.cp else None
        if self.units is None and u16 != (start, end) and points_fit:
            return (f"({start}-{end}) comes after a character outside the Basic Multilingual "
                    "Plane (an emoji, a flag), where UTF-16 code units (what doccano's "
                    "annotator counts) and code points (what Python counts) differ, and the "
                    f"record has no {UNITS!r} saying which it uses: add \"{UNITS}\": "
                    f"\"{UTF16}\" (doccano's own files) or \"{CODE_POINTS}\", and import "
                    "again")
        if u16 is None:
            why = (f"beyond the text ({self.n16} UTF-16 code units)"
                   if not 0 <= start <= end <= self.n16
                   else "inside a character (between the two halves of a surrogate pair)")
            return f"has UTF-16 offsets {start}-{end}, {why}"
        return u16


def _reading(b: ItemsBuilder, record: dict[str, Any], line: int | None) -> Reading:
    units = record.get(UNITS)
    if units is not None and units not in (UTF16, CODE_POINTS):
        b.problem(Code.IMPORT_BAD_LINE, At(f"/{UNITS}", line),
                  f"{UNITS} is {units!r}; it is {UTF16!r} (doccano's annotator) or "
                  f"{CODE_POINTS!r}, and was read as if absent")
        units = None
    return Reading(b.text, units)


Spans = dict[tuple[int, int, str], list[str]]  # (start, end, label) -> entity keys


def _entities(b: ItemsBuilder, record: dict[str, Any], read: Reading,
              line: int | None) -> tuple[Spans, list[str]]:
    """The imported entities' keys by span and label, and every entity's key in id order
    (the order the file gave them, in ours and in doccano's numbering)."""
    spans: Spans = {}
    seen: set[str] = set()
    ids: list[int] = []
    for k, e in enumerate(_list(b, record, "entities", line)):
        at = At(f"/entities/{k}", line)
        fields = e if isinstance(e, dict) else {}
        eid, label = fields.get("id"), fields.get("label")
        start, end = fields.get("start_offset"), fields.get("end_offset")
        if not (is_json_int(eid) and isinstance(label, str) and is_json_int(start)
                and is_json_int(end)):
            b.problem(Code.IMPORT_BAD_LINE, at, f"an entity needs an integer id, a label and "
                                                f"integer start_offset and end_offset: {e!r}")
            continue
        key = str(eid)
        if key in seen:
            b.problem(Code.IMPORT_BAD_LINE, at, f"entity id {eid} is used twice; this one was "
                                                "not imported")
            continue
        seen.add(key)
        ids.append(eid)
        got = read(start, end)
        if isinstance(got, str):
            b.problem(Code.IMPORT_BAD_OFFSETS, at, f"entity {eid} {got}; it was not imported")
            b.refuse(key, at)
            continue
        spans.setdefault((*got, label), []).append(key)
        b.span(key, *got, label, at)
    return spans, [str(i) for i in sorted(ids)]


def _links(b: ItemsBuilder, record: dict[str, Any], read: Reading, spans: Spans,
           order: list[str], line: int | None) -> None:
    """Each QID to the entity at the place its link's `entity_id` names, if that entity has
    the link's span and label, else to the one entity with them."""
    for k, x in enumerate(_list(b, record, "entity_links", line)):
        at = At(f"/entity_links/{k}", line)
        fields = x if isinstance(x, dict) else {}
        start, end = fields.get("start_offset"), fields.get("end_offset")
        label, qid, eid = fields.get("label"), fields.get("qid"), fields.get("entity_id")
        got = read(start, end) if is_json_int(start) and is_json_int(end) else "no offsets"
        keys = (spans.get((*got, label), []) if isinstance(got, tuple)
                and isinstance(label, str) else [])
        placed = order[eid] if is_json_int(eid) and 0 <= eid < len(order) else None
        named = placed if placed in keys else None
        if not isinstance(qid, str):
            b.problem(Code.IMPORT_BAD_LINK, at, f"the entity link {x!r} has no 'qid' string "
                                                "(a Wikidata id such as \"Q912\"); it was not "
                                                "imported")
        elif not keys:
            b.problem(Code.IMPORT_BAD_LINK, at, f"the entity link {x!r} matches no entity of "
                                                "the same offsets and label; it was not imported")
        elif named is None and len(keys) > 1:
            b.problem(Code.IMPORT_BAD_LINK, at,
                      f"{qid} links {len(keys)} entities of the same offsets and label "
                      f"(entities {', '.join(keys)}) and its entity_id names none of them (by "
                      "its place in the record); it was not imported (add the QID to the right "
                      "mention by hand)")
        else:
            b.link(named or keys[0], qid, at)


def record_text(record: Any) -> str | None:
    """The record's text, or None when it is not a doccano record at all."""
    text = record.get("text") if isinstance(record, dict) else None
    return text if isinstance(text, str) else None


def from_doccano(record: Any, seed: Seed, path: str = "doc.jsonl",
                 line: int | None = None) -> tuple[Items, list[Problem]]:
    """Layer items from one doccano record of `seed`, and the problems of what was not kept.

    `line` is the record's line in the JSONL file. A record that is not an object with a
    `text` string (`import-unreadable`), or whose text is not the seed's text
    (`import-text-mismatch`), is refused whole.
    """
    text = record_text(record)
    if text is None:
        return empty_items(), [Problem(path, "", Code.IMPORT_UNREADABLE,
                                       "not a doccano record: an object with a 'text' string "
                                       "is expected", line)]
    mismatch = text_problem(text, seed, path, line)
    if mismatch is not None:
        return empty_items(), [mismatch]
    b = ItemsBuilder(seed["text"], path, "entity {}")
    read = _reading(b, record, line)
    spans, order = _entities(b, record, read, line)
    for k, r in enumerate(_list(b, record, "relations", line)):
        at = At(f"/relations/{k}", line)
        fields = r if isinstance(r, dict) else {}
        a, c, type_ = fields.get("from_id"), fields.get("to_id"), fields.get("type")
        if not (is_json_int(a) and is_json_int(c) and isinstance(type_, str)):
            b.problem(Code.IMPORT_BAD_LINE, at, f"a relation needs integer from_id and to_id "
                                                f"and a type: {r!r}")
            continue
        b.relation(type_, str(a), str(c), at)
    _links(b, record, read, spans, order, line)
    if record.get("label"):  # a sequence-labeling export ([start, end, label] lists)
        b.problem(Code.IMPORT_BAD_LINE, At("/label", line),
                  "'label' holds spans in doccano's sequence-labeling layout, without ids or "
                  "relations; none of it was imported: export the project as JSONL (relation)")
    comments = record.get("Comments")
    if comments:
        n = len(comments) if isinstance(comments, list) else 1
        b.problem(Code.IMPORT_UNSUPPORTED, At("/Comments", line),
                  f"{n} doccano comment(s) cannot be kept in a layer; they were "
                  "not imported")
    return b.items(), b.problems
