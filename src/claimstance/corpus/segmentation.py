"""Sentences and tokens of a text, and spans as BIO tags over tokens: one segmenter for the
`tokens` config, the scorer's token overlap and the CoNLL and spaCy exports.

spaCy's rule-based English tokenizer and `sentencizer` (no model, nothing downloaded) are
pinned (`SPACY_VERSION`), since token and sentence boundaries are part of what the data
means. Three rules make them fit the corpus:
- no token boundary inside a user-perceived character (spaCy cuts a flag into its two
  regional indicators): such tokens are joined;
- a sentence also starts after a line break (headlines, datelines and paragraphs end
  without a full stop), and an opening quote or bracket the sentencizer left at the end of
  the previous sentence moves to the one it opens;
- sentences tile the text: each starts at a non-space token and runs to the next one's start
  (the first starts at 0, the last ends at the end of the text), so every offset has one.
"""

from __future__ import annotations

import bisect
import functools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .document import is_grapheme_boundary

SPACY_VERSION = "3.8.18"
RULES_VERSION = "1"  # bump when the rules above change: segmentations are cached by it
OPENERS = frozenset("\"'\u201c\u2018([{\u00ab")  # quotes, brackets, guillemet

Span = tuple[int, int]


@functools.cache
def _pipeline() -> Any:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@functools.cache
def segmenter_version() -> str:
    """What produced a segmentation: the spaCy that runs and the rules' version (read from
    the installed package's metadata: importing spaCy to ask takes most of a second)."""
    from importlib.metadata import version

    return f"spacy-{version('spacy')}+rules-{RULES_VERSION}"


@dataclass(frozen=True)
class Segmentation:
    sentences: list[Span]  # tile the text
    tokens: list[Span]  # the non-whitespace tokens, in order

    def sentence_of(self, offset: int) -> int:
        """Index of the sentence an offset (a span's start) falls in."""
        return bisect.bisect_right(self.sentences, (offset, sys.maxsize)) - 1

    def tokens_in(self, sentence: int) -> tuple[int, int]:
        """Token indexes [first, last) of a sentence."""
        start, end = self.sentences[sentence]
        return (bisect.bisect_left(self.tokens, (start, start)),
                bisect.bisect_left(self.tokens, (end, end)))


def segment(text: str) -> Segmentation:
    if not text:
        return Segmentation([], [])
    doc = _pipeline()(text)
    pieces: list[list[Any]] = []  # [start, end, is_space, sentencizer starts here]
    for t in doc:
        start, end = t.idx, t.idx + len(t.text)
        prev = pieces[-1] if pieces else None
        if (prev is not None and prev[1] == start and not prev[2] and not t.is_space
                and not is_grapheme_boundary(text, start)):
            prev[1] = end
        else:
            pieces.append([start, end, t.is_space, t.is_sent_start and t.i > 0])
    starts: set[int] = set()
    for i, (_, _, space, sent_start) in enumerate(pieces):
        after_break = i > 0 and pieces[i - 1][2] and "\n" in text[pieces[i - 1][0]:
                                                                   pieces[i - 1][1]]
        if sent_start or (after_break and not space):
            starts.add(i)
    cuts = {0}
    for i in sorted(starts):
        while i < len(pieces) and pieces[i][2]:
            i += 1  # sentences begin at a non-space token
        if i >= len(pieces):
            continue
        j = i - 1  # an opener stranded at the end of the previous sentence moves forward
        if (j > 0 and text[pieces[j][0]:pieces[j][1]] in OPENERS
                and pieces[j][1] == pieces[i][0]  # it touches the sentence it opens
                and (pieces[j - 1][2] or pieces[j - 1][1] < pieces[j][0])):  # space before it
            i = j
        cuts.add(pieces[i][0])
    bounds = sorted(cuts)
    sentences = list(zip(bounds, [*bounds[1:], len(text)], strict=True))
    tokens = [(a, b) for a, b, space, _ in pieces if not space]
    return Segmentation(sentences, tokens)


# --- spans over tokens ----------------------------------------------------------------------

@dataclass
class Tagged:
    """BIO tags of one token sequence, and what they could not hold."""

    tags: list[str]
    kept: list[tuple[int, int, str]]
    nested: list[tuple[int, int, str]]  # inside (or overlapping) a kept span: BIO has no room
    misaligned: list[tuple[int, int, str]]  # kept, but a boundary falls inside a token


def encode_bio(tokens: Sequence[Span], spans: Sequence[tuple[int, int, str]],
               labels: Sequence[str]) -> Tagged:
    """Tag tokens with spans, outermost first (longer, then earlier, then schema order).

    A span that shares a token with a span already tagged is counted in `nested`, never
    dropped silently; a span whose boundary falls inside a token tags the whole token and is
    counted in `misaligned`.
    """
    order = {label: i for i, label in enumerate(labels)}
    out = Tagged(["O"] * len(tokens), [], [], [])
    starts, ends = zip(*tokens, strict=True) if tokens else ((), ())
    for start, end, label in sorted(spans, key=lambda s: (s[0] - s[1], s[0], order[s[2]])):
        first = bisect.bisect_right(ends, start)  # first token ending after the start
        last = bisect.bisect_left(starts, end)  # one past the last token starting before end
        if first >= last or any(t != "O" for t in out.tags[first:last]):
            out.nested.append((start, end, label))
            continue
        if starts[first] != start or ends[last - 1] != end:
            out.misaligned.append((start, end, label))
        out.tags[first] = f"B-{label}"
        out.tags[first + 1:last] = [f"I-{label}"] * (last - first - 1)
        out.kept.append((start, end, label))
    out.kept.sort()
    return out


def decode_bio(tokens: Sequence[Span], tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """The spans BIO tags stand for, by token offsets (an I- after O or another label
    starts a span, as seqeval reads it)."""
    out: list[tuple[int, int, str]] = []
    current: list[Any] | None = None
    for (a, b), tag in zip(tokens, tags, strict=True):
        if tag.startswith("I-") and current is not None and current[2] == tag[2:]:
            current[1] = b
            continue
        if current is not None:
            out.append((current[0], current[1], current[2]))
            current = None
        if tag != "O":
            current = [a, b, tag[2:]]
    if current is not None:
        out.append((current[0], current[1], current[2]))
    return out


def bio_names(labels: Sequence[str]) -> list[str]:
    """ClassLabel names of BIO tags: O, then B-X and I-X for each label in schema order."""
    return ["O", *(f"{p}-{label}" for label in labels for p in ("B", "I"))]
