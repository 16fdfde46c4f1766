"""doccano JSONL (relation extraction): round trips, UTF-16 offsets, bad records."""

from __future__ import annotations

import json
from typing import Any

import pytest

from claimstance.corpus.annotation import canonicalize
from claimstance.interchange.common import to_layer
from claimstance.interchange.doccano import from_doccano, to_doccano, utf16_offsets

from .interchange_cases import CASES, EMOJI_TEXT, two_malis
from .test_interchange_brat import errors


def through_json(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(record, ensure_ascii=False))
    return out


@pytest.mark.parametrize("case", CASES)
def test_round_trip(case: str) -> None:
    seed, layer = CASES[case]
    items, problems = from_doccano(through_json(to_doccano(seed, layer)), seed)
    assert problems == []
    back = to_layer(seed, layer["annotator"], items, layer["provenance"])
    assert back == canonicalize(layer)
    assert errors(seed, back) == []


def test_shape_is_doccanos_relation_extraction_jsonl() -> None:
    seed, layer = CASES["hand-built/A"]
    record = to_doccano(seed, layer)
    assert list(record)[:1] == ["text"]
    assert all(set(e) == {"id", "label", "start_offset", "end_offset"} for e in record["entities"])
    assert all(set(r) == {"id", "from_id", "to_id", "type"} for r in record["relations"])
    ids = {e["id"] for e in record["entities"]}
    assert all(r["from_id"] in ids and r["to_id"] in ids for r in record["relations"])
    assert len(record["relations"]) == 1 + 4  # one claimant, four stances


@pytest.mark.parametrize("case", CASES)
def test_offsets_are_utf16_code_units(case: str) -> None:
    """What JavaScript's String.prototype.slice(start, end) gives is each span's text."""
    seed, layer = CASES[case]
    record = to_doccano(seed, layer)
    units = seed["text"].encode("utf-16-le")
    for e, item in zip(record["entities"], [*layer["mentions"], *layer["claims"]], strict=True):
        js_slice = units[2 * e["start_offset"]:2 * e["end_offset"]].decode("utf-16-le")
        assert js_slice == item["text"]


def test_astral_characters_count_two() -> None:
    seed, layer = CASES["emoji-text/ann-e"]
    record = to_doccano(seed, layer)
    flag = next(e for e in record["entities"] if e["label"] == "GPE"
                and e["start_offset"] == EMOJI_TEXT.index("🇲🇱"))
    assert flag["end_offset"] - flag["start_offset"] == 4
    assert utf16_offsets("a😞b") == [0, 1, 3, 4]


def test_offsets_inside_a_surrogate_pair_are_refused() -> None:
    seed, layer = CASES["emoji-text/ann-e"]
    record = to_doccano(seed, layer)
    start = utf16_offsets(EMOJI_TEXT)[EMOJI_TEXT.index("😞")]
    record["entities"].append({"id": 99, "label": "GROUP", "start_offset": start + 1,
                               "end_offset": start + 2})
    items, problems = from_doccano(record, seed, "x.jsonl", line=7)
    assert [(p.code.value, p.path, p.pointer, p.line) for p in problems] == [
        ("import-bad-offsets", "x.jsonl", f"/entities/{len(record['entities']) - 1}", 7)]
    assert "surrogate" in problems[0].message
    assert to_layer(seed, "ann-e", items, layer["provenance"]) == layer


def test_text_that_differs_is_refused() -> None:
    seed, layer = CASES["hand-built/B"]
    record = to_doccano(seed, layer)
    record["text"] = record["text"].replace("Niger", "Chad")
    items, problems = from_doccano(record, seed, line=3)
    assert items == {"mentions": [], "claims": [], "stances": []}
    assert [(p.code.value, p.line) for p in problems] == [("import-text-mismatch", 3)]


def test_malformed_records_give_coded_problems_with_pointers() -> None:
    seed, layer = CASES["hand-built/A"]
    record = to_doccano(seed, layer)
    n = len(record["entities"])
    r = len(record["relations"])
    record["entities"] += [
        {"id": 0, "label": "GPE", "start_offset": 0, "end_offset": 4},  # id used twice
        {"id": n, "label": "WEAPON", "start_offset": 0, "end_offset": 4},
        {"id": n + 1, "label": "GPE", "start_offset": 0},
        {"id": n + 2, "label": "GPE", "start_offset": 3, "end_offset": 500},
    ]
    record["relations"] += [
        {"id": 90, "from_id": n, "to_id": 0, "type": "support"},
        {"id": 91, "from_id": 0, "to_id": 1, "type": "support"},
        {"id": 92, "from_id": 0, "to_id": 1, "type": "blames"},
        {"id": 93, "from_id": "x", "to_id": 1, "type": "support"},
    ]
    record["entity_links"] = [{"start_offset": 0, "end_offset": 4, "label": "ORG", "qid": "Q1"}]
    record["Comments"] = [{"id": 1, "comment": "check"}]
    items, problems = from_doccano(record, seed, line=2)
    got = sorted((p.code.value, p.pointer) for p in problems)
    assert got == sorted([
        ("import-bad-line", f"/entities/{n}"), ("import-unknown-label", f"/entities/{n + 1}"),
        ("import-bad-line", f"/entities/{n + 2}"), ("import-bad-offsets", f"/entities/{n + 3}"),
        ("import-bad-relation", f"/relations/{r}"), ("import-bad-relation", f"/relations/{r + 1}"),
        ("import-unknown-label", f"/relations/{r + 2}"), ("import-bad-line", f"/relations/{r + 3}"),
        ("import-bad-link", "/entity_links/0"), ("import-unsupported", "/Comments")])
    assert {p.line for p in problems} == {2}
    assert to_layer(seed, "ann-a", items, layer["provenance"]) == layer


