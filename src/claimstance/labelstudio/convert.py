"""Label Studio <-> corpus JSON, as pure functions: seeds -> tasks, layers -> results, and a
JSON export -> annotation layers plus coded problems.

The export side trusts nothing an export says about text: spans are re-read from the seed by
their offsets, and refused (with a code) when the offsets do not fit it. Everything that is
skipped is counted, so the summary accounts for every annotation in the export.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..corpus.annotation import canonicalize
from ..corpus.document import is_grapheme_boundary
from ..corpus.naming import QID, pseudonym
from ..corpus.schema import SCHEMA_VERSION, claim_types, mention_types, stance_labels
from ..problems import Code, Level, Problem, problem
from .config import CLAIM_LABEL, CLAIMANT

Seed = dict[str, Any]


# --- identities ----------------------------------------------------------------------------

def identity_of(completed_by: Any, users: dict[int, str]) -> str | None:
    """E-mail (preferred) or user id of an annotation's author, as exports spell it."""
    if isinstance(completed_by, dict):
        email = completed_by.get("email")
        if isinstance(email, str) and email:
            return email
        completed_by = completed_by.get("id")
    if isinstance(completed_by, int) and not isinstance(completed_by, bool):
        return users.get(completed_by) or f"user:{completed_by}"
    return None


# --- seeds and layers -> Label Studio ------------------------------------------------------

def task_of(seed: Seed) -> dict[str, Any]:
    return {"data": {"text": seed["text"], "doc_id": seed["id"], "sha256": seed["sha256"]}}


def results_of(ann: dict[str, Any]) -> list[dict[str, Any]]:
    """A layer as Label Studio results (for predictions a reviewer corrects)."""
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


