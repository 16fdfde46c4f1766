"""Merge several annotators' layers of one document into a gold layer.

Items are compared by their spans (ids differ between layers): mentions and claims are
paired by the shared matcher's exact mode (the same offsets; of two items on the same
offsets, the one of the same type first), a stance by its holder's and its claim's
pairing. What every annotator has, identically, goes into gold. Everything else is a
conflict, listed with each annotator's version in a review file (`review/<doc_id>.json`,
outside `annotations/`) where a person writes a resolution; `--prefer ANNOTATOR` resolves the
rest in favour of one annotator. Resolutions survive re-runs.

The conflicts depend on the layers alone, never on the resolutions, so every resolution can
be checked against them: a resolution of no conflict, a conflict resolved twice, or a
resolution that cannot take effect (a claim kept without its claimant mention, a stance
without its holder or claim) refuses the run with a coded problem at its pointer, and the
review file stays as the person wrote it.

gold.json is written only when no conflict is open: gold made of the agreed items alone would
pass validation and build a dataset that silently lacks every disputed item.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .. import __version__
from ..corpus.annotation import canonicalize, empty_provenance
from ..corpus.layout import Corpus
from ..corpus.lock import corpus_lock
from ..corpus.naming import GOLD, QID
from ..corpus.parallel import map_chunks
from ..corpus.schema import SCHEMA_VERSION, claim_types, mention_types, stance_labels
from ..corpus.writing import atomic_write, dumps, io_refused
from ..problems import Code, Level, Problem, Refused, problem, refuse
from ..validation.formatters import format_problem
from ..validation.reader import load
from ..validation.rules import check_annotation
from ..validation.run import require_valid
from .matching import match

Layer = dict[str, Any]
Span = tuple[int, int]
Version = dict[str, Any] | None  # what one annotator has for a conflict (None: nothing)
WHY = "fix these problems first (claimstance validate); nothing was written"
REVIEW_FILE, PREFER, WITH_MENTION = "review file", "--prefer", "its claimant kept"

#: What a person may write as a version (an object resolution), per kind of conflict: the
#: fields, and the label set of each (None: a QID, or a claimant mention).
FIELDS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "mention": {"type": mention_types(), "entity": None},
    "claim": {"type": claim_types(), "claimant": None},
    "claimant": {"type": claim_types(), "claimant": None},
    "stance": {"label": stance_labels()},
}
OPTIONAL = {"entity"}

HOW = ("Write a resolution for each conflict, then run `claimstance adjudicate DOC_ID` again "
       "(--force replaces an existing gold.json). A resolution is \"take:<annotator>\" (that "
       "annotator's version; one who has none leaves the item out), \"drop\" (leave it out), "
       "or a version written like those under \"versions\", to combine them: "
       "{\"type\": \"ORG\", \"entity\": \"Q1032\"} for a mention (entity optional), "
       "{\"type\": \"fact\", \"claimant\": [start, end] or null} for a claim, "
       "{\"label\": \"refute\"} for a stance; the span is the conflict's own (take one "
       "annotator's span with another's type: write that type at the first span's conflict, "
       "and \"drop\" at the second's). A \"claimant\" conflict is a claim every annotator "
       "agrees on whose claimant mention is disputed: it is settled when that mention goes "
       "into gold; else \"drop\" the claim or write it with another claimant. A claim kept "
       "without its claimant mention, or a stance without its holder or claim, is refused. "
       "Each conflict once; gold.json is written once none is open.")


@dataclass(frozen=True)
class Resolution:
    """What a person wrote for one conflict: "take:<annotator>", "drop" or a version (an
    object shaped like the conflict's versions); `at`: its entry's index in the review
    file's conflicts (for pointers), None when it comes from elsewhere."""

    value: str | dict[str, Any]
    at: int | None = None

    def pointer(self, tail: str = "/resolution") -> str:
        return "" if self.at is None else f"/conflicts/{self.at}{tail}"


Key = tuple[int, int, int]  # start, end, and which of one layer's items with those offsets


@dataclass
class Conflict:
    id: str
    kind: str  # mention, claim, claimant (an agreed claim whose claimant is disputed), stance
    text: str
    versions: dict[str, Version]  # annotator -> what they have (None: nothing)
    keys: tuple[Key, ...] = ()  # the item's key (mention, claim) or holder's and claim's
    resolution: str | dict[str, Any] | None = None  # as written in the review file
    resolved_by: str | None = None  # REVIEW_FILE, PREFER, WITH_MENTION or None (open)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "text": self.text, "versions": self.versions,
                "resolution": self.resolution}


