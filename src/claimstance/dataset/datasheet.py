"""DATASHEET.md's facts about the corpus, generated: how many documents have gold, and how
many annotator layers each has.

The datasheet is prose a maintainer writes, but a sentence such as "no document has been
double-annotated yet" goes stale the day a second annotator's layer arrives, while the card
built beside it reports agreement. So such facts sit between markers,
`<!-- facts: NAME -->` ... `<!-- /facts -->`, and are written from the corpus: by
`claimstance docs` into DATASHEET.md (`docs --check` fails when they are stale), and afresh
into the dataset card at every build, so the card never contradicts itself. They are counted
from the folder listings alone (no file is read), as quickly as the corpus is listed. Which
split a document is in is left to the card's own table: the build decides it from the
near-duplicate groups, which a listing cannot see.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..corpus.layout import Corpus
from ..corpus.naming import GOLD

WIDTH = 92  # the datasheet's line length
BLOCK = re.compile(r"^([ \t]*)<!-- facts: ([a-z-]+) -->\n.*?^[ \t]*<!-- /facts -->$",
                   re.S | re.M)


@dataclass
class Facts:
    """Documents with gold; documents with annotator layers but no gold; and documents by
    their number of annotator layers (0, 1, 2 for two or more)."""

    gold: int = 0
    without_gold: int = 0
    layers: Counter[int] = field(default_factory=Counter)

    @classmethod
    def of(cls, corpus: Corpus) -> Facts:
        facts = cls()
        for doc_id in corpus.doc_ids():
            names = corpus.annotators(doc_id)
            others = len([a for a in names if a != GOLD])
            if GOLD in names:
                facts.gold += 1
            elif others:
                facts.without_gold += 1
            if names:
                facts.layers[min(others, 2)] += 1
        return facts


def _instances(f: Facts) -> str:
    more = (f"; {f.without_gold} more have annotator layers but no gold yet (they are in the "
            "dataset only when it is built with `--allow-single`)" if f.without_gold else "")
    return (f"**{f.gold} document(s)** have an adjudicated gold layer{more}. Which split "
            "each is in, and how many mentions, claims and stances they hold, is in the "
            "dataset card's splits and statistics.")


def _annotators(f: Facts) -> str:
    rows = [("none: gold written directly", f.layers[0]), ("one", f.layers[1]),
            ("two or more", f.layers[2])]
    table = ["| annotator layers | documents |", "|---|---:|",
             *(f"| {name} | {n} |" for name, n in rows)]
    agreement = ("No document has two or more annotator layers yet, so **no inter-annotator "
                 "agreement can be reported**." if not f.layers[2] else
                 f"{f.layers[2]} document(s) have two or more annotator layers: the dataset "
                 "card's *Annotation and agreement* section gives the agreement "
                 "`claimstance agree` computes over them.")
    return ("Annotator layers per document (gold aside):\n\n" + "\n".join(table) + "\n\n"
            + agreement)


RENDER: dict[str, Callable[[Facts], str]] = {"instances": _instances,
                                              "annotators": _annotators}


def refresh(text: str, facts: Facts, *, keep_markers: bool = True) -> str:
    """`text` (DATASHEET.md) with every facts block written from `facts`, indented as its
    markers are; without `keep_markers` the markers go (the card shows the facts only)."""
    def one(m: re.Match[str]) -> str:
        pad, name = m.group(1), m.group(2)
        render = RENDER.get(name)
        if render is None:
            return m.group(0)
        paragraphs = [p if p.startswith("|") else textwrap.fill(p, WIDTH - len(pad))
                      for p in render(facts).split("\n\n")]
        body = "\n".join(pad + line if line else line
                          for line in "\n\n".join(paragraphs).split("\n"))
        if not keep_markers:
            return body
        return f"{pad}<!-- facts: {name} -->\n{body}\n{pad}<!-- /facts -->"

    return BLOCK.sub(one, text)
