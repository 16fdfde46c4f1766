"""Who annotated: the pseudonym secret, and the e-mails behind Label Studio's user ids.

An annotator's layer is named by a keyed hash of their e-mail (`corpus.naming.pseudonym`);
the key is the maintainers' shared secret, never in the repository. Exports name authors by
user id (or, expanded, by e-mail): these helpers map them to e-mails, on every route alike,
so the same person gets the same pseudonym from the API and from a UI export.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..corpus.userdirs import user_dir
from ..corpus.writing import atomic_write
from ..problems import Code, Problem, Refused, problem, refuse
from ..validation.reader import is_json_int, load

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


def identity_of(completed_by: Any, users: dict[int, str]) -> str | None:
    """The e-mail of an annotation's author, as exports spell it (an id, or an object with
    the e-mail when the export expanded it); None when it cannot be known."""
    if isinstance(completed_by, dict):
        email = completed_by.get("email")
        if isinstance(email, str) and email.strip():
            return email
        completed_by = completed_by.get("id")
    if is_json_int(completed_by):
        return users.get(completed_by)
    return None


def _key(email: str) -> str:
    return email.strip().lower()  # as `pseudonym` reads an e-mail


def _shared_email(uid: int, email: str, owner: dict[str, int], where: str,
                  pointer: str = "") -> None:
    """Note that `email` is user `uid`'s; refused when another id has it already."""
    other = owner.setdefault(_key(email), uid)
    if other != uid:
        raise refuse(Code.LS_INVALID_USERS, where,
                     f"user ids {min(uid, other)} and {max(uid, other)} have the same "
                     "e-mail: two annotators would share one pseudonym; take the export "
                     "and the user list from the same server", pointer)


def _add_user(out: dict[int, str], owner: dict[str, int], uid: Any, email: Any, where: str,
              twice: Callable[[int], str], pointer: str = "") -> None:
    """`out[uid] = email` when both are given; refused when `out` has another e-mail for
    that id (`twice(uid)` says why that matters there) or another id has this one."""
    if not (is_json_int(uid) and isinstance(email, str) and email.strip()):
        return
    if uid in out and _key(out[uid]) != _key(email):
        raise refuse(Code.LS_INVALID_USERS, where, twice(uid), pointer)
    _shared_email(uid, email, owner, where, pointer)
    out[uid] = email


def users_map(users: Iterable[Any], where: str = "label-studio") -> dict[int, str]:
    """User id -> e-mail, from the SDK's user objects or the JSON of /api/users/.

    Refused when an id comes twice with two e-mails (the last would win) or two ids share an
    e-mail (two people would share one pseudonym)."""
    out: dict[int, str] = {}
    owner: dict[str, int] = {}
    for u in users:
        uid = getattr(u, "id", None) if not isinstance(u, dict) else u.get("id")
        email = getattr(u, "email", None) if not isinstance(u, dict) else u.get("email")
        _add_user(out, owner, uid, email, where, _listed_twice)
    return out


def _listed_twice(uid: int) -> str:
    return (f"user id {uid} is listed twice, with two different e-mails: their annotations "
            "would go to whichever comes last; save the list again from <server>/api/users/")


def export_users(tasks: Any, users: dict[int, str], where: str) -> dict[int, str]:
    """`users` with the e-mails an export spells out itself (Label Studio can expand
    `completed_by` and `updated_by` to objects), refused where the two disagree: an export
    that renames user 3 would otherwise move their annotations to another pseudonym, or
    merge two annotators into one."""
    def twice(uid: int) -> str:
        return (f"the export gives user {uid} another e-mail than "
                + ("--users does" if uid in users else "it gives them elsewhere")
                + ": two annotators would be mixed up; take the export and the user list "
                "from the same server")

    out = dict(users)
    owner = {_key(email): uid for uid, email in users.items()}
    for i, task in enumerate(tasks if isinstance(tasks, list) else []):
        annotations = task.get("annotations") if isinstance(task, dict) else None
        for k, a in enumerate(annotations if isinstance(annotations, list) else []):
            for field in ("completed_by", "updated_by"):
                person = a.get(field) if isinstance(a, dict) else None
                if not isinstance(person, dict):
                    continue
                _add_user(out, owner, person.get("id"), person.get("email"), where, twice,
                          f"/{i}/annotations/{k}/{field}")
    return out


def _given(x: Any) -> str:
    """What a JSON value is, for a message that says what was expected and what was given."""
    if x is None:
        return "null (or nothing)"
    if isinstance(x, bool):
        return f"the boolean {str(x).lower()}"
    if isinstance(x, (int, float)):
        return f"the number {x}"
    if isinstance(x, str):
        return f"the string {x!r}"
    return "a list" if isinstance(x, list) else "an object"


def _entry_problems(data: list[Any], base: str, path: str) -> list[Problem]:
    """Every entry of a users file that is not {"id": number, "email": string}: an id given
    as a string (or an e-mail) would otherwise be passed over, and its annotations refused
    later as by an unknown user."""
    out = []
    for i, u in enumerate(data):
        at = f"{base}/{i}"
        if not isinstance(u, dict):
            out.append(problem(Code.LS_INVALID_USERS, path, at,
                               f"a user is an object with id and email; got {_given(u)}"))
            continue
        uid, email = u.get("id"), u.get("email")
        if not is_json_int(uid):
            swapped = isinstance(uid, str) and "@" in uid
            out.append(problem(Code.LS_INVALID_USERS, path, f"{at}/id",
                               f"id is expected to be Label Studio's numeric user id (as "
                               f"completed_by gives it), e.g. 3; got {_given(uid)}"
                               + (": id and email swapped?" if swapped else "")))
        if not (isinstance(email, str) and email.strip()):
            swapped = is_json_int(email)
            out.append(problem(Code.LS_INVALID_USERS, path, f"{at}/email",
                               f"email is expected to be the user's e-mail, a string; got "
                               f"{_given(email)}" + (": id and email swapped?" if swapped
                                                     else "")))
    return out


def read_users(path: Path) -> dict[int, str]:
    """User id -> e-mail from the JSON of <server>/api/users/ saved to a file; every entry
    must have a numeric id and an e-mail (none is passed over)."""
    f = load(path, str(path), max_bytes=1 << 28)
    if f.problems:
        raise Refused(f"cannot read the users file {path}", f.problems)
    listed = isinstance(f.data, dict) and isinstance(f.data.get("results"), list)
    data = f.data["results"] if listed else f.data
    if not isinstance(data, list) or not data:
        raise refuse(Code.LS_INVALID_USERS, str(path),
                     f"{path} is not the user list of a Label Studio server: save what "
                     "<server>/api/users/ shows while you are logged in")
    bad = _entry_problems(data, "/results" if listed else "", str(path))
    if bad:
        raise Refused(f"{len(bad)} problem(s) in the users file {path}: each user needs a "
                      "numeric id and an e-mail, as <server>/api/users/ lists them; nothing "
                      "was pulled", f.locate(bad))
    return users_map(data, str(path))
