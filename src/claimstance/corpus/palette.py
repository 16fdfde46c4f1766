"""The one palette: every colour a label is drawn in, read from the schema.

Label Studio's labeling config and the viewer both take their colours from here, so a GPE,
a claim, a claimant or a refute looks the same in both. Label Studio tints a region with its
label colour at 30 % opacity (LABEL_COLOR_ALPHA in its frontend); the viewer uses the same.
"""

from __future__ import annotations

import functools

from .schema import ANNOTATION, colours, definition

#: Opacity of a region's background in Label Studio (and therefore in the viewer).
REGION_ALPHA = 0.3


@functools.cache
def palette() -> dict[str, dict[str, str]]:
    """Colours by what is coloured: mention types, the claim, claim types, relations
    (the claimant, then the stance labels)."""
    claim = definition(ANNOTATION, "claim")
    return {
        "mention_type": colours("mention_type"),
        "claim": {"claim": claim["x-colour"]},
        "claim_type": colours("claim_type"),
        "relation": {"claimant": claim["properties"]["claimant"]["x-colour"]}
        | colours("stance_label"),
    }


def tint(colour: str, alpha: float = REGION_ALPHA) -> str:
    """A #rrggbb colour at the given opacity, as CSS rgba()."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"
