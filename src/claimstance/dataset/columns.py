"""Documents -> Arrow tables of every config, built by Arrow itself.

Building tables from one dict per row in Python costs more than reading the corpus. Here
Python only collects each document's parsed items (a few list appends); Arrow converts them
to struct arrays in C, maps labels to class ids (`index_in`), repeats doc ids
(`list_parent_indices`) and resolves the claimant/holder/claim texts by key lookups. A test
proves the tables equal a reference made row by row (tests/reference_rows.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .features import CONFIGS, DOC_COLUMNS, LabelIndex, arrow_schema
from .tokens import BioCounts, tag

if TYPE_CHECKING:
    import pyarrow as pa

    from ..corpus.segmentation import Ints, Segmentation

Row = dict[str, Any]


def annotators_of(ann: Row) -> list[str]:
    """Whose work a layer is: gold names its sources, a single layer its annotator."""
    sources = ann["provenance"].get("sources")
    return sorted(sources) if sources else [ann["annotator"]]


class Columns:
    """The items of the documents of one split, gathered for conversion in one go."""

    def __init__(self, ix: LabelIndex) -> None:
        self.ix = ix
        self.docs: list[Row] = []
        self.mentions: list[Row] = []
        self.claims: list[Row] = []
        self.stances: list[Row] = []
        self.offsets: dict[str, list[int]] = {"m": [0], "c": [0], "s": [0]}
        self.segs: list[Segmentation] = []  # each document's sentences and tokens

    def __len__(self) -> int:
        return len(self.docs)

    def add(self, doc: Row, ann: Row, seg: Segmentation, source: str = "gold") -> None:
        """One document: its row, its items, its sentences and tokens."""
        self.docs.append({k: doc.get(k) for k in DOC_COLUMNS}
                         | {"annotation_source": source, "annotators": annotators_of(ann)})
        self.mentions += ann["mentions"]
        self.claims += ann["claims"]
        self.stances += ann["stances"]
        self.offsets["m"].append(len(self.mentions))
        self.offsets["c"].append(len(self.claims))
        self.offsets["s"].append(len(self.stances))
        self.segs.append(seg)

    def layout(self) -> Layout:
        """The sentences and tokens of every document, placed one after another."""
        import numpy as np

        lengths = np.array([len(d["text"]) for d in self.docs], dtype=np.int64)
        base = np.cumsum(lengths) - lengths
        bounds = np.concatenate([seg.bounds for seg in self.segs]).astype(np.int64)
        per_doc = np.array([len(seg.bounds) - 1 for seg in self.segs], dtype=np.int64)
        last = np.cumsum(per_doc + 1) - 1  # each document's length, in `bounds`
        is_last = np.zeros(len(bounds), dtype=bool)
        is_last[last] = True
        is_first = np.zeros(len(bounds), dtype=bool)
        is_first[last - per_doc] = True
        doc_of = np.repeat(np.arange(len(self.docs)), per_doc)
        offsets = np.concatenate([seg.offsets for seg in self.segs])
        tokens = np.array([len(seg.offsets) // 2 for seg in self.segs], dtype=np.int64)
        moved = offsets + np.repeat(base, 2 * tokens)
        return Layout(int(lengths.sum()), base, bounds[~is_last], bounds[~is_first], doc_of,
                      np.concatenate([[0], np.cumsum(per_doc)]), offsets, moved[0::2],
                      moved[1::2])

    def tables(self, bio: dict[str, BioCounts]) -> dict[str, pa.Table]:
        """Every config's table of these documents; `bio` counts the spans the tags of the
        tokens config cannot hold."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        schemas = {config: arrow_schema(config) for config in CONFIGS}
        ix = self.ix
        lay = self.layout()
        doc_schema = schemas["documents"]
        fields = {f.name: f for f in doc_schema}
        doc_ids = pa.array([d["id"] for d in self.docs], pa.string())
        parents = {key: np.repeat(np.arange(len(self.docs)), np.diff(self.offsets[key]))
                   for key in self.offsets}

        def items(name: str, key: str, rows: list[Row], labels: dict[str, list[str]],
                  ) -> pa.StructArray:
            """Struct array of the items, label fields as class ids, in the schema's order
            (with the index of the sentence each starts in, where the schema has it)."""
            struct = fields[name].type.value_type
            as_text = pa.struct([pa.field(f.name, pa.string() if f.name in labels else f.type)
                                 for f in struct if f.name != "sentence"])
            raw = pa.array(rows, type=as_text)
            children = [lay.sentence_of(raw.field("start"), parents[key]) if f.name == "sentence"
                        else pc.index_in(raw.field(f.name), value_set=pa.array(labels[f.name]))
                        .cast(f.type) if f.name in labels else raw.field(f.name)
                        for f in struct]
            return pa.StructArray.from_arrays(children, fields=list(struct))

        def keys(parents: pa.Array, ids: pa.Array) -> pa.Array:
            """'<document index>:<item id>', unique across the documents of this split."""
            return pc.binary_join_element_wise(parents.cast(pa.string()), ids, ":")

        m = items("mentions", "m", self.mentions, {"type": list(ix.mention)})
        c = items("claims", "c", self.claims, {"type": list(ix.claim)})
        s = items("stances", "s", self.stances, {"label": list(ix.stance)})
        sentences = pa.StructArray.from_arrays(
            [pa.array(lay.sentence_starts.astype(np.int32)),
             pa.array(lay.sentence_ends.astype(np.int32))], names=["start", "end"])
        lists = {}
        parent = {}
        for key, name, arr in (("m", "mentions", m), ("c", "claims", c), ("s", "stances", s)):
            lists[name] = pa.ListArray.from_arrays(pa.array(self.offsets[key], pa.int32()), arr,
                                                   type=fields[name].type)
            parent[name] = pa.array(parents[key].astype(np.int64))
        lists["sentences"] = pa.ListArray.from_arrays(
            pa.array(lay.first_sentence.astype(np.int32)), sentences,
            type=fields["sentences"].type)

        m_keys = keys(parent["mentions"], m.field("id"))
        c_keys = keys(parent["claims"], c.field("id"))

        def lookup(parent: pa.Array, ref: pa.Array, in_keys: pa.Array, values: pa.Array) -> Any:
            return pc.take(values, pc.index_in(keys(parent, ref), value_set=in_keys))

        out: dict[str, pa.Table] = {}
        cols: dict[str, Any] = {"doc_id": pc.take(doc_ids, parent["mentions"])}
        cols |= {f.name: m.field(f.name) for f in m.type}
        out["mentions"] = pa.table(cols, schema=schemas["mentions"])
        cols = {"doc_id": pc.take(doc_ids, parent["claims"])}
        cols |= {f.name: c.field(f.name) for f in c.type}
        cols["claimant_text"] = lookup(parent["claims"], c.field("claimant"), m_keys,
                                       m.field("text"))
        out["claims"] = pa.table(cols, schema=schemas["claims"])
        cols = {"doc_id": pc.take(doc_ids, parent["stances"])}
        cols |= {f.name: s.field(f.name) for f in s.type}
        holder = pc.index_in(keys(parent["stances"], s.field("holder")), value_set=m_keys)
        claim = pc.index_in(keys(parent["stances"], s.field("claim")), value_set=c_keys)
        cols |= {"holder_text": pc.take(m.field("text"), holder),
                 "holder_type": pc.take(m.field("type"), holder),
                 "claim_text": pc.take(c.field("text"), claim),
                 "claim_type": pc.take(c.field("type"), claim)}
        out["stances"] = pa.table(cols, schema=schemas["stances"])
        text = pa.array([d["text"] for d in self.docs], fields["text"].type)  # tokens cut it
        arrays = [lists[f.name] if f.name in lists else text if f.name == "text" else
                  pa.array([d[f.name] for d in self.docs], f.type) for f in doc_schema]
        out["documents"] = pa.table(arrays, schema=doc_schema)
        tags = {name: tag(lay.sentence_starts_moved, lay.starts, lay.ends,
                          lay.spans(arr.field("start"), arr.field("end"), arr.field("type"),
                                    parents[key]), bio[name])
                for name, key, arr in (("mentions", "m", m), ("claims", "c", c))}
        out["tokens"] = self.token_table(doc_ids, text, schemas["tokens"], lay, tags)
        return {config: out[config] for config in CONFIGS}

    def token_texts(self, text: pa.Array, lay: Layout) -> pa.Array:
        """Every token's text, cut by Arrow from the UTF-8 of the documents' `text` column
        (no Python string per token): code point k starts at the k-th byte that does not
        continue a character, and the pieces between consecutive offsets alternate token,
        gap."""
        import numpy as np
        import pyarrow as pa

        if not len(lay.offsets):
            return pa.array([], pa.string())
        _, ends, data = text.buffers()
        size = int(np.frombuffer(ends, dtype=np.int32, count=len(text) + 1)[-1])
        where: Ints = np.empty(len(lay.offsets), dtype=np.int64)
        where[0::2], where[1::2] = lay.starts, lay.ends
        if size != lay.chars:  # not all ASCII: code point -> byte offset
            utf8 = np.frombuffer(data, dtype=np.uint8, count=size)
            where = np.append(np.flatnonzero((utf8 & 0xC0) != 0x80), size)[where]
        pieces = pa.StringArray.from_buffers(len(where) - 1,
                                             pa.py_buffer(where.astype(np.int32)), data)
        return pieces.take(pa.array(np.arange(0, len(where) - 1, 2)))

    def token_table(self, doc_ids: pa.Array, text: pa.Array, schema: pa.Schema, lay: Layout,
                    tags: dict[str, Any]) -> pa.Table:
        """One row per sentence: tokens, their offsets and BIO tags (class ids)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        rows = pa.array(lay.row_tokens().astype(np.int32))
        fields = {f.name: f.type for f in schema}

        def per_row(values: pa.Array, name: str) -> pa.Array:
            return pa.ListArray.from_arrays(rows, values, type=fields[name])

        def class_ids(ids: Ints) -> pa.Array:
            """Tags as an int64 array with an all-valid bitmap, as `index_in` made them: the
            card's `num_bytes` and the shards' roll-over count Arrow's bytes."""
            valid = pa.py_buffer(np.full(-(-len(ids) // 8), 0xFF, dtype=np.uint8))
            return pa.Array.from_buffers(pa.int64(), len(ids), [valid, pa.py_buffer(ids)])

        pairs = pa.FixedSizeListArray.from_arrays(pa.array(lay.offsets), 2)
        return pa.table({
            "doc_id": pc.take(doc_ids, pa.array(lay.doc_of_sentence)),
            "sentence": pa.array(lay.sentence_in_doc().astype(np.int32)),
            "tokens": per_row(self.token_texts(text, lay), "tokens"),
            "offsets": per_row(pairs, "offsets"),
            "mention_tags": per_row(class_ids(tags["mentions"]), "mention_tags"),
            "claim_tags": per_row(class_ids(tags["claims"]), "claim_tags"),
        }, schema=schema)


@dataclass
class Layout:
    """A batch's documents placed one after another (each text's offsets moved past the
    texts before it), so numpy finds sentences and tokens for all of them at once: the
    documents' offsets never interleave."""

    chars: int  # of all texts
    base: Ints  # where each text starts
    sentence_starts: Ints  # in its own text, every sentence of every document
    sentence_ends: Ints
    doc_of_sentence: Ints
    first_sentence: Ints  # each document's first sentence, and the end
    offsets: Ints  # int32 start, end of every token, each in its own text
    starts: Ints  # moved
    ends: Ints  # moved

    @property
    def sentence_starts_moved(self) -> Ints:
        return self.sentence_starts + self.base[self.doc_of_sentence]

    def sentence_in_doc(self) -> Ints:
        import numpy as np

        return np.arange(len(self.doc_of_sentence)) - self.first_sentence[self.doc_of_sentence]

    def row_tokens(self) -> Ints:
        """Where each sentence's tokens start, and the end (a token starts inside the
        sentence it belongs to)."""
        import numpy as np

        ends = self.sentence_ends + self.base[self.doc_of_sentence]
        return np.concatenate([[0], np.searchsorted(self.starts, ends, "left")])

    def sentence_of(self, start: pa.Array, parents: Ints) -> pa.Array:
        """The sentence (of its own document) each item starts in."""
        import numpy as np
        import pyarrow as pa

        found = np.searchsorted(self.sentence_starts_moved, start.to_numpy() + self.base[parents],
                                "right") - 1 - self.first_sentence[parents]
        return pa.array(found.astype(np.int32))

    def spans(self, start: pa.Array, end: pa.Array, label: pa.Array,
              parents: Ints) -> tuple[Ints, Ints, Ints]:
        """Items as (start, end, label index), moved as their documents are."""
        moved = self.base[parents]
        return start.to_numpy() + moved, end.to_numpy() + moved, label.to_numpy()