@dataclass
class Adjudication:
    doc_id: str
    annotators: list[str]
    gold: Layer
    conflicts: list[Conflict] = field(default_factory=list)
    agreed: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # gold's, or the review file's
    # gold's warnings (a stance of a claim's own claimant, made of two annotators' versions):
    # gold.json is written with them, and they are said, located once it is written
    warnings: list[Problem] = field(default_factory=list)
    # items kept by all (or by --prefer) left out with the item they need: a claim with its
    # claimant mention, a stance with its holder or claim
    left_out: dict[str, int] = field(default_factory=lambda: {"claims": 0, "stances": 0})
    # the items of every layer by key: kind -> key -> annotator -> item (the compare view)
    items: dict[str, dict[Key, dict[str, Any]]] = field(default_factory=dict)
    gold_path: str = ""  # set once gold.json holds this merge
    review_path: str = ""  # set when the review file lists conflicts
    status: str = ""  # after writing: written, unchanged or open

    @property
    def unresolved(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.resolved_by is None]

    def review(self) -> dict[str, Any]:
        return {"document": self.doc_id, "annotators": self.annotators, "how": HOW,
                "conflicts": [c.to_dict() for c in self.conflicts]}

    def text(self) -> str:
        a = self.agreed
        done = (f"{self.gold_path} unchanged" if self.status == UNCHANGED else
                f"wrote {self.gold_path}" if self.gold_path else
                f"gold.json not written ({len(self.unresolved)} conflict(s) open)")
        lines = [f"{done} from {', '.join(self.annotators)}: "
                 f"{a['mentions']} mentions, {a['claims']} claims, {a['stances']} stances "
                 "agreed by all"]
        resolved = [c for c in self.conflicts if c.resolved_by]
        if resolved:
            lines.append(f"{len(resolved)} conflict(s) resolved (review file, --prefer, or "
                         "a claimant mention that went into gold)")
        if any(self.left_out.values()):
            lines.append(f"left out with the mention or claim they need: "
                         f"{self.left_out['claims']} claim(s) (their claimant), "
                         f"{self.left_out['stances']} stance(s) (their holder or claim)")
        if self.gold_path and self.warnings:
            lines += [f"{len(self.warnings)} warning(s) in {self.gold_path} (written; "
                      "claimstance validate reports them too):",
                      *(f"  {format_problem(p)}" for p in self.warnings)]
        for c in self.unresolved:
            versions = "; ".join(f"{k}: {json.dumps(v) if v else '-'}"
                                 for k, v in c.versions.items())
            lines.append(f"  open  {c.id}  {c.text!r}  {versions}")
        if self.unresolved:
            lines.append(f"{len(self.unresolved)} conflict(s) open: resolve them in "
                         f"review/{self.doc_id}.json (or --prefer ANNOTATOR), then run again; "
                         "gold.json is written once none is open")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.doc_id, "annotators": self.annotators,
                "gold": self.gold_path or None, "agreed": self.agreed,
                "conflicts": len(self.conflicts),
                "resolved": {by: sum(c.resolved_by == by for c in self.conflicts)
                             for by in (REVIEW_FILE, PREFER, WITH_MENTION)},
                "left_out": self.left_out,
                "unresolved": [c.to_dict() for c in self.unresolved],
                "problems": [p.to_dict() for p in self.problems],
                "warnings": [p.to_dict() for p in self.warnings] if self.gold_path else []}


def _align(layers: dict[str, Layer], kind: str) -> tuple[dict[Key, dict[str, Any]],
                                                        dict[str, dict[str, Key]]]:
    """The items of every layer that are the same item, by the shared matcher's exact mode
    (layers taken in annotator order, each matched against the items seen so far; items of
    one type first, so of two items on the same offsets the one of the same type pairs):
    key -> annotator -> item, and annotator -> item id -> key."""
    keys: list[Key] = []
    types: list[str] = []  # the type of the item each key was made for
    seen: Counter[Span] = Counter()  # keys made so far with each pair of offsets
    groups: dict[Key, dict[str, Any]] = {}
    ids: dict[str, dict[str, Key]] = {}
    for a in sorted(layers):
        items = layers[a][kind]
        spans = [_span(x) for x in items]
        typed = [(*span, x["type"]) for span, x in zip(spans, items, strict=True)]
        paired = {j: i for i, j in match([(*k[:2], t) for k, t in zip(keys, types, strict=True)],
                                         typed, by_label=True)}
        taken = set(paired.values())
        free_keys = [i for i in range(len(keys)) if i not in taken]
        free = [j for j in range(len(items)) if j not in paired]
        paired |= {free[j]: free_keys[i] for i, j in match([keys[i][:2] for i in free_keys],
                                                            [spans[j] for j in free])}
        ids[a] = {}
        for j, x in enumerate(items):
            if j in paired:
                key = keys[paired[j]]
            else:
                key = (*spans[j], seen[spans[j]])
                seen[spans[j]] += 1
                keys.append(key)
                types.append(x["type"])
            groups.setdefault(key, {})[a] = x
            ids[a][x["id"]] = key
    return groups, ids


