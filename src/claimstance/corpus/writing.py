"""Writing files: the corpus's one JSON style, atomic writes, and folder swaps.

A write never leaves half a file behind and never replaces what a person wrote unless the
caller says so (`force`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import orjson

from ..problems import Code, Refused, problem


def dumps(obj: Any) -> bytes:
    """The corpus's one JSON style: UTF-8, 2-space indent, no ASCII escaping, final newline.

    orjson writes it; the strict reader relies on that (a file equal to `dumps` of its own
    data has no duplicate keys, and positions in it can be found by serialising)."""
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"


def would_overwrite(path: Path, shown: str | None = None, why: str = "") -> Refused:
    where = shown or str(path)
    message = (f"{where} exists with other content{why}; it was kept (use --force to "
               "replace it)")
    return Refused(message, [problem(Code.WOULD_OVERWRITE, where, "", message)])


def atomic_write(path: Path, data: bytes, *, force: bool = True, shown: str | None = None,
                 ) -> bool:
    """Write `data` to `path` atomically. Returns False when the file already holds it.

    With force=False an existing file with other content is refused (`would-overwrite`);
    `shown` is how the refusal names the file (a path relative to the corpus root).
    """
    if path.is_file():
        if path.read_bytes() == data:
            return False
        if not force:
            raise would_overwrite(path, shown)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def swap_in(staging: Path, target: Path) -> None:
    """Replace the folder `target` by the finished folder `staging` (same parent).

    The old folder is moved aside before the new one takes its name and removed after, so a
    crash leaves either the old or the new tree in place, never a mixture.
    """
    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        target.rename(trash / target.name)
        staging.rename(target)
        shutil.rmtree(trash)
    else:
        staging.rename(target)
