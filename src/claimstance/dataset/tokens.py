"""BIO tags of a document's mentions and claims over its tokens, for the `tokens` config.

One tag per token and label set, so BIO holds one span per token: spans are tagged
outermost first (`segmentation.encode_bio`), and a span that shares a token with one
already tagged (nested or overlapping) is counted, not tagged, as is one on whitespace alone
(it covers no token: `blank`, as the CoNLL export counts it). A span that crosses a
sentence boundary is counted too (rows are sentences), and one whose boundary falls inside
a token is tagged by whole tokens and counted as misaligned. The counts go into the card:
nothing is left out silently, and every span stays in the mentions and claims configs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..corpus.segmentation import bio_ids

if TYPE_CHECKING:
    from ..corpus.segmentation import Ints

COUNTS = ("spans", "tagged", "nested", "blank", "crossing", "misaligned")


@dataclass
class BioCounts:
    """How many spans of one kind the tags hold, and why the others are not in them."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

    def merge(self, other: BioCounts) -> None:
        for k, v in other.counts.items():
            self.counts[k] += v


def tag(sentences: Ints, starts: Ints, ends: Ints, spans: tuple[Ints, Ints, Ints],
        counts: BioCounts) -> Ints:
    """The BIO class id of every token, counting what could not be tagged.

    `sentences` (where each sentence starts), `starts` and `ends` (the tokens') and the
    spans' (start, end, label index) are those of any number of documents placed one after
    another (each document's offsets moved past the previous text), so one call tags a
    whole batch: a span crosses a sentence when its first and last character fall in
    different sentences, which holds across documents too.
    """
    import numpy as np

    start, end, label = spans
    inside = (np.searchsorted(sentences, start, "right")
              == np.searchsorted(sentences, end - 1, "right"))
    n, n_inside = len(start), int(inside.sum())
    found = bio_ids(starts, ends, start[inside], end[inside], label[inside])
    tagged = int(found.kept.sum())
    c = counts.counts
    c["spans"] += n
    c["tagged"] += tagged
    c["nested"] += int(found.nested.sum())
    c["blank"] += int(found.blank.sum())
    c["crossing"] += n - n_inside
    c["misaligned"] += int(found.misaligned.sum())
    return found.ids