def _span(item: dict[str, Any]) -> Span:
    return item["start"], item["end"]


def _shown(key: Key) -> tuple[int, ...]:
    """A key as conflicts show it: the offsets (and which one, if a layer has two)."""
    return key if key[2] else key[:2]


def _key(shown: Sequence[int]) -> Key:
    """The key `_shown` showed."""
    return (shown[0], shown[1], shown[2] if len(shown) > 2 else 0)


def _name(kind: str, key: Key) -> str:
    return f"{kind} {key[0]}-{key[1]}" + (f" #{key[2] + 1}" if key[2] else "")


class _Review:
    """Applies the resolutions of one merge, and collects what refuses them."""

    def __init__(self, doc_id: str, resolutions: Mapping[str, Resolution | str | dict[str, Any]],
                 prefer: str | None, mentions: Collection[Key]) -> None:
        self.path = f"review/{doc_id}.json"
        self.given = {k: v if isinstance(v, Resolution) else Resolution(v)
                      for k, v in resolutions.items()}
        self.prefer = prefer
        self.mentions = mentions  # every mention key of every layer
        self.problems: list[Problem] = []

    def refuse(self, code: Code, res: Resolution, message: str, tail: str = "") -> None:
        self.problems.append(problem(code, self.path, res.pointer("/resolution" + tail),
                                     message))

    def decide(self, c: Conflict) -> Version:
        """What goes into gold for conflict `c` (None: nothing), and who settled it."""
        res = self.given.get(c.id)
        if res is not None:
            c.resolution, c.resolved_by = res.value, REVIEW_FILE
            wrong = not_a_resolution(res.value, c.versions)
            if wrong:
                self.refuse(Code.INVALID_VALUE, res, f"{c.id}: {wrong}")
            elif isinstance(res.value, dict):
                return self.version(c, res)
            elif res.value != "drop":
                return c.versions[res.value[5:]]
        elif self.prefer is not None:
            c.resolution, c.resolved_by = f"take:{self.prefer}", PREFER
            return c.versions.get(self.prefer)
        return None

    def version(self, c: Conflict, res: Resolution) -> Version:
        """A version written by hand, checked like the versions it stands for."""
        assert isinstance(res.value, dict)
        fields = FIELDS[c.kind]
        out: dict[str, Any] = {}
        ok = True
        for name in res.value:
            if name not in fields:
                ok = False
                self.refuse(Code.UNKNOWN_FIELD, res, f"{c.id}: a {c.kind} version has "
                            f"{', '.join(fields)}, not {name!r}", f"/{name}")
        for name, labels in fields.items():
            value = res.value.get(name, ...)
            if value is ...:
                if name not in OPTIONAL:
                    ok = False
                    self.refuse(Code.MISSING_FIELD, res, f"{c.id}: the version needs "
                                f"{name!r}", "")
            elif labels is not None:
                if value not in labels:
                    ok = False
                    self.refuse(Code.UNKNOWN_LABEL, res, f"{c.id}: {str(value)[:40]!r} is "
                                f"not a {name}: {', '.join(labels)}", f"/{name}")
                out[name] = value
            elif name == "entity":
                if not isinstance(value, str) or not QID.match(value):
                    ok = False
                    self.refuse(Code.INVALID_VALUE, res, f"{c.id}: entity "
                                f"{json.dumps(value)[:40]} is not a Wikidata QID (Q and "
                                "digits); leave \"entity\" out for a mention without one",
                                "/entity")
                out[name] = value
            elif value is not None and (
                    not isinstance(value, list) or len(value) not in (2, 3)
                    or not all(type(v) is int for v in value)
                    or _key(value) not in self.mentions):
                ok = False
                self.refuse(Code.INVALID_VALUE, res, f"{c.id}: claimant {str(value)[:40]} "
                            "names no mention: [start, end] of a mention some annotator "
                            "marked ([start, end, n] for the n-th on those offsets), or null "
                            "for the article itself", "/claimant")
            else:
                out[name] = None if value is None else tuple(value)
        return out if ok else None

    def needs(self, c: Conflict, missing: str) -> None:
        """A resolution from the review file keeps an item another one leaves out."""
        res = self.given[c.id]
        self.refuse(Code.REVIEW_UNRESOLVABLE, res, f"{c.id}: {res.value!r} keeps it, but "
                    f"{missing} is left out of gold; keep that too, or drop this {c.kind}")

    def unknown(self, ids: Collection[str]) -> None:
        for cid, res in sorted(self.given.items(), key=lambda kv: kv[1].at or 0):
            if cid not in ids:
                self.problems.append(problem(
                    Code.REVIEW_UNKNOWN_CONFLICT, self.path, res.pointer("/id"),
                    f"no conflict {cid[:80]!r} in this merge (its id was edited, or the "
                    "layers changed since the review file was written): correct the id, or "
                    "remove the entry and run adjudicate again to see the conflicts"))


