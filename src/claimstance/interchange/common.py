"""What every converter shares, so that each one only handles its format's syntax.

Importers read spans, relations and entity links keyed by the format's own ids into an
`ItemsBuilder`, which checks them against the seed text and the schema's label sets the same
way for every format, and resolves relations only once everything is read (formats allow a
relation before its spans). Nothing raises for bad input and nothing is dropped silently:
what does not become part of the layer comes back as a coded `Problem` at its line.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from ..corpus.annotation import canonicalize, empty_provenance
from ..corpus.document import is_grapheme_boundary, sha256
from ..corpus.naming import GOLD, QID, item_id
from ..corpus.schema import SCHEMA_VERSION, claim_types, mention_types, stance_labels
from ..problems import Code, Problem

Seed = dict[str, Any]
Layer = dict[str, Any]
Item = dict[str, Any]
Items = dict[str, list[Item]]  # {"mentions": [...], "claims": [...], "stances": [...]}
Kind = Literal["mentions", "claims"]

CLAIMANT = "claimant"  # the relation from a claim's claimant (a mention) to the claim


def relation_types() -> tuple[str, ...]:
    return (CLAIMANT, *stance_labels())


def kind_of(label: str) -> Kind | None:
    """Mention and claim types are disjoint in the schema, so a span's label says its kind."""
    if label in mention_types():
        return "mentions"
    if label in claim_types():
        return "claims"
    return None


def relations(layer: Layer) -> list[tuple[str, str, str]]:
    """(type, mention id, claim id) of a layer: claimants, then stances, in the layer's order."""
    out = [(CLAIMANT, c["claimant"], c["id"]) for c in layer["claims"] if c["claimant"]]
    return out + [(s["label"], s["holder"], s["claim"]) for s in layer["stances"]]


def empty_items() -> Items:
    return {"mentions": [], "claims": [], "stances": []}


def text_key(text: str) -> str:
    """The hash an imported text is matched to a seed by. One final newline (which editors
    and many tools add to a .txt file) is not part of it: it cannot move any offset."""
    return sha256(text[:-1] if text.endswith("\n") else text)


def difference(text: str, seed: Seed) -> str:
    """Where an imported text first differs from a seed's, for a person to find it."""
    other: str = seed["text"]
    at = next((i for i, (a, b) in enumerate(zip(text, other, strict=False)) if a != b),
              min(len(text), len(other)))
    hint = (" (\\r\\n line ends? the corpus uses \\n)" if "\r\n" in text
            else " (\\r line ends? the corpus uses \\n)" if "\r" in text
            else " (a byte-order mark? the corpus has none)" if text.startswith("\ufeff")
            else " (Unicode normalisation: the text is decomposed, NFD, where the corpus "
                 "uses composed NFC; save it as NFC)"
            if unicodedata.normalize("NFC", text) in (other, other + "\n")
            else "")
    return (f"it differs from seed {seed['id']!r} from offset {at} "
            f"({text[at:at + 20]!r} vs {other[at:at + 20]!r}){hint}")


def text_problem(text: str, seed: Seed, path: str, line: int | None = None
                 ) -> Problem | None:
    """An `import-text-mismatch` problem unless `text` is the seed's text."""
    if text_key(text) == seed["sha256"]:
        return None
    return Problem(path, "", Code.IMPORT_TEXT_MISMATCH,
                   f"the text is not the text of seed {seed['id']!r}: {difference(text, seed)}; "
                   "annotate the seed's own text, as `claimstance export` writes it", line)


def to_layer(seed: Seed, annotator: str, items: Items,
             provenance: dict[str, Any] | None = None) -> Layer:
    """An annotator layer around imported items, in canonical order with canonical ids.

    Provenance says "manual" (a person annotating, here in another tool): the schema has no
    tool name for brat or doccano, and nothing else about the import is known."""
    return canonicalize({
        "schema_version": SCHEMA_VERSION,
        "document": {"id": seed["id"], "sha256": seed["sha256"]},
        "annotator": annotator, "status": "gold" if annotator == GOLD else "submitted",
        "provenance": provenance if provenance is not None else empty_provenance("manual"),
        "mentions": items["mentions"], "claims": items["claims"], "stances": items["stances"],
    })


@dataclass(frozen=True)
class At:
    """Where in the imported file: a pointer (a brat id `/T3`, or a JSON pointer into a
    doccano record) and a 1-based line."""

    pointer: str
    line: int | None


