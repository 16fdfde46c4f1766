"""The Label Studio server's API, through its SDK: a connection, calls whose failures
become coded refusals (never a traceback), and the few reads every command shares."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection, Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson

from ..problems import Code, Refused, refuse

DEFAULT_PROJECT = "claimstance"


@contextlib.contextmanager
def connect(url: str | None, api_key: str | None) -> Iterator[Any]:
    """An SDK client for the server (its HTTP connections are closed on exit).

    The SDK's automatic retries are off: it re-sent a task import whose first attempt the
    server had stored before failing (PostgreSQL restarting), which duplicated 500 tasks.
    A failed request is a coded refusal instead, and every command is safe to run again."""
    import httpx
    from label_studio_sdk import LabelStudio

    if not url or not api_key:
        raise refuse(Code.LS_NO_CREDENTIALS, "label-studio",
                     "give --url and --api-key, or set LABEL_STUDIO_URL and "
                     "LABEL_STUDIO_API_KEY (see `claimstance ls up`)")
    with httpx.Client(timeout=120, follow_redirects=True) as http:
        yield LabelStudio(base_url=url.rstrip("/"), api_key=api_key,  # type: ignore[no-untyped-call]
                          httpx_client=http, max_retries=0)


def call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    from label_studio_sdk.core.api_error import ApiError

    try:
        return fn(*args, **kwargs)
    except ApiError as e:
        body = e.body if isinstance(e.body, dict) else {}
        detail = body.get("validation_errors") or body.get("detail") or e.body
        if isinstance(detail, str) and detail.lstrip()[:1] == "<":  # an HTML error page
            detail = "the server failed; its log (server.log in its data folder) says why"
        raise refuse(Code.LS_API_ERROR, "label-studio",
                     f"Label Studio refused to {what} (HTTP {e.status_code}): "
                     f"{str(detail)[:500]}") from None
    except OSError as e:
        raise refuse(Code.LS_UNREACHABLE, "label-studio",
                     f"cannot reach Label Studio to {what}: {e}") from None
    except Exception as e:  # httpx transport errors are not OSErrors
        if type(e).__module__.startswith("httpx"):
            raise refuse(Code.LS_UNREACHABLE, "label-studio",
                         f"cannot reach Label Studio to {what}: {e}") from None
        raise


def progress_bar(progress: bool, total: int, desc: str) -> Any:
    if not progress or total < 50:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="item", leave=False)


def invite_link(url: str, api_key: str) -> str:
    """The link annotators open to create their own account (and choose their password)."""
    with connect(url, api_key) as client:
        invite = call("get the invite link", client.organizations.invites.get_invite_link)
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
    matches = [p for p in call("list projects", client.projects.list) if p.title == title]
    if len(matches) > 1:
        raise refuse(Code.LS_NO_PROJECT, "label-studio",
                     f"{len(matches)} projects are titled {title!r}; rename all but one")
    return matches[0] if matches else None


def project_tasks(client: Any, project_id: int) -> dict[str, Any]:
    """doc_id -> task, for every task of the project."""
    out: dict[str, Any] = {}
    for t in call("list tasks", client.tasks.list, project=project_id, fields="all"):
        data = t.data or {}
        if isinstance(data.get("doc_id"), str):
            out.setdefault(data["doc_id"], t)
    return out


def export_snapshot(client: Any, project_id: int, timeout: float = 600.0,
                    progress: bool = False, drafts: bool = False,
                    view: int | None = None) -> Any:
    """A JSON export snapshot of the project (tasks with their annotations), parsed.

    `drafts`: every draft in full (its author's e-mail included), not only its id; `view`:
    only the tasks that Data Manager view's filters select."""
    options: dict[str, Any] = {}
    if drafts:
        options["serialization_options"] = {"drafts": {"only_id": False}}
    if view is not None:
        options["task_filter_options"] = {"view": view}
    snap = call("create an export", client.projects.exports.create, id=project_id,
                title="claimstance pull", **options)
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
        status = call("check the export", client.projects.exports.get, id=project_id,
                      export_pk=snap.id).status
    if wait is not None:
        wait.close()
    if status != "completed":
        raise refuse(Code.LS_API_ERROR, "label-studio",
                     f"the export of project {project_id} did not complete ({status})")
    data = call("download the export", lambda: b"".join(client.projects.exports.download(
        id=project_id, export_pk=snap.id, export_type="JSON")))  # streamed: read inside call
    call("delete the export", client.projects.exports.delete, id=project_id, export_pk=snap.id)
    return orjson.loads(data)


#: The title of the Data Manager tab a pull makes while it exports the changed tasks.
CHANGED_VIEW = "claimstance ls pull: changed tasks (temporary)"


def server_clock(client: Any) -> datetime | None:
    """The server's time now (its HTTP Date header), so that watermarks compare server times
    with server times; None when it sends none."""
    return server_clock_and_version(client)[0]


def server_clock_and_version(client: Any) -> tuple[datetime | None, str | None]:
    """`server_clock` and the server's version (None when it does not say), from one request."""
    response = call("ask the server's time", client.versions.with_raw_response.get)
    date = response.headers.get("date")
    try:
        clock = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        clock = None
    return clock, _version(response.data)


def _version(v: Any) -> str | None:
    """The release from /api/version/'s body, read loosely: an old or unusual server may
    not say it (the version is a nicety)."""
    for key in ("release", "label-studio-os-package"):
        value = getattr(v, key.replace("-", "_"), None)
        if isinstance(value, dict):
            value = value.get("version")
        if isinstance(value, str):
            return value
    return None


def export_changed(client: Any, project_id: int, since: str, tasks: Collection[int] = (),
                   progress: bool = False) -> Any:
    """An export of the tasks updated after `since` (server time) and of `tasks`.

    Label Studio stamps a task's `updated_at` whenever one of its annotations is created,
    updated or deleted. The export's filters come from a Data Manager view, made for the
    export and deleted after it."""
    items: list[dict[str, Any]] = [{"filter": "filter:tasks:updated_at", "operator": "greater",
                                    "type": "Datetime", "value": since}]
    items += [{"filter": "filter:tasks:id", "operator": "equal", "type": "Number", "value": t}
              for t in sorted(tasks)]
    view = call("make a view of the changed tasks", client.views.create, project=project_id,
                data={"title": CHANGED_VIEW, "filters": {"conjunction": "or", "items": items}})
    try:
        return export_snapshot(client, project_id, progress=progress, view=view.id)
    finally:
        with contextlib.suppress(Refused):  # a server gone: the first refusal says so
            call("delete the view of the changed tasks", client.views.delete, id=view.id)