def adjudicate(
    doc_id: str,
    text: str,
    digest: str,
    layers: dict[str, Layer],
    *,
    prefer: str | None = None,
    resolutions: Mapping[str, Resolution | str | dict[str, Any]] | None = None,
) -> Adjudication:
    """Gold from annotator layers of one document (all validated against the seed); a
    resolution that cannot apply is a problem of the result (nothing should be written)."""
    annotators = sorted(layers)
    conflicts: list[Conflict] = []
    agreed = {"mentions": 0, "claims": 0, "stances": 0}
    mentions, mention_key = _align(layers, "mentions")
    claims, claim_key = _align(layers, "claims")
    review = _Review(doc_id, resolutions or {}, prefer, mentions)

    def same(versions: dict[str, Any]) -> Version:
        """The version every annotator has, if they all have the same one."""
        values = [versions.get(a) for a in annotators]
        return values[0] if values[0] is not None and values.count(values[0]) == len(
            values) else None

    def conflict(cid: str, kind: str, label: str, versions: dict[str, Any],
                 keys: tuple[Key, ...]) -> Conflict:
        c = Conflict(cid, kind, label, {a: versions.get(a) for a in annotators}, keys)
        conflicts.append(c)
        return c

    gold_mentions: dict[Key, dict[str, Any]] = {}
    agreed_mentions = set()
    for key in sorted(mentions):
        versions = {a: {"type": m["type"]} | ({"entity": m["entity"]} if m.get("entity")
                                               else {})
                    for a, m in mentions[key].items()}
        v = same(versions)
        if v is not None:
            agreed["mentions"] += 1
            agreed_mentions.add(key)
        else:
            v = review.decide(conflict(_name("mention", key), "mention",
                                       text[key[0]:key[1]], versions, (key,)))
        if v is not None:
            gold_mentions[key] = v

    gold_claims: dict[Key, dict[str, Any]] = {}
    left_out = {"claims": 0, "stances": 0}
    for key in sorted(claims):
        versions = {a: {"type": c["type"], "claimant": None if c["claimant"] is None else
                        _shown(mention_key[a][c["claimant"]])}
                    for a, c in claims[key].items()}
        name, span_text = _name("claim", key), text[key[0]:key[1]]
        v = same(versions)
        if v is not None:
            agreed["claims"] += 1
            who = v["claimant"]
            if who is None or _key(who) in agreed_mentions:
                gold_claims[key] = v
                continue
            c = conflict(f"{name} claimant", "claimant", span_text, versions, (key,))
            if c.id not in review.given and _key(who) in gold_mentions:
                c.resolved_by = WITH_MENTION  # its disputed claimant went into gold
                gold_claims[key] = v
                continue
            if c.id not in review.given and prefer is not None:
                c.resolution, c.resolved_by = "drop", PREFER  # and its mention did not
                continue
        else:
            c = conflict(name, "claim", span_text, versions, (key,))
        v = review.decide(c)
        if v is None:
            continue
        who = v["claimant"]
        if who is not None and _key(who) not in gold_mentions:
            if c.resolved_by == REVIEW_FILE:
                review.needs(c, f"its claimant mention {_name('mention', _key(who))[8:]} "
                             f"({text[who[0]:who[1]]!r})")
            else:
                left_out["claims"] += 1  # --prefer: its claimant mention did not go in
            continue
        gold_claims[key] = v

    stances: dict[tuple[Key, Key], dict[str, Any]] = {}
    for a in annotators:
        for st in layers[a]["stances"]:
            pair = (mention_key[a][st["holder"]], claim_key[a][st["claim"]])
            stances.setdefault(pair, {})[a] = {"label": st["label"]}
    gold_stances: dict[tuple[Key, Key], str] = {}
    for (holder, claim) in sorted(stances):
        label = f"{text[holder[0]:holder[1]]} -> {text[claim[0]:claim[1]]}"
        v = same(stances[(holder, claim)])
        disputed: Conflict | None = None
        if v is not None:
            agreed["stances"] += 1
        else:
            disputed = conflict(f"stance {_name('', holder)[1:]} {_name('', claim)[1:]}",
                                "stance", label, stances[(holder, claim)], (holder, claim))
            v = review.decide(disputed)
        if v is None:
            continue
        missing = [f"its {what} {_name(kind, key)}" for what, kind, key, kept in (
            ("holder", "mention", holder, gold_mentions), ("claim", "claim", claim, gold_claims))
            if key not in kept]
        if not missing:
            gold_stances[(holder, claim)] = v["label"]
        elif disputed is not None and disputed.resolved_by == REVIEW_FILE:
            review.needs(disputed, " and ".join(missing))
        else:
            left_out["stances"] += 1  # agreed or --prefer's, its holder or claim left out

    review.unknown({c.id for c in conflicts})
    mid = {key: f"m{i}" for i, key in enumerate(gold_mentions, 1)}
    cid = {key: f"c{i}" for i, key in enumerate(gold_claims, 1)}
    updated = sorted(str(x["provenance"].get("updated_at") or "") for x in layers.values())
    provenance = empty_provenance("claimstance-adjudicate") | {
        "tool_version": __version__, "created_at": updated[-1] or None,
        "updated_at": updated[-1] or None, "sources": annotators}
    gold = canonicalize({
        "schema_version": SCHEMA_VERSION,
        "document": {"id": doc_id, "sha256": digest},
        "annotator": GOLD, "status": "gold", "provenance": provenance,
        "mentions": [{"id": mid[s], "start": s[0], "end": s[1], "text": text[s[0]:s[1]]} | v
                     for s, v in gold_mentions.items()],
        "claims": [{"id": cid[s], "start": s[0], "end": s[1], "text": text[s[0]:s[1]],
                    "type": v["type"],
                    "claimant": mid[_key(v["claimant"])] if v["claimant"] else None}
                   for s, v in gold_claims.items()],
        "stances": [{"id": f"s{i}", "holder": mid[h], "claim": cid[c], "label": label}
                    for i, ((h, c), label) in enumerate(gold_stances.items(), 1)],
    })
    result = Adjudication(doc_id, annotators, gold, conflicts, agreed, left_out=left_out,
                          items={"mentions": mentions, "claims": claims})
    found = check_annotation(gold, f"annotations/{doc_id}/gold.json", stem=GOLD, folder=doc_id,
                             text=text, text_sha256=digest, seed_exists=True)
    result.problems = review.problems or [p for p in found if p.level is Level.ERROR]
    result.warnings = [p for p in found if p.level is Level.WARNING]
    return result


