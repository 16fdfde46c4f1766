"""The features of every config, generated from the JSON schema's label sets.

Described here in three small classes that mirror `datasets.Value`, `ClassLabel` and `List`,
so a build can make its Arrow schemas, card metadata and Croissant fields without importing
`datasets` (seconds of start-up). `features(config)` gives the real `datasets.Features`; a
test proves the Arrow schemas and card YAML equal what `datasets` makes of them.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from ..corpus.schema import claim_types, mention_types, stance_labels
from ..corpus.segmentation import bio_names

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa

PRETTY_NAME = "claimstance: entities, claims and stances in news"
CONFIGS = ("documents", "mentions", "claims", "stances", "tokens")
DEFAULT_CONFIG = "documents"

DOC_COLUMNS = ("id", "title", "source", "url", "published", "dateline", "language", "license",
               "added", "sha256", "annotation_source", "annotators", "text")


class LabelIndex:
    """Label name -> ClassLabel integer, in schema order."""

    def __init__(self) -> None:
        self.mention = {n: i for i, n in enumerate(mention_types())}
        self.claim = {n: i for i, n in enumerate(claim_types())}
        self.stance = {n: i for i, n in enumerate(stance_labels())}


@dataclass(frozen=True)
class Value:
    dtype: str  # "string" or "int32"

    def to_dict(self) -> dict[str, Any]:
        return {"dtype": self.dtype, "_type": "Value"}

    def arrow(self) -> pa.DataType:
        import pyarrow as pa

        return pa.string() if self.dtype == "string" else pa.int32()

    def yaml(self) -> Any:
        return self.dtype


@dataclass(frozen=True)
class ClassLabel:
    names: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"names": list(self.names), "_type": "ClassLabel"}

    def arrow(self) -> pa.DataType:
        import pyarrow as pa

        return pa.int64()

    def yaml(self) -> Any:
        return {"class_label": {"names": {str(i): n for i, n in enumerate(self.names)}}}


@dataclass(frozen=True)
class List:
    feature: Value | ClassLabel | List | dict[str, Feature]
    length: int = -1  # a fixed length (offsets are pairs), or -1

    def _inner(self) -> Any:
        inner = self.feature
        return {k: f.to_dict() for k, f in inner.items()} if isinstance(inner, dict) else \
            inner.to_dict()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"feature": self._inner()}
        if self.length >= 0:
            out["length"] = self.length
        return out | {"_type": "List"}

    def arrow(self) -> pa.DataType:
        import pyarrow as pa

        inner = self.feature
        item = (pa.struct([pa.field(k, f.arrow()) for k, f in inner.items()])
                if isinstance(inner, dict) else inner.arrow())
        return pa.list_(item, self.length) if self.length >= 0 else pa.list_(item)

    def yaml(self) -> dict[str, Any]:
        inner = self.feature
        out: dict[str, Any] = {"list": _yaml(inner) if isinstance(inner, dict) else inner.yaml()}
        if self.length >= 0:
            out["length"] = self.length
        return out


Feature = Union[Value, ClassLabel, List]  # noqa: UP007 (a runtime alias on Python 3.10)


def spec(config: str) -> dict[str, Feature]:
    """The columns of one config and their features."""
    s, i = Value("string"), Value("int32")
    mention_type = ClassLabel(tuple(mention_types()))
    claim_type = ClassLabel(tuple(claim_types()))
    stance_label = ClassLabel(tuple(stance_labels()))
    mention: dict[str, Feature] = {"id": s, "start": i, "end": i, "text": s,
                                   "type": mention_type, "entity": s, "sentence": i}
    claim: dict[str, Feature] = {"id": s, "start": i, "end": i, "text": s, "type": claim_type,
                                 "claimant": s, "sentence": i}
    stance: dict[str, Feature] = {"id": s, "holder": s, "claim": s, "label": stance_label}
    out: dict[str, Feature]
    if config == "documents":
        out = {c: s for c in DOC_COLUMNS}
        out["annotators"] = List(s)
        out |= {"sentences": List({"start": i, "end": i}), "mentions": List(mention),
                "claims": List(claim), "stances": List(stance)}
    elif config == "mentions":
        out = {"doc_id": s} | mention
    elif config == "claims":
        out = {"doc_id": s} | claim | {"claimant_text": s}
    elif config == "stances":
        out = {"doc_id": s} | stance | {"holder_text": s, "holder_type": mention_type,
                                        "claim_text": s, "claim_type": claim_type}
    elif config == "tokens":
        out = {"doc_id": s, "sentence": i, "tokens": List(s), "offsets": List(List(i, 2)),
               "mention_tags": List(ClassLabel(tuple(bio_names(mention_types())))),
               "claim_tags": List(ClassLabel(tuple(bio_names(claim_types()))))}
    else:
        raise ValueError(f"unknown config {config!r}; one of {', '.join(CONFIGS)}")
    return out


def to_dict(config: str) -> dict[str, Any]:
    """`datasets.Features.to_dict()` of the config."""
    return {name: f.to_dict() for name, f in spec(config).items()}


def yaml_list(config: str) -> list[dict[str, Any]]:
    """The `features:` list of the card's `dataset_info` (`Features._to_yaml_list()`)."""
    return _yaml(spec(config))


