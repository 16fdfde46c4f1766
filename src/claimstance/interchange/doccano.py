"""doccano JSONL (relation extraction) <-> annotation layers: one JSON object per document.

    {"text": ..., "doc_id": ..., "sha256": ..., "annotator": ...,
     "entities": [{"id": 0, "label": <type>, "start_offset": 0, "end_offset": 6}, ...],
     "relations": [{"id": 0, "from_id": 3, "to_id": 62, "type": "claimant"}, ...],
     "entity_links": [{"start_offset": 0, "end_offset": 6, "label": <type>, "qid": "Q3703"}]}

Decisions:

- Offsets are UTF-16 code units, not code points. doccano stores the integers its frontend
  sends, and the frontend (v-annotator) takes them from the browser's selection and
  JavaScript string lengths; only a project in "grapheme mode" counts grapheme clusters
  instead (v-annotator src/domain/models/EventHandler/TextSelectionHandler.ts and
  Label/Text.ts). So 😞 counts 2 and 🇲🇱 counts 4. Grapheme-mode projects are not supported.
- Mentions are entities labelled with their mention type, claims with their claim type (the
  schema keeps the two label sets disjoint); relations are `claimant` and the stance labels,
  from the mention to the claim (drawn the other way, they are read the same).
- A doccano entity has nowhere to keep a QID, so QIDs go in `entity_links`, keyed by span
  and label; doccano keeps unknown keys as the example's metadata and exports them again, as
  it does `doc_id` and `sha256`.
- Import the file into a "Sequence labeling" project with "Allow overlapping spans" and
  "Use relation labeling" on: otherwise doccano drops overlapping spans on import
  (backend/data_import/pipeline/labels.py, `Spans.clean`), and mentions nest inside claims.
- Problems point into the record with a JSON pointer (`/entities/3`) at the record's line.
"""

from __future__ import annotations

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


def to_doccano(seed: Seed, layer: Layer) -> dict[str, Any]:
    """One JSONL record: entity ids are mentions 0.., then claims, in the layer's order."""
    u16 = utf16_offsets(seed["text"])
    items = [*layer["mentions"], *layer["claims"]]
    eid = {x["id"]: i for i, x in enumerate(items)}
    return {
        "text": seed["text"], "doc_id": seed["id"], "sha256": seed["sha256"],
        "annotator": layer["annotator"],
        "entities": [{"id": eid[x["id"]], "label": x["type"], "start_offset": u16[x["start"]],
                      "end_offset": u16[x["end"]]} for x in items],
        "relations": [{"id": i, "from_id": eid[a], "to_id": eid[b], "type": t}
                      for i, (t, a, b) in enumerate(relations(layer))],
        "entity_links": [{"start_offset": u16[m["start"]], "end_offset": u16[m["end"]],
                          "label": m["type"], "qid": m["entity"]}
                         for m in layer["mentions"] if m.get("entity")],
    }


def _list(b: ItemsBuilder, record: dict[str, Any], key: str, line: int | None) -> list[Any]:
    value = record.get(key, [])
    if not isinstance(value, list):
        b.problem(Code.IMPORT_BAD_LINE, At(f"/{key}", line),
                  f"{key!r} must be a list; none of it was imported")
        return []
    return value


def _entities(b: ItemsBuilder, record: dict[str, Any], cp: dict[int, int],
              line: int | None) -> dict[tuple[int, int, str], str]:
    spans: dict[tuple[int, int, str], str] = {}
    seen: set[str] = set()
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
        if start not in cp or end not in cp:
            n = max(cp)
            why = (f"beyond the text ({n} UTF-16 code units)" if not 0 <= start <= end <= n
                   else "inside a character (between the two halves of a surrogate pair)")
            b.problem(Code.IMPORT_BAD_OFFSETS, at, f"entity {eid} has UTF-16 offsets "
                                                   f"{start}-{end}, {why}; it was not imported")
            b.refuse(key, at)
            continue
        spans[(cp[start], cp[end], label)] = key
        b.span(key, cp[start], cp[end], label, at)
    return spans


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
    cp = {u: i for i, u in enumerate(utf16_offsets(seed["text"]))}
    spans = _entities(b, record, cp, line)
    for k, r in enumerate(_list(b, record, "relations", line)):
        at = At(f"/relations/{k}", line)
        fields = r if isinstance(r, dict) else {}
        a, c, type_ = fields.get("from_id"), fields.get("to_id"), fields.get("type")
        if not (is_json_int(a) and is_json_int(c) and isinstance(type_, str)):
            b.problem(Code.IMPORT_BAD_LINE, at, f"a relation needs integer from_id and to_id "
                                                f"and a type: {r!r}")
            continue
        b.relation(type_, str(a), str(c), at)
    for k, x in enumerate(_list(b, record, "entity_links", line)):
        at = At(f"/entity_links/{k}", line)
        fields = x if isinstance(x, dict) else {}
        start, end = fields.get("start_offset"), fields.get("end_offset")
        label, qid = fields.get("label"), fields.get("qid")
        target = (spans.get((cp[start], cp[end], label), "")
                  if is_json_int(start) and is_json_int(end) and isinstance(label, str)
                  and start in cp and end in cp else "")
        if not isinstance(qid, str) or not target:
            b.problem(Code.IMPORT_BAD_LINK, at, f"the entity link {x!r} matches no entity of "
                                                "the same offsets and label; it was not imported")
            continue
        b.link(target, qid, at)
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
