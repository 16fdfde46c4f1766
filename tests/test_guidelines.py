"""GUIDELINES.md defines every label of the schema, with its schema definition."""

from __future__ import annotations

import re

import pytest

from claimstance.corpus.schema import LABEL_SETS, label_set

from .conftest import REPO

GUIDE = (REPO / "GUIDELINES.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("label_set_name", LABEL_SETS)
def test_every_label_is_defined(label_set_name: str) -> None:
    for label, definition in label_set(label_set_name).items():
        m = re.search(rf"^### `{re.escape(label)}`\n\n(.+?)\n", GUIDE, flags=re.M)
        assert m, f"GUIDELINES.md has no '### `{label}`' section"
        assert m.group(1) == definition, f"{label}: definition differs from the schema's"
        section = GUIDE[m.end():].split("\n### ", 1)[0]
        assert "- " in section, f"{label}: no rules or examples"


def test_required_topics_are_covered() -> None:
    for heading in ("## General rules", "### Boundary rules", "### Claimant",
                    "### Nested claims", "### Boundary rules for claims"):
        assert heading in GUIDE
    for phrase in ("determiners", "quotation marks", "trailing punctuation",
                   "Reported speech and direct speech", "article itself"):
        assert phrase in GUIDE, phrase


def test_examples_come_from_the_seed() -> None:
    import json

    text = json.loads((REPO / "seeds" / "mali-accuses-algeria-downed-drone.json")
                      .read_text())["text"]
    quoted = re.findall(r'"([^"\n]{8,})"', GUIDE)
    from_seed = [q for q in quoted if q.replace("...", "") in text or q.split(" ...")[0] in text]
    assert len(from_seed) >= 20, "guidelines should quote the corpus, not invented text"


def test_annotating_in_label_studio_matches_the_config() -> None:
    """The hotkey table is the config's, and every illustration is checked in."""
    from claimstance.labelstudio.config import hotkeys

    section = GUIDE[GUIDE.index("## Annotating in Label Studio"):]
    section = section[:section.index("\n## ")]
    for label, key in hotkeys().items():
        assert re.search(rf"^\| `{re.escape(key)}` \| (claim type )?{re.escape(label)}\b",
                         section, flags=re.M), f"{label} ({key}) is not in the hotkey table"
    images = re.findall(r"\]\((docs/images/[^)]+)\)", section)
    assert len(images) >= 5
    for image in images:
        assert (REPO / image).is_file(), image
    for topic in ("Esc", "Create Relation", "Relations", "Skip", "Update", "Submit",
                  "your own"):
        assert topic in section, topic


def test_the_settings_ls_push_sets_are_listed() -> None:
    """GUIDELINES.md states every project setting `ls push` sets, and why."""
    from claimstance.labelstudio.push import instruction_settings, overlap_settings

    section = GUIDE[GUIDE.index("### Project settings `ls push` sets, and why"):]
    for key in [*overlap_settings(2), *instruction_settings(), "show_collab_predictions",
                "model_version"]:
        assert f"`{key}`" in section, key
