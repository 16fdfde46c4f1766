"""CoNLL export: one token per line, a mention BIO column and a claim BIO column.

    # global.columns = TOKEN MENTION_BIO CLAIM_BIO
    # segmenter = spacy-3.8.18+rules-1
    -DOCSTART-<TAB>O<TAB>O
    <blank>
    # doc_id = mali-accuses-algeria-downed-drone
    # annotator = gold
    # mentions = 62 (55 in MENTION_BIO; 7 nested or overlapping, left out)
    # claims = 15 (15 in CLAIM_BIO)
    BAMAKO<TAB>B-GPE<TAB>O
    ...
    <blank line after every sentence>

Tokens and sentences are the corpus's one segmentation (`corpus.segmentation`, the same as
the dataset's `tokens` config and the scorer's), tags are IOB2 with the mention or claim type.
`-DOCSTART-` is what CoNLL-2003 readers split documents on; the `# ` lines (CoNLL-U comments)
never contain a tab, rows always do. BIO cannot nest: where spans overlap, the outermost is
kept (`segmentation.encode_bio`) and the others are counted, per document in the comments and
in total in the returned counts. A span whose boundary falls inside a token tags the whole
token, and is counted too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..corpus.schema import claim_types, mention_types
from ..corpus.segmentation import Segmentation, Tagged, encode_bio, segmenter_version
from ..corpus.segments import segments
from .common import Layer, Seed

COLUMNS = ("TOKEN", "MENTION_BIO", "CLAIM_BIO")
DOCSTART = "-DOCSTART-\tO\tO"
COLUMN_OF = {"mentions": "MENTION_BIO", "claims": "CLAIM_BIO"}


def header() -> str:
    return f"# global.columns = {' '.join(COLUMNS)}\n# segmenter = {segmenter_version()}\n"


def tag_document(seed: Seed, layer: Layer) -> tuple[Segmentation, dict[str, Tagged]]:
    """The document's segmentation and the BIO tagging of its mentions and of its claims."""
    seg = segments(seed["text"], seed.get("sha256"))
    labels = {"mentions": mention_types(), "claims": claim_types()}
    return seg, {key: encode_bio(seg.tokens, [(x["start"], x["end"], x["type"])
                                              for x in layer[key]], labels[key])
                 for key in COLUMN_OF}


def _note(key: str, total: int, t: Tagged) -> str:
    lost = [f"{len(t.nested)} nested or overlapping, left out"] if t.nested else []
    lost += [f"{len(t.misaligned)} widened to whole tokens"] if t.misaligned else []
    return (f"# {key} = {total} ({len(t.kept)} in {COLUMN_OF[key]}"
            + "".join(f"; {x}" for x in lost) + ")\n")


def conll_chunks(docs: Iterable[tuple[Seed, Layer]], counts: Counter[str]) -> Iterator[str]:
    """The CoNLL text of (seed, layer) pairs, in the given order, a document at a time;
    `counts` gathers what BIO could not hold."""
    yield header()
    for seed, layer in docs:
        seg, tagged = tag_document(seed, layer)
        out = [f"{DOCSTART}\n\n# doc_id = {seed['id']}\n# annotator = {layer['annotator']}\n"]
        for key, t in tagged.items():
            out.append(_note(key, len(layer[key]), t))
            counts[f"{key} left out of {COLUMN_OF[key]} (nested or overlapping)"] += len(t.nested)
            counts[f"{key} widened to whole tokens in {COLUMN_OF[key]}"] += len(t.misaligned)
        mtags, ctags = tagged["mentions"].tags, tagged["claims"].tags
        for k in range(len(seg.sentences)):
            first, last = seg.tokens_in(k)
            rows = [f"{seed['text'][a:b]}\t{mtags[i]}\t{ctags[i]}\n"
                    for i, (a, b) in enumerate(seg.tokens[first:last], first)]
            if rows:
                out.append("".join(rows) + "\n")
        yield "".join(out)


def to_conll(docs: Iterable[tuple[Seed, Layer]]) -> tuple[str, Counter[str]]:
    """The whole CoNLL text of (seed, layer) pairs and what BIO could not hold."""
    counts: Counter[str] = Counter()
    text = "".join(conll_chunks(docs, counts))
    return text, +counts


@dataclass
class ConllDoc:
    """One document of a CoNLL file as `to_conll` writes it."""

    doc_id: str
    annotator: str | None = None
    sentences: list[list[tuple[str, str, str]]] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str, str]]:
        return [row for sentence in self.sentences for row in sentence]


def read_conll(data: str) -> list[ConllDoc]:
    """The documents of a `to_conll` file: rows grouped in sentences, with the doc comments."""
    docs: list[ConllDoc] = []
    sentence: list[tuple[str, str, str]] = []

    def close() -> None:
        if sentence and docs:
            docs[-1].sentences.append(sentence.copy())
        sentence.clear()

    for line in data.split("\n"):
        if line == DOCSTART:
            close()
            docs.append(ConllDoc(""))
        elif "\t" not in line:
            close()
            key, eq, value = line.removeprefix("# ").partition(" = ")
            if docs and eq and key in ("doc_id", "annotator"):
                setattr(docs[-1], key, value)
        else:
            token, mtag, ctag = line.split("\t")
            sentence.append((token, mtag, ctag))
    close()
    return docs
