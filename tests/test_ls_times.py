"""Label Studio's times are compared as instants, the same on every supported Python: the
stale-export check (ls-stale-export) and the choice of an annotator's newest annotation
rest on them."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from claimstance.labelstudio import times

from .brat_tools import old_python
from .conftest import REPO, missing

PAIRS = [  # (a, b): whether a is before b
    ("2026-11-26T09:29:59Z", "2026-11-26T09:30:00Z"),  # by one second
    ("2026-11-26T09:30:00Z", "2026-11-26T09:30:00.500000Z"),  # microseconds left out at 0
    ("2026-11-26T09:30:00.999999Z", "2026-11-26T09:30:00Z"),
    ("2026-11-26T10:29:59+02:00", "2026-11-26T09:30:00Z"),  # an offset: 08:29:59 UTC
    ("2026-11-26T09:30:00Z", "2026-11-26T11:30:00+02:00"),  # the same instant
    ("2026-11-26T09:30:00+00:00", "2026-11-26T09:30:00.000001"),  # no offset: UTC
    ("2026-11-26T09:30:00.1234567Z", "2026-11-26T09:30:00.123457Z"),  # 7 digits
    ("2026-11-26T09:30:00+0100", "2026-11-26T09:30:00Z"),
    ("2026-11-26 09:30Z", "2026-11-26T09:30:00.1Z"),
    ("not a time", "2026-11-26T09:30:00Z"), ("2026-13-26T09:30:00Z", "2026-11-26T09:30:00Z"),
    ("", "2026-11-26T09:30:00Z"), ("2026-11-26T09:30:00Z", "2026-11-26T09:30:00Z\n"),
]
EXPECTED = [True, True, False, True, False, True, True, True, True,
            False, False, False, False]


def test_times_are_compared_as_instants_not_strings() -> None:
    assert [times.before(a, b) for a, b in PAIRS] == EXPECTED
    assert [times.before(b, a) for a, b in PAIRS] == [
        False, False, True, False, False, False, False, False, False,
        False, False, False, False]
    assert times.instant(5) is None and times.instant(None) is None
    assert times.order(None) < times.order("0001-01-01T00:00:00Z") or \
        times.order(None) == times.order("0001-01-01T00:00:00Z")


def test_times_read_the_same_on_the_oldest_supported_python() -> None:
    """Python 3.10's datetime.fromisoformat reads no 'Z' (every Label Studio time has one):
    the stale-export check must not depend on the Python it runs on."""
    oldest = re.search(r'requires-python = ">=(\d+\.\d+)"',
                       (REPO / "pyproject.toml").read_text("utf-8"))
    assert oldest is not None
    python = old_python((oldest[1],))
    if python is None:
        missing(f"Python {oldest[1]}, the oldest the project supports", f"pyenv install "
                f"{oldest[1]}")
    script = ("import json, runpy, sys; t = runpy.run_path(sys.argv[1]); "
              "print(json.dumps([t['before'](a, b) for a, b in json.loads(sys.argv[2])]))")
    res = subprocess.run([python, "-c", script, str(Path(times.__file__)), json.dumps(PAIRS)],
                         capture_output=True, text=True, check=False, timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == EXPECTED
