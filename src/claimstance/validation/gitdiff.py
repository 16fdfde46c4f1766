"""Which corpus files differ from a git base: the input of `validate --changed`."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    pass


def _git(root: Path, *args: str) -> str:
    try:
        res = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                             check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if res.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed: {res.stderr.strip()}")
    return res.stdout


def default_base(root: Path) -> str:
    for ref in ("main", "origin/main", "master", "origin/master"):
        try:
            return _git(root, "merge-base", "HEAD", ref).strip()
        except GitError:
            continue
    raise GitError("no base given and no main branch to compare with; use --changed BASE")


def changed_paths(root: Path, base: str | None = None) -> list[Path]:
    """Corpus files changed since `base` (committed, staged, unstaged or untracked).

    A deleted seed yields its annotation folder, whose layers now lack their document.
    """
    root = root.absolute()
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    base = base or default_base(root)
    names = _git(root, "diff", "--name-only", "--no-renames", "-z", base, "--").split("\0")
    names += _git(root, "ls-files", "--others", "--exclude-standard", "--full-name",
                  "-z").split("\0")  # like diff, relative to the top, not to root
    out: set[Path] = set()
    for name in filter(None, names):
        path = (top / name) if not Path(name).is_absolute() else Path(name)
        try:
            parts = path.relative_to(root).parts
        except ValueError:
            continue
        is_seed = len(parts) == 2 and parts[0] == "seeds" and parts[1].endswith(".json")
        is_layer = len(parts) == 3 and parts[0] == "annotations" and parts[2].endswith(".json")
        if path.exists() and (is_seed or is_layer):
            out.add(path)
        elif is_seed:
            layers = root / "annotations" / parts[1][:-5]
            if layers.is_dir():
                out.add(layers)
    return sorted(out)
