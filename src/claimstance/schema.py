"""The JSON schemas: the single source of truth for the data model and the label sets.

Pass/fail is decided by a compiled validator (jsonschema-rs); only files that fail are
re-checked with the pure-Python `jsonschema` to produce detailed, coded problems.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .jsonfile import escape_pointer_token
from .problems import Problem, problem

SCHEMA_VERSION = "1.0"
SUPPORTED_VERSIONS = ("1.0",)
DOCUMENT = "document.schema.json"
ANNOTATION = "annotation.schema.json"


def schema_dir() -> Path:
    """Installed wheels carry the schemas as package data; a checkout reads `schema/`."""
    packaged = Path(__file__).parent / "_schema"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "schema"


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((schema_dir() / name).read_text(encoding="utf-8"))
    return data


def label_set(name: str) -> dict[str, str]:
    """Labels of one label set (`mention_type`, `claim_type`, `stance_label`) with definitions."""
    d = load_schema(ANNOTATION)["$defs"][name]
    descriptions: dict[str, str] = d["x-label-descriptions"]
    return {label: descriptions[label] for label in d["enum"]}


def mention_types() -> list[str]:
    return list(label_set("mention_type"))


def claim_types() -> list[str]:
    return list(label_set("claim_type"))


def stance_labels() -> list[str]:
    return list(label_set("stance_label"))


LABEL_SETS = ("mention_type", "claim_type", "stance_label")


@functools.cache
def _fast(name: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(load_schema(name))


def ready() -> None:
    """Compile the fast validators now (before worker processes fork from this one)."""
    _fast(DOCUMENT)
    _fast(ANNOTATION)


@functools.cache
def _slow(name: str) -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema(name))


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target: dict[str, Any] = root["$defs"][ref.rsplit("/", 1)[1]]
        return target
    return {}


def _allowed_keys(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    keys = set(schema.get("properties", {}))
    keys |= set(_resolve(schema, root).get("properties", {}))
    return keys


def _ptr(path: Any) -> str:
    return "".join("/" + escape_pointer_token(t) for t in path)


def _is_label_set(schema: dict[str, Any], root: dict[str, Any]) -> bool:
    return "x-label-descriptions" in schema or schema.get("enum") == root["properties"].get(
        "status", {}
    ).get("enum")


def _problems(err: Any, path: str, root: dict[str, Any]) -> Iterator[Problem]:
    ptr = _ptr(err.absolute_path)
    v = err.validator
    inst = err.instance
    if v == "required":
        field = err.message.split("'")[1] if "'" in err.message else "?"
        yield problem("missing-field", path, ptr, f"required field {field!r} is missing")
    elif v in ("additionalProperties", "unevaluatedProperties") and isinstance(inst, dict):
        allowed = _allowed_keys(err.schema, root)
        for key in sorted(set(inst) - allowed):
            yield problem(
                "unknown-field", path, ptr + "/" + escape_pointer_token(key),
                f"field {key!r} is not part of the schema; allowed here: "
                f"{', '.join(sorted(allowed))}")
    elif v == "type":
        want = err.validator_value
        want_s = " or ".join(want) if isinstance(want, list) else want
        yield problem("wrong-type", path, ptr,
                      f"{json.dumps(inst)[:60]} is {type(inst).__name__}; expected {want_s}")
    elif v == "enum" and _is_label_set(err.schema, root):
        yield problem("unknown-label", path, ptr,
                      f"{json.dumps(inst)[:60]} is not one of {', '.join(err.validator_value)}")
    elif v == "oneOf" and not isinstance(inst, str | type(None)):
        yield problem("wrong-type", path, ptr,
                      f"{json.dumps(inst)[:60]} is {type(inst).__name__}; "
                      "expected a string or null")
    elif v == "oneOf":
        yield problem("invalid-value", path, ptr,
                      f"{json.dumps(inst)[:60]} is not a reference (m1, c1, ...) or null")
    else:
        yield problem("invalid-value", path, ptr, err.message[:300])


def check(name: str, data: Any, path: str) -> list[Problem]:
    """Coded schema problems of `data` against the named schema (empty when valid)."""
    if _fast(name).is_valid(data):
        return []
    root = load_schema(name)
    out: list[Problem] = []
    for err in sorted(_slow(name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        out.extend(_problems(err, path, root))
    return sorted(set(out))
