"""Label Studio's times (`updated_at`), compared as instants: one reading for every pull.

Label Studio writes ISO 8601 in UTC with a `Z` ('2026-11-26T09:30:00.123456Z'), and leaves
the microseconds out when they are 0, as Python's `isoformat` does; a hand-made export may
give an offset ('+02:00') or none (read as UTC). Strings do not order such times ('...:00Z'
sorts after '...:00.5Z'), and Python 3.10's `datetime.fromisoformat`, unlike 3.11's, reads
no `Z` and only 3 or 6 digits of a fraction: each time is put in the form every supported
Python reads before it is parsed. Only the standard library is imported, so that the tests
can run this module on the oldest Python the project supports.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

_ISO = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)(?:[.,](\d+))?"
                  r"(?:([Zz])|([+-]\d\d):?(\d\d))?")
_UNKNOWN = datetime.min.replace(tzinfo=timezone.utc)


def instant(stamp: object) -> datetime | None:
    """The instant an ISO 8601 time names (UTC when it gives no offset); None when it is not
    such a time."""
    m = _ISO.fullmatch(stamp) if isinstance(stamp, str) else None
    if m is None:
        return None
    date, time, fraction, _, hours, minutes = m.groups()
    text = f"{date}T{time}" + (f".{fraction[:6]:0<6}" if fraction else "")
    text += f"{hours}:{minutes}" if hours else "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:  # a month 13, an hour 25, an offset of 24 hours
        return None


def before(a: object, b: object) -> bool:
    """Whether time `a` is strictly earlier than time `b` (False when either is unknown)."""
    ta, tb = instant(a), instant(b)
    return ta is not None and tb is not None and ta < tb


def order(stamp: object) -> datetime:
    """A key that orders times as instants, an unknown time before every known one."""
    return instant(stamp) or _UNKNOWN