def _yaml(fs: dict[str, Feature]) -> list[dict[str, Any]]:
    return [{"name": name} | f.yaml() if isinstance(f, List) else
            {"name": name, "dtype": f.yaml()} for name, f in fs.items()]


@functools.cache
def arrow_schema(config: str) -> pa.Schema:
    """The Arrow schema `datasets` gives the config, metadata included, made with pyarrow."""
    import pyarrow as pa

    meta = json.dumps({"info": {"features": to_dict(config)}})
    return pa.schema([pa.field(n, f.arrow()) for n, f in spec(config).items()],
                     metadata={"huggingface": meta})


def features(config: str) -> datasets.Features:
    import datasets

    return datasets.Features.from_dict(to_dict(config))


DESCRIPTIONS = {
    "doc_id": "Id of the document (seeds/<doc_id>.json).",
    "id": "Item id, numbered in text order (m1.. mentions, c1.. claims, s1.. stances).",
    "start": "Code-point offset where the span starts: text[start:end].",
    "end": "Code-point offset where the span ends (exclusive).",
    "text": "The span's text (documents: the article text).",
    "type": "Label (ClassLabel; see the label definitions).",
    "entity": "Wikidata QID of the mentioned entity, when known.",
    "claimant": "Mention id of who makes the claim; null when the article itself asserts it.",
    "claimant_text": "Text of the claimant mention.",
    "holder": "Mention id of who holds the stance.",
    "holder_text": "Text of the holder mention.",
    "holder_type": "Mention type of the holder.",
    "claim": "Claim id the stance is towards.",
    "claim_text": "Text of the claim.",
    "claim_type": "Type of the claim.",
    "label": "Stance label (ClassLabel).",
    "title": "Headline, or a descriptive title given by the maintainers.",
    "source": "Publisher; null when unknown.",
    "url": "Where the article was published; null when unknown.",
    "published": "Publication date; null when unknown.",
    "dateline": "The dateline as printed.",
    "language": "BCP-47 language tag.",
    "license": "SPDX license id of the text; null when unknown.",
    "added": "Date the document entered the corpus.",
    "sha256": "sha256 of the UTF-8 text.",
    "annotation_source": "'gold' (adjudicated), or 'single' (one annotator's layer, "
    "--allow-single).",
    "annotators": "Pseudonyms of the annotators whose layers the annotation comes from.",
    "mentions": "Entity mentions.",
    "claims": "Claims, with claimant and type.",
    "stances": "Stances of mentions towards claims.",
    "sentences": "Sentences as code-point offsets {start, end}; they tile the text (each "
    "ends where the next starts, trailing whitespace included).",
    "sentence": "Index of a sentence in its document (a span's: the sentence it starts in).",
    "tokens": "The sentence's tokens (whitespace is not a token).",
    "offsets": "Each token's [start, end) code-point offsets into the document text.",
    "mention_tags": "BIO tags of the mentions (ClassLabel): B-X begins a mention of type X, "
    "I-X continues it, O is outside; a mention inside another is not tagged (see the card).",
    "claim_tags": "BIO tags of the claims by claim type (ClassLabel), as mention_tags.",
}