def _located(path: Path, rel: str, problems: list[Problem]) -> list[Problem]:
    """Problems of the review file with their lines (read again: it is small)."""
    f = load(path, rel)
    return f.locate(problems) if not f.problems else problems


def not_a_resolution(value: object, names: Collection[str]) -> str | None:
    """Why `value` is no resolution of a conflict between the annotators `names` (None: it
    is one). The one statement of the rule: the review file is checked with it when read
    (every entry at once), and each resolution again where it is applied, since `adjudicate`
    also takes resolutions from callers that read no file."""
    if value == "drop" or isinstance(value, dict) or (
            isinstance(value, str) and value.startswith("take:") and value[5:] in names):
        return None
    shown = repr(value[:60]) if isinstance(value, str) else json.dumps(value)[:60]
    takes = " or ".join(f"take:{a}" for a in sorted(names))
    why = ("names no annotator merged here" if isinstance(value, str)
           and value.startswith("take:") else "is no resolution")
    return f"resolution {shown} {why}: write {takes}, drop, a version (an object) or null"


def review_path(corpus: Corpus, doc_id: str) -> Path:
    return corpus.root / "review" / f"{doc_id}.json"


def read_resolutions(corpus: Corpus, doc_id: str,
                     names: Collection[str]) -> dict[str, Resolution]:
    """The resolutions a person wrote in review/<doc_id>.json (none when there is no file);
    `take:` must name one of the annotators merged (`names`).

    Read like any corpus file (strictly: a FIFO, broken JSON or a duplicated key is refused
    with its code, never guessed at; a link out of the corpus is refused, as it would be
    written through), and never dropped: a resolution that cannot apply
    refuses the run, and the file stays as the person wrote it. Every problem of the file
    is reported at once, each at its pointer."""
    path = review_path(corpus, doc_id)
    rel = corpus.rel(path)
    if not corpus.inside(path):  # read, then rewritten: never through a link out of the corpus
        raise refuse(Code.OUTSIDE_ROOT, rel, f"{rel} leads outside the corpus through a "
                     "symbolic link (review/ or the file itself); nothing was read or "
                     "written: make review/ a folder of the corpus")
    if not os.path.lexists(path):
        return {}
    f = load(path, rel)
    if f.problems or f.raw is None:
        raise Refused(f"cannot read the review file {rel}; fix it or delete it to start the "
                      "review again", f.locate(f.problems))
    old = f.data
    conflicts = old.get("conflicts") if isinstance(old, dict) else None
    if not isinstance(conflicts, list):
        raise refuse(Code.MISSING_FIELD, rel, "the review file has no list of conflicts; "
                     "delete it to start the review again", "/conflicts")
    assert isinstance(old, dict)
    problems = []
    if old.get("document", doc_id) != doc_id:  # the file's name says it, when this does not
        problems.append(problem(Code.REVIEW_OTHER_DOCUMENT, rel, "/document",
                                f"the review file of {doc_id} names the document "
                                f"{json.dumps(old.get('document'))[:80]}; restore "
                                f"\"{doc_id}\", "
                                "or delete the file to start the review again"))
    out: dict[str, Resolution] = {}
    first: dict[str, int] = {}
    for i, c in enumerate(conflicts):
        if not isinstance(c, dict) or not isinstance(c.get("id"), str):
            problems.append(problem(Code.WRONG_TYPE, rel, f"/conflicts/{i}",
                                    "a conflict must be an object with an id"))
            continue
        cid, res = c["id"], c.get("resolution")
        if cid in first:
            problems.append(problem(
                Code.REVIEW_DUPLICATE_CONFLICT, rel, f"/conflicts/{i}/id",
                f"{cid[:80]!r} is listed again (first at /conflicts/{first[cid]}): one "
                "conflict, one resolution; keep one of the entries"))
            continue
        first[cid] = i
        pointer = f"/conflicts/{i}/resolution"
        if res is None:
            continue
        wrong = not_a_resolution(res, names)
        if wrong:
            problems.append(problem(Code.INVALID_VALUE, rel, pointer, wrong))
        else:
            out[cid] = Resolution(res, i)
    if problems:
        raise Refused(f"the review file {rel} cannot be applied; fix what each problem says "
                      "(nothing was written)", f.locate(problems))
    return out


