"""Writing files: the corpus's one JSON style, atomic writes, output folders and their swaps.

A write never leaves half a file behind, never replaces what a person wrote unless the
caller says so (`force`), and never touches the corpus's own inputs when it writes an output
folder (`check_output`). Files and folders get the permissions the umask gives, like any
other tool's.

A folder (dist/, a publish target) is built beside its target in a staging folder and
swapped in by one `renameat2(RENAME_EXCHANGE)`: the old and new trees trade names in a
single step, so the target is always one complete tree, and the target stays a real folder
(what `datasets`, `cp` and people expect; a symlink flip would make `dist` a link). Where
the kernel or file system cannot exchange, two renames are used and `recover` puts the old
tree back if a crash fell between them. Every staging folder is named
`.<target>.claimstance-<kind>-<pid>-<random>` (ignored by git), so leftovers of a killed
command are found and removed the next time.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from ..problems import Code, Refused, problem, refuse
from .lock import corpus_lock

#: The corpus's inputs (.claimstance/: ls pull's record of what it wrote) and the project's
#: own folders, relative to the root: an output may not be, hold or lie inside them
#: (git-tracked folders are refused too, where git is found).
PROTECTED = ("seeds", "annotations", "schema", "review", ".claimstance", ".git",
             "src", "tests", "docs", "benchmarks", ".github", ".ci")
#: What marks a folder as a repository or a corpus, wherever it is in a tree to replace.
FOREIGN = (".git", "seeds", "annotations")
#: Staging folders carry this in their name (`.gitignore` lists the pattern).
STAGING_TAG = ".claimstance-"
#: Swap folders with one renameat2(RENAME_EXCHANGE) where the system has it (tests turn it
#: off to exercise the two-rename fallback and its recovery).
USE_EXCHANGE = True


def dumps(obj: Any) -> bytes:
    """The corpus's one JSON style: UTF-8, 2-space indent, no ASCII escaping, final newline.

    orjson writes it; the strict reader relies on that (a file equal to `dumps` of its own
    data has no duplicate keys, and positions in it can be found by serialising)."""
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"


def umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError), \
            open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def would_overwrite(path: Path, shown: str | None = None, why: str = "") -> Refused:
    where = shown or str(path)
    message = (f"{where} exists with other content{why}; it was kept (use --force to "
               "replace it)")
    return Refused(message, [problem(Code.WOULD_OVERWRITE, where, "", message)])


def io_refused(e: OSError, doing: str, after: str = "") -> Refused:
    """A refusal (`io-error`) for what the system would not do: the path and the reason."""
    where = e.filename if isinstance(e.filename, str) else str(e.filename or "")
    reason = e.strerror or str(e)
    message = f"{doing} stopped: {where + ': ' if where else ''}{reason}{after}"
    return refuse(Code.IO_ERROR, where or ".", message)


def atomic_write(path: Path, data: bytes, *, force: bool = True, shown: str | None = None,
                 mode: int | None = None) -> bool:
    """Write `data` to `path` atomically. Returns False when the file already holds it.

    With force=False an existing file with other content is refused (`would-overwrite`);
    `shown` is how the refusal names the file (a path relative to the corpus root). The file
    keeps the mode it had, or gets `mode`, or what the umask gives a new file.
    """
    old_mode = None
    if path.is_file():
        if path.read_bytes() == data:
            return False
        if not force:
            raise would_overwrite(path, shown)
        old_mode = path.stat().st_mode & 0o7777
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{STAGING_TAG}",
                               suffix=".tmp")
    try:
        os.fchmod(fd, mode if mode is not None else
                  old_mode if old_mode is not None else 0o666 & ~umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


# --- several files at once ------------------------------------------------------------------

#: The mark a staging folder of `write_together` gets once every file in it is complete.
COMPLETE = ".complete"
SYNC_EACH = 64  # files synced one by one; a larger set is synced at once


def write_together(base: Path, files: Sequence[tuple[str, bytes]], command: str) -> None:
    """Write several files (paths relative to the folder `base`) all or nothing.

    Each file is written and synced in one staging folder beside `base` (past SYNC_EACH
    files, one sync puts them all on disk: a sync per file costs milliseconds, minutes for
    100,000 seeds), then a mark says the set is complete, and only then is each renamed
    into place. A run killed before the
    mark changed nothing (its staging folder is removed by the next run); one killed while
    renaming is finished by the next run (`finish_together`), so an interrupted run never
    leaves some files old and some new for long, nor a temporary file behind. Files keep
    the mode they had, or get what the umask gives. Callers hold the corpus lock.
    """
    staging = _fresh_staging(base, command, finish_together)
    new_mode = 0o666 & ~umask()
    made: set[Path] = set()
    try:
        for rel, data in files:
            old = base / rel
            mode = old.stat().st_mode & 0o7777 if old.is_file() else new_mode
            new = staging / rel
            if new.parent not in made:
                new.parent.mkdir(parents=True, exist_ok=True)
                made.add(new.parent)
            _write_synced(new, data, mode, sync=len(files) <= SYNC_EACH)
        if len(files) > SYNC_EACH:
            os.sync()
        _write_synced(staging / COMPLETE, b"", 0o600)
    except BaseException as e:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(e, OSError):
            raise io_refused(e, command, "; nothing was written") from None
        raise
    try:
        _move_all(staging, base)
    except OSError as e:
        raise io_refused(e, command, "; what is left is put in place by the next "
                         f"{command} (the files are ready in {staging})") from None


def finish_together(base: Path) -> None:
    """Finish what a killed `write_together` beside `base` left: a complete set is put in
    place, an incomplete one removed."""
    for _, folder in leftovers(base):
        if (folder / COMPLETE).is_file():
            _move_all(folder, base)
        shutil.rmtree(folder, ignore_errors=True)


def _write_synced(path: Path, data: bytes, mode: int, *, sync: bool = True) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW,
                 mode)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), mode)  # the umask may have taken bits `mode` asks for
        fh.write(data)
        fh.flush()
        if sync:
            os.fsync(fh.fileno())


def _move_all(staging: Path, base: Path) -> None:
    for folder, _, names in sorted(os.walk(staging)):
        into = base / Path(folder).relative_to(staging)
        into.mkdir(parents=True, exist_ok=True)
        for name in sorted(names):
            if folder == str(staging) and name == COMPLETE:
                continue
            os.replace(os.path.join(folder, name), into / name)
    shutil.rmtree(staging, ignore_errors=True)


# --- output folders --------------------------------------------------------------------------

def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output(root: Path, out: Path, what: str = "--out") -> None:
    """Refuse (`output-in-corpus`) an output that is, contains or lies inside the corpus's
    inputs, or holds another repository or corpus, whatever --force says.

    Paths are compared with every symlink followed, so a link cannot smuggle an input in.
    """
    try:
        target = out.absolute().resolve()
        base = root.absolute().resolve()
        inputs = [base, *((base / name).resolve() for name in PROTECTED)]
    except (OSError, RuntimeError) as e:  # a symlink loop
        raise refuse(Code.OUTPUT_NOT_OURS, str(out), f"{what} {out}: {e}") from None
    why = None
    if _within(base, target):
        why = "is or contains the corpus root"
    else:
        for p in inputs[1:]:
            if _within(target, p) or _within(p, target):
                name = p.relative_to(base) if _within(p, base) else p
                why = (f"overlaps {name}, one of the corpus's inputs or the project's own "
                       "folders")
                break
    if why is None:
        try:
            why = _in_foreign(target, base) or _holds_foreign(target) or _tracked(target, base)
        except OSError as e:
            raise io_refused(e, f"checking {what} {out}", "; nothing was written") from None
    if why is not None:
        raise refuse(Code.OUTPUT_IN_CORPUS, str(out),
                     f"{what} {out} {why}; outputs never replace the corpus's inputs, even "
                     "with --force: choose a folder of its own (such as dist/)")


def _holds_foreign(target: Path) -> str | None:
    """Why the tree at `target` may not be replaced: a repository or a corpus anywhere in
    it (a nested `.git` is lost with its folder), or None. Links are not followed, as the
    removal of the old tree does not follow them."""
    if not target.is_dir():
        return None
    for base, dirs, files in os.walk(target, onerror=_raise):
        found = next((n for n in FOREIGN if n in dirs or n in files), None)
        if found is not None:
            where = Path(base, found).relative_to(target).as_posix()
            return f"holds a repository or a corpus ({where})"
    return None


def _in_foreign(target: Path, base: Path) -> str | None:
    """Why `target` may not be replaced because it is, or lies inside, a repository's own
    folder (a `.git`, or a bare repository: HEAD, objects/ and refs/) or another corpus's
    seeds/ or annotations/, or None: replacing `other/.git/objects` loses that repository,
    `other/annotations` that corpus's work. Folders that hold the corpus root `base` too
    are not looked at (the corpus lives there)."""
    for folder in [target, *target.parents]:
        if _within(base, folder):
            break
        if folder.name == ".git" or ((folder / "HEAD").is_file() and (folder / "objects")
                                     .is_dir() and (folder / "refs").is_dir()):
            return f"is or lies inside {folder}, a git repository's own folder"
        if folder.name in ("seeds", "annotations") and (folder.parent / "seeds").is_dir():
            return f"is or lies inside {folder}, the {folder.name}/ of a corpus"
    return None


def _raise(e: OSError) -> None:
    raise e  # an unreadable folder may hide a repository: refuse rather than guess


def _git_top(path: Path) -> Path | None:
    """The work tree `path` (or its nearest existing ancestor) belongs to, found by its
    `.git` entry, or None."""
    for folder in [path, *path.parents]:
        if os.path.lexists(folder / ".git"):
            return folder
    return None


def _tracked(target: Path, root: Path) -> str | None:
    """Why `target` may not be an output because git tracks files in it or around it, or
    None. Below the repository's top (and the corpus root), the first folder on the way to
    `target` must hold no tracked file: then `target` neither is, holds nor lies inside a
    tracked folder. Without git, `PROTECTED` alone keeps the project's folders."""
    top = _git_top(target)
    if top is None:
        return None
    bases = [b for b in (root, top) if _within(target, b) and b != target]
    base = max(bases, key=lambda b: len(b.parts), default=top)
    first = base / target.relative_to(base).parts[0] if target != base else target
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        # literally: a folder named ':x' or '*' is a pathspec's magic or a glob otherwise
        res = subprocess.run(["git", "--literal-pathspecs", "-c", "safe.directory=*", "-C",
                              str(top), "ls-files", "--error-unmatch", "--",
                              first.relative_to(top).as_posix()],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                             check=False)
    except OSError:  # no git here: the project's own folders are still in PROTECTED
        return None
    if res.returncode != 0:
        return None
    shown = first.relative_to(top).as_posix()
    return (f"is, holds or lies inside {shown}/, which git tracks files in" if first != target
            else "holds files git tracks")


