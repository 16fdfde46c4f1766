"""Documents -> Arrow tables of every config, built column by column.

`rows.rows` says what each row holds, one dict per row; building Arrow tables from such dicts
(`Table.from_pylist`) costs more than reading the corpus. Here the same values are gathered
as one Python list per column and handed to Arrow whole, nested lists included (offsets +
child arrays). A test proves both give equal tables.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .features import CONFIGS, DOC_COLUMNS, features
from .rows import LabelIndex, Row, annotators_of

if TYPE_CHECKING:
    import pyarrow as pa

MENTION = ("id", "start", "end", "text", "type", "entity")
CLAIM = ("id", "start", "end", "text", "type", "claimant")
STANCE = ("id", "holder", "claim", "label")


class Columns:
    """Column lists of all four configs for one split, filled one document at a time."""

    def __init__(self, ix: LabelIndex) -> None:
        self.ix = ix
        self.docs: dict[str, list[Any]] = defaultdict(list)
        self.m: dict[str, list[Any]] = defaultdict(list)
        self.c: dict[str, list[Any]] = defaultdict(list)
        self.s: dict[str, list[Any]] = defaultdict(list)
        self.offsets: dict[str, list[int]] = {"m": [0], "c": [0], "s": [0]}

    def __len__(self) -> int:
        return len(self.docs["id"])

    def add(self, doc: Row, ann: Row, source: str = "gold") -> None:
        ix = self.ix
        for k in DOC_COLUMNS:
            self.docs[k].append(doc.get(k))
        self.docs["annotation_source"][-1] = source
        self.docs["annotators"][-1] = annotators_of(ann)
        doc_id = doc["id"]
        ms, cs, ss = ann["mentions"], ann["claims"], ann["stances"]
        m, c, s = self.m, self.c, self.s
        m["doc_id"] += [doc_id] * len(ms)
        for k in ("id", "start", "end", "text"):
            m[k] += [x[k] for x in ms]
        m["type"] += [ix.mention[x["type"]] for x in ms]
        m["entity"] += [x.get("entity") for x in ms]
        by_mention = {x["id"]: x for x in ms}
        by_claim = {x["id"]: x for x in cs}
        c["doc_id"] += [doc_id] * len(cs)
        for k in ("id", "start", "end", "text", "claimant"):
            c[k] += [x[k] for x in cs]
        c["type"] += [ix.claim[x["type"]] for x in cs]
        c["claimant_text"] += [by_mention[x["claimant"]]["text"] if x["claimant"] else None
                               for x in cs]
        s["doc_id"] += [doc_id] * len(ss)
        for k in ("id", "holder", "claim"):
            s[k] += [x[k] for x in ss]
        s["label"] += [ix.stance[x["label"]] for x in ss]
        holders = [by_mention[x["holder"]] for x in ss]
        claims = [by_claim[x["claim"]] for x in ss]
        s["holder_text"] += [h["text"] for h in holders]
        s["holder_type"] += [ix.mention[h["type"]] for h in holders]
        s["claim_text"] += [x["text"] for x in claims]
        s["claim_type"] += [ix.claim[x["type"]] for x in claims]
        for key, items in (("m", ms), ("c", cs), ("s", ss)):
            self.offsets[key].append(self.offsets[key][-1] + len(items))

    def tables(self) -> dict[str, pa.Table]:
        import pyarrow as pa

        out: dict[str, pa.Table] = {}
        schemas = {config: arrow_schema(config) for config in CONFIGS}
        for config, cols in (("mentions", self.m), ("claims", self.c), ("stances", self.s)):
            schema = schemas[config]
            out[config] = pa.table([pa.array(cols[f.name], f.type) for f in schema], schema=schema)
        doc_schema = schemas["documents"]
        arrays = []
        for f in doc_schema:
            if f.name in ("mentions", "claims", "stances"):
                key = f.name[0]
                flat = out[f.name]
                struct_type = f.type.value_type
                child = pa.StructArray.from_arrays(
                    [flat.column(sf.name).combine_chunks() for sf in struct_type],
                    fields=list(struct_type))
                arrays.append(pa.ListArray.from_arrays(
                    pa.array(self.offsets[key], pa.int32()), child, type=f.type))
            else:
                arrays.append(pa.array(self.docs[f.name], f.type))
        out["documents"] = pa.table(arrays, schema=doc_schema)
        return {config: out[config] for config in CONFIGS}


@functools.cache
def arrow_schema(config: str) -> pa.Schema:
    return features(config).arrow_schema
