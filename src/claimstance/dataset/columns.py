"""Documents -> Arrow tables of every config, built by Arrow itself.

Building tables from one dict per row in Python costs more than reading the corpus. Here
Python only collects each document's parsed items (a few list appends); Arrow converts them
to struct arrays in C, maps labels to class ids (`index_in`), repeats doc ids
(`list_parent_indices`) and resolves the claimant/holder/claim texts by key lookups. A test
proves the tables equal a reference made row by row (tests/reference_rows.py).
"""

from __future__ import annotations

import json
from array import array
from itertools import chain
from typing import TYPE_CHECKING, Any

from ..corpus.segmentation import Segmentation
from .features import CONFIGS, DOC_COLUMNS, LabelIndex, arrow_schema
from .tokens import BioCounts, tag

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

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
        self.offsets: dict[str, list[int]] = {"m": [0], "c": [0], "s": [0], "z": [0]}
        self.in_sentence: dict[str, list[int]] = {"m": [], "c": []}  # each item's sentence
        self.sentences: list[int] = []  # start, end of every sentence, flat
        # the tokens config: one row per sentence
        self.row_doc: list[int] = []
        self.row_sentence: list[int] = []
        self.row_tokens: list[int] = [0]  # where each row's tokens start, and the end
        self.doc_tokens: list[int] = []  # tokens per document
        self.token_offsets = array("i")  # start, end of every token, flat
        self.tags: dict[str, list[str]] = {"m": [], "c": []}

    def __len__(self) -> int:
        return len(self.docs)

    def add(self, doc: Row, ann: Row, seg: Segmentation, bio: dict[str, BioCounts],
            source: str = "gold") -> None:
        """One document: its row, its items, and its sentences as token rows (with BIO
        tags; `bio` counts the spans the tags cannot hold)."""
        k = len(self.docs)
        self.docs.append({k: doc.get(k) for k in DOC_COLUMNS}
                         | {"annotation_source": source, "annotators": annotators_of(ann)})
        self.mentions += ann["mentions"]
        self.claims += ann["claims"]
        self.stances += ann["stances"]
        self.offsets["m"].append(len(self.mentions))
        self.offsets["c"].append(len(self.claims))
        self.offsets["s"].append(len(self.stances))
        self.in_sentence["m"] += [seg.sentence_of(m["start"]) for m in ann["mentions"]]
        self.in_sentence["c"] += [seg.sentence_of(c["start"]) for c in ann["claims"]]
        self.sentences += chain.from_iterable(seg.sentences)
        self.offsets["z"].append(len(self.sentences) // 2)
        self.doc_tokens.append(len(seg.tokens))
        self.token_offsets.extend(chain.from_iterable(seg.tokens))
        base = self.row_tokens[-1]
        n = len(seg.sentences)
        self.row_doc += [k] * n
        self.row_sentence += range(n)
        self.row_tokens += [base + seg.tokens_in(i)[1] for i in range(n)]
        self.tags["m"] += tag(seg, [(m["start"], m["end"], m["type"]) for m in ann["mentions"]],
                              list(self.ix.mention), bio["mentions"])
        self.tags["c"] += tag(seg, [(c["start"], c["end"], c["type"]) for c in ann["claims"]],
                              list(self.ix.claim), bio["claims"])

    def tables(self) -> dict[str, pa.Table]:
        import pyarrow as pa
        import pyarrow.compute as pc

        schemas = {config: arrow_schema(config) for config in CONFIGS}
        ix = self.ix
        doc_schema = schemas["documents"]
        fields = {f.name: f for f in doc_schema}
        doc_ids = pa.array([d["id"] for d in self.docs], pa.string())

        def items(name: str, rows: list[Row], labels: dict[str, list[str]],
                  extra: dict[str, pa.Array] | None = None) -> pa.StructArray:
            """Struct array of the items, label fields as class ids, in the schema's order;
            `extra` gives fields the items do not carry."""
            extra = extra or {}
            struct = fields[name].type.value_type
            as_text = pa.struct([pa.field(f.name, pa.string() if f.name in labels else f.type)
                                 for f in struct if f.name not in extra])
            raw = pa.array(rows, type=as_text)
            children = [extra[f.name] if f.name in extra else
                        pc.index_in(raw.field(f.name), value_set=pa.array(labels[f.name]))
                        .cast(f.type) if f.name in labels else raw.field(f.name)
                        for f in struct]
            return pa.StructArray.from_arrays(children, fields=list(struct))

        def keys(parents: pa.Array, ids: pa.Array) -> pa.Array:
            """'<document index>:<item id>', unique across the documents of this split."""
            return pc.binary_join_element_wise(parents.cast(pa.string()), ids, ":")

        m = items("mentions", self.mentions, {"type": list(ix.mention)},
                  {"sentence": pa.array(self.in_sentence["m"], pa.int32())})
        c = items("claims", self.claims, {"type": list(ix.claim)},
                  {"sentence": pa.array(self.in_sentence["c"], pa.int32())})
        s = items("stances", self.stances, {"label": list(ix.stance)})
        z = pa.array(self.sentences, pa.int32())
        sentences = pa.StructArray.from_arrays([z[0::2], z[1::2]], names=["start", "end"])
        lists = {}
        parents = {}
        for key, name, arr in (("m", "mentions", m), ("c", "claims", c), ("s", "stances", s),
                               ("z", "sentences", sentences)):
            lists[name] = pa.ListArray.from_arrays(pa.array(self.offsets[key], pa.int32()), arr,
                                                   type=fields[name].type)
            parents[name] = pc.list_parent_indices(lists[name])

        m_keys = keys(parents["mentions"], m.field("id"))
        c_keys = keys(parents["claims"], c.field("id"))

        def lookup(parent: pa.Array, ref: pa.Array, in_keys: pa.Array, values: pa.Array) -> Any:
            return pc.take(values, pc.index_in(keys(parent, ref), value_set=in_keys))

        out: dict[str, pa.Table] = {}
        cols: dict[str, Any] = {"doc_id": pc.take(doc_ids, parents["mentions"])}
        cols |= {f.name: m.field(f.name) for f in m.type}
        out["mentions"] = pa.table(cols, schema=schemas["mentions"])
        cols = {"doc_id": pc.take(doc_ids, parents["claims"])}
        cols |= {f.name: c.field(f.name) for f in c.type}
        cols["claimant_text"] = lookup(parents["claims"], c.field("claimant"), m_keys,
                                       m.field("text"))
        out["claims"] = pa.table(cols, schema=schemas["claims"])
        cols = {"doc_id": pc.take(doc_ids, parents["stances"])}
        cols |= {f.name: s.field(f.name) for f in s.type}
        holder = pc.index_in(keys(parents["stances"], s.field("holder")), value_set=m_keys)
        claim = pc.index_in(keys(parents["stances"], s.field("claim")), value_set=c_keys)
        cols |= {"holder_text": pc.take(m.field("text"), holder),
                 "holder_type": pc.take(m.field("type"), holder),
                 "claim_text": pc.take(c.field("text"), claim),
                 "claim_type": pc.take(c.field("type"), claim)}
        out["stances"] = pa.table(cols, schema=schemas["stances"])
        arrays = [lists[f.name] if f.name in lists else
                  pa.array([d[f.name] for d in self.docs], f.type) for f in doc_schema]
        out["documents"] = pa.table(arrays, schema=doc_schema)
        out["tokens"] = self.token_table(doc_ids, schemas["tokens"])
        return {config: out[config] for config in CONFIGS}

    def token_texts(self, offsets: np.ndarray[Any, Any]) -> pa.Array:
        """Every token's text, cut by Arrow from the documents' UTF-8 (no Python string per
        token): code-point offsets become byte offsets through the cumulative UTF-8 lengths
        of all texts, and the pieces between consecutive offsets alternate token, gap."""
        import numpy as np
        import pyarrow as pa

        if not len(offsets):
            return pa.array([], pa.string())
        texts = [d["text"] for d in self.docs]
        joined = "".join(texts)
        starts = np.cumsum([0] + [len(t) for t in texts[:-1]], dtype=np.int64)
        where = offsets.astype(np.int64) + np.repeat(starts, 2 * np.asarray(self.doc_tokens))
        if not joined.isascii():  # code point -> byte offset: sum of the UTF-8 widths before
            points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
            widths = (points >= 0x80).view(np.uint8) + np.uint8(1)
            widths += (points >= 0x800).view(np.uint8)
            widths += (points >= 0x10000).view(np.uint8)
            byte_at = np.zeros(len(points) + 1, dtype=np.int64)
            np.cumsum(widths, dtype=np.int64, out=byte_at[1:])
            where = byte_at[where]
        pieces = pa.StringArray.from_buffers(
            len(where) - 1, pa.py_buffer(where.astype(np.int32)),
            pa.py_buffer(joined.encode("utf-8")))
        return pieces.take(pa.array(np.arange(0, len(where) - 1, 2)))

    def token_table(self, doc_ids: pa.Array, schema: pa.Schema) -> pa.Table:
        """One row per sentence: tokens, their offsets and BIO tags as class ids."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        rows = pa.array(self.row_tokens, pa.int32())
        fields = {f.name: f.type for f in schema}

        def per_row(values: pa.Array, name: str) -> pa.Array:
            return pa.ListArray.from_arrays(rows, values, type=fields[name])

        def tag_ids(tags: list[str], name: str) -> pa.Array:
            names = json.loads(schema.metadata[b"huggingface"])["info"]["features"][name][
                "feature"]["names"]
            return per_row(pc.index_in(pa.array(tags, pa.string()),
                                       value_set=pa.array(names)).cast(pa.int64()), name)

        offsets = np.frombuffer(self.token_offsets, dtype=np.int32)
        pairs = pa.FixedSizeListArray.from_arrays(pa.array(offsets), 2)
        return pa.table({
            "doc_id": pc.take(doc_ids, pa.array(self.row_doc, pa.int32())),
            "sentence": pa.array(self.row_sentence, pa.int32()),
            "tokens": per_row(self.token_texts(offsets), "tokens"),
            "offsets": per_row(pairs, "offsets"),
            "mention_tags": tag_ids(self.tags["m"], "mention_tags"),
            "claim_tags": tag_ids(self.tags["c"], "claim_tags"),
        }, schema=schema)
