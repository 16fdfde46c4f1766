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
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .document import is_grapheme_boundary

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.integer[Any]]
    Bools = npt.NDArray[np.bool_]

SPACY_VERSION = "3.8.18"
RULES_VERSION = "1"  # bump when the rules above change: segmentations are cached by it
OPENERS = frozenset("\"'\u201c\u2018([{\u00ab")  # quotes, brackets, guillemet
FAST_PATHS = True  # off: every span goes through the full outermost-first rule (tests)

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


@dataclass(frozen=True, eq=False)
class Segmentation:
    """Sentences and tokens as flat int32 arrays, as the cache stores them, so the build
    works on whole batches of documents without a Python object per token; `sentences`
    and `tokens` give the same as lists of (start, end) pairs, made on first use."""

    bounds: Ints  # where each sentence starts, then the text's length: sentences tile it
    offsets: Ints  # start, end of every non-whitespace token, in order

    @classmethod
    def of(cls, sentence_starts: Sequence[int], offsets: Sequence[int],
           length: int) -> Segmentation:
        import numpy as np

        return cls(np.array([*sentence_starts, length], dtype=np.int32),
                   np.array(offsets, dtype=np.int32))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Segmentation) and len(self.bounds) == len(other.bounds)
                and bool((self.bounds == other.bounds).all())
                and len(self.offsets) == len(other.offsets)
                and bool((self.offsets == other.offsets).all()))

    __hash__ = None  # type: ignore[assignment]  # mutable arrays inside

    @functools.cached_property
    def starts(self) -> Ints:
        """Every token's start."""
        return self.offsets[0::2]

    @functools.cached_property
    def ends(self) -> Ints:
        """Every token's end."""
        return self.offsets[1::2]

    @functools.cached_property
    def sentences(self) -> list[Span]:
        return list(itertools.pairwise(self.bounds.tolist()))

    @functools.cached_property
    def tokens(self) -> list[Span]:
        return list(zip(self.starts.tolist(), self.ends.tolist(), strict=True))

    @functools.cached_property
    def _sentence_starts(self) -> list[int]:
        return self.bounds[:-1].tolist()  # type: ignore[no-any-return]

    @functools.cached_property
    def _token_starts(self) -> list[int]:
        return self.starts.tolist()  # type: ignore[no-any-return]

    def sentence_of(self, offset: int) -> int:
        """Index of the sentence an offset (a span's start) falls in."""
        return bisect.bisect_right(self._sentence_starts, offset) - 1

    def tokens_in(self, sentence: int) -> tuple[int, int]:
        """Token indexes [first, last) of a sentence."""
        return (bisect.bisect_left(self._token_starts, int(self.bounds[sentence])),
                bisect.bisect_left(self._token_starts, int(self.bounds[sentence + 1])))


def segment(text: str) -> Segmentation:
    if not text:
        return Segmentation.of([], [], 0)
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
    offsets = [x for a, b, space, _ in pieces if not space for x in (a, b)]
    return Segmentation.of(sorted(cuts), offsets, len(text))


# --- spans over tokens ----------------------------------------------------------------------

def bio_names(labels: Sequence[str]) -> list[str]:
    """ClassLabel names of BIO tags: O, then B-X and I-X for each label in schema order (so
    label k's B- tag is class 1 + 2k and its I- tag 2 + 2k)."""
    return ["O", *(f"{p}-{label}" for label in labels for p in ("B", "I"))]


@dataclass
class BioIds:
    """BIO tags of tokens as class ids (`bio_names` order), and the fate of every span."""

    ids: Ints  # one per token
    kept: Bools  # per span: tagged (the others are nested, overlapping or on no token)
    misaligned: Bools  # per span: kept, but a boundary falls inside a token
    covering: Bools  # per span: covers a token (one on whitespace alone covers none)

    # Why a span is not tagged, in one place for every reader of the tags (CoNLL export,
    # the dataset card's counts): it shares a token with a tagged span, or it covers none.
    @property
    def nested(self) -> Bools:
        """Per span: covers a token, but one a tagged span holds (nested or overlapping)."""
        return self.covering & ~self.kept

    @property
    def blank(self) -> Bools:
        """Per span: covers no token (whitespace alone)."""
        return ~self.covering