def adjudicate_document(root: str | Path | None, doc_id: str, *,
                        annotators: list[str] | None = None, prefer: str | None = None,
                        force: bool = False) -> Adjudication:
    """Adjudicate one document of the corpus: read and check its layers and the review
    file, write the review file while there are conflicts, and gold.json once none is open.

    Raises `Refused` when the layers are not valid, there are fewer than two, or gold.json
    would replace a different file without `force`.
    """
    corpus = Corpus.at(root)
    with corpus_lock(corpus.root, "adjudicate"):
        corpus.select([doc_id])
        names = _layers(corpus, doc_id, annotators)
        require_valid(corpus.root, [corpus.seed_path(doc_id)], WHY)
        _check_names(doc_id, names, prefer)
        try:
            return _merge(corpus, doc_id, names, prefer, force)
        except OSError as e:
            raise io_refused(e, "adjudicate") from None


def _layers(corpus: Corpus, doc_id: str, annotators: list[str] | None) -> list[str]:
    """The layers to merge: the named ones (each must exist), or every annotator's."""
    names = annotators or [a for a in corpus.annotators(doc_id) if a != GOLD]
    missing = [a for a in names if not corpus.annotation_path(doc_id, a).is_file()]
    if missing:
        rel = corpus.rel(corpus.annotation_path(doc_id, missing[0]))
        raise refuse(Code.FILE_NOT_FOUND, rel, f"no layer {rel}")
    return names


def _once(names: list[str], where: str) -> None:
    """One layer named twice is no second opinion."""
    twice = sorted({a for a in names if names.count(a) > 1})
    if twice:
        raise refuse(Code.INVALID_VALUE, where, f"--annotators names {', '.join(twice)} more "
                     "than once; name each annotator once")


def _check_names(doc_id: str, names: list[str], prefer: str | None) -> None:
    _once(names, f"annotations/{doc_id}")
    if len(names) < 2:
        raise refuse(Code.TOO_FEW_LAYERS, f"annotations/{doc_id}",
                     f"{doc_id} has {len(names)} annotator layer(s); adjudication needs two or "
                     "more (a lone layer can go into the dataset with `build --allow-single`)")
    if prefer is not None and prefer not in names:
        raise refuse(Code.INVALID_VALUE, f"annotations/{doc_id}",
                     f"--prefer {prefer}: not one of {', '.join(sorted(names))}")