def test_a_relation_drawn_from_the_claim_is_read_the_other_way() -> None:
    seed, layer = CASES["hand-built/A"]
    record = to_doccano(seed, layer)
    for r in record["relations"]:
        r["from_id"], r["to_id"] = r["to_id"], r["from_id"]
    items, problems = from_doccano(record, seed)
    assert problems == [] and to_layer(seed, "ann-a", items, layer["provenance"]) == layer


@pytest.mark.parametrize("record", [
    [], {"text": 3}, {"text": "x", "entities": {}},
    {"text": None}, {"entities": [{"id": 1}]},
])
def test_junk_never_raises(record: Any) -> None:
    seed, _ = CASES["hand-built/A"]
    items, problems = from_doccano(record, seed, line=4)
    assert items == {"mentions": [], "claims": [], "stances": []}
    assert [(p.code.value, p.line) for p in problems][:1] in (
        [("import-unreadable", 4)], [("import-text-mismatch", 4)])


def test_junk_parts_of_a_good_record_never_raise() -> None:
    seed, layer = CASES["hand-built/A"]
    record = to_doccano(seed, layer)
    record["entities"] = [*record["entities"], 5, None, {"id": True, "label": "GPE"}]
    record["relations"] = "none"
    record["entity_links"] = [None, {"start_offset": "0"}]
    record["Comments"] = 7
    _, problems = from_doccano(record, seed, line=1)
    assert {p.code.value for p in problems} == {"import-bad-line", "import-bad-link",
                                                "import-unsupported"}


def test_a_sequence_labeling_export_is_not_mistaken_for_an_empty_layer() -> None:
    seed, _ = CASES["hand-built/A"]
    record = {"id": 1, "text": seed["text"], "label": [[0, 4, "GPE"]], "Comments": []}
    items, problems = from_doccano(record, seed, line=1)
    assert items == {"mentions": [], "claims": [], "stances": []}
    assert [(p.code.value, p.pointer) for p in problems] == [("import-bad-line", "/label")]


