"""CoNLL export: the column files CoNLL-2003 readers and `spacy convert --converter ner` take.

    <name>.conll            mentions: TOKEN<TAB>IOB2 tag (B-GPE, I-GPE, O, ...)
    <name>.claims.conll     claims: TOKEN<TAB>IOB2 tag with the claim type (B-fact, ...)
    <name>.documents.jsonl  one JSON object per document, in the files' order: doc_id,
                            annotator, the segmenter, and what each file could not hold

    -DOCSTART- -X- O O
    <blank>
    BAMAKO<TAB>B-GPE
    ,<TAB>O
    ...
    <blank line after every sentence>

Each file has one tag column, the last, which is the one spaCy's converter (and every
CoNLL-2003 reader) takes as the entities; a document starts with CoNLL-2003's `-DOCSTART-`
line, and nothing else is in the token stream (no comments: readers take them for tokens).
Tokens and sentences are the corpus's one segmentation (`corpus.segmentation`, the same as
the dataset's `tokens` config); no token holds whitespace, which readers split columns on.

What BIO cannot hold is counted, per document in the side file and in total in the
returned counts:
- nested or overlapping spans: the outermost is tagged (`segmentation.encode_bio`), the
  others are left out; a span on whitespace alone covers no token and is left out too;
- a span with a space at an edge is tagged on the tokens it covers, so it reads back
  trimmed; a span whose boundary falls inside a token is widened to the whole token;
- a span across a sentence or line break (the segmentation starts a sentence after every
  line break) stays one span: the sentences it crosses are written as one sentence, since
  readers would otherwise split it in two at the blank line.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ..corpus.schema import claim_types, mention_types
from ..corpus.segmentation import Segmentation, Tagged, encode_bio, segmenter_version
from ..corpus.segments import segments
from .common import Layer, Seed

Kind = Literal["mentions", "claims"]
KINDS: tuple[Kind, ...] = ("mentions", "claims")
DOCSTART = "-DOCSTART- -X- O O"  # the line CoNLL-2003 and spaCy's converter split documents on


def file_names(name: str) -> dict[str, str]:
    """The files of a CoNLL export, by kind (and `documents` for the side file)."""
    return {"mentions": f"{name}.conll", "claims": f"{name}.claims.conll",
            "documents": f"{name}.documents.jsonl"}


def tag_document(seed: Seed, layer: Layer) -> tuple[Segmentation, dict[Kind, Tagged]]:
    """The document's segmentation and the BIO tagging of its mentions and of its claims."""
    seg = segments(seed["text"])
    labels = {"mentions": mention_types(), "claims": claim_types()}
    return seg, {key: encode_bio(seg.tokens, [(x["start"], x["end"], x["type"])
                                              for x in layer[key]], labels[key])
                 for key in KINDS}


def _edges(text: str, span: tuple[int, int, str]) -> tuple[int, int]:
    """A span without the whitespace at its edges."""
    a, b, _ = span
    inner = text[a:b]
    return a + len(inner) - len(inner.lstrip()), b - len(inner) + len(inner.rstrip())




@dataclass
class Lost:
    """What one file could not hold of one document's spans."""

    total: int = 0
    nested: int = 0  # left out: inside or overlapping a span that is tagged
    blank: int = 0  # left out: on whitespace alone, which no token holds
    trimmed: int = 0  # a space at an edge: reads back without it
    widened: int = 0  # a boundary inside a token: reads back as whole tokens
    joined: int = 0  # across a sentence or line break: its sentences are one

    def summary(self, kind: Kind, file: str) -> dict[str, int]:
        return {f"{kind} left out of {file} (nested or overlapping)": self.nested,
                f"{kind} left out of {file} (on whitespace alone, no token)": self.blank,
                f"{kind} trimmed in {file} (a space at an edge)": self.trimmed,
                f"{kind} widened to whole tokens in {file} (a boundary inside a token)":
                    self.widened,
                f"{kind} across a sentence or line break in {file} (its sentences written "
                "as one)": self.joined}