def _merge(corpus: Corpus, doc_id: str, names: list[str], prefer: str | None,
           force: bool) -> Adjudication:
    """Merge the (validated) layers of one document; write its review file while there are
    conflicts and gold.json once none is open."""
    seed = corpus.read_seed(doc_id)
    layers = {a: corpus.read_layer(doc_id, a) for a in names}
    result = adjudicate(doc_id, seed["text"], seed["sha256"], layers, prefer=prefer,
                        resolutions=read_resolutions(corpus, doc_id, names))
    if result.problems:
        rel = corpus.rel(review_path(corpus, doc_id))
        if result.problems[0].path == rel:
            raise Refused(f"resolutions in {rel} cannot take effect; fix what each problem "
                          "says (nothing was written)", _located(review_path(corpus, doc_id),
                                                                 rel, result.problems))
        raise Refused("the merged layer is not valid; nothing was written", result.problems)
    review = review_path(corpus, doc_id)
    if result.conflicts:  # written first: it carries the resolutions into the next run
        atomic_write(review, dumps(result.review()))
        result.review_path = corpus.rel(review)
    if result.unresolved:
        result.status = OPEN
        return result  # no gold from the agreed items alone
    gold = corpus.annotation_path(doc_id, GOLD)
    changed = atomic_write(gold, dumps(result.gold), force=force, shown=corpus.rel(gold))
    if not result.conflicts:
        review.unlink(missing_ok=True)
    result.gold_path = corpus.rel(gold)
    result.status = WRITTEN if changed else UNCHANGED
    if result.warnings:
        result.warnings = _located(gold, result.gold_path, result.warnings)
    return result


# --- many documents in one run ---------------------------------------------------------------

WRITTEN, UNCHANGED, OPEN, REFUSED = "written", "unchanged", "open", "refused"
STATUSES = (WRITTEN, UNCHANGED, OPEN, REFUSED)
SHOWN = 20  # documents listed per status in the text summary (JSON lists them all)


@dataclass
class Outcome:
    """What a run over many documents did with one of them: counts, not the conflicts
    themselves (those are in its review file), so a corpus's outcomes stay small."""

    document: str
    status: str  # one of STATUSES
    annotators: list[str] = field(default_factory=list)
    agreed: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    open: int = 0
    gold: str | None = None
    review: str | None = None
    message: str | None = None  # why it was refused
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # of the gold.json written

    @classmethod
    def of(cls, r: Adjudication) -> Outcome:
        return cls(r.doc_id, r.status, r.annotators, r.agreed, len(r.conflicts),
                   len(r.unresolved), r.gold_path or None, r.review_path or None,
                   warnings=r.warnings if r.gold_path else [])

    @classmethod
    def refused(cls, doc_id: str, e: Refused) -> Outcome:
        return cls(doc_id, REFUSED, message=e.message, problems=e.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.document, "status": self.status,
                "annotators": self.annotators, "agreed": self.agreed,
                "conflicts": self.conflicts, "resolved": self.conflicts - self.open,
                "open": self.open, "gold": self.gold, "review": self.review,
                "message": self.message, "problems": [p.to_dict() for p in self.problems],
                "warnings": [p.to_dict() for p in self.warnings]}

    def line(self) -> str:
        if self.status == OPEN:
            return f"  open      {self.document}  {self.open} conflict(s) in {self.review}"
        if self.status == REFUSED:
            code = f" [{self.problems[-1].code.value}]" if self.problems else ""
            return f"  refused   {self.document}{code}  {self.message}"
        return f"  {self.status:<9} {self.document}  {self.gold}"


