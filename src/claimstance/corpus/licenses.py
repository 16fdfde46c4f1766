"""Text licenses: SPDX ids, how a written license becomes one, and which ones may be published.

The SPDX License List comes from `license-expression` (maintained by the ScanCode project,
which tracks each SPDX release), never from a copy of our own. One license per text: an
expression ("MIT OR CC-BY-4.0") names no single license a reader could rely on.
"""

from __future__ import annotations

import functools
import re
from typing import Any

#: Texts may be published under these SPDX licenses only (redistribution allowed). The one
#: allow-list: `publish` gates on it, the docs and the dataset card name it.
ALLOWED_LICENSES = ("CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0",
                    "PDDL-1.0", "ODC-By-1.0", "ODbL-1.0")

_SEPARATORS = re.compile(r"[\s_]+")


@functools.cache
def _licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


@functools.lru_cache(maxsize=4096)  # inputs repeat the same few spellings
def spdx_id(written: str) -> str | None:
    """The SPDX id `written` names, or None when it names none.

    Case is free ("cc-by-4.0", the Hub's spelling, is CC-BY-4.0), spaces and underscores
    stand for hyphens ("CC BY 4.0"), and deprecated ids become their successors
    ("GPL-2.0+" is GPL-2.0-or-later). ScanCode's own LicenseRef- keys are not SPDX ids.
    """
    from license_expression import ExpressionError, LicenseSymbol

    value = written.strip()
    for candidate in dict.fromkeys((value, _SEPARATORS.sub("-", value))):
        if not candidate:
            continue
        try:
            parsed = _licensing().parse(candidate, validate=True, strict=True)
        except ExpressionError:
            continue
        if type(parsed) is LicenseSymbol and not parsed.is_exception and \
                not parsed.key.startswith("LicenseRef-"):
            return str(parsed.key)
    return None


def not_one_license(written: str) -> str:
    """Why `written` (for which `spdx_id` found none) is refused, in words a person can act on."""
    from license_expression import ExpressionError, LicenseSymbol

    try:
        parsed = _licensing().parse(written.strip(), validate=True, strict=True)
    except ExpressionError:
        parsed = None
    if parsed is not None and type(parsed) is not LicenseSymbol:
        return (f"{written!r} is an SPDX expression of several licenses or an exception, not "
                "one license: give the one the text is published under")
    return f"{written!r} is not an id of the SPDX License List (e.g. CC-BY-4.0)"