def bio_ids(starts: Ints, ends: Ints, span_starts: Ints, span_ends: Ints,
            span_labels: Ints) -> BioIds:
    """Tag tokens (`starts`, `ends`: sorted, not overlapping; they may be many documents'
    tokens placed one after another) with spans (label k: the k-th label), outermost first
    (longer, then earlier, then schema order), computed by numpy.

    A span that shares a token with a span already tagged is not tagged (nor one that covers
    no token); a span whose boundary falls inside a token tags the whole token. Only spans
    that share a token with another one need the order: the others are tagged at once
    (`FAST_PATHS`; tests/test_bio.py proves it gives what the full rule gives).
    """
    import numpy as np

    first = np.searchsorted(ends, span_starts, "right")  # first token ending after the start
    last = np.searchsorted(starts, span_ends, "left")  # one past the last starting before end
    live = first < last
    contested = live & ~_alone(first, last, live) if FAST_PATHS else live
    kept = live & ~contested
    if contested.any():
        order = np.lexsort((span_labels, span_starts, span_starts - span_ends))
        taken = np.zeros(len(starts), dtype=bool)
        for i, a, b in zip(*(x[order[contested[order]]].tolist() for x in
                             (np.arange(len(first)), first, last)), strict=True):
            if not taken[a:b].any():
                taken[a:b] = True
                kept[i] = True
    k = np.flatnonzero(kept)
    a, b, label = first[k], last[k], np.asarray(span_labels)[k].astype(np.int64)
    misaligned = np.zeros(len(first), dtype=bool)
    misaligned[k] = (starts[a] != span_starts[k]) | (ends[b - 1] != span_ends[k])
    ids = np.zeros(len(starts), dtype=np.int64)
    width = b - a
    covered = np.arange(int(width.sum())) + np.repeat(a - (np.cumsum(width) - width), width)
    ids[covered] = np.repeat(2 + 2 * label, width)  # I-
    ids[a] = 1 + 2 * label  # B-
    return BioIds(ids, kept, misaligned, live)


def _alone(first: Ints, last: Ints, live: Bools) -> Bools:
    """Which live spans share no token with another live span (their fate needs no order)."""
    import numpy as np

    idx = np.flatnonzero(live)
    o = idx[np.lexsort((last[idx], first[idx]))]
    f, b = first[o], last[o]
    ok = np.ones(len(o), dtype=bool)
    ok[1:] &= f[1:] >= np.maximum.accumulate(b)[:-1]  # after every earlier one
    ok[:-1] &= b[:-1] <= f[1:]  # before every later one
    out = np.zeros(len(first), dtype=bool)
    out[o] = ok
    return out


@dataclass
class Tagged:
    """BIO tags of one token sequence, and what they could not hold."""

    tags: list[str]
    kept: list[tuple[int, int, str]]
    nested: list[tuple[int, int, str]]  # inside (or overlapping) a kept span: BIO has no room
    misaligned: list[tuple[int, int, str]]  # kept, but a boundary falls inside a token
    blank: list[tuple[int, int, str]] = field(default_factory=list)  # on no token (spaces)


def encode_bio(tokens: Sequence[Span], spans: Sequence[tuple[int, int, str]],
               labels: Sequence[str]) -> Tagged:
    """Tag tokens with spans, outermost first (`bio_ids`, for one document).

    A span that shares a token with a span already tagged is counted in `nested`, and one
    that covers no token (whitespace alone) in `blank`, never dropped silently; a span whose
    boundary falls inside a token tags the whole token and is counted in `misaligned`.
    `nested`, `misaligned` and `blank` list spans outermost first.
    """
    import numpy as np

    order = {label: i for i, label in enumerate(labels)}
    items = [(a, b, label) for a, b, label in spans]
    offsets = np.array(tokens, dtype=np.int64).reshape(-1, 2)
    s = np.array([x[:2] for x in items], dtype=np.int64).reshape(-1, 2)
    labelled = np.array([order[x[2]] for x in items], dtype=np.int64)
    found = bio_ids(offsets[:, 0], offsets[:, 1], s[:, 0], s[:, 1], labelled)
    names = bio_names(labels)
    outermost = np.lexsort((labelled, s[:, 0], s[:, 0] - s[:, 1])).tolist()
    kept, misaligned = found.kept.tolist(), found.misaligned.tolist()
    nested, blank = found.nested.tolist(), found.blank.tolist()
    return Tagged([names[i] for i in found.ids.tolist()],
                  sorted(items[i] for i in outermost if kept[i]),
                  [items[i] for i in outermost if nested[i]],
                  [items[i] for i in outermost if misaligned[i]],
                  [items[i] for i in outermost if blank[i]])


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
