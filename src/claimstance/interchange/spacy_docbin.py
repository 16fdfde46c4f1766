"""spaCy export: a `DocBin` (`.spacy` file) that `DocBin().from_disk(path).get_docs(vocab)` loads.

- `doc.spans["mentions"]`: label = mention type, `kb_id_` = Wikidata QID, `id_` = layer id.
- `doc.spans["claims"]`: label = claim type, `id_` = layer id.
- `doc.ents`: the mentions that overlap no longer one (`spacy.util.filter_spans`: the
  longest, then the earliest); the others are only in the span group, and counted.
- sentences (`doc.sents`): the corpus's segmentation (`corpus.segmentation`).
- `doc.user_data`: `doc_id`, `annotator`, `segmenter`, `claimants` ({claim, claimant}) and
  `stances` ({holder, claim, label}), each span given as (start_char, end_char), the
  corpus's own offsets; tuples, as msgpack gives arrays back as tuples.

spaCy spans are token ranges, and `char_span(..., alignment_mode="expand")` would widen a
span whose boundary falls inside a token. Instead the Doc's tokens are the segmentation's
tokens cut further at every span boundary (and whitespace between tokens becomes a token's
trailing space, or a token of its own), `Doc(vocab, words, spaces, sent_starts)`: so every
span's `start_char`/`end_char` are the layer's offsets and `doc.text` is the seed text.
"""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

from ..corpus.segmentation import segmenter_version
from ..corpus.segments import segments
from .common import CLAIMANT, Layer, Seed

SHARD_DOCS = 500  # documents per .spacy file: a DocBin is built in memory
T = TypeVar("T")


def words(text: str, tokens: Iterable[tuple[int, int]], starts: set[int], ends: set[int],
          sentences: set[int]) -> tuple[list[str], list[bool], list[bool | int | None]]:
    """(words, spaces, sent_starts) that tile `text`: cut at every token boundary, every span
    start in `starts` and end in `ends`. A single space after a word is the word's trailing
    space unless a span starts on it or ends after it (then it is a token of its own)."""
    cuts = {0, len(text)} | starts | ends | {x for t in tokens for x in t}
    out: list[str] = []
    spaces: list[bool] = []
    sent: list[bool | int | None] = []
    for a, b in itertools.pairwise(sorted(cuts)):
        piece = text[a:b]
        if piece == " " and out and not spaces[-1] and a not in starts and b not in ends:
            spaces[-1] = True
            continue
        out.append(piece)
        spaces.append(False)
        sent.append(a in sentences or not sent)
    return out, spaces, sent


def _offsets(item: dict[str, Any]) -> tuple[int, int]:
    return item["start"], item["end"]


def make_doc(seed: Seed, layer: Layer, vocab: Vocab, counts: Counter[str]) -> Doc:
    text: str = seed["text"]
    items = [*layer["mentions"], *layer["claims"]]
    seg = segments(text)
    ws, sp, ss = words(text, seg.tokens, {x["start"] for x in items}, {x["end"] for x in items},
                       {a for a, _ in seg.sentences})
    doc = Doc(vocab, words=ws, spaces=sp, sent_starts=ss)
    if doc.text != text:  # by construction it is; a spaCy change would show here first
        raise ValueError(f"{seed['id']}: the tokens do not reproduce the text")

    def span(item: dict[str, Any]) -> Span:
        s = doc.char_span(item["start"], item["end"], label=item["type"],
                          kb_id=item.get("entity") or "", span_id=item["id"])
        if s is None:
            raise ValueError(f"{seed['id']}: {item['id']} is not on token boundaries")
        return s

    mentions = [span(m) for m in layer["mentions"]]
    doc.spans["mentions"] = mentions
    doc.spans["claims"] = [span(c) for c in layer["claims"]]
    doc.ents = filter_spans(mentions)
    counts["mentions left out of doc.ents (nested or overlapping)"] += len(mentions) - len(doc.ents)
    by_id = {x["id"]: _offsets(x) for x in items}
    doc.user_data.update({
        "doc_id": seed["id"], "annotator": layer["annotator"], "segmenter": segmenter_version(),
        "claimants": tuple({"claim": _offsets(c), CLAIMANT: by_id[c[CLAIMANT]]}
                           for c in layer["claims"] if c[CLAIMANT]),
        "stances": tuple({"holder": by_id[s["holder"]], "claim": by_id[s["claim"]],
                          "label": s["label"]} for s in layer["stances"]),
    })
    return doc


def docbins(docs: Iterable[tuple[Seed, Layer]], counts: Counter[str],
            size: int = SHARD_DOCS) -> Iterator[bytes]:
    """DocBin bytes of (seed, layer) pairs, in the given order, `size` documents per DocBin
    (a DocBin holds its documents in memory until it is serialised); `counts` gathers what
    `doc.ents` left out. The vocabulary is a blank English pipeline's: nothing is downloaded."""
    import spacy

    vocab = spacy.blank("en").vocab
    for shard in _batched(docs, size):
        db = DocBin(store_user_data=True)
        for seed, layer in shard:
            db.add(make_doc(seed, layer, vocab, counts))
        yield db.to_bytes()


def _batched(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    """itertools.batched, which Python 3.10 and 3.11 lack."""
    it = iter(items)
    while batch := tuple(itertools.islice(it, size)):
        yield batch


def to_docbin(docs: Iterable[tuple[Seed, Layer]]) -> tuple[bytes, Counter[str]]:
    """One DocBin of (seed, layer) pairs and what `doc.ents` left out."""
    counts: Counter[str] = Counter()
    shards = list(docbins(docs, counts, sys.maxsize))
    return (shards[0] if shards else DocBin(store_user_data=True).to_bytes()), +counts
