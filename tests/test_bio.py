"""BIO tags computed by numpy for whole batches give exactly what tagging span by span gives.

- `encode_bio` equals `reference_encode_bio` (below: the plain loop it replaced, the spec):
  tags, and which spans are kept, nested, misaligned and on no token, in the same order;
- the fast decision (spans that share no token with another are tagged without the
  outermost-first order) equals the full rule run on every span (`FAST_PATHS` off);
- documents placed one after another (`dataset.tokens.tag`, as the build tags a batch) get
  the tags and counts each would get alone.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from claimstance.corpus import segmentation
from claimstance.corpus.segmentation import Segmentation, Tagged, bio_ids, bio_names, encode_bio
from claimstance.dataset.tokens import BioCounts, tag

LABELS = ["PER", "ORG", "GPE"]
Item = tuple[int, int, str]


def reference_encode_bio(tokens: Sequence[tuple[int, int]], spans: Sequence[Item],
                         labels: Sequence[str]) -> Tagged:
    """Tag tokens with spans, outermost first (longer, then earlier, then schema order)."""
    order = {label: i for i, label in enumerate(labels)}
    out = Tagged(["O"] * len(tokens), [], [], [])
    starts, ends = zip(*tokens, strict=True) if tokens else ((), ())
    for start, end, label in sorted(spans, key=lambda s: (s[0] - s[1], s[0], order[s[2]])):
        first = bisect.bisect_right(ends, start)
        last = bisect.bisect_left(starts, end)
        if first >= last:
            out.blank.append((start, end, label))
            continue
        if any(t != "O" for t in out.tags[first:last]):
            out.nested.append((start, end, label))
            continue
        if starts[first] != start or ends[last - 1] != end:
            out.misaligned.append((start, end, label))
        out.tags[first] = f"B-{label}"
        out.tags[first + 1:last] = [f"I-{label}"] * (last - first - 1)
        out.kept.append((start, end, label))
    out.kept.sort()
    return out


@st.composite
def documents(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]], list[Item], list[int]]:
    """A text's length, its tokens (sorted, apart), spans over it (nested, overlapping,
    duplicated, off token boundaries, on no token) and its sentence starts."""
    pieces = draw(st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4)), max_size=12))
    tokens, at = [], 0
    for gap, width in pieces:
        tokens.append((at + gap, at + gap + width))
        at += gap + width
    length = at + draw(st.integers(0, 2))
    spans = [] if length == 0 else draw(st.lists(
        st.tuples(st.integers(0, length - 1), st.integers(1, length), st.sampled_from(LABELS))
        .filter(lambda s: s[0] < s[1]), max_size=10))
    cuts = sorted({0, *draw(st.lists(st.integers(1, max(length - 1, 1)), max_size=3))})
    return length, tokens, spans, [c for c in cuts if c < length] if length else []


@settings(max_examples=500, deadline=None)
@given(documents())
def test_encode_bio_equals_the_span_by_span_reference(doc: tuple[int, list[tuple[int, int]],
                                                                 list[Item], list[int]]) -> None:
    _, tokens, spans, _ = doc
    assert encode_bio(tokens, spans, LABELS) == reference_encode_bio(tokens, spans, LABELS)


@settings(max_examples=500, deadline=None)
@given(documents())
def test_the_fast_decision_equals_the_full_rule(doc: tuple[int, list[tuple[int, int]],
                                                          list[Item], list[int]]) -> None:
    _, tokens, spans, _ = doc
    t = np.array(tokens, dtype=np.int64).reshape(-1, 2)
    s = np.array([x[:2] for x in spans], dtype=np.int64).reshape(-1, 2)
    labels = np.array([LABELS.index(x[2]) for x in spans], dtype=np.int64)
    fast = bio_ids(t[:, 0], t[:, 1], s[:, 0], s[:, 1], labels)
    segmentation.FAST_PATHS = False
    try:
        full = bio_ids(t[:, 0], t[:, 1], s[:, 0], s[:, 1], labels)
    finally:
        segmentation.FAST_PATHS = True
    for name in ("ids", "kept", "misaligned"):
        assert getattr(fast, name).tolist() == getattr(full, name).tolist(), name


@settings(max_examples=300, deadline=None)
@given(st.lists(documents(), min_size=1, max_size=4))
def test_a_batch_is_tagged_as_its_documents_alone(
        docs: list[tuple[int, list[tuple[int, int]], list[Item], list[int]]]) -> None:
    """Each document's spans inside one sentence go through `encode_bio` alone; the others
    are counted as crossing."""
    want_ids: list[int] = []
    want = BioCounts()
    sentences, starts, ends, items = [], [], [], []
    base = 0
    for length, tokens, spans, cuts in docs:
        seg = Segmentation.of(cuts, [x for t in tokens for x in t], length)
        inside = [x for x in spans if seg.sentence_of(x[0]) == seg.sentence_of(x[1] - 1)]
        tagged = encode_bio(tokens, inside, LABELS)
        names = bio_names(LABELS)
        want_ids += [names.index(t) for t in tagged.tags]
        c = want.counts
        c["spans"] += len(spans)
        c["tagged"] += len(tagged.kept)
        c["nested"] += len(tagged.nested)  # the card counts them as encode_bio does
        c["blank"] += len(tagged.blank)
        c["crossing"] += len(spans) - len(inside)
        c["misaligned"] += len(tagged.misaligned)
        sentences += [base + x for x in cuts]
        starts += [base + a for a, _ in tokens]
        ends += [base + b for _, b in tokens]
        items += [(base + a, base + b, LABELS.index(label)) for a, b, label in spans]
        base += length
    got = BioCounts()
    arr = np.array(items, dtype=np.int64).reshape(-1, 3)
    ids = tag(np.array(sentences, dtype=np.int64), np.array(starts, dtype=np.int64),
              np.array(ends, dtype=np.int64), (arr[:, 0], arr[:, 1], arr[:, 2]), got)
    assert ids.tolist() == want_ids
    assert got.counts == want.counts
