"""Label Studio <-> corpus JSON, as pure functions: seeds -> tasks, layers -> results, and a
JSON export -> annotation layers plus coded problems.

The export side trusts nothing an export says: every id and name must match the naming
rules before a path is built from it, every field must have the shape Label Studio gives it
(else a coded problem at its pointer), spans are re-read from the seed by their offsets and
refused when the offsets do not fit it. Every message names what an annotator can find: the
document, the annotator's pseudonym, the task and annotation ids, and regions by their
text. Everything that is skipped is counted, so the summary accounts for every annotation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..corpus.annotation import canonicalize
from ..corpus.document import is_grapheme_boundary
from ..corpus.naming import QID, is_doc_id, pseudonym
from ..corpus.schema import SCHEMA_VERSION, claim_types, mention_types, stance_labels
from ..problems import Code, Level, Problem, problem
from ..validation.reader import is_json_int
from .config import CLAIM_LABEL, CLAIMANT, hotkeys
from .identity import export_users, identity_of
from .times import order

Seed = dict[str, Any]


# --- seeds and layers -> Label Studio ------------------------------------------------------

def task_of(seed: Seed) -> dict[str, Any]:
    return {"data": {"text": seed["text"], "doc_id": seed["id"], "sha256": seed["sha256"]}}


def results_of(ann: dict[str, Any]) -> list[dict[str, Any]]:
    """A layer as Label Studio results (pre-annotations an annotator corrects).

    `ann` has mentions, claims and stances shaped like a layer's; region ids are the items'
    ids, so the same layer always gives the same results.
    """
    out: list[dict[str, Any]] = []
    for m in ann["mentions"]:
        value = {"start": m["start"], "end": m["end"], "text": m["text"]}
        out.append({"id": m["id"], "from_name": "mention", "to_name": "text", "type": "labels",
                    "value": value | {"labels": [m["type"]]}})
        if m.get("entity"):
            out.append({"id": m["id"], "from_name": "entity", "to_name": "text",
                        "type": "textarea", "value": value | {"text": [m["entity"]]}})
    for c in ann["claims"]:
        value = {"start": c["start"], "end": c["end"], "text": c["text"]}
        out.append({"id": c["id"], "from_name": "claim", "to_name": "text", "type": "labels",
                    "value": value | {"labels": [CLAIM_LABEL]}})
        out.append({"id": c["id"], "from_name": "claim_type", "to_name": "text",
                    "type": "choices", "value": value | {"choices": [c["type"]]}})
        if c["claimant"]:
            out.append({"from_id": c["claimant"], "to_id": c["id"], "type": "relation",
                        "direction": "right", "labels": [CLAIMANT]})
    for s in ann["stances"]:
        out.append({"from_id": s["holder"], "to_id": s["claim"], "type": "relation",
                    "direction": "right", "labels": [s["label"]]})
    return out


# --- export -> layers ----------------------------------------------------------------------

@dataclass
class Layer:
    doc_id: str
    annotator: str
    annotation: dict[str, Any]
    location: str
    updated_at: str = ""
    task: int | None = None
    annotation_id: int | None = None


@dataclass
class Conversion:
    layers: list[Layer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


@dataclass
class _Region:
    kind: str  # "mention" or "claim"
    start: int
    end: int
    label: str
    ptr: str


def quote(text: str, limit: int = 60) -> str:
    """A region's text as messages show it: quoted, on one line, shortened in the middle."""
    one = " ".join(text.split())
    if len(one) > limit:
        one = one[: limit // 2 - 1] + "…" + one[-(limit // 2 - 1):]
    return f"“{one}”"


class _Annotation:
    """One annotation's results -> a layer, collecting problems on the way.

    `who` opens every message: the document, the annotator and where the annotation is.
    """

    def __init__(self, path: str, ptr: str, text: str, counts: Counter[str], who: str) -> None:
        self.path, self.ptr, self.text, self.counts, self.who = path, ptr, text, counts, who
        self.problems: list[Problem] = []
        self.regions: dict[str, dict[str, _Region]] = {}
        self.claim_type: dict[str, str] = {}
        self.entity: dict[str, tuple[str, str]] = {}  # region id -> (QID, pointer)
        self.spans: dict[str, tuple[int, int]] = {}  # any region's offsets, for messages

    def report(self, code: Code, ptr: str, message: str) -> None:
        self.problems.append(problem(code, self.path, ptr, f"{self.who}: {message}"))

    def named(self, rid: Any) -> str:
        """A region as a person finds it: its text (and label), never its random id."""
        if not isinstance(rid, str) or rid not in self.spans:
            return "a region that is not in this annotation"
        a, b = self.spans[rid]
        labels = [r.label for r in self.regions.get(rid, {}).values()]
        return quote(self.text[a:b]) + (f" ({', '.join(labels)})" if labels else "")

    def span(self, value: Any, ptr: str) -> tuple[int, int] | None:
        """Offsets checked against the seed text, trimmed of surrounding whitespace."""
        if not isinstance(value, dict):
            self.report(Code.LS_INVALID_EXPORT, f"{ptr}/value", "a region without a value")
            return None
        start, end = value.get("start"), value.get("end")
        if not (is_json_int(start) and is_json_int(end)):
            self.report(Code.LS_INVALID_EXPORT, f"{ptr}/value",
                        "a text region needs integer start and end offsets")
            return None
        n = len(self.text)
        if start < 0 or end > n:
            self.report(Code.OFFSET_OUT_OF_RANGE, f"{ptr}/value/end",
                        f"offsets {start}-{end} do not fit the seed text ({n} characters); "
                        "was the task made from another version of the text?")
            return None
        a, b = start, end
        while a < b and self.text[a].isspace():
            a += 1
        while b > a and self.text[b - 1].isspace():
            b -= 1
        if a >= b:
            self.report(Code.REVERSED_SPAN, f"{ptr}/value/start",
                        f"the region {start}-{end} is empty or only whitespace")
            return None
        for name, off in (("start", a), ("end", b)):
            if not is_grapheme_boundary(self.text, off):
                self.report(Code.SPAN_SPLITS_CHARACTER, f"{ptr}/value/{name}",
                            f"the region {quote(self.text[start:end])} ({start}-{end}) cuts "
                            "an emoji, a flag or a letter with its accent in two; select "
                            "whole characters")
                return None
        if (a, b) != (start, end):
            self.counts["spans trimmed of whitespace"] += 1
        if value.get("text") != self.text[a:b]:
            self.counts["span texts recomputed from offsets"] += 1
        return a, b

    def add_result(self, r: Any, ptr: str, relations: list[tuple[dict[str, Any], str]]) -> None:
        if not isinstance(r, dict):
            self.report(Code.LS_INVALID_EXPORT, ptr, "a result must be an object")
            return
        kind, name = r.get("type"), r.get("from_name")
        if kind == "relation":
            relations.append((r, ptr))
            return
        rid = r.get("id")
        if not isinstance(rid, str) or not rid:
            self.report(Code.LS_INVALID_EXPORT, f"{ptr}/id", "a region result without an id")
            return
        value = r.get("value")
        if kind == "labels" and name in ("mention", "claim"):
            self.labels(rid, name, value, ptr)
        elif kind == "choices" and name == "claim_type":
            choices = value.get("choices") if isinstance(value, dict) else None
            if not isinstance(choices, list) or len(choices) != 1 \
                    or not isinstance(choices[0], str):
                self.report(Code.LS_INVALID_EXPORT, f"{ptr}/value/choices",
                            "a claim needs exactly one claim type")
            elif choices[0] not in claim_types():
                self.report(Code.UNKNOWN_LABEL, f"{ptr}/value/choices/0",
                            f"{choices[0]!r} is not a claim type ({', '.join(claim_types())})")
            else:
                self.claim_type[rid] = choices[0]
        elif kind == "textarea" and name == "entity":
            self.qid(rid, value, ptr)
        else:
            self.counts["results of other controls ignored"] += 1

    def labels(self, rid: str, name: str, value: Any, ptr: str) -> None:
        labels = value.get("labels") if isinstance(value, dict) else None
        if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
            self.report(Code.LS_INVALID_EXPORT, f"{ptr}/value/labels",
                        "a region needs exactly one label")
            return
        label = labels[0]
        allowed = mention_types() if name == "mention" else (CLAIM_LABEL,)
        if label not in allowed:
            self.report(Code.UNKNOWN_LABEL, f"{ptr}/value/labels/0",
                        f"{label!r} is not a {name} label ({', '.join(allowed)}); is the "
                        "project's labeling config out of date? (claimstance ls push)")
            return
        span = self.span(value, ptr)
        if span is not None:
            self.spans[rid] = span
            self.regions.setdefault(rid, {})[name] = _Region(name, *span, label, ptr)

    def qid(self, rid: str, value: Any, ptr: str) -> None:
        """The optional Wikidata QID: a malformed one is dropped with a warning."""
        texts = value.get("text") if isinstance(value, dict) else None
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            self.report(Code.LS_DROPPED_VALUE, f"{ptr}/value/text",
                        "the Wikidata QID box holds something that is not text; it was "
                        "dropped (the region is kept)")
            return
        qids = [t.strip() for t in texts if t.strip()]
        if qids:
            self.entity[rid] = (qids[-1], ptr)

    def layer(self, result: list[Any]) -> dict[str, list[dict[str, Any]]] | None:
        relations: list[tuple[dict[str, Any], str]] = []
        for j, r in enumerate(result):
            self.add_result(r, f"{self.ptr}/result/{j}", relations)
        mentions: dict[str, _Region] = {}
        claims: dict[str, _Region] = {}
        both: set[str] = set()
        for rid, kinds in self.regions.items():
            if len(kinds) > 1:
                both.add(rid)
                m, c = kinds["mention"], kinds["claim"]
                keys = hotkeys()
                self.report(Code.LS_MENTION_AND_CLAIM, c.ptr,
                            f"the region {quote(self.text[c.start:c.end])} carries both the "
                            f"mention label {m.label} and {CLAIM_LABEL} (a label key was "
                            "pressed while the region was selected); select it and press "
                            f"{keys[CLAIM_LABEL]} ({CLAIM_LABEL}'s key) to take {CLAIM_LABEL} "
                            f"off, or {keys[m.label]} ({m.label}'s key) to take {m.label} off: "
                            "its QID and relations stay (press Esc before the next label "
                            "key)")
            elif "mention" in kinds:
                mentions[rid] = kinds["mention"]
            else:
                claims[rid] = kinds["claim"]
        entities = self.entities(mentions, claims)
        claimant: dict[str, str] = {}
        stances: dict[tuple[str, str], tuple[str, str]] = {}
        for r, ptr in relations:
            self.relation(r, ptr, mentions, claims, claimant, stances, both)
        for rid, c in claims.items():
            if rid not in self.claim_type:
                self.report(Code.LS_CLAIM_WITHOUT_TYPE, c.ptr,
                            f"the claim {quote(self.text[c.start:c.end])} has no claim type; "
                            "select the claim and choose its type")
        if any(p.level is Level.ERROR for p in self.problems):
            return None
        return {
            "mentions": [{"id": rid, "start": m.start, "end": m.end,
                          "text": self.text[m.start:m.end], "type": m.label}
                         | ({"entity": entities[rid]} if rid in entities else {})
                         for rid, m in mentions.items()],
            "claims": [{"id": rid, "start": c.start, "end": c.end,
                        "text": self.text[c.start:c.end], "type": self.claim_type[rid],
                        "claimant": claimant.get(rid)} for rid, c in claims.items()],
            "stances": [{"id": f"s{i}", "holder": h, "claim": c, "label": label}
                        for i, ((h, c), (label, _)) in enumerate(sorted(stances.items()), 1)],
        }

    def entities(self, mentions: dict[str, _Region], claims: dict[str, _Region]
                 ) -> dict[str, str]:
        """QIDs of mentions; one typed on a claim, or not shaped like a QID, is dropped."""
        out = {}
        for rid, (qid, ptr) in self.entity.items():
            if rid in claims:
                self.report(Code.LS_DROPPED_VALUE, f"{ptr}/value/text",
                            f"a Wikidata QID ({qid!r}) was typed on the claim "
                            f"{self.named(rid)}; only mentions have one, so it was dropped")
            elif rid in mentions and not QID.match(qid):
                self.report(Code.LS_DROPPED_VALUE, f"{ptr}/value/text",
                            f"{qid!r} in the Wikidata QID box of the mention {self.named(rid)}"
                            " is not a QID (Q followed by digits, e.g. Q912); it was dropped, "
                            "the mention is kept")
            elif rid in mentions:
                out[rid] = qid
        return out

    def relation(self, r: dict[str, Any], ptr: str, mentions: dict[str, _Region],
                 claims: dict[str, _Region], claimant: dict[str, str],
                 stances: dict[tuple[str, str], tuple[str, str]], both: set[str]) -> None:
        labels = r.get("labels", [])
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            self.report(Code.LS_INVALID_EXPORT, f"{ptr}/labels",
                        "a relation's labels must be a list of label names")
            return
        a, b = r.get("from_id"), r.get("to_id")
        for key, end in (("from_id", a), ("to_id", b)):
            if not isinstance(end, str):
                self.report(Code.LS_INVALID_EXPORT, f"{ptr}/{key}",
                            f"a relation's {key} must be the id of a region")
                return
        assert isinstance(a, str) and isinstance(b, str)
        if a in both or b in both:
            return  # an end is both a mention and a claim: reported once, for the region
        ends = f"{self.named(a)} → {self.named(b)}"
        if not labels:
            self.counts["relations without a label ignored"] += 1
            self.report(Code.LS_UNLABELLED_RELATION, ptr,
                        f"the relation {ends} has no label (claimant, support, refute or "
                        "neutral) and was ignored; label it if it means something")
            return
        if r.get("direction") == "left":
            a, b = b, a
        if a in claims and b in mentions and not (a in mentions and b in claims):
            a, b = b, a  # drawn from the claim to the mention: the meaning is the same
        if a not in mentions or b not in claims:
            self.report(Code.LS_BAD_RELATION, ptr,
                        f"the relation {ends} does not link a mention to a claim; relations "
                        "go from the mention of who makes or judges a claim to the claim")
            return
        claim_text = quote(self.text[claims[b].start:claims[b].end])
        for label in labels:
            if label == CLAIMANT:
                if claimant.get(b, a) != a:
                    self.report(Code.LS_MULTIPLE_CLAIMANTS, ptr,
                                f"the claim {claim_text} has more than one claimant "
                                f"({self.named(claimant[b])} and {self.named(a)}); keep one "
                                "claimant relation")
                claimant[b] = a
            elif label in stance_labels():
                prev = stances.get((a, b))
                if prev is not None and prev[0] != label:
                    self.report(Code.DUPLICATE_STANCE, ptr,
                                f"the mention {self.named(a)} is both {prev[0]!r} and "
                                f"{label!r} towards the claim {claim_text}; keep one")
                stances[(a, b)] = (label, ptr)
            else:
                self.report(Code.UNKNOWN_LABEL, f"{ptr}/labels",
                            f"{label!r} on the relation {ends} is not a relation label "
                            f"({', '.join([CLAIMANT, *stance_labels()])})")


def _layer_doc(doc_id: str, digest: str, annotator: str, items: dict[str, Any],
               provenance: dict[str, Any]) -> dict[str, Any]:
    # region ids are random in exports: give them item ids in the export's order, then let
    # canonicalize sort them into text order and renumber every reference consistently
    mid = {m["id"]: f"m{i}" for i, m in enumerate(items["mentions"], 1)}
    cid = {c["id"]: f"c{i}" for i, c in enumerate(items["claims"], 1)}
    return canonicalize({
        "schema_version": SCHEMA_VERSION, "document": {"id": doc_id, "sha256": digest},
        "annotator": annotator, "status": "submitted", "provenance": provenance,
        "mentions": [m | {"id": mid[m["id"]]} for m in items["mentions"]],
        "claims": [c | {"id": cid[c["id"]], "claimant": mid.get(c["claimant"])}
                   for c in items["claims"]],
        "stances": [s | {"holder": mid[s["holder"]], "claim": cid[s["claim"]]}
                    for s in items["stances"]],
    })


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 else None


def _newest(updated_at: str, location: str) -> tuple[Any, str]:
    """How an author's annotations are ordered to find the newest: by the instant of
    `updated_at` (not its string), then by place in the export."""
    return order(updated_at), location


@dataclass(frozen=True)
class _Edited:
    """An annotation refused because someone other than its author last saved it."""

    newest: tuple[Any, str]  # `_newest` of it
    ptr: str
    message: str


@dataclass
class _Context:
    """What every task of one export shares."""

    seed_of: Callable[[str], Seed | None]
    salt: bytes
    path: str
    users: dict[int, str]
    project: str | int | None
    tool_version: str | None
    task_url: Callable[[int], str] | None
    accept_edits: bool
    out: Conversion
    chosen: dict[tuple[str, str], Layer] = field(default_factory=dict)
    #: (document, author) -> their annotations someone else last saved, with why they are
    #: refused: one newer than the author's newest own one keeps the file as it is
    edited: dict[tuple[str, str], list[_Edited]] = field(default_factory=dict)

    def problem(self, code: Code, ptr: str, message: str) -> None:
        self.out.problems.append(problem(code, self.path, ptr, message))


def convert_export(
    tasks: Any,
    seed_of: Callable[[str], Seed | None],
    *,
    salt: bytes,
    path: str,
    users: dict[int, str] | None = None,
    project: str | int | None = None,
    tool_version: str | None = None,
    task_url: Callable[[int], str] | None = None,
    accept_edits_by_others: bool = False,
) -> Conversion:
    """Label Studio JSON export (a list of tasks) -> submitted layers, problems and counts.

    `users` maps the numeric author ids of an export to e-mails; an author who is not in it
    (and not spelt out by the export) is refused, never given a second pseudonym.
    `task_url` makes messages link to a task in the server's UI.
    An annotation last updated by someone other than its author is refused unless
    `accept_edits_by_others`.
    """
    out = Conversion()
    ctx = _Context(seed_of, salt, path, export_users(tasks, users or {}, path), project,
                   tool_version, task_url, accept_edits_by_others, out)
    if not isinstance(tasks, list):
        ctx.problem(Code.LS_INVALID_EXPORT, "",
                    "a Label Studio JSON export is a list of tasks; export with the JSON "
                    "format (not JSON-MIN or CSV)")
        return out
    for i, task in enumerate(tasks):
        _convert_task(task, f"/{i}", ctx)
    blocked = _refuse_edits(ctx)
    out.layers = sorted((x for k, x in ctx.chosen.items() if k not in blocked),
                        key=lambda x: (x.doc_id, x.annotator))
    return out


def _refuse_edits(ctx: _Context) -> set[tuple[str, str]]:
    """Refuse each annotation someone else last saved unless its author has a newer one of
    their own (then it is superseded, as any older annotation of theirs); the (document,
    author) pairs where one is refused, whose file is kept as it is."""
    blocked = set()
    for key, edits in ctx.edited.items():
        own = ctx.chosen.get(key)
        for e in edits:
            if own is not None and e.newest < _newest(own.updated_at, own.location):
                ctx.out.counts["older annotations by the same annotator superseded"] += 1
                continue
            ctx.problem(Code.LS_EDITED_BY_OTHER, e.ptr, e.message)
            ctx.out.counts["annotations refused"] += 1
            blocked.add(key)
    return blocked


def _list_field(task: dict[str, Any], key: str, ptr: str, ctx: _Context) -> list[Any] | None:
    value = task.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        ctx.problem(Code.LS_INVALID_EXPORT, f"{ptr}/{key}",
                    f"a task's {key} must be a list (found {type(value).__name__})")
        return None
    return value


def _convert_task(task: Any, ptr: str, ctx: _Context) -> None:
    if not isinstance(task, dict):
        ctx.problem(Code.LS_INVALID_EXPORT, ptr, "a task must be an object")
        return
    data = task.get("data")
    doc_id = data.get("doc_id") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(doc_id, str):
        ctx.problem(Code.LS_INVALID_EXPORT, f"{ptr}/data/doc_id",
                    "a task without data.doc_id was not made by `claimstance ls push`")
        return
    if not is_doc_id(doc_id):  # checked before any path is built from it
        ctx.problem(Code.LS_INVALID_EXPORT, f"{ptr}/data/doc_id",
                    f"{doc_id[:100]!r} is not a document id (lower-case letters, digits and "
                    "'-'); the task was not made by `claimstance ls push`, or was edited")
        return
    out = ctx.out
    out.counts["tasks"] += 1
    annotations = _list_field(task, "annotations", ptr, ctx)
    drafts = _list_field(task, "drafts", ptr, ctx)
    out.counts["drafts ignored"] += len(drafts or [])
    if annotations is None:
        return
    task_id = task.get("id") if is_json_int(task.get("id")) else None
    seed = ctx.seed_of(doc_id)
    if seed is None:
        ctx.problem(Code.DOCUMENT_NOT_FOUND, f"{ptr}/data/doc_id",
                    f"{doc_id}: no valid seed seeds/{doc_id}.json for this task (run "
                    "`claimstance validate`)")
        out.counts["annotations refused"] += len(annotations)
        return
    if data.get("sha256") != seed["sha256"] or data.get("text") != seed["text"]:
        how = (f"(sha256 {str(data.get('sha256'))[:12]}... vs {seed['sha256'][:12]}...)"
               if data.get("sha256") != seed["sha256"] else
               "though its sha256 field is the seed's (the text was edited in Label "
               "Studio, or the field copied)")
        ctx.problem(Code.LS_TASK_TEXT_CHANGED, f"{ptr}/data/sha256",
                    f"{doc_id}: the text of task {task_id} is not the text of "
                    f"seeds/{doc_id}.json any more {how}; its offsets cannot be trusted: "
                    "re-push the seed and re-annotate")
        out.counts["annotations refused"] += len(annotations)
        return
    for k, a in enumerate(annotations):
        _convert_annotation(a, f"{ptr}/annotations/{k}", doc_id, task_id, seed, ctx)


def _convert_annotation(a: Any, aptr: str, doc_id: str, task_id: int | None, seed: Seed,
                        ctx: _Context) -> None:
    out = ctx.out
    where = f"task {task_id}" if task_id is not None else "a task"
    annotation_id = a["id"] if isinstance(a, dict) and is_json_int(a.get("id")) else None
    if annotation_id is not None:
        where += f", annotation {annotation_id}"
    if task_id is not None and ctx.task_url is not None:
        where += f", {ctx.task_url(task_id)}"
    if not isinstance(a, dict) or not isinstance(a.get("result"), list):
        ctx.problem(Code.LS_INVALID_EXPORT, aptr,
                    f"{doc_id} ({where}): an annotation needs a result list")
        out.counts["annotations refused"] += 1
        return
    if a.get("was_cancelled"):
        out.counts["cancelled (skipped) annotations ignored"] += 1
        return
    author = a.get("completed_by")
    identity = identity_of(author, ctx.users)
    if identity is None:
        uid = author.get("id") if isinstance(author, dict) else author
        who = f"Label Studio user {uid}" if is_json_int(uid) else "an unknown user"
        ctx.problem(Code.LS_UNKNOWN_USER, f"{aptr}/completed_by",
                    f"{doc_id} ({where}): made by {who}, whose e-mail is not known here, so "
                    "their pseudonym cannot be made; pull from the server (`claimstance ls "
                    "pull`), or give --users users.json saved from <server>/api/users/ "
                    "while logged in")
        out.counts["annotations refused"] += 1
        return
    annotator = pseudonym(identity, ctx.salt)
    updated_at = a.get("updated_at") if isinstance(a.get("updated_at"), str) else None
    edit = _edited_by_other(a, annotator, f"{doc_id}, annotator {annotator} ({where})", ctx)
    if edit is not None:
        ctx.edited.setdefault((doc_id, annotator), []).append(_Edited(
            _newest(updated_at or "", f"{ctx.path}::{aptr}"), f"{aptr}/updated_by", edit))
        return
    conv = _Annotation(ctx.path, aptr, seed["text"], out.counts,
                       f"{doc_id}, annotator {annotator} ({where})")
    items = conv.layer(a["result"])
    out.problems += conv.problems
    if items is None:
        out.counts["annotations refused"] += 1
        return
    provenance = {
        "tool": "label-studio", "tool_version": ctx.tool_version, "project": ctx.project,
        "task": task_id, "annotation": annotation_id,
        "created_at": a.get("created_at") if isinstance(a.get("created_at"), str) else None,
        "updated_at": updated_at, "lead_time_s": _number(a.get("lead_time")),
    }
    layer = Layer(doc_id, annotator,
                  _layer_doc(doc_id, seed["sha256"], annotator, items, provenance),
                  f"{ctx.path}::{aptr}", updated_at or "", task_id, annotation_id)
    out.counts["annotations converted"] += 1
    key = (doc_id, annotator)
    if key in ctx.chosen:
        out.counts["older annotations by the same annotator superseded"] += 1
        if _newest(layer.updated_at, layer.location) < _newest(ctx.chosen[key].updated_at,
                                                               ctx.chosen[key].location):
            return
    ctx.chosen[key] = layer


def _edited_by_other(a: dict[str, Any], annotator: str, who: str,
                     ctx: _Context) -> str | None:
    """Why the annotation is refused when Label Studio says someone other than its author
    last updated it (`updated_by`; an id, or an object when the export expanded users);
    None when it is not. Label Studio opens a task on its newest annotation, often a
    colleague's, and Update saves whatever tab is shown: the edit is not the author's
    work."""
    editor = a.get("updated_by")
    if editor is None:
        return None
    eid = editor.get("id") if isinstance(editor, dict) else editor
    aid = a["completed_by"].get("id") if isinstance(a["completed_by"], dict) \
        else a["completed_by"]
    if is_json_int(eid) and eid == aid:
        return None
    other = identity_of(editor, ctx.users)
    editor_name = pseudonym(other, ctx.salt) if other is not None else None
    if editor_name == annotator:
        return None
    name = (f"annotator {editor_name}" if editor_name is not None
            else f"Label Studio user {eid}" if is_json_int(eid) else "an unknown user")
    if ctx.accept_edits:
        ctx.out.counts["annotations last updated by someone else (accepted)"] += 1
        return None
    return (f"{who}: Label Studio says {name} last saved this annotation, not its author "
            f"{annotator} (Update saves whichever tab is shown, often a colleague's); the "
            f"file of {annotator}'s last pull is kept. To resolve it, {annotator} opens the "
            "task, clicks their own tab, checks it and presses Update (then it is theirs "
            f"again), or pull with --accept-edits-by-others to take it as {annotator}'s")
