"""`datasets.Features` of every config, generated from the JSON schema's label sets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schema import claim_types, mention_types, stance_labels

if TYPE_CHECKING:
    import datasets

CONFIGS = ("documents", "mentions", "claims", "stances")
DEFAULT_CONFIG = "documents"

DOC_COLUMNS = ("id", "title", "source", "url", "published", "dateline", "language", "license",
               "added", "sha256", "annotation_source", "annotators", "text")


def features(config: str) -> datasets.Features:
    from datasets import ClassLabel, Features, List, Value

    s, i = Value("string"), Value("int32")
    mention_type = ClassLabel(names=mention_types())
    claim_type = ClassLabel(names=claim_types())
    stance_label = ClassLabel(names=stance_labels())
    mention = {"id": s, "start": i, "end": i, "text": s, "type": mention_type, "entity": s}
    claim = {"id": s, "start": i, "end": i, "text": s, "type": claim_type, "claimant": s}
    stance = {"id": s, "holder": s, "claim": s, "label": stance_label}
    spec: dict[str, Any]
    if config == "documents":
        spec = {c: s for c in DOC_COLUMNS}
        spec["annotators"] = List(s)
        spec |= {"mentions": List(mention), "claims": List(claim), "stances": List(stance)}
    elif config == "mentions":
        spec = {"doc_id": s} | mention
    elif config == "claims":
        spec = {"doc_id": s} | claim | {"claimant_text": s}
    elif config == "stances":
        spec = {"doc_id": s} | stance | {"holder_text": s, "holder_type": mention_type,
                                         "claim_text": s, "claim_type": claim_type}
    else:
        raise ValueError(f"unknown config {config!r}; one of {', '.join(CONFIGS)}")
    return Features(spec)


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
}