def lost_of(text: str, seg: Segmentation, t: Tagged, total: int) -> Lost:
    out = Lost(total, nested=len(t.nested), blank=len(t.blank))
    if t.misaligned:
        starts, ends = [a for a, _ in seg.tokens], [b for _, b in seg.tokens]
    for a, b, label in t.misaligned:  # tagged from the first token ending after its start
        # to the last one starting before its end (as `bio_ids` tags)
        first, last = bisect.bisect_right(ends, a), bisect.bisect_left(starts, b) - 1
        if (starts[first], ends[last]) == _edges(text, (a, b, label)):
            out.trimmed += 1
        else:
            out.widened += 1
    out.joined = sum(1 for a, b, _ in t.kept if seg.sentence_of(a) != seg.sentence_of(b - 1))
    return out


def _rows(text: str, seg: Segmentation, tags: list[str]) -> str:
    """A document's rows: a blank line after every sentence, except where a span runs on
    into the next one (its first token is tagged I-)."""
    out = [f"{DOCSTART}\n\n"]
    for k in range(len(seg.sentences)):
        first, last = seg.tokens_in(k)
        if first == last:
            continue
        if len(out) > 1 and not tags[first].startswith("I-"):
            out.append("\n")
        out += [f"{text[a:b]}\t{tags[i]}\n" for i, (a, b) in
                enumerate(seg.tokens[first:last], first)]
    return "".join(out) + ("\n" if len(out) > 1 else "")


@dataclass
class ConllChunk:
    """One document's part of each file of the export."""

    doc_id: str
    files: dict[str, str] = field(default_factory=dict)  # kind -> text
    lost: dict[Kind, Lost] = field(default_factory=dict)


def conll_chunks(docs: Iterable[tuple[Seed, Layer]], name: str,
                 counts: Counter[str]) -> Iterator[ConllChunk]:
    """The CoNLL text of (seed, layer) pairs, a document at a time, in the given order;
    `counts` gathers what BIO could not hold."""
    names = file_names(name)
    for seed, layer in docs:
        text = seed["text"]
        seg, tagged = tag_document(seed, layer)
        chunk = ConllChunk(seed["id"])
        for kind in KINDS:
            chunk.files[kind] = _rows(text, seg, tagged[kind].tags)
            chunk.lost[kind] = lost_of(text, seg, tagged[kind], len(layer[kind]))
            counts.update(chunk.lost[kind].summary(kind, names[kind]))
        side: dict[str, Any] = {"doc_id": seed["id"], "annotator": layer["annotator"],
                                "segmenter": segmenter_version()}
        side |= {kind: vars(chunk.lost[kind]) for kind in KINDS}
        chunk.files["documents"] = json.dumps(side, ensure_ascii=False) + "\n"
        yield chunk


def to_conll(docs: Iterable[tuple[Seed, Layer]], name: str = "corpus"
             ) -> tuple[dict[str, str], Counter[str]]:
    """The whole text of each file of (seed, layer) pairs, and what BIO could not hold."""
    counts: Counter[str] = Counter()
    out: dict[str, list[str]] = {}
    for chunk in conll_chunks(docs, name, counts):
        for kind, text in chunk.files.items():
            out.setdefault(file_names(name)[kind], []).append(text)
    return {f: "".join(parts) for f, parts in out.items()}, +counts


Row = tuple[str, str]


def _row(line: str) -> Row:
    token, tag = line.split("\t")
    return token, tag


def read_conll(data: str) -> list[list[list[Row]]]:
    """The documents of one file `to_conll` wrote: sentences of (token, tag) rows."""
    return [[[_row(line) for line in block.strip("\n").split("\n")]
             for block in part.split("\n\n") if block.strip()]
            for part in data.split(DOCSTART + "\n")[1:]]