class _Annotation:
    """One annotation's results -> a layer, collecting problems on the way."""

    def __init__(self, path: str, ptr: str, text: str, counts: Counter[str]) -> None:
        self.path, self.ptr, self.text, self.counts = path, ptr, text, counts
        self.problems: list[Problem] = []
        self.regions: dict[str, dict[str, _Region]] = {}
        self.claim_type: dict[str, str] = {}
        self.entity: dict[str, str] = {}

    def error(self, code: Code, ptr: str, message: str) -> None:
        self.problems.append(problem(code, self.path, ptr, message))

    def span(self, value: Any, ptr: str) -> tuple[int, int] | None:
        """Offsets checked against the seed text, trimmed of surrounding whitespace."""
        if not isinstance(value, dict):
            self.error(Code.LS_INVALID_EXPORT, ptr, "a region without a value")
            return None
        start, end = value.get("start"), value.get("end")
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool):
            self.error(Code.LS_INVALID_EXPORT, f"{ptr}/value",
                       "a text region needs integer start and end offsets")
            return None
        n = len(self.text)
        if start < 0 or end > n:
            self.error(Code.OFFSET_OUT_OF_RANGE, f"{ptr}/value/end",
                       f"offsets {start}-{end} do not fit the seed text ({n} characters); was "
                       "the task made from another version of the text?")
            return None
        a, b = start, end
        while a < b and self.text[a].isspace():
            a += 1
        while b > a and self.text[b - 1].isspace():
            b -= 1
        if a >= b:
            self.error(Code.REVERSED_SPAN, f"{ptr}/value/start",
                       f"the region {start}-{end} is empty or only whitespace")
            return None
        for name, off in (("start", a), ("end", b)):
            if not is_grapheme_boundary(self.text, off):
                self.error(Code.SPAN_SPLITS_CHARACTER, f"{ptr}/value/{name}",
                           f"{name} {off} falls inside a character (an emoji or combining "
                           "sequence): the offsets do not fit the seed text")
                return None
        if (a, b) != (start, end):
            self.counts["spans trimmed of whitespace"] += 1
        if value.get("text") != self.text[a:b]:
            self.counts["span texts recomputed from offsets"] += 1
        return a, b

    def add_result(self, r: Any, ptr: str, relations: list[tuple[dict[str, Any], str]]) -> None:
        if not isinstance(r, dict):
            self.error(Code.LS_INVALID_EXPORT, ptr, "a result must be an object")
            return
        kind, name = r.get("type"), r.get("from_name")
        if kind == "relation":
            relations.append((r, ptr))
            return
        rid = r.get("id")
        if not isinstance(rid, str) or not rid:
            self.error(Code.LS_INVALID_EXPORT, f"{ptr}/id", "a region result without an id")
            return
        value = r.get("value")
        if kind == "labels" and name in ("mention", "claim"):
            labels = value.get("labels") if isinstance(value, dict) else None
            if not isinstance(labels, list) or len(labels) != 1:
                self.error(Code.LS_INVALID_EXPORT, f"{ptr}/value/labels",
                           "a region needs exactly one label")
                return
            label = labels[0]
            allowed = mention_types() if name == "mention" else [CLAIM_LABEL]
            if label not in allowed:
                self.error(Code.UNKNOWN_LABEL, f"{ptr}/value/labels/0",
                           f"{label!r} is not a {name} label ({', '.join(allowed)}); is the "
                           "project's labeling config out of date? (claimstance ls push)")
                return
            span = self.span(value, ptr)
            if span is not None:
                self.regions.setdefault(rid, {})[name] = _Region(name, *span, label, ptr)
        elif kind == "choices" and name == "claim_type":
            choices = value.get("choices") if isinstance(value, dict) else None
            if not isinstance(choices, list) or len(choices) != 1:
                self.error(Code.LS_INVALID_EXPORT, f"{ptr}/value/choices",
                           "a claim needs exactly one claim type")
            elif choices[0] not in claim_types():
                self.error(Code.UNKNOWN_LABEL, f"{ptr}/value/choices/0",
                           f"{choices[0]!r} is not a claim type ({', '.join(claim_types())})")
            else:
                self.claim_type[rid] = choices[0]
        elif kind == "textarea" and name == "entity":
            texts = value.get("text") if isinstance(value, dict) else None
            qids = [t.strip() for t in texts or [] if isinstance(t, str) and t.strip()]
            if qids and not QID.match(qids[-1]):
                self.error(Code.INVALID_VALUE, f"{ptr}/value/text",
                           f"{qids[-1]!r} is not a Wikidata QID (Q followed by digits)")
            elif qids:
                self.entity[rid] = qids[-1]
        else:
            self.counts["results of other controls ignored"] += 1

    def layer(self, result: list[Any]) -> dict[str, list[dict[str, Any]]] | None:
        relations: list[tuple[dict[str, Any], str]] = []
        for j, r in enumerate(result):
            self.add_result(r, f"{self.ptr}/result/{j}", relations)
        mentions = {rid: r["mention"] for rid, r in self.regions.items() if "mention" in r}
        claims = {rid: r["claim"] for rid, r in self.regions.items() if "claim" in r}
        claimant: dict[str, str] = {}
        stances: dict[tuple[str, str], tuple[str, str]] = {}
        for r, ptr in relations:
            self.relation(r, ptr, mentions, claims, claimant, stances)
        for rid, c in claims.items():
            if rid not in self.claim_type:
                self.error(Code.LS_CLAIM_WITHOUT_TYPE, c.ptr,
                           f"the claim {self.text[c.start:c.end]!r} has no claim type; select "
                           "the claim in Label Studio and choose its type")
        if any(p.level is Level.ERROR for p in self.problems):
            return None
        return {
            "mentions": [{"id": rid, "start": m.start, "end": m.end,
                          "text": self.text[m.start:m.end], "type": m.label}
                         | ({"entity": self.entity[rid]} if rid in self.entity else {})
                         for rid, m in mentions.items()],
            "claims": [{"id": rid, "start": c.start, "end": c.end,
                        "text": self.text[c.start:c.end], "type": self.claim_type[rid],
                        "claimant": claimant.get(rid)} for rid, c in claims.items()],
            "stances": [{"id": f"s{i}", "holder": h, "claim": c, "label": label}
                        for i, ((h, c), (label, _)) in enumerate(sorted(stances.items()), 1)],
        }

    def relation(self, r: dict[str, Any], ptr: str, mentions: dict[str, _Region],
                 claims: dict[str, _Region], claimant: dict[str, str],
                 stances: dict[tuple[str, str], tuple[str, str]]) -> None:
        labels = r.get("labels") or []
        if not labels:
            self.counts["relations without a label ignored"] += 1
            self.problems.append(problem(
                Code.LS_UNLABELLED_RELATION, self.path, ptr,
                "a relation without a label (claimant, support, refute or neutral) was "
                "ignored; label it in Label Studio if it means something"))
            return
        a, b = r.get("from_id"), r.get("to_id")
        if r.get("direction") == "left":
            a, b = b, a
        if a in claims and b in mentions and not (a in mentions and b in claims):
            a, b = b, a  # drawn from the claim to the mention: the meaning is the same
        if a not in mentions or b not in claims:
            self.error(Code.LS_BAD_RELATION, ptr,
                       "a relation must go from a mention to a claim (its claimant, or a "
                       f"mention that takes a stance); this one links {a!r} to {b!r}")
            return
        for label in labels:
            if label == CLAIMANT:
                if claimant.get(b, a) != a:
                    self.error(Code.LS_MULTIPLE_CLAIMANTS, ptr,
                               f"the claim {self.text[claims[b].start:claims[b].end]!r} has "
                               "more than one claimant; keep one claimant relation")
                claimant[b] = a
            elif label in stance_labels():
                prev = stances.get((a, b))
                if prev is not None and prev[0] != label:
                    self.error(Code.DUPLICATE_STANCE, ptr,
                               f"the same mention is both {prev[0]!r} and {label!r} towards one "
                               "claim; keep one")
                stances[(a, b)] = (label, ptr)
            else:
                self.error(Code.UNKNOWN_LABEL, f"{ptr}/labels",
                           f"{label!r} is not a relation label "
                           f"({', '.join([CLAIMANT, *stance_labels()])})")