@dataclass
class CorpusAdjudication:
    """Every document of one run, in id order; `skipped`: documents left alone for having
    fewer than two annotator layers (or not every layer --annotators names)."""

    documents: list[Outcome] = field(default_factory=list)
    skipped: int = 0
    prefer: str | None = None
    without_prefer: int = 0  # adjudicated documents where --prefer's annotator has no layer

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.documents)

    @property
    def ok(self) -> bool:
        """Every document has its gold.json: none open, none refused."""
        return not (self.count(OPEN) or self.count(REFUSED))

    def to_dict(self) -> dict[str, Any]:
        conflicts = sum(o.conflicts for o in self.documents)
        still = sum(o.open for o in self.documents)
        return {"adjudicated": len(self.documents),
                "counts": {s: self.count(s) for s in STATUSES},
                "skipped": self.skipped,
                "conflicts": {"total": conflicts, "resolved": conflicts - still, "open": still},
                "prefer": self.prefer, "without_prefer": self.without_prefer,
                "documents": [o.to_dict() for o in self.documents]}

    def text(self) -> str:
        if not self.documents:
            return ("no document has two or more annotator layers to merge: nothing to "
                    "adjudicate")
        d = self.to_dict()
        c, n = d["conflicts"], d["counts"]
        lines = [f"{len(self.documents)} document(s) adjudicated: {n[WRITTEN]} gold.json "
                 f"written, {n[UNCHANGED]} unchanged, {n[OPEN]} with open conflicts, "
                 f"{n[REFUSED]} refused",
                 f"{c['total']} conflict(s): {c['resolved']} resolved (review file or "
                 f"--prefer), {c['open']} open"]
        if self.skipped:
            lines.append(f"{self.skipped} document(s) with fewer than two annotator layers to "
                         "merge were left alone")
        if self.without_prefer:
            lines.append(f"--prefer {self.prefer}: no layer in {self.without_prefer} "
                         "document(s); their conflicts stay open")
        for status in (OPEN, REFUSED):
            shown = [o for o in self.documents if o.status == status]
            lines += [o.line() for o in shown[:SHOWN]]
            if len(shown) > SHOWN:
                lines.append(f"  ... and {len(shown) - SHOWN} more {status} (--format json "
                             "lists every document)")
        warned = [p for o in self.documents for p in o.warnings]
        if warned:
            lines.append(f"{len(warned)} warning(s) in the gold.json files written "
                         "(claimstance validate reports them too):")
            lines += [f"  {format_problem(p)}" for p in warned[:SHOWN]]
            if len(warned) > SHOWN:
                lines.append(f"  ... and {len(warned) - SHOWN} more (--format json lists "
                             "every one)")
        if n[OPEN]:
            lines.append("resolve the open conflicts in their review files (or --prefer "
                         "ANNOTATOR), then run again; gold.json is written once none is open")
        if n[REFUSED]:
            lines.append("refused documents were left as they were: fix what each says "
                         "(--force replaces a gold.json that differs from the merge)")
        return "\n".join(lines)


def adjudicate_corpus(root: str | Path | None, doc_ids: Iterable[str] = (), *,
                      annotators: list[str] | None = None, prefer: str | None = None,
                      force: bool = False, progress: bool = False,
                      jobs: int | None = None) -> CorpusAdjudication:
    """Adjudicate many documents in one run: the given ones, or every document with two or
    more annotator layers (every layer `annotators` names, when it names some).

    Seeds and layers are validated once, up front, all together: any problem refuses the
    whole run (`Refused`) before anything is written. Then each document is merged as
    `adjudicate_document` would, in chunks over `jobs` processes; what would refuse one
    document (a malformed review file, a gold.json that differs without `force`, too few
    layers in a named document) is that document's outcome, and the others go on. A
    document where `prefer` has no layer keeps its conflicts open.
    """
    corpus = Corpus.at(root)
    named = list(doc_ids)
    _once(annotators or [], "annotations")
    with corpus_lock(corpus.root, "adjudicate"):
        ids = corpus.select(named)
        work: list[tuple[str, tuple[str, ...]]] = []
        result = CorpusAdjudication(prefer=prefer)
        for d in ids:
            present = [a for a in corpus.annotators(d) if a != GOLD]
            names = annotators or present
            if not named and (len(names) < 2 or not set(names) <= set(present)):
                result.skipped += 1
                continue
            work.append((d, tuple(names)))
        if prefer is not None and work and not any(prefer in names for _, names in work):
            raise refuse(Code.INVALID_VALUE, "annotations",
                         f"--prefer {prefer}: no layer of that annotator in the "
                         f"{len(work)} document(s) to adjudicate")
        if work:
            require_valid(corpus.root, [corpus.seed_path(d) for d, _ in work], WHY,
                          progress=progress, jobs=jobs)
        result.without_prefer = sum(prefer is not None and prefer not in names
                                    for _, names in work)
        for chunk in map_chunks(partial(_merge_chunk, corpus, prefer, force), work,
                                jobs=jobs, progress="adjudicating" if progress else None):
            result.documents += chunk
    return result


def _merge_chunk(corpus: Corpus, prefer: str | None, force: bool,
                 part: Sequence[tuple[str, tuple[str, ...]]]) -> list[Outcome]:
    """Merge a chunk of validated documents (in a worker process, for a large corpus)."""
    out = []
    for doc_id, names in part:
        try:
            _check_names(doc_id, _layers(corpus, doc_id, list(names)), None)
            here = prefer if prefer in names else None
            out.append(Outcome.of(_merge(corpus, doc_id, list(names), here, force)))
        except Refused as e:
            out.append(Outcome.refused(doc_id, e))
        except OSError as e:
            out.append(Outcome.refused(doc_id, io_refused(e, "adjudicate")))
    return out
