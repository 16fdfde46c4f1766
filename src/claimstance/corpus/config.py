"""The corpus's own settings: `claimstance.toml` at its root (optional; defaults otherwise).

```toml
[near-duplicates]
threshold = 0.7   # Jaccard index of 5-word shingles at or above which two texts are
                  # near-duplicates (kept in one split); 0.3 to 1.0
```

It is an input of the build like the schema (splits depend on it), so a build records its
hash and `publish` refuses a build made under other settings.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..problems import Code, Problem, Refused, problem
from .layout import Corpus

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG = "claimstance.toml"
DEFAULT_THRESHOLD = 0.7
THRESHOLD_RANGE = (0.3, 1.0)  # below 0.3, texts on one topic start to resemble each other


@dataclass(frozen=True)
class Config:
    near_threshold: float = DEFAULT_THRESHOLD


def _bad(pointer: str, message: str, text: str = "") -> Problem:
    """A problem at `pointer` (/table/key), on the line that sets it."""
    found = problem(Code.INVALID_CONFIG, CONFIG, pointer, message)
    *tables, key = pointer.split("/")[1:] or [""]
    at = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if at:
        return found.at(int(at.group(1)), int(at.group(2)))
    table = ""
    for n, line in enumerate(text.split("\n"), 1):
        head = re.match(r"\s*\[\s*([^\]]*?)\s*\]", line)
        if head:
            table = head.group(1).strip('"')
            if not tables and table == key:
                return found.at(n, 1)
        elif re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line) and \
                [table] == (tables or [""]):
            return found.at(n, 1)
    return found


def read_config(root: Path) -> tuple[Config, list[Problem]]:
    """The settings, and what is wrong with the file (then the defaults stand in)."""
    path = root / CONFIG
    if not path.is_file():
        return Config(), []
    out = Corpus.at(root).leads_out(CONFIG)
    if out is not None:
        return Config(), [out]
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad's BOM is no setting
        data: dict[str, Any] = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return Config(), [_bad("", f"cannot be read as TOML: {e}")]
    found: list[Problem] = []
    section = data.get("near-duplicates", {})
    if not isinstance(section, dict):
        found.append(_bad("/near-duplicates", "near-duplicates is a table: write "
                          "[near-duplicates] on a line of its own, then threshold = 0.7",
                          text))
        section = {}
    unknown = sorted(set(data) - {"near-duplicates"}) + sorted(
        f"near-duplicates/{k}" for k in section if k != "threshold")
    found += [_bad(f"/{k}", f"unknown setting {k!r}; see the example in the README", text)
              for k in unknown]
    threshold = section.get("threshold", DEFAULT_THRESHOLD)
    lo, hi = THRESHOLD_RANGE
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or \
            not lo <= threshold <= hi:
        found.append(_bad("/near-duplicates/threshold",
                          f"threshold {threshold!r} must be a number from {lo} to {hi}", text))
        threshold = DEFAULT_THRESHOLD
    return Config(float(threshold)), found


def config(root: Path) -> Config:
    """The settings; a command that depends on them refuses a broken file."""
    settings, found = read_config(root)
    if found:
        raise Refused(f"{CONFIG} is not valid: {found[0].message}", found)
    return settings
