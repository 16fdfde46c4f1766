"""Every place a palette colour meets text is readable: contrast ratio >= 4.5:1 (WCAG 2 AA).

The text colours are Label Studio 1.23's, as its page computes them (tests/test_ls_ui.py
measures the same contrasts on the live page), and the viewer's.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from claimstance.corpus.palette import REGION_ALPHA, channels, contrast, on_white, palette, tint
from claimstance.labelstudio.config import labelstudio_config

AA = 4.5  # text
NON_TEXT = 3.0  # lines and borders (WCAG 2 1.4.11)
WHITE = "#ffffff"
LS_TEXT = "#262522"  # Label Studio's text: the labels above the text, the text itself
LS_RELATION_TEXT = "#45433e"  # Label Studio's relation-label list, on the Relation's background
LS_CHIP_ALPHA = 0x26 / 255  # a label's chip: its colour at 15 % (--background: #rrggbb26)
LS_SELECTED_ALPHA = 0.8  # a selected region: its colour at 80 %, the text still dark
VIEWER_TEXT = "#222222"  # claimstance view: body text


def test_contrast_is_wcag_2() -> None:
    assert contrast("#000000", WHITE) == pytest.approx(21)
    assert contrast(WHITE, "#000000") == contrast("#000000", WHITE)
    assert contrast("#777777", WHITE) == pytest.approx(4.48, abs=0.01)  # just below AA
    assert on_white("#ff8000") == "#ffd9b2" and on_white("#264653", 1.0) == "#264653"


def test_one_reading_of_a_hex_colour() -> None:
    assert channels("#ff8001") == (255, 128, 1) and channels("#264653") == (38, 70, 83)
    assert tint("#ff8001", 0.5) == "rgba(255, 128, 1, 0.5)"


def _regions() -> dict[str, str]:
    colours = palette()
    return colours["mention_type"] | {"CLAIM": colours["claim"]["claim"]}


@pytest.mark.parametrize("label", sorted(_regions()))
def test_text_on_a_region_or_a_label_is_readable(label: str) -> None:
    """A region's text on its tint (Label Studio and the viewer) and on the stronger tint of
    a selected region; a label's name on its chip, and in white on the full colour once its
    key is pressed (the label armed)."""
    colour = _regions()[label]
    tint = on_white(colour, REGION_ALPHA)
    assert contrast(tint, LS_TEXT) >= AA and contrast(tint, VIEWER_TEXT) >= AA
    assert contrast(on_white(colour, LS_SELECTED_ALPHA), LS_TEXT) >= AA
    assert contrast(on_white(colour, LS_CHIP_ALPHA), LS_TEXT) >= AA
    assert contrast(colour, WHITE) >= AA


def test_the_relation_label_list_is_readable() -> None:
    """Label Studio writes the relation labels in dark grey on each Relation's background:
    the generated config's backgrounds (#264653 made 'claimant' nearly unreadable)."""
    root = ET.fromstring(labelstudio_config())
    backgrounds = {r.get("value"): r.get("background") or "" for r in root.iter("Relation")}
    assert set(backgrounds) == set(palette()["relation"])
    for label, background in backgrounds.items():
        assert contrast(background, LS_RELATION_TEXT) >= AA, (label, background)


@pytest.mark.parametrize("label", sorted(palette()["relation"]))
def test_relation_colours_are_readable_as_text(label: str) -> None:
    """The viewer writes relation labels in their colour on white."""
    assert contrast(palette()["relation"][label], WHITE) >= AA


@pytest.mark.parametrize("label", sorted(palette()["claim_type"]))
def test_claim_type_underlines_are_visible(label: str) -> None:
    assert contrast(palette()["claim_type"][label], WHITE) >= NON_TEXT
