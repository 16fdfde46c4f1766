"""Documents -> Arrow tables of every config, built by Arrow itself.

Building tables from one dict per row in Python costs more than reading the corpus. Here
Python only collects each document's parsed items (a few list appends); Arrow converts them
to struct arrays in C, maps labels to class ids (`index_in`), repeats doc ids
(`list_parent_indices`) and resolves the claimant/holder/claim texts by key lookups. A test
proves the tables equal a reference made row by row (tests/reference_rows.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .features import CONFIGS, DOC_COLUMNS, LabelIndex, arrow_schema

if TYPE_CHECKING:
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
        self.offsets: dict[str, list[int]] = {"m": [0], "c": [0], "s": [0]}

    def __len__(self) -> int:
        return len(self.docs)

    def add(self, doc: Row, ann: Row, source: str = "gold") -> None:
        self.docs.append({k: doc.get(k) for k in DOC_COLUMNS}
                         | {"annotation_source": source, "annotators": annotators_of(ann)})
        self.mentions += ann["mentions"]
        self.claims += ann["claims"]
        self.stances += ann["stances"]
        self.offsets["m"].append(len(self.mentions))
        self.offsets["c"].append(len(self.claims))
        self.offsets["s"].append(len(self.stances))

    def tables(self) -> dict[str, pa.Table]:
        import pyarrow as pa
        import pyarrow.compute as pc

        schemas = {config: arrow_schema(config) for config in CONFIGS}
        ix = self.ix
        doc_schema = schemas["documents"]
        fields = {f.name: f for f in doc_schema}
        doc_ids = pa.array([d["id"] for d in self.docs], pa.string())

        def items(name: str, rows: list[Row], labels: dict[str, list[str]]) -> pa.StructArray:
            """Struct array of the items, label fields as class ids, in the schema's order."""
            struct = fields[name].type.value_type
            as_text = pa.struct([pa.field(f.name, pa.string() if f.name in labels else f.type)
                                 for f in struct])
            raw = pa.array(rows, type=as_text)
            children = [pc.index_in(raw.field(f.name), value_set=pa.array(labels[f.name]))
                        .cast(f.type) if f.name in labels else raw.field(f.name)
                        for f in struct]
            return pa.StructArray.from_arrays(children, fields=list(struct))

        def keys(parents: pa.Array, ids: pa.Array) -> pa.Array:
            """'<document index>:<item id>', unique across the documents of this split."""
            return pc.binary_join_element_wise(parents.cast(pa.string()), ids, ":")

        m = items("mentions", self.mentions, {"type": list(ix.mention)})
        c = items("claims", self.claims, {"type": list(ix.claim)})
        s = items("stances", self.stances, {"label": list(ix.stance)})
        lists = {}
        parents = {}
        for key, name, arr in (("m", "mentions", m), ("c", "claims", c), ("s", "stances", s)):
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
        return {config: out[config] for config in CONFIGS}