class ItemsBuilder:
    """Spans, relations and entity links keyed by a format's ids -> layer items + problems.

    A relation drawn from the claim to the mention is read as drawn the other way: tools that
    let annotators pick the direction (doccano) would otherwise lose it for nothing."""

    def __init__(self, text: str, path: str, name: str = "{}") -> None:
        self.text = text
        self.path = path
        self.name = name.format  # how the format's users call an id: "T3", "entity 7"
        self.problems: list[Problem] = []
        self._items: dict[str, tuple[Kind, Item]] = {}
        self._refused: dict[str, At] = {}
        self._relations: list[tuple[str, str, str, At]] = []
        self._links: list[tuple[str, str, At]] = []

    def problem(self, code: Code, at: At, message: str) -> None:
        self.problems.append(Problem(self.path, at.pointer, code, message, at.line))

    def refuse(self, key: str, at: At) -> None:
        """Remember a span that was not kept, so relations to it say why they are dropped."""
        self._refused.setdefault(key, at)

    def span(self, key: str, start: int, end: int, label: str, at: At) -> None:
        n = len(self.text)
        kind = kind_of(label)
        if not 0 <= start < end <= n:
            self.problem(Code.IMPORT_BAD_OFFSETS, at,
                         f"{self.name(key)} has offsets {start}-{end}, which do not fit the "
                         f"text ({n} characters) or are empty; it was not imported")
        elif not (is_grapheme_boundary(self.text, start) and is_grapheme_boundary(self.text, end)):
            self.problem(Code.IMPORT_BAD_OFFSETS, at,
                         f"{self.name(key)} ({start}-{end}) starts or ends inside a character "
                         "(an emoji, a flag or a letter with its accent); it was not imported")
        elif kind is None:
            self.problem(Code.IMPORT_UNKNOWN_LABEL, at,
                         f"{self.name(key)} has type {label!r}, which is neither a mention type "
                         f"({', '.join(mention_types())}) nor a claim type "
                         f"({', '.join(claim_types())}); it was not imported")
        else:
            self._items[key] = (kind, {"start": start, "end": end,
                                       "text": self.text[start:end], "type": label})
            return
        self.refuse(key, at)

    def relation(self, type_: str, arg1: str, arg2: str, at: At) -> None:
        self._relations.append((type_, arg1, arg2, at))

    def link(self, key: str, qid: str, at: At) -> None:
        self._links.append((key, qid, at))

    def _target(self, key: str, what: str, at: At) -> tuple[Kind, Item] | None:
        found = self._items.get(key)
        if found is None:
            was = self._refused.get(key)
            why = ("does not exist" if was is None else "was not imported"
                   + (f" (line {was.line})" if was.line is not None else ""))
            code = Code.IMPORT_BAD_LINK if what == "entity link" else Code.IMPORT_BAD_RELATION
            self.problem(code, at, f"the {what} refers to {self.name(key)}, which {why}, so "
                                   "it was not imported")
        return found

    def _resolve_links(self) -> None:
        seen: dict[str, tuple[str, At]] = {}
        for key, qid, at in self._links:
            if not QID.match(qid):
                self.problem(Code.IMPORT_BAD_LINK, at,
                             f"{qid!r} (on {self.name(key)}) is not a Wikidata QID (Q followed "
                             "by digits); it was not imported")
                continue
            target = self._target(key, "entity link", at)
            if target is None:
                continue
            if target[0] != "mentions":
                self.problem(Code.IMPORT_BAD_LINK, at,
                             f"{qid} is linked to {self.name(key)}, a claim; only mentions link "
                             "to Wikidata, so it was not imported")
                continue
            prev = seen.setdefault(key, (qid, at))
            if prev[0] != qid:
                self.problem(Code.IMPORT_BAD_LINK, at,
                             f"{self.name(key)} is already linked to {prev[0]} (line "
                             f"{prev[1].line}); {qid} was not imported")
            else:
                target[1]["entity"] = qid

    def _resolve_relations(self) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
        """claim key -> claimant key, and (holder key, claim key) -> stance label."""
        claimant: dict[str, tuple[str, int]] = {}
        stances: dict[tuple[str, str], tuple[str, int]] = {}
        for n, (type_, a, b, at) in enumerate(self._relations):
            if type_ not in relation_types():
                self.problem(Code.IMPORT_UNKNOWN_LABEL, at,
                             f"relation type {type_!r} is not one of "
                             f"{', '.join(relation_types())}; it was not imported")
                continue
            what = f"{type_} relation"
            ta = self._target(a, what, at)
            tb = self._target(b, what, at) if ta else None
            if ta is None or tb is None:
                continue
            if (ta[0], tb[0]) == ("claims", "mentions"):  # drawn the other way: same meaning
                (ta, a), (tb, b) = (tb, b), (ta, a)
            if (ta[0], tb[0]) != ("mentions", "claims"):
                self.problem(Code.IMPORT_BAD_RELATION, at,
                             f"a {type_} relation goes from a mention to a claim; this one "
                             f"links two {ta[0]} ({self.name(a)}, {self.name(b)}); it was not "
                             "imported")
                continue
            if type_ == CLAIMANT:
                prev, value = claimant.setdefault(b, (a, n)), a
                clash = f"{self.name(b)} already has a claimant; a claim has one"
            else:
                prev, value = stances.setdefault((a, b), (type_, n)), type_
                clash = (f"{self.name(a)} already takes the stance {prev[0]!r} towards "
                         f"{self.name(b)}; a holder has one stance per claim")
            if prev[1] != n:
                first = self._relations[prev[1]][3].line
                why = "it repeats another relation" if prev[0] == value else clash
                where = f" (line {first})" if first is not None else ""
                self.problem(Code.IMPORT_BAD_RELATION, at,
                             f"{why}{where}, so this {type_} relation was not imported")
        return ({c: m for c, (m, _) in claimant.items()},
                {k: label for k, (label, _) in stances.items()})

    def items(self) -> Items:
        """The layer items (ids m1.., c1.., s1.. in the order read; `to_layer` puts them in
        text order); `problems`, sorted by line, says what was not kept."""
        self._resolve_links()
        claimant, stances = self._resolve_relations()
        out = empty_items()
        ids: dict[str, str] = {}
        count: Counter[str] = Counter()
        for key, (kind, _) in self._items.items():
            count[kind] += 1
            ids[key] = item_id(kind, count[kind])
        for key, (kind, item) in self._items.items():
            who = {CLAIMANT: ids.get(claimant.get(key, ""))} if kind == "claims" else {}
            out[kind].append({"id": ids[key], **item, **who})
        out["stances"] = [{"id": item_id("stances", i), "holder": ids[m], "claim": ids[c],
                           "label": label} for i, ((m, c), label) in enumerate(stances.items(), 1)]
        self.problems.sort(key=lambda p: p.line or 0)
        return out
