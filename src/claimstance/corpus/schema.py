"""The JSON schemas: the single source of truth for the data model and the label sets.

They ship inside the package (`claimstance/corpus/schemas/`, read with importlib.resources);
`schema/` at the corpus root holds checked-in copies for people and other tools, and a test
proves the two are the same. Label sets, naming patterns and the label colours are read
from here by every other module, never written out again.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

DOCUMENT = "document.schema.json"
ANNOTATION = "annotation.schema.json"
PREDICTION = "prediction.schema.json"
SCHEMAS = (DOCUMENT, ANNOTATION)  # what corpus files follow (a build's inputs)
SCHEMA_VERSION = "1.0"
SUPPORTED_VERSIONS = ("1.0",)
LABEL_SETS = ("mention_type", "claim_type", "stance_label")


def schema_text(name: str) -> str:
    """The schema file's text, as shipped."""
    return (resources.files("claimstance.corpus") / "schemas" / name).read_text(encoding="utf-8")


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(schema_text(name))
    return data


def schema_names() -> list[str]:
    folder = resources.files("claimstance.corpus") / "schemas"
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".schema.json"))


def definition(name: str, key: str) -> dict[str, Any]:
    """One entry of a schema's `$defs` (the patterns and label sets live there)."""
    d: dict[str, Any] = load_schema(name)["$defs"][key]
    return d


def label_set(name: str) -> dict[str, str]:
    """Labels of one label set (`mention_type`, `claim_type`, `stance_label`), in schema
    order, with their definitions."""
    d = definition(ANNOTATION, name)
    descriptions: dict[str, str] = d["x-label-descriptions"]
    return {label: descriptions[label] for label in d["enum"]}


@functools.cache
def mention_types() -> tuple[str, ...]:
    return tuple(label_set("mention_type"))


@functools.cache
def claim_types() -> tuple[str, ...]:
    return tuple(label_set("claim_type"))


@functools.cache
def stance_labels() -> tuple[str, ...]:
    return tuple(label_set("stance_label"))


@functools.cache
def unattributed_ok() -> frozenset[str]:
    """Claim types an article normally asserts itself (no claimant needed)."""
    return frozenset(definition(ANNOTATION, "claim_type")["x-unattributed-ok"])


def colours(name: str) -> dict[str, str]:
    """Label -> colour of one label set, the same in Label Studio and in the viewer."""
    d = definition(ANNOTATION, name)
    c: dict[str, str] = d["x-colours"]
    return {label: c[label] for label in d["enum"]}
