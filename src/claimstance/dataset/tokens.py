"""BIO tags of a document's mentions and claims over its tokens, for the `tokens` config.

One tag per token and label set, so BIO holds one span per token: spans are tagged
outermost first (`segmentation.encode_bio`), and a span that shares a token with one
already tagged (nested or overlapping) is counted, not tagged. A span that crosses a
sentence boundary is counted too (rows are sentences), and one whose boundary falls inside
a token is tagged by whole tokens and counted as misaligned. The counts go into the card:
nothing is left out silently, and every span stays in the mentions and claims configs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..corpus.segmentation import Segmentation, encode_bio

COUNTS = ("spans", "tagged", "nested", "crossing", "misaligned")


@dataclass
class BioCounts:
    """How many spans of one kind the tags hold, and why the others are not in them."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

    def merge(self, other: BioCounts) -> None:
        for k, v in other.counts.items():
            self.counts[k] += v


def tag(seg: Segmentation, spans: Sequence[tuple[int, int, str]], labels: Sequence[str],
        counts: BioCounts) -> list[str]:
    """The BIO tag of every token of the document (counting what could not be tagged)."""
    inside = [x for x in spans if seg.sentence_of(x[0]) == seg.sentence_of(x[1] - 1)]
    tagged = encode_bio(seg.tokens, inside, labels)
    c = counts.counts
    c["spans"] += len(spans)
    c["tagged"] += len(tagged.kept)
    c["nested"] += len(tagged.nested)
    c["crossing"] += len(spans) - len(inside)
    c["misaligned"] += len(tagged.misaligned)
    return tagged.tags