def _layer_doc(doc_id: str, digest: str, annotator: str, items: dict[str, Any],
               provenance: dict[str, Any]) -> dict[str, Any]:
    # region ids are random in exports: number them in text order, then let canonicalize
    # renumber every reference consistently
    return canonicalize({
        "schema_version": SCHEMA_VERSION, "document": {"id": doc_id, "sha256": digest},
        "annotator": annotator, "status": "submitted", "provenance": provenance,
        "mentions": items["mentions"], "claims": items["claims"], "stances": items["stances"],
    })


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 else None


def convert_export(
    tasks: Any,
    seed_of: Callable[[str], Seed | None],
    *,
    salt: bytes,
    path: str,
    users: dict[int, str] | None = None,
    project: str | int | None = None,
    tool_version: str | None = None,
) -> Conversion:
    """Label Studio JSON export (a list of tasks) -> submitted layers, problems and counts."""
    out = Conversion()
    users = users or {}
    if not isinstance(tasks, list):
        out.problems.append(problem(Code.LS_INVALID_EXPORT, path, "",
                                    "a Label Studio JSON export is a list of tasks; export "
                                    "with the JSON format (not JSON-MIN or CSV)"))
        return out
    chosen: dict[tuple[str, str], Layer] = {}
    for i, task in enumerate(tasks):
        _convert_task(task, f"/{i}", seed_of, salt, path, users, project, tool_version, out,
                      chosen)
    out.layers = sorted(chosen.values(), key=lambda x: (x.doc_id, x.annotator))
    return out


