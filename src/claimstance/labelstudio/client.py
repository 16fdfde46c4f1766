"""The edges of the Label Studio round trip: the server's API and the corpus files.

`push` makes the project match the corpus (config and one task per seed) without ever
duplicating a task; `pull` exports a snapshot, converts it with `labelstudio.convert_export`
and writes one file per (document, annotator), never overwriting a person's edits without
`force`. Both return summaries that say what happened to every task and annotation.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..corpus.layout import Corpus
from ..corpus.lock import corpus_lock
from ..corpus.writing import atomic_write, dumps
from ..problems import Code, Report, problem, refuse
from ..validation.reader import load
from ..validation.run import validate
from .config import labelstudio_config
from .convert import Conversion, convert_export, results_of, task_of, users_map

DEFAULT_PROJECT = "claimstance"
SALT_ENV = "CLAIMSTANCE_PSEUDONYM_SALT"


def salt_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "claimstance" / "pseudonym-salt"


def pseudonym_salt(create: bool = False) -> bytes:
    """The secret that turns annotator identities into pseudonyms (shared by maintainers).

    From $CLAIMSTANCE_PSEUDONYM_SALT, else ~/.config/claimstance/pseudonym-salt. It is never
    in the repository: with it, anyone could test guesses of who an annotator is.
    """
    value = os.environ.get(SALT_ENV)
    if value:
        return value.encode("utf-8")
    path = salt_file()
    if path.is_file():
        return path.read_bytes().strip()
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, secrets.token_hex(32).encode() + b"\n", force=False, mode=0o600)
        return path.read_bytes().strip()
    raise refuse(Code.LS_NO_SALT, str(path),
                 f"no pseudonym salt: set {SALT_ENV} (the maintainers' shared secret) or "
                 f"create {path}; `claimstance ls up` makes one on a new machine")


@contextlib.contextmanager
def connect(url: str | None, api_key: str | None) -> Iterator[Any]:
    """An SDK client for the server (its HTTP connections are closed on exit)."""
    import httpx
    from label_studio_sdk import LabelStudio

    if not url or not api_key:
        raise refuse(Code.LS_NO_CREDENTIALS, "label-studio",
                     "give --url and --api-key, or set LABEL_STUDIO_URL and "
                     "LABEL_STUDIO_API_KEY (see `claimstance ls up`)")
    with httpx.Client(timeout=120, follow_redirects=True) as http:
        yield LabelStudio(base_url=url.rstrip("/"), api_key=api_key,  # type: ignore[no-untyped-call]
                          httpx_client=http)


def _api(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    from label_studio_sdk.core.api_error import ApiError

    try:
        return fn(*args, **kwargs)
    except ApiError as e:
        body = e.body if isinstance(e.body, dict) else {}
        detail = body.get("validation_errors") or body.get("detail") or e.body
        raise refuse(Code.LS_API_ERROR, "label-studio",
                     f"Label Studio refused to {what} (HTTP {e.status_code}): {detail}") from None
    except OSError as e:
        raise refuse(Code.LS_UNREACHABLE, "label-studio",
                     f"cannot reach Label Studio to {what}: {e}") from None
    except Exception as e:  # httpx transport errors are not OSErrors
        if type(e).__module__.startswith("httpx"):
            raise refuse(Code.LS_UNREACHABLE, "label-studio",
                         f"cannot reach Label Studio to {what}: {e}") from None
        raise


def find_project(client: Any, title: str) -> Any | None:
    matches = [p for p in _api("list projects", client.projects.list) if p.title == title]
    if len(matches) > 1:
        raise refuse(Code.LS_NO_PROJECT, "label-studio",
                     f"{len(matches)} projects are titled {title!r}; rename all but one")
    return matches[0] if matches else None


def project_tasks(client: Any, project_id: int) -> dict[str, Any]:
    """doc_id -> task, for every task of the project."""
    out: dict[str, Any] = {}
    for t in _api("list tasks", client.tasks.list, project=project_id, fields="all"):
        data = t.data or {}
        if isinstance(data.get("doc_id"), str):
            out.setdefault(data["doc_id"], t)
    return out


@dataclass
class Summary:
    """What a push or pull did, item by item, for a person and for --format json."""

    action: str
    project: str
    project_id: int | None = None
    counts: Counter[str] = field(default_factory=Counter)
    files: dict[str, list[str]] = field(default_factory=dict)  # outcome -> paths
    report: Report = field(default_factory=Report)

    def add_file(self, outcome: str, path: str) -> None:
        self.files.setdefault(outcome, []).append(path)
        self.counts[f"files {outcome}"] += 1

    @property
    def ok(self) -> bool:
        return self.report.valid

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "project": self.project, "project_id": self.project_id,
                "ok": self.ok, "counts": dict(sorted(self.counts.items())),
                "files": {k: sorted(v) for k, v in sorted(self.files.items())},
                "problems": [p.to_dict() for p in self.report.sorted()]}

    def text(self) -> str:
        from ..validation.formatters import format_problem

        head = f"{self.action} {self.project!r}" + (
            f" (project {self.project_id})" if self.project_id is not None else "")
        lines = [head]
        lines += [f"  {k}: {v}" for k, v in sorted(self.counts.items()) if v]
        problems = self.report.sorted()
        if problems:
            lines += ["", *map(format_problem, problems), "",
                      f"{self.report.errors} error(s), {self.report.warnings} warning(s)"]
        return "\n".join(lines)


def _seeds(corpus: Corpus) -> dict[str, dict[str, Any]]:
    out = {}
    for doc_id in corpus.doc_ids():
        out[doc_id] = corpus.read_seed(doc_id)
    return out


def push(client: Any, corpus: Corpus, title: str = DEFAULT_PROJECT, *,
         with_annotations: bool = False, progress: bool = False) -> Summary:
    """Create or update the project and import every seed as a task, once."""
    summary = Summary("push", title)
    config = labelstudio_config()
    project = find_project(client, title)
    if project is None:
        project = _api("create the project", client.projects.create, title=title,
                       label_config=config,
                       description="Entities, claims and stances (claimstance corpus)")
        summary.counts["project created"] += 1
    elif (project.label_config or "").strip() != config.strip():
        _api("update the labeling config", client.projects.update, id=project.id,
             label_config=config)
        summary.counts["labeling config updated"] += 1
    summary.project_id = project.id
    tasks = project_tasks(client, project.id)
    seeds = _seeds(corpus)
    new = []
    for doc_id, seed in seeds.items():
        task = tasks.get(doc_id)
        if task is None:
            new.append(task_of(seed))
        elif (task.data or {}).get("sha256") != seed["sha256"]:
            summary.report.extend([problem(
                Code.LS_TASK_TEXT_CHANGED, f"seeds/{doc_id}.json", "/sha256",
                f"task {task.id} holds another version of this text; it was not duplicated. "
                "Pull its annotations first, then delete the task in Label Studio and push "
                "again")])
            summary.counts["tasks with a changed seed (not pushed)"] += 1
        else:
            summary.counts["tasks unchanged"] += 1
    bar = _bar(progress, len(new), "importing tasks")
    for i in range(0, len(new), 500):
        batch = new[i : i + 500]
        _api("import tasks", client.projects.import_tasks, id=project.id, request=batch)
        summary.counts["tasks created"] += len(batch)
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    if with_annotations:
        _push_predictions(client, corpus, project.id, summary)
    return summary


def _push_predictions(client: Any, corpus: Corpus, project_id: int, summary: Summary) -> None:
    """Existing layers become predictions (model_version claimstance/<annotator>)."""
    tasks = project_tasks(client, project_id)
    for doc_id, task in sorted(tasks.items()):
        annotators = corpus.annotators(doc_id)
        if not annotators:
            continue
        report = validate(corpus.root, [corpus.annotation_path(doc_id, a) for a in annotators])
        bad = {p.path for p in report.problems if p.level.value == "error"}
        have = {p.model_version for p in _api("list predictions", client.predictions.list,
                                              task=task.id)}
        for a in annotators:
            rel = f"annotations/{doc_id}/{a}.json"
            if rel in bad:
                summary.report.extend(p for p in report.problems if p.path == rel)
                summary.counts["predictions refused (invalid file)"] += 1
                continue
            version = f"claimstance/{a}"
            if version in have:
                summary.counts["predictions unchanged"] += 1
                continue
            ann = corpus.read_layer(doc_id, a)
            _api("create a prediction", client.predictions.create, task=task.id,
                 result=results_of(ann), model_version=version)
            summary.counts["predictions created"] += 1


def _bar(progress: bool, total: int, desc: str) -> Any:
    if not progress or total < 50:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="item", leave=False)


def export_snapshot(client: Any, project_id: int, timeout: float = 600.0,
                    progress: bool = False) -> Any:
    """A JSON export snapshot of the project (tasks with their annotations), parsed."""
    snap = _api("create an export", client.projects.exports.create, id=project_id,
                title="claimstance pull")
    deadline = time.monotonic() + timeout
    status = snap.status
    wait: Any = None
    if progress and status not in ("completed", "failed"):
        from tqdm import tqdm

        wait = tqdm(desc="waiting for the export", unit="s", leave=False,
                    bar_format="{desc}: {elapsed}")
    while status not in ("completed", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        if wait is not None:
            wait.update(0.5)
        status = _api("check the export", client.projects.exports.get, id=project_id,
                      export_pk=snap.id).status
    if wait is not None:
        wait.close()
    if status != "completed":
        raise refuse(Code.LS_API_ERROR, "label-studio",
                     f"the export of project {project_id} did not complete ({status})")
    chunks = _api("download the export", client.projects.exports.download, id=project_id,
                  export_pk=snap.id, export_type="JSON")
    data = b"".join(chunks)
    _api("delete the export", client.projects.exports.delete, id=project_id, export_pk=snap.id)
    return orjson.loads(data)


def server_version(client: Any) -> str | None:
    try:
        v = client.versions.get()
    except Exception:  # an old or unusual server: the version is a nicety
        return None
    for key in ("release", "label-studio-os-package"):
        value = getattr(v, key.replace("-", "_"), None)
        if isinstance(value, dict):
            value = value.get("version")
        if isinstance(value, str):
            return value
    return None


def pull(client: Any, corpus: Corpus, title: str = DEFAULT_PROJECT, *, salt: bytes,
         force: bool = False, progress: bool = False) -> Summary:
    project = find_project(client, title)
    if project is None:
        raise refuse(Code.LS_NO_PROJECT, "label-studio",
                     f"no project titled {title!r} on the server; run `claimstance ls push`")
    export = export_snapshot(client, project.id, progress=progress)
    users = users_map(_api("list users", client.users.list))
    conv = convert_export(export, _seed_reader(corpus), salt=salt,
                          path=f"label-studio:{title}", users=users, project=title,
                          tool_version=server_version(client))
    summary = Summary("pull", title, project.id)
    write_layers(corpus, conv, summary, force=force, progress=progress)
    return summary


def pull_export(file: Path, corpus: Corpus, *, salt: bytes, project: str | None = None,
                force: bool = False, progress: bool = False) -> Summary:
    """The same as `pull`, from an export file downloaded from the UI (no server needed)."""
    summary = Summary("pull", project or file.name)
    f = load(file, file.name, max_bytes=1 << 31)
    if f.problems or f.data is None:
        summary.report.extend(f.problems)
        return summary
    conv = convert_export(f.data, _seed_reader(corpus), salt=salt, path=file.name,
                          project=project)
    write_layers(corpus, conv, summary, force=force, progress=progress)
    return summary


def _seed_reader(corpus: Corpus) -> Any:
    cache: dict[str, dict[str, Any] | None] = {}

    def seed_of(doc_id: str) -> dict[str, Any] | None:
        if doc_id not in cache:
            try:
                cache[doc_id] = corpus.read_seed(doc_id)
            except (OSError, ValueError):  # missing or unreadable: the task is refused
                cache[doc_id] = None
        return cache[doc_id]

    return seed_of


def write_layers(corpus: Corpus, conv: Conversion, summary: Summary, *, force: bool,
                 progress: bool = False) -> None:
    """Write each converted layer atomically; keep differing files unless `force`.

    Under the corpus's write lock: a concurrent pull cannot write between the comparison
    and the write."""
    with corpus_lock(corpus.root, "ls pull"):
        _write_layers(corpus, conv, summary, force=force, progress=progress)


def _write_layers(corpus: Corpus, conv: Conversion, summary: Summary, *, force: bool,
                  progress: bool) -> None:
    summary.counts.update(conv.counts)
    summary.report.extend(conv.problems)
    written: list[Path] = []
    bar = _bar(progress, len(conv.layers), "writing layers")
    for layer in conv.layers:
        if bar is not None:
            bar.update(1)
        path = corpus.annotation_path(layer.doc_id, layer.annotator)
        rel = f"annotations/{layer.doc_id}/{layer.annotator}.json"
        data = dumps(layer.annotation)
        if path.is_file() and path.read_bytes() == data:
            summary.add_file("unchanged", rel)
            continue
        if path.exists() and not force:
            summary.report.extend([problem(
                Code.LS_WOULD_OVERWRITE, rel, "",
                f"differs from {layer.location}; kept as it is (use --force to replace it)")])
            summary.add_file("kept (differs)", rel)
            continue
        existed = path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
        written.append(path)
        summary.add_file("updated" if existed else "written", rel)
    if bar is not None:
        bar.close()
    if written:  # what we wrote must pass the validator like any contribution
        check = validate(corpus.root, written)
        summary.report.extend(p for p in check.problems
                              if p.path.startswith("annotations/"))
