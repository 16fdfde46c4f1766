"""The edges of the Label Studio round trip: the server's API and the corpus files.

`push` makes the project match the corpus (config, overlap, one task per seed, and model
suggestions from an explicit source) without ever duplicating a task; `pull` exports a
snapshot, converts it with `labelstudio.convert_export` and writes one file per (document,
annotator). A file the last pull wrote and nobody edited is updated when its annotation
changed in Label Studio; a file a person edited is kept unless `force` (see `ledger`). Both
return summaries that say what happened to every task and annotation.
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
from ..corpus.naming import layer_name, seed_name
from ..corpus.userdirs import user_dir
from ..corpus.writing import atomic_write, dumps
from ..problems import Code, Refused, Report, problem, refuse
from ..validation.reader import NotAFile, load, read_bytes, seed_or_none
from ..validation.run import validate
from .config import labelstudio_config
from .convert import Conversion, Layer, convert_export, results_of, task_of, users_map
from .ledger import Ledger, Record, digest
from .suggestions import Suggestions

DEFAULT_PROJECT = "claimstance"
SALT_ENV = "CLAIMSTANCE_PSEUDONYM_SALT"
MIN_SALT = 8  # characters; `ls up` makes 64


def salt_file() -> Path:
    return user_dir("config") / "pseudonym-salt"


def pseudonym_salt(create: bool = False) -> bytes:
    """The secret that turns annotator identities into pseudonyms (shared by maintainers).

    From $CLAIMSTANCE_PSEUDONYM_SALT, else ~/.config/claimstance/pseudonym-salt. It is never
    in the repository: with it, anyone could test guesses of who an annotator is. An empty
    or very short secret is refused for the same reason.
    """
    value = os.environ.get(SALT_ENV)
    if value:
        if len(value.strip()) < MIN_SALT:
            raise refuse(Code.LS_NO_SALT, SALT_ENV,
                         f"{SALT_ENV} is shorter than {MIN_SALT} characters: anyone could "
                         "recompute the pseudonyms; use the maintainers' shared secret")
        return value.encode("utf-8")
    path = salt_file()
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, secrets.token_hex(32).encode() + b"\n", force=False, mode=0o600)
    if path.is_file():
        salt = path.read_bytes().strip()
        if len(salt) < MIN_SALT:
            raise refuse(Code.LS_NO_SALT, str(path),
                         f"{path} is empty or shorter than {MIN_SALT} characters: anyone "
                         "could recompute the pseudonyms; put the maintainers' shared secret "
                         "in it (or delete it and run `claimstance ls up` to make a new one)")
        return salt
    raise refuse(Code.LS_NO_SALT, str(path),
                 f"no pseudonym salt: set {SALT_ENV} (the maintainers' shared secret) or "
                 f"create {path}; `claimstance ls up` makes one on a new machine")


def read_users(path: Path) -> dict[int, str]:
    """User id -> e-mail from the JSON of <server>/api/users/ saved to a file."""
    f = load(path, str(path), max_bytes=1 << 28)
    if f.problems:
        raise Refused(f"cannot read the users file {path}", f.problems)
    data = f.data.get("results") if isinstance(f.data, dict) else f.data
    users = users_map(data) if isinstance(data, list) else {}
    if not users:
        raise refuse(Code.LS_INVALID_USERS, str(path),
                     f"{path} is not the user list of a Label Studio server: save what "
                     "<server>/api/users/ shows while you are logged in")
    return users


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


def invite_link(url: str, api_key: str) -> str:
    """The link annotators open to create their own account (and choose their password)."""
    with connect(url, api_key) as client:
        invite = _api("get the invite link", client.organizations.invites.get_invite_link)
    return f"{url.rstrip('/')}/user/signup/?token={invite.token}"


def create_annotator(url: str, api_key: str, email: str, password: str) -> int:
    """Sign an annotator up through the invite link, as a person would; returns the user id.

    (Label Studio's user API ignores passwords, so accounts it makes cannot log in.)
    """
    import httpx

    link = invite_link(url, api_key)
    try:
        with httpx.Client(timeout=60) as http:
            http.get(link)  # sets the CSRF cookie
            r = http.post(link, headers={"Referer": link}, data={
                "csrfmiddlewaretoken": http.cookies.get("csrftoken") or "", "email": email,
                "password": password})
            if r.status_code != 302:
                raise refuse(Code.LS_API_ERROR, "label-studio",
                             f"Label Studio refused the sign-up of {email} (HTTP "
                             f"{r.status_code}): is the address taken, or the password too "
                             "weak?")
            me = http.get(f"{url.rstrip('/')}/api/current-user/whoami").json()
    except httpx.HTTPError as e:
        raise refuse(Code.LS_UNREACHABLE, "label-studio",
                     f"cannot reach Label Studio to sign {email} up: {e}") from None
    return int(me["id"])


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
    settings: dict[str, Any] = field(default_factory=dict)  # project settings in force

    def add_file(self, outcome: str, path: str) -> None:
        self.files.setdefault(outcome, []).append(path)
        self.counts[f"files {outcome}"] += 1

    @property
    def ok(self) -> bool:
        return self.report.valid

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "project": self.project, "project_id": self.project_id,
                "ok": self.ok, "settings": self.settings,
                "counts": dict(sorted(self.counts.items())),
                "files": {k: sorted(v) for k, v in sorted(self.files.items())},
                "problems": [p.to_dict() for p in self.report.sorted()]}

    def text(self) -> str:
        from ..validation.formatters import format_problem

        head = f"{self.action} {self.project!r}" + (
            f" (project {self.project_id})" if self.project_id is not None else "")
        lines = [head]
        lines += [f"  {k.replace('_', ' ')}: {v}" for k, v in self.settings.items()]
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


def overlap_settings(annotators_per_task: int) -> dict[str, Any]:
    """Project settings that give every task to `annotators_per_task` different people."""
    return {"maximum_annotations": annotators_per_task, "overlap_cohort_percentage": 100,
            "show_overlap_first": True}


def push(client: Any, corpus: Corpus, title: str = DEFAULT_PROJECT, *,
         annotators_per_task: int | None = None, suggestions: Suggestions | None = None,
         progress: bool = False) -> Summary:
    """Create or update the project and import every seed as a task, once.

    `annotators_per_task` sets the overlap (each task goes to that many people);
    `suggestions` become predictions annotators start from. Annotators' own layers are never
    pushed: each person labels independently, as agreement figures assume.
    """
    summary = Summary("push", title)
    config = labelstudio_config()
    settings = overlap_settings(annotators_per_task) if annotators_per_task else {}
    project = find_project(client, title)
    if project is None:
        project = _api("create the project", client.projects.create, title=title,
                       label_config=config,
                       description="Entities, claims and stances (claimstance corpus)",
                       **settings)
        summary.counts["project created"] += 1
    else:
        if (project.label_config or "").strip() != config.strip():
            _api("update the labeling config", client.projects.update, id=project.id,
                 label_config=config)
            summary.counts["labeling config updated"] += 1
        if any(getattr(project, k, None) != v for k, v in settings.items()):
            _api("set the overlap", client.projects.update, id=project.id, **settings)
            summary.counts["overlap updated"] += 1
    if annotators_per_task:
        summary.settings["annotators_per_task"] = annotators_per_task
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
                Code.LS_TASK_TEXT_CHANGED, seed_name(doc_id), "/sha256",
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
    if suggestions is not None:
        if new:
            tasks = project_tasks(client, project.id)
        _push_suggestions(client, project, tasks, seeds, suggestions, summary, progress)
    return summary


def _canonical(results: Any) -> bytes:
    return orjson.dumps(results, option=orjson.OPT_SORT_KEYS)


def _push_suggestions(client: Any, project: Any, tasks: dict[str, Any],
                      seeds: dict[str, dict[str, Any]], suggestions: Suggestions,
                      summary: Summary, progress: bool) -> None:
    """One prediction per task under `suggestions.model_version`; an unchanged one is left
    alone, a changed one replaced, so pushing again changes nothing. The project's model
    version is set to it, which makes Label Studio pre-fill new annotations with it."""
    if suggestions.implicit:
        summary.counts["claimants and holders given only as spans (not shown)"] += \
            suggestions.implicit
    version = suggestions.model_version
    have: dict[int, list[Any]] = {}
    for p in _api("list predictions", client.predictions.list, project=project.id):
        if p.model_version == version:
            have.setdefault(p.task, []).append(p)
    bar = _bar(progress, len(suggestions.layers), "pushing predictions")
    for doc_id, layer in sorted(suggestions.layers.items()):
        if bar is not None:
            bar.update(1)
        task = tasks.get(doc_id)
        if task is None or (task.data or {}).get("sha256") != seeds[doc_id]["sha256"]:
            summary.counts["predictions without an up-to-date task (not pushed)"] += 1
            continue
        results = results_of(layer)
        old = have.get(task.id, [])
        if len(old) == 1 and _canonical(old[0].result) == _canonical(results) \
                and old[0].score == suggestions.score:
            summary.counts["predictions unchanged"] += 1
            continue
        for p in old:
            _api("replace a prediction", client.predictions.delete, id=p.id)
        _api("create a prediction", client.predictions.create, task=task.id, result=results,
             model_version=version, score=suggestions.score)
        summary.counts["predictions replaced" if old else "predictions created"] += 1
    if bar is not None:
        bar.close()
    if suggestions.layers and (project.model_version != version
                               or not project.show_collab_predictions):
        _api("show the predictions", client.projects.update, id=project.id,
             model_version=version, show_collab_predictions=True)
    if suggestions.layers:
        summary.settings["suggestions_shown"] = version


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
         force: bool = False, progress: bool = False, url: str | None = None) -> Summary:
    """Pull every submitted annotation of the project (authors from the server's users).

    `url`, the server's address, lets messages link to the task in the UI.
    """
    project = find_project(client, title)
    if project is None:
        raise refuse(Code.LS_NO_PROJECT, "label-studio",
                     f"no project titled {title!r} on the server; run `claimstance ls push`")
    export = export_snapshot(client, project.id, progress=progress)
    users = users_map(_api("list users", client.users.list))
    base = url.rstrip("/") if url else None
    conv = convert_export(export, _seed_reader(corpus), salt=salt,
                          path=f"label-studio:{title}", users=users, project=title,
                          tool_version=server_version(client),
                          task_url=(lambda t: f"{base}/projects/{project.id}/data?task={t}")
                          if base else None)
    summary = Summary("pull", title, project.id)
    write_layers(corpus, conv, summary, force=force, progress=progress)
    return summary


def pull_export(file: Path, corpus: Corpus, *, salt: bytes, project: str | None = None,
                users: Path | None = None, force: bool = False,
                progress: bool = False) -> Summary:
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
                          users=known, project=project)
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


def _older(layer: Layer, current: bytes) -> str | None:
    """When Label Studio holds a newer version than the file: the two updated_at stamps."""
    try:
        prov = orjson.loads(current).get("provenance") or {}
    except (orjson.JSONDecodeError, AttributeError):
        return None
    mine = prov.get("updated_at") if isinstance(prov, dict) else None
    if layer.updated_at and isinstance(mine, str) and mine < layer.updated_at:
        return f"Label Studio's annotation was updated at {layer.updated_at}, the file's at {mine}"
    return None


def write_layers(corpus: Corpus, conv: Conversion, summary: Summary, *, force: bool,
                 progress: bool = False) -> None:
    """Write each converted layer atomically; keep files a person edited unless `force`.

    A file is replaced when it holds what the last pull wrote (its ledger record) or with
    `force`; otherwise it is kept and the message says why, and whether Label Studio holds
    a newer version than the file. Under the corpus's write lock: a concurrent pull cannot
    write between the comparison and the write, nor interleave its pull records."""
    with corpus_lock(corpus.root, "ls pull"):
        _write_layers(corpus, conv, summary, force=force, progress=progress)


def _write_layers(corpus: Corpus, conv: Conversion, summary: Summary, *, force: bool,
                  progress: bool) -> None:
    summary.counts.update(conv.counts)
    summary.report.extend(conv.problems)
    ledger = Ledger.of(corpus)
    if ledger.unreadable:
        summary.counts["unreadable lines dropped from the pull records"] += ledger.unreadable
    written: list[Path] = []
    bar = _bar(progress, len(conv.layers), "writing layers")
    try:
        for layer in conv.layers:
            if bar is not None:
                bar.update(1)
            if _write_layer(corpus, layer, ledger, summary, force):
                written.append(corpus.annotation_path(layer.doc_id, layer.annotator))
    finally:
        ledger.save()
        if bar is not None:
            bar.close()
    if written:  # what we wrote must pass the validator like any contribution
        check = validate(corpus.root, written)
        summary.report.extend(p for p in check.problems
                              if p.path.startswith("annotations/"))


def _write_layer(corpus: Corpus, layer: Layer, ledger: Ledger, summary: Summary,
                 force: bool) -> bool:
    """Write one layer unless a person's edit is in the way; True when written."""
    path = corpus.annotation_path(layer.doc_id, layer.annotator)
    rel = layer_name(layer.doc_id, layer.annotator)
    data = dumps(layer.annotation)
    record = Record(rel, digest(data), layer.annotation.get("provenance", {}).get("project"),
                    layer.task, layer.annotation_id, layer.updated_at or None)

    def keep(why: str) -> bool:
        summary.report.extend([problem(Code.LS_WOULD_OVERWRITE, rel, "", why)])
        summary.add_file("kept (edited)", rel)
        return False

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
    if current == data:
        ledger.records[rel] = record
        summary.add_file("unchanged", rel)
        return False
    if current is not None and not force:
        last = ledger.untouched(rel, current)
        if last is None:
            newer = _older(layer, current)
            if newer:
                summary.counts["files older than Label Studio (kept)"] += 1
            how = ("was edited by hand after `ls pull` wrote it" if rel in ledger.records
                   else "was not written by `ls pull` (no record in .claimstance/ls-pulls.jsonl)")
            source = (f"annotation {layer.annotation_id} of task {layer.task}"
                      if layer.annotation_id is not None else layer.location)
            return keep(
                f"{rel} {how}, and differs from Label Studio's {source}; kept it"
                + (f". It is older than Label Studio: {newer}" if newer else "")
                + ". Merge the changes by hand, or re-run with --force to take Label "
                "Studio's version")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
    ledger.records[rel] = record
    summary.add_file("written" if current is None else "updated", rel)
    return True
