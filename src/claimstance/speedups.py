"""The optional C speedups (`_speedups.c`), or None when they were not built or
CLAIMSTANCE_NO_SPEEDUPS is set. Each has a pure-Python twin that gives the same answers."""

from __future__ import annotations

import os
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("CLAIMSTANCE_NO_SPEEDUPS"):
        return None
    try:
        from . import _speedups
    except ImportError:
        return None
    return _speedups


C = _load()
