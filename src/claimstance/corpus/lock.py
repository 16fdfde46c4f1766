"""One writer per corpus at a time.

Every command that writes to a corpus (build, publish --to, ingest, fmt, adjudicate, docs,
ls pull, export, import) holds an exclusive `flock` on the corpus root directory itself
while it writes, so two of them never interleave their writes (two pulls both "writing" one
file, two builds swapping the same folder). A lock on the folder, not on a lock file:
nothing to create, to clean after a crash or to ignore in git, and a read-only corpus can
still be built from. The kernel drops the lock when the process ends, however it ends.

Reentrant within a process (a build that writes its site, an adjudication that validates):
the same root locked twice is one lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ..problems import Code, refuse

_held: dict[tuple[int, int], int] = {}  # (st_dev, st_ino) of a locked root -> depth


@contextlib.contextmanager
def corpus_lock(root: Path, doing: str) -> Iterator[None]:
    """Hold the corpus's write lock, or refuse (`corpus-locked`) when another process has it.

    `doing` names the command for the message (e.g. "build").
    """
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise refuse(Code.FILE_NOT_FOUND, str(root),
                     f"no corpus at {root}: run in the corpus root or pass --root") from None
    except NotADirectoryError:
        raise refuse(Code.NOT_A_FILE, str(root), f"{root} is not a folder") from None
    except OSError as e:
        raise refuse(Code.IO_ERROR, str(root), f"cannot open {root}: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        if key in _held:
            os.close(fd)
            fd = -1
            _held[key] += 1
            try:
                yield
            finally:
                _held[key] -= 1
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise refuse(Code.CORPUS_LOCKED, str(root),
                         f"another claimstance command is writing to {root}; {doing} did "
                         "nothing: wait for the other to finish, then run it again") from None
        except OSError as e:
            if e.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.EBADF):
                raise
            # a file system without locks (some network mounts): write unlocked, as before
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
    finally:
        if fd >= 0:
            os.close(fd)  # releases the lock