def check_output_file(root: Path, out: Path, what: str = "--out") -> None:
    """Refuse (`output-in-corpus`) a file to write inside the corpus's inputs (a page in
    seeds/ would replace or sit among the seeds)."""
    try:
        folder = out.absolute().parent.resolve()
        base = root.absolute().resolve()
        inputs = [(base / name).resolve() for name in PROTECTED]
    except (OSError, RuntimeError) as e:
        raise refuse(Code.OUTPUT_NOT_OURS, str(out), f"{what} {out}: {e}") from None
    if any(_within(folder, p) for p in inputs):
        raise refuse(Code.OUTPUT_IN_CORPUS, str(out),
                     f"{what} {out} lies inside the corpus's inputs; write it elsewhere")


def refuse_symlink(out: Path, what: str = "--out") -> None:
    if out.is_symlink():
        raise refuse(Code.OUTPUT_NOT_OURS, str(out),
                     f"{what} {out} is a symbolic link; give the folder it points to, or "
                     "remove the link")


def claim_output(root: Path, out: Path, what: str, *, ours: Callable[[Path], bool],
                 ours_is: str, force: bool) -> None:
    """Refuse an output folder a command may not replace: never the corpus's inputs (even
    with --force), no symlink or file, and, unless --force, empty or `ours` (an earlier
    output of the same command, known by its contents, never by a file name alone).
    `ours_is` says what that is, for the message."""
    check_output(root, out, what)
    refuse_symlink(out, what)
    if out.exists() and not out.is_dir():
        raise refuse(Code.OUTPUT_NOT_OURS, str(out), f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force and not ours(out):
        raise refuse(Code.OUTPUT_NOT_OURS, str(out),
                     f"{out} is not empty and is not {ours_is}; choose another {what} or use "
                     "--force to replace it")


@contextlib.contextmanager
def output_lock(root: Path, out: Path, what: str, command: str) -> Iterator[None]:
    """Hold the write lock of the folder `out` is in while a command claims and replaces
    it: two commands of two corpora (each holding only its own corpus's lock) would both
    find the folder theirs to replace, and both report success while one output is lost.
    The output is checked first (`check_output`), so a refused one creates no folder."""
    check_output(root, out, what)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise io_refused(e, command) from None
    with corpus_lock(out.parent, command):
        yield


@contextlib.contextmanager
def staged_output(target: Path, command: str, shown: str | None = None) -> Iterator[Path]:
    """A fresh staging folder beside `target` to write into (named after the `command`),
    swapped in when the block ends and removed when it fails; what a killed run left is
    recovered first. A system error becomes a coded refusal saying that `target` (`shown`)
    was left as it was."""
    staging = _fresh_staging(target, command, recover)
    try:
        yield staging
        swap_in(staging, target)
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        raise io_refused(e, command, f"; {shown or target} was left as it was") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _fresh_staging(target: Path, command: str, clean: Callable[[Path], object]) -> Path:
    """A staging folder beside `target`, once `clean` dealt with what a killed run left; a
    system error is a coded refusal."""
    try:
        clean(target)
        return make_staging(target, command)
    except OSError as e:
        raise io_refused(e, command) from None


def make_staging(target: Path, kind: str) -> Path:
    """A fresh folder beside `target` to build into (mode from the umask, not mkdtemp's 0700)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(
        prefix=f".{target.name}{STAGING_TAG}{kind}-{os.getpid()}-", dir=target.parent))
    staging.chmod(0o777 & ~umask())
    return staging


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def leftovers(target: Path) -> list[tuple[str, Path]]:
    """(kind, folder) of each staging folder of `target` whose process is gone."""
    prefix = f".{target.name}{STAGING_TAG}"
    out = []
    try:
        names = os.listdir(target.parent)
    except FileNotFoundError:
        return []
    for name in sorted(names):
        if not name.startswith(prefix):
            continue
        kind, _, rest = name[len(prefix):].partition("-")
        pid = rest.partition("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            out.append((kind, target.parent / name))
    return out


def recover(target: Path) -> list[Path]:
    """Undo what a killed command left beside `target`: put the old tree back if a crash
    fell between the two renames of a fallback swap, then remove dead staging folders.
    Returns what was removed. Callers hold the corpus lock."""
    found = leftovers(target)
    if not os.path.lexists(target):
        for kind, folder in found:
            if kind == "old" and (folder / target.name).is_dir():
                (folder / target.name).rename(target)
                break
    for _, folder in found:
        shutil.rmtree(folder, ignore_errors=True)
    return [folder for _, folder in found]


@functools.cache
def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def exchange(a: Path, b: Path) -> bool:
    """Swap the names of `a` and `b` in one atomic step; False where the system cannot."""
    fn = _renameat2() if USE_EXCHANGE else None
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(staging: Path, target: Path) -> None:
    """Replace the folder `target` by the finished folder `staging` (same parent).

    One exchange where possible; otherwise the old folder is moved aside into a staging
    folder `recover` knows, the new one takes its name, and the old one is removed. Either
    way a crash leaves the old or the new tree in place, never a mixture; nothing after the
    swap can fail the command (the old tree's removal is best effort, `recover` finishes it).
    """
    if not os.path.lexists(target):
        staging.rename(target)
        return
    if exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # it holds the old tree now
        return
    trash = make_staging(target, "old")
    target.rename(trash / target.name)
    staging.rename(target)
    shutil.rmtree(trash, ignore_errors=True)
