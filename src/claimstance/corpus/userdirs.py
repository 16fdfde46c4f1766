"""Where claimstance keeps files of its own outside a corpus: the XDG base directories.

One place for the rule (an unset, empty or relative variable falls back to the default,
as the XDG Base Directory specification says), so caches, the pseudonym salt and Label
Studio's files all move together when a user sets `XDG_*_HOME`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

Kind = Literal["cache", "config", "data", "state"]
_DEFAULTS: dict[Kind, tuple[str, ...]] = {"cache": (".cache",), "config": (".config",),
                                          "data": (".local", "share"),
                                          "state": (".local", "state")}


def user_dir(kind: Kind) -> Path:
    """claimstance's folder of this kind, e.g. `~/.cache/claimstance` (not created here)."""
    base = os.environ.get(f"XDG_{kind.upper()}_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home().joinpath(*_DEFAULTS[kind])
    return root / "claimstance"