def _convert_task(task: Any, ptr: str, seed_of: Callable[[str], Seed | None], salt: bytes,
                  path: str, users: dict[int, str], project: str | int | None,
                  tool_version: str | None, out: Conversion,
                  chosen: dict[tuple[str, str], Layer]) -> None:
    data = task.get("data") if isinstance(task, dict) else None
    doc_id = data.get("doc_id") if isinstance(data, dict) else None
    if not isinstance(doc_id, str):
        out.problems.append(problem(Code.LS_INVALID_EXPORT, path, f"{ptr}/data/doc_id",
                                    "a task without data.doc_id was not made by "
                                    "`claimstance ls push`"))
        return
    assert isinstance(task, dict) and isinstance(data, dict)
    out.counts["tasks"] += 1
    annotations = task.get("annotations") or []
    out.counts["drafts ignored"] += len(task.get("drafts") or [])
    seed = seed_of(doc_id)
    if seed is None:
        out.problems.append(problem(Code.DOCUMENT_NOT_FOUND, path, f"{ptr}/data/doc_id",
                                    f"no seed seeds/{doc_id}.json for this task"))
        out.counts["annotations refused"] += len(annotations)
        return
    if data.get("sha256") != seed["sha256"] or data.get("text") != seed["text"]:
        out.problems.append(problem(
            Code.LS_TASK_TEXT_CHANGED, path, f"{ptr}/data/sha256",
            f"the task's text is not the text of seeds/{doc_id}.json any more (sha256 "
            f"{str(data.get('sha256'))[:12]}... vs {seed['sha256'][:12]}...); its offsets "
            "cannot be trusted: re-push the seed and re-annotate"))
        out.counts["annotations refused"] += len(annotations)
        return
    for k, a in enumerate(annotations):
        aptr = f"{ptr}/annotations/{k}"
        if not isinstance(a, dict) or not isinstance(a.get("result"), list):
            out.problems.append(problem(Code.LS_INVALID_EXPORT, path, aptr,
                                        "an annotation needs a result list"))
            continue
        if a.get("was_cancelled"):
            out.counts["cancelled (skipped) annotations ignored"] += 1
            continue
        identity = identity_of(a.get("completed_by"), users)
        if identity is None:
            out.problems.append(problem(Code.LS_INVALID_EXPORT, path, f"{aptr}/completed_by",
                                        "an annotation without its author (completed_by)"))
            continue
        conv = _Annotation(path, aptr, seed["text"], out.counts)
        items = conv.layer(a["result"])
        out.problems += conv.problems
        if items is None:
            out.counts["annotations refused"] += 1
            continue
        annotator = pseudonym(identity, salt)
        provenance = {
            "tool": "label-studio", "tool_version": tool_version, "project": project,
            "task": task.get("id") if isinstance(task.get("id"), int) else None,
            "annotation": a.get("id") if isinstance(a.get("id"), int) else None,
            "created_at": a.get("created_at") if isinstance(a.get("created_at"), str) else None,
            "updated_at": a.get("updated_at") if isinstance(a.get("updated_at"), str) else None,
            "lead_time_s": _number(a.get("lead_time")),
        }
        layer = Layer(doc_id, annotator, _layer_doc(doc_id, seed["sha256"], annotator, items,
                                                    provenance), f"{path}::{aptr}",
                      str(a.get("updated_at") or ""))
        out.counts["annotations converted"] += 1
        key = (doc_id, annotator)
        if key in chosen:
            out.counts["older annotations by the same annotator superseded"] += 1
            if (layer.updated_at, layer.location) < (chosen[key].updated_at,
                                                     chosen[key].location):
                continue
        chosen[key] = layer


def users_map(users: Iterable[Any]) -> dict[int, str]:
    """User id -> e-mail, from the SDK's user objects (or dicts)."""
    out: dict[int, str] = {}
    for u in users:
        uid = getattr(u, "id", None) if not isinstance(u, dict) else u.get("id")
        email = getattr(u, "email", None) if not isinstance(u, dict) else u.get("email")
        if isinstance(uid, int) and isinstance(email, str) and email:
            out[uid] = email
    return out
