"""File writes that never leave half a file behind and never clobber a person's work."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


class WouldOverwrite(Exception):
    """The target exists with different content and --force was not given."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists with different content; use --force to overwrite it")
        self.path = path


def dumps(obj: Any) -> bytes:
    """The corpus's one JSON style: UTF-8, 2-space indent, no ASCII escaping, final newline."""
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def atomic_write(path: Path, data: bytes, *, force: bool = True) -> bool:
    """Write `data` to `path` atomically. Returns False when the file already holds it.

    With force=False an existing file with other content raises `WouldOverwrite`.
    """
    if path.is_file():
        if path.read_bytes() == data:
            return False
        if not force:
            raise WouldOverwrite(path)
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
    import shutil

    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        target.rename(trash / target.name)
        staging.rename(target)
        shutil.rmtree(trash)
    else:
        staging.rename(target)
