"""The one palette: every colour a label is drawn in, read from the schema.

Label Studio's labeling config and the viewer both take their colours from here, so a GPE,
a claim, a claimant or a refute looks the same in both. Label Studio tints a region with its
label colour at 30 % opacity (LABEL_COLOR_ALPHA in its frontend); the viewer uses the same.
Where text is written on a colour, or in one, it must stay readable: a contrast ratio of at
least 4.5:1 (WCAG 2 AA), checked by tests/test_palette.py and, on the live page, by
tests/test_ls_ui.py. Label Studio writes dark text on a label's tints (a region, a chip, a
selected region at 80 %) and white text on the full colour (an armed label; label names in
the region list are the colour on white), so every colour sits in the narrow band that
reads both ways. Its relation-label list is dark grey on the Relation's background, which
therefore gets the colour's tint (`on_white`).
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


def channels(colour: str) -> tuple[int, int, int]:
    """The red, green and blue (0-255) of #rrggbb."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def tint(colour: str, alpha: float = REGION_ALPHA) -> str:
    """A #rrggbb colour at the given opacity, as CSS rgba()."""
    r, g, b = channels(colour)
    return f"rgba({r}, {g}, {b}, {alpha})"


def on_white(colour: str, alpha: float = REGION_ALPHA) -> str:
    """The solid #rrggbb a colour at `alpha` opacity shows on white (the region tint, for
    places that take no transparency)."""
    return "#" + "".join(f"{round(alpha * c + (1 - alpha) * 255):02x}"
                         for c in channels(colour))


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 to 21; text needs 4.5 for AA)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