def test_a_text_with_unicode_line_separators_reads_back_as_one_record(tmp_path: Any) -> None:
    """JSON Lines split at \\n only: export writes U+2028, U+0085 and U+001C unescaped
    (ensure_ascii=False), and str.splitlines() would cut a record there."""
    from claimstance.interchange.importer import read_doccano

    text = "Mali\u2028said\x85Algeria\x1clied."
    record = {"text": text, "entities": [], "relations": []}
    path = tmp_path / "x.jsonl"
    path.write_bytes((json.dumps(record, ensure_ascii=False) + "\r\n" +
                      json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    problems: list[Any] = []
    docs = read_doccano(path, problems)
    assert problems == [] and [d.text for d in docs] == [text, text]


# --- what doccano's own pipeline needs, and what it does to a file --------------------------

def test_the_file_is_ascii_and_reads_back_the_same(tmp_path: Any) -> None:
    """doccano guesses the encoding of a file; ASCII reads the same under every guess."""
    from claimstance.interchange.doccano import to_jsonl

    seed, layer = CASES["special-text/ann-s"]
    line = to_jsonl(to_doccano(seed, layer))
    assert line.isascii() and line.endswith(b"\n") and line.count(b"\n") == 1
    for guess in ("ascii", "utf-8", "windows-1252", "windows-1254", "latin-1"):
        assert json.loads(line.decode(guess)) == to_doccano(seed, layer)
    assert json.loads(line)["offset_units"] == "utf-16"


@pytest.mark.parametrize("qid_on", [1, 2])
def test_a_qid_stays_on_its_mention_when_two_mentions_share_a_span(qid_on: int) -> None:
    seed, layer = two_malis(qid_on)
    assert [m.get("entity") for m in layer["mentions"]][qid_on - 1] == "Q912"
    items, problems = from_doccano(through_json(to_doccano(seed, layer)), seed)
    assert problems == []
    assert to_layer(seed, "ann-m", items, layer["provenance"]) == layer


def _renumbered(record: dict[str, Any], first: int = 100, step: int = 7) -> dict[str, Any]:
    """What doccano's export does to a record: its own entity ids, rising in the file's
    order (its database's; the links, metadata to doccano, keep ours)."""
    new = {e["id"]: first + step * e["id"] for e in record["entities"]}
    out = record | {"entities": [e | {"id": new[e["id"]]} for e in record["entities"]],
                    "relations": [r | {"from_id": new[r["from_id"]], "to_id": new[r["to_id"]]}
                                  for r in record["relations"]]}
    return out


def test_links_follow_doccanos_renumbered_entities_by_span() -> None:
    seed, layer = CASES["corpus/mali-accuses-algeria-downed-drone/gold"]
    items, problems = from_doccano(_renumbered(to_doccano(seed, layer)), seed)
    assert problems == []
    assert to_layer(seed, "gold", items, layer["provenance"]) == layer


@pytest.mark.parametrize("qid_on", [1, 2])
@pytest.mark.parametrize("first", [1, 100])
def test_a_qid_stays_on_its_mention_through_doccanos_renumbering(qid_on: int,
                                                                 first: int) -> None:
    """doccano's ids rise in the file's order; in a new doccano they start at 1, so the
    link's entity_id 1 (our second Mali) is doccano's id of the first Mali: the link is found
    by its entity's place in the file, not by an id doccano has given to another entity."""
    seed, layer = two_malis(qid_on)
    items, problems = from_doccano(_renumbered(to_doccano(seed, layer), first, 1), seed)
    assert problems == []
    assert to_layer(seed, "ann-m", items, layer["provenance"]) == layer


def test_a_link_that_cannot_say_which_of_two_mentions_is_refused_not_guessed() -> None:
    """The link's place in the file names an entity of another span (the first Mali was
    deleted in doccano and drawn again, last), and two have its span and label."""
    seed, layer = two_malis()
    record = _renumbered(to_doccano(seed, layer))
    first, *others = record["entities"]
    record["entities"] = [*others, first | {"id": 130}]
    record["relations"] = [r for r in record["relations"] if r["from_id"] != first["id"]]
    items, problems = from_doccano(record, seed, line=3)
    assert [(p.code.value, p.pointer, p.line) for p in problems] == [
        ("import-bad-link", "/entity_links/0", 3)]
    assert "names none of them" in problems[0].message
    back = to_layer(seed, "ann-m", items, layer["provenance"])
    assert [m.get("entity") for m in back["mentions"]] == [None, None, None]


def test_a_link_without_a_qid_string_says_so() -> None:
    """A qid that is a number, or missing, is what is wrong, not the link's span."""
    seed, layer = CASES["emoji-text/ann-e"]
    record = to_doccano(seed, layer)
    record["entity_links"][0]["qid"] = 912
    del record["entity_links"][1]["qid"]
    _, problems = from_doccano(record, seed)
    assert [(p.code.value, p.pointer) for p in problems] == [
        ("import-bad-link", "/entity_links/0"), ("import-bad-link", "/entity_links/1")]
    assert all("has no 'qid' string" in p.message for p in problems), problems


def test_code_point_offsets_are_read_exactly_when_the_record_says_so() -> None:
    seed, layer = CASES["special-text/ann-s"]
    record = to_doccano(seed, layer)
    items = [*layer["mentions"], *layer["claims"]]
    for e, item in zip(record["entities"], items, strict=True):
        e["start_offset"], e["end_offset"] = item["start"], item["end"]
    for x in record["entity_links"]:
        m = items[x["entity_id"]]
        x["start_offset"], x["end_offset"] = m["start"], m["end"]
    record["offset_units"] = "code-points"
    back, problems = from_doccano(through_json(record), seed)
    assert problems == []
    assert to_layer(seed, "ann-s", back, layer["provenance"]) == layer


def test_offsets_that_do_not_say_their_units_are_refused_after_an_emoji() -> None:
    """Code point offsets read as UTF-16 shift every span after an emoji: refused, never
    guessed. Spans before the first emoji read the same either way."""
    seed, layer = CASES["emoji-text/ann-e"]
    record = to_doccano(seed, layer)
    del record["offset_units"]
    items = [*layer["mentions"], *layer["claims"]]
    for e, item in zip(record["entities"], items, strict=True):  # code points, undeclared
        e["start_offset"], e["end_offset"] = item["start"], item["end"]
    back, problems = from_doccano(record, seed, "x.jsonl", line=1)
    flag = EMOJI_TEXT.index("🇲🇱")
    late = [k for k, x in enumerate(items) if x["end"] > flag]
    assert late and len(late) < len(items)
    refused = {p.pointer for p in problems if p.code.value == "import-bad-offsets"}
    assert refused == {f"/entities/{k}" for k in late}
    assert all("offset_units" in p.message for p in problems
               if p.code.value == "import-bad-offsets")
    kept = {(m["start"], m["end"]) for m in back["mentions"] + back["claims"]}
    assert kept == {(x["start"], x["end"]) for k, x in enumerate(items) if k not in late}


def test_an_unknown_unit_is_reported_and_read_as_absent() -> None:
    seed, layer = CASES["hand-built/A"]
    record = to_doccano(seed, layer) | {"offset_units": "graphemes"}
    items, problems = from_doccano(record, seed, line=1)
    assert [(p.code.value, p.pointer) for p in problems] == [("import-bad-line",
                                                               "/offset_units")]
    assert to_layer(seed, "ann-a", items, layer["provenance"]) == layer
