"""`ls pull`: export a snapshot (or read a UI export), convert it with
`labelstudio.convert_export` and write one file per (document, annotator). A file the last
pull wrote and nobody edited is updated when its annotation changed in Label Studio; a file a
person edited is kept unless `force` (see `ledger`).

Pulls are incremental: after a completed pull, the next exports only the tasks Label Studio
changed since (with a margin for annotations saved while the export ran), plus those whose
annotations were refused or whose files were kept, so they are seen again, and those whose
times cannot be read (`_untimed_tasks`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import orjson

from ..corpus.layout import Corpus
from ..corpus.lock import corpus_lock
from ..corpus.naming import layer_name
from ..corpus.writing import atomic_write, dumps
from ..problems import Code, Level, problem, refuse
from ..validation.reader import NotAFile, is_json_int, load, read_bytes, seed_or_none
from ..validation.run import validate
from .api import (
    DEFAULT_PROJECT,
    call,
    export_changed,
    export_snapshot,
    find_project,
    progress_bar,
    server_clock_and_version,
)
from .convert import Conversion, Layer, convert_export
from .identity import read_users, users_map
from .ledger import LEDGER, Ledger, Mark, Record, digest
from .summary import Summary
from .times import before as _before
from .times import instant

#: How long before the start of its export a pull's watermark is set by default: an
#: annotation saved just before the export but committed after it (or stamped by a server
#: whose clock is a little behind) is still asked for next time.
MARGIN = timedelta(seconds=60)
#: Past this many tasks to ask for again, a pull exports everything.
MAX_RETRY = 200
#: What `_write_layer` did with a layer's file ("written" also when it updated one).
Outcome = Literal["written", "kept", "unchanged"]


def pull(client: Any, corpus: Corpus, title: str = DEFAULT_PROJECT, *, salt: bytes,
         force: bool = False, progress: bool = False, url: str | None = None,
         accept_edits_by_others: bool = False, full: bool = False,
         margin: timedelta = MARGIN) -> Summary:
    """Pull the submitted annotations changed since the last pull (authors from the server's
    users); all of them with `full` or `force`, or when no earlier pull is recorded.

    The next pull asks for what changed since `margin` before this one's export began (a
    server's clock in whole seconds); tests and benchmarks pass a small one so as not to
    wait a minute for the default's to pass.

    `url`, the server's address, lets messages link to the task in the UI. An
    annotation someone other than its author last updated is refused (the author's last
    pulled file is kept) unless `accept_edits_by_others`.
    """
    if margin < timedelta(0):
        raise ValueError(f"a pull's margin cannot be negative: {margin}")
    project = find_project(client, title)
    if project is None:
        raise refuse(Code.LS_NO_PROJECT, "label-studio",
                     f"no project titled {title!r} on the server; run `claimstance ls push`")
    last = None if full or force else Ledger.of(corpus).marks.get(title)
    if last is not None and (last.project_id != project.id or last.since is None
                             or len(last.retry) > MAX_RETRY):
        last = None  # another project of that title, or too much to ask for again
    clock, version = server_clock_and_version(client)
    if last is None:
        export = export_snapshot(client, project.id, progress=progress)
    else:
        export = export_changed(client, project.id, str(last.since), last.retry,
                                progress=progress)
    users = users_map(call("list users", client.users.list))
    base = url.rstrip("/") if url else None
    conv = convert_export(export, _seed_reader(corpus), salt=salt,
                          path=f"label-studio:{title}", users=users, project=title,
                          tool_version=version,
                          task_url=(lambda t: f"{base}/projects/{project.id}/data?task={t}")
                          if base else None, accept_edits_by_others=accept_edits_by_others)
    summary = Summary("pull", title, project.id)
    summary.settings["pulled"] = ("every task" if last is None
                                  else f"tasks changed since {last.since}")
    overlap = getattr(project, "maximum_annotations", None)
    mark = Mark(title, project.id, _utc(datetime.now(timezone.utc)),
                _utc(clock - margin) if clock is not None else None,
                tuple(sorted(_refused_tasks(export, conv) | _untimed_tasks(export))),
                overlap if isinstance(overlap, int) else None)
    write_layers(corpus, conv, summary, force=force, progress=progress, mark=mark)
    return summary


def _utc(t: datetime) -> str:
    """UTC with microseconds: the one form Label Studio's Data Manager filters read (it
    ignores a filter whose time it cannot parse, which would export everything)."""
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _refused_tasks(export: Any, conv: Conversion) -> set[int]:
    """Tasks with an annotation the conversion refused (errors point into the export)."""
    out = set()
    for p in conv.problems:
        head = p.pointer.split("/")[1] if p.pointer.count("/") >= 1 else ""
        if p.level is Level.ERROR and head.isdigit() and int(head) < len(export):
            task = export[int(head)].get("id") if isinstance(export[int(head)], dict) else None
            if is_json_int(task):
                out.add(task)
    return out


def _untimed_tasks(export: Any) -> set[int]:
    """Tasks with a time that cannot be read (no `updated_at`, or not an ISO 8601 time, on
    the task or one of its annotations). No filter on time can tell that they did not change
    since the last pull, so they count as changed: asked for again on every pull (which then
    changes nothing), never missed; likewise a file is replaced whatever the time its last
    pull recorded (`_before` of an unknown time is False: no ls-stale-export)."""
    out = set()
    for task in export if isinstance(export, list) else []:
        tid = task.get("id") if isinstance(task, dict) else None
        if not is_json_int(tid):
            continue
        annotations = task.get("annotations")
        stamps = [task.get("updated_at")] + [
            a.get("updated_at") if isinstance(a, dict) else None
            for a in (annotations if isinstance(annotations, list) else [])]
        if any(instant(s) is None for s in stamps):
            out.add(tid)
    return out


def pull_export(file: Path, corpus: Corpus, *, salt: bytes, project: str | None = None,
                users: Path | None = None, force: bool = False, progress: bool = False,
                accept_edits_by_others: bool = False) -> Summary:
    """The same as `pull`, from an export file downloaded from the UI (no server needed).

    The UI's export names authors by numeric id: `users` is the JSON of <server>/api/users/
    that maps them to e-mails, so they get the same pseudonyms as in `pull`.
    """
    summary = Summary("pull", project or file.name)
    if users is not None and corpus.inside(users):
        raise refuse(Code.LS_INVALID_USERS, str(users),
                     f"{users} holds e-mail addresses and must not be in the corpus, where it "
                     "could be committed: move it outside (and delete it after the pull)")
    known = read_users(users) if users is not None else {}
    f = load(file, file.name, max_bytes=1 << 31)
    if f.problems:
        summary.report.extend(f.problems)
        return summary
    conv = convert_export(f.data, _seed_reader(corpus), salt=salt, path=file.name,
                          users=known, project=project,
                          accept_edits_by_others=accept_edits_by_others)
    write_layers(corpus, conv, summary, force=force, progress=progress)
    return summary


def _seed_reader(corpus: Corpus) -> Any:
    """doc_id -> its seed, or None when there is no readable seed of that id (a FIFO, a
    folder or a JSON file that is not a seed is refused, never waited on or trusted)."""
    cache: dict[str, dict[str, Any] | None] = {}

    def seed_of(doc_id: str) -> dict[str, Any] | None:
        if doc_id not in cache:
            cache[doc_id] = seed_or_none(corpus, doc_id)
        return cache[doc_id]

    return seed_of


def _file_layer(current: bytes) -> dict[str, Any] | None:
    try:
        data = orjson.loads(current)
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _older(layer: Layer, current: bytes) -> str | None:
    """When Label Studio holds a newer version than the file: the two updated_at stamps."""
    prov = (_file_layer(current) or {}).get("provenance")
    mine = prov.get("updated_at") if isinstance(prov, dict) else None
    if isinstance(mine, str) and _before(mine, layer.updated_at):
        return f"Label Studio's annotation was updated at {layer.updated_at}, the file's at {mine}"
    return None


def _same_content(current: bytes, data: bytes, layer: Layer) -> bool:
    """Whether the file holds the layer but for `provenance.tool_version`: a UI export does
    not say which Label Studio made it, and a server upgrade changes no annotation, so
    neither rewrites a file whose content is the same."""
    old = _file_layer(current)
    prov = old.get("provenance") if old is not None else None
    if old is None or not isinstance(prov, dict) or "tool_version" not in prov:
        return False
    version = layer.annotation.get("provenance", {}).get("tool_version")
    return dumps(old | {"provenance": prov | {"tool_version": version}}) == data


def write_layers(corpus: Corpus, conv: Conversion, summary: Summary, *, force: bool,
                 progress: bool = False, mark: Mark | None = None) -> None:
    """Write each converted layer atomically; keep files a person edited unless `force`.

    A file is replaced when it holds what the last pull wrote (its ledger record) or with
    `force`; otherwise it is kept and the message says why, and whether Label Studio holds
    a newer version than the file. Under the corpus's write lock: a concurrent pull cannot
    write between the comparison and the write, nor interleave its pull records. `mark`, the
    pull's watermark, is recorded only once every layer is written (with the tasks of the
    files kept added to those to ask for again)."""
    with corpus_lock(corpus.root, "ls pull"):
        _write_layers(corpus, conv, summary, force=force, progress=progress, mark=mark)


def _write_layers(corpus: Corpus, conv: Conversion, summary: Summary, *, force: bool,
                  progress: bool, mark: Mark | None) -> None:
    ledger = Ledger.of(corpus)
    summary.counts.update(conv.counts)
    summary.report.extend(conv.problems)
    summary.report.extend(ledger.problems)
    written: list[Path] = []
    bar = progress_bar(progress, len(conv.layers), "writing layers")
    kept: set[int] = set()
    try:
        for layer in conv.layers:
            if bar is not None:
                bar.update(1)
            outcome = _write_layer(corpus, layer, ledger, summary, force)
            if outcome == "written":
                written.append(corpus.annotation_path(layer.doc_id, layer.annotator))
            elif outcome == "kept" and layer.task is not None:
                kept.add(layer.task)
        if mark is not None:
            ledger.marks[mark.pull] = replace(mark, retry=tuple(sorted({*mark.retry, *kept})))
    finally:
        ledger.save()
        if bar is not None:
            bar.close()
    if written:  # what we wrote must pass the validator like any contribution
        check = validate(corpus.root, written)
        summary.report.extend(p for p in check.problems
                              if p.path.startswith("annotations/"))


def _write_layer(corpus: Corpus, layer: Layer, ledger: Ledger, summary: Summary,
                 force: bool) -> Outcome:
    """Write one layer unless a person's edit, or a newer pull, is in the way; "kept" when
    one was (whatever kept it: an edit by hand, an older export)."""
    path = corpus.annotation_path(layer.doc_id, layer.annotator)
    rel = layer_name(layer.doc_id, layer.annotator)
    data = dumps(layer.annotation)
    last = ledger.records.get(rel)
    source = (f"annotation {layer.annotation_id} of task {layer.task}"
              if layer.annotation_id is not None else layer.location)

    def keep(why: str, code: Code = Code.LS_WOULD_OVERWRITE,
             outcome: str = "kept (edited)") -> Outcome:
        summary.report.extend([problem(code, rel, "", why)])
        summary.add_file(outcome, rel)
        return "kept"

    def record(written: bytes) -> None:
        ledger.records[rel] = Record(rel, digest(written),
                                     layer.annotation.get("provenance", {}).get("project"),
                                     layer.task, layer.annotation_id, layer.updated_at or None)

    if not corpus.inside(path):
        return keep(f"{rel} leads outside the corpus (a symbolic link?); nothing was written")
    try:
        current = read_bytes(path, 1 << 30)
    except FileNotFoundError:
        current = None
    except (NotAFile, IsADirectoryError, OSError) as e:
        return keep(f"{rel} is not a file that can be replaced ({e.strerror}); kept it")
    if isinstance(current, int):
        return keep(f"{rel} is {current} bytes, not a layer a pull wrote; kept it")
    if current is not None and (current == data or _same_content(current, data, layer)):
        record(current)
        summary.add_file("unchanged", rel)
        return "unchanged"
    if last is not None and _before(layer.updated_at, last.updated_at) and not force:
        return keep(f"Label Studio's {source} in this export was last updated at "
                    f"{layer.updated_at}, but the last pull wrote a version updated at "
                    f"{last.updated_at} ({LEDGER}); an older export must not replace "
                    f"newer work, so {rel} was left as it is. Pull from the server or from a "
                    "newer export (or re-run with --force to take the older version)",
                    Code.LS_STALE_EXPORT, "kept (older export)")
    if current is not None and not force and ledger.untouched(rel, current) is None:
        newer = _older(layer, current)
        if newer:
            summary.counts["files older than Label Studio (kept)"] += 1
        how = ("was edited by hand after `ls pull` wrote it" if last is not None
               else f"was not written by `ls pull` (no record in {LEDGER})")
        return keep(f"{rel} {how}, and differs from Label Studio's {source}; kept it"
                    + (f". It is older than Label Studio: {newer}" if newer else "")
                    + ". Merge the changes by hand, or re-run with --force to take Label "
                    "Studio's version")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
    record(data)
    summary.add_file("written" if current is None else "updated", rel)
    return "written"
