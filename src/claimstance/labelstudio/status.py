"""`ls status`: who has done what, and which documents are ready for adjudication.

Asked of the server, it reads one export of the project (every task with its annotations and
everyone's drafts, as a pull does) and the user list, so annotators appear under the same
pseudonyms as their files. Offline, it answers from the corpus (the layers pulled, gold) and
the record of pulls; what only the server knows (skipped tasks, drafts, work still to do) is
then unknown, never guessed. E-mails are only looked up, never shown.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from ..corpus.layout import Corpus
from ..corpus.naming import GOLD, is_doc_id, pseudonym
from ..problems import Code, refuse
from .api import DEFAULT_PROJECT, call, export_snapshot, find_project
from .identity import identity_of, users_map
from .ledger import Ledger, Mark

#: Documents listed one by one in the text output (JSON lists them all).
TEXT_DOCUMENTS = 20


@dataclass
class AnnotatorStatus:
    annotator: str  # the pseudonym, as the annotator's files are named
    submitted: int
    skipped: int | None = None  # None: only the server knows (offline)
    drafts: int | None = None
    to_do: int | None = None


@dataclass
class DocumentStatus:
    doc_id: str
    done: int  # annotators who submitted (on the server; offline: layers in the corpus)
    overlap: int | None  # annotators asked per document (the project's overlap)
    pulled: int  # annotator layers in the corpus
    ready: bool  # enough annotators, and no gold made from their layers yet
    adjudicated: bool  # gold.json was made from every annotator layer now in the corpus
    in_gold: bool  # gold.json exists (adjudicated, or written by other means)


@dataclass
class Status:
    project: str
    source: str  # "server" or "corpus"
    overlap: int | None
    last_pull: str | None
    annotators: list[AnnotatorStatus] = field(default_factory=list)
    documents: list[DocumentStatus] = field(default_factory=list)

    def totals(self) -> dict[str, int | None]:
        def total(key: str) -> int | None:
            values = [getattr(a, key) for a in self.annotators]
            known = self.source == "server" or key == "submitted"
            return sum(values) if known and None not in values else None

        docs = self.documents
        return {
            "documents": len(docs),
            "annotators": len(self.annotators),
            "submitted": total("submitted"),
            "skipped": total("skipped"),
            "drafts": total("drafts"),
            "documents done": sum(1 for d in docs if d.overlap and d.done >= d.overlap),
            "ready for adjudication": sum(d.ready for d in docs),
            "adjudicated": sum(d.adjudicated for d in docs),
            "in gold": sum(d.in_gold for d in docs),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"project": self.project, "source": self.source, "overlap": self.overlap,
                "last_pull": self.last_pull, "totals": self.totals(),
                "annotators": [asdict(a) for a in self.annotators],
                "documents": [asdict(d) for d in self.documents]}

    def text(self) -> str:
        def n(v: int | None) -> str:
            return "?" if v is None else str(v)

        where = "the server" if self.source == "server" else "the corpus (offline)"
        lines = [f"status of {self.project!r} from {where}",
                 f"  last pull: {self.last_pull or 'none recorded'}",
                 f"  annotators per document: {n(self.overlap)}"]
        lines += [f"  {k}: {n(v)}" for k, v in self.totals().items()]
        if self.annotators:
            lines += ["", f"  {'annotator':<12} {'submitted':>9} {'skipped':>8} {'drafts':>7} "
                          f"{'to do':>6}"]
            lines += [f"  {a.annotator:<12} {a.submitted:>9} {n(a.skipped):>8} "
                      f"{n(a.drafts):>7} {n(a.to_do):>6}" for a in self.annotators]
        busy = [d for d in self.documents if (d.done or d.pulled) and not d.adjudicated]
        if busy:
            lines += ["", f"  {'document':<40} {'done':>7} {'pulled':>6}  state"]
            for d in busy[:TEXT_DOCUMENTS]:
                state = ("ready for adjudication" + (" (pull first)" if d.pulled < d.done
                                                     else "") if d.ready
                         else "in gold, not from every layer" if d.in_gold else "in progress")
                lines.append(f"  {d.doc_id[:40]:<40} {d.done:>3}/{n(d.overlap):<3} "
                             f"{d.pulled:>6}  {state}")
            if len(busy) > TEXT_DOCUMENTS:
                lines.append(f"  ... and {len(busy) - TEXT_DOCUMENTS} more (--format json "
                             "lists every document)")
        if self.source != "server":
            lines += ["", "  skipped, drafts and tasks to do are known only to the server "
                          "(run without --offline)"]
        return "\n".join(lines)


# --- the corpus's side ---------------------------------------------------------------------

@dataclass
class _Corpus:
    """Per document: the annotator layers in the corpus, gold, and what gold was made from."""

    layers: dict[str, list[str]]  # doc_id -> annotators (not gold)
    gold_sources: dict[str, set[str] | None]  # doc_id -> gold's sources (None: no gold)


def _corpus_side(corpus: Corpus, doc_ids: list[str]) -> _Corpus:
    layers: dict[str, list[str]] = {}
    gold: dict[str, set[str] | None] = {}
    for doc_id in doc_ids:
        names = corpus.annotators(doc_id)
        layers[doc_id] = [a for a in names if a != GOLD]
        gold[doc_id] = _sources(corpus, doc_id) if GOLD in names else None
    return _Corpus(layers, gold)


def _sources(corpus: Corpus, doc_id: str) -> set[str]:
    """The annotators gold.json says it was made from (none when it cannot be read)."""
    try:
        prov = orjson.loads(corpus.annotation_path(doc_id, GOLD).read_bytes()).get("provenance")
        sources = prov.get("sources") if isinstance(prov, dict) else None
    except (OSError, orjson.JSONDecodeError, AttributeError):
        return set()
    return {s for s in sources if isinstance(s, str)} if isinstance(sources, list) else set()


def _document(doc_id: str, done: int, overlap: int | None, side: _Corpus) -> DocumentStatus:
    layers = side.layers.get(doc_id, [])
    sources = side.gold_sources.get(doc_id)
    adjudicated = sources is not None and bool(layers) and set(layers) <= sources
    enough = done >= max(overlap or 2, 2)
    return DocumentStatus(doc_id, done, overlap, len(layers), enough and not adjudicated,
                          adjudicated, sources is not None)


# --- asking the server ----------------------------------------------------------------------

def from_export(tasks: list[Any], users: dict[int, str], *, salt: bytes, overlap: int | None,
                corpus: Corpus, project: str, last_pull: str | None) -> Status:
    """The status of a project from its JSON export (drafts expanded) and its users."""
    people = {pseudonym(email, salt) for email in users.values()}
    submitted: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    drafts: Counter[str] = Counter()
    touched: dict[str, set[int]] = defaultdict(set)  # annotator -> tasks submitted or skipped
    open_tasks: list[int] = []
    done: dict[str, int] = {}
    def listed(task: dict[str, Any], key: str) -> list[Any]:
        value = task.get(key)
        return value if isinstance(value, list) else []

    for i, task in enumerate(t for t in tasks if isinstance(t, dict)):
        data = task.get("data")
        doc_id = data.get("doc_id") if isinstance(data, dict) else None
        finished = set()
        for a in listed(task, "annotations"):
            email = identity_of(a.get("completed_by"), users) if isinstance(a, dict) else None
            if email is None:
                continue
            who = pseudonym(email, salt)
            people.add(who)
            touched[who].add(i)
            if a.get("was_cancelled"):
                skipped[who] += 1
            else:
                finished.add(who)
        for who in finished:
            submitted[who] += 1
        for d in listed(task, "drafts"):
            email = d.get("user") if isinstance(d, dict) else None
            if isinstance(email, str) and "@" in email:
                who = pseudonym(email, salt)
                people.add(who)
                drafts[who] += 1
        if overlap is None or len(finished) < overlap:
            open_tasks.append(i)
        if isinstance(doc_id, str) and is_doc_id(doc_id):
            done[doc_id] = max(done.get(doc_id, 0), len(finished))
    side = _corpus_side(corpus, sorted(done))
    return Status(
        project, "server", overlap, last_pull,
        [AnnotatorStatus(who, submitted[who], skipped[who], drafts[who],
                         sum(1 for i in open_tasks if i not in touched[who]))
         for who in sorted(people)],
        [_document(doc_id, n, overlap, side) for doc_id, n in sorted(done.items())])


def server_status(client: Any, corpus: Corpus, title: str = DEFAULT_PROJECT, *, salt: bytes,
                  progress: bool = False) -> Status:
    project = find_project(client, title)
    if project is None:
        raise refuse(Code.LS_NO_PROJECT, "label-studio",
                     f"no project titled {title!r} on the server; run `claimstance ls push`")
    tasks = export_snapshot(client, project.id, progress=progress, drafts=True)
    users = users_map(call("list users", client.users.list))
    overlap = getattr(project, "maximum_annotations", None)
    return from_export(tasks if isinstance(tasks, list) else [], users, salt=salt,
                       overlap=overlap if isinstance(overlap, int) else None, corpus=corpus,
                       project=title, last_pull=_last_pull(corpus, title).at or None)


# --- offline --------------------------------------------------------------------------------

def _last_pull(corpus: Corpus, title: str) -> Mark:
    """The record of the project's last pull (empty when none is recorded)."""
    return Ledger.of(corpus).marks.get(title) or Mark(title, 0, "", None)


def offline_status(corpus: Corpus, title: str = DEFAULT_PROJECT) -> Status:
    """The status as the corpus shows it: layers per annotator and document, and gold; the
    overlap and the time are those of the last pull recorded."""
    last = _last_pull(corpus, title)
    overlap = last.overlap
    side = _corpus_side(corpus, corpus.doc_ids())
    per: Counter[str] = Counter(a for names in side.layers.values() for a in names)
    return Status(title, "corpus", overlap, last.at or None,
                  [AnnotatorStatus(a, n) for a, n in sorted(per.items())],
                  [_document(d, len(side.layers[d]), overlap, side)
                   for d in sorted(side.layers)])
