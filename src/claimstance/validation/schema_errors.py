"""Schema validation as coded problems.

A compiled validator (jsonschema-rs) decides pass/fail; only data that fails is checked
again with the pure-Python `jsonschema`, whose errors carry what a coded, located,
actionable message needs. Both resolve the schemas' references to each other offline.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

from ..corpus.schema import SCHEMAS, load_schema, schema_names
from ..problems import Code, Problem, problem
from .locate import escape_pointer_token

#: Let the compiled validator pass valid data without the detailed check (tests turn it
#: off to prove the detailed check alone finds the same problems).
FAST_PATHS = True


@functools.cache
def _fast(name: str) -> Any:
    import jsonschema_rs

    registry = jsonschema_rs.Registry([(load_schema(s)["$id"], load_schema(s))
                                       for s in schema_names()])
    return jsonschema_rs.validator_for(load_schema(name), registry=registry)


def ready() -> None:
    """Compile the fast validators now (before worker processes fork from this one)."""
    for name in SCHEMAS:
        _fast(name)


@functools.cache
def _slow(name: str) -> Any:
    import jsonschema
    import referencing
    from referencing.jsonschema import DRAFT202012

    registry: Any = referencing.Registry().with_resources(
        [(load_schema(s)["$id"], DRAFT202012.create_resource(load_schema(s)))
         for s in schema_names()])
    return jsonschema.Draft202012Validator(load_schema(name), registry=registry)


def _ptr(path: Any) -> str:
    return "".join("/" + escape_pointer_token(t) for t in path)


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target: dict[str, Any] = root["$defs"][ref.rsplit("/", 1)[1]]
        return target
    return schema


def _allowed_keys(schema: dict[str, Any], root: dict[str, Any]) -> list[str]:
    return sorted(set(schema.get("properties", {})) | set(_resolve(schema, root).get(
        "properties", {})))


def _show(inst: Any) -> str:
    return json.dumps(inst, ensure_ascii=False)[:60]


_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "integer", float: "number",
               bool: "boolean", type(None): "null"}


def _types(schema: dict[str, Any], root: dict[str, Any]) -> list[str]:
    """The JSON types a (sub)schema admits, following `$ref` and `anyOf`."""
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return [t for s in schema["anyOf"] for t in _types(s, root)]
    t = schema.get("type")
    return [t] if isinstance(t, str) else list(t or [])


def _problems(err: Any, path: str, root: dict[str, Any]) -> Iterator[Problem]:
    ptr = _ptr(err.absolute_path)
    v = err.validator
    inst = err.instance
    if v == "required":
        field = err.message.split("'")[1] if "'" in err.message else "?"
        yield problem(Code.MISSING_FIELD, path, ptr, f"required field {field!r} is missing")
    elif v in ("additionalProperties", "unevaluatedProperties") and isinstance(inst, dict):
        allowed = _allowed_keys(err.schema, root)
        for key in sorted(set(inst) - set(allowed)):
            yield problem(
                Code.UNKNOWN_FIELD, path, ptr + "/" + escape_pointer_token(key),
                f"field {key!r} is not part of the schema; allowed here: {', '.join(allowed)}")
    elif v == "type":
        want = err.validator_value
        want_s = " or ".join(want) if isinstance(want, list) else want
        yield problem(Code.WRONG_TYPE, path, ptr,
                      f"{_show(inst)} is {_JSON_TYPES.get(type(inst), 'a value')}; expected "
                      f"{want_s}")
    elif v == "enum" and "x-label-descriptions" in err.schema:
        yield problem(Code.UNKNOWN_LABEL, path, ptr,
                      f"{_show(inst)} is not one of {', '.join(err.validator_value)}")
    elif v == "anyOf":
        types = _types(err.schema, root)
        json_type = _JSON_TYPES.get(type(inst), "")
        if json_type not in types and not (json_type == "integer" and "number" in types):
            yield problem(Code.WRONG_TYPE, path, ptr,
                          f"{_show(inst)} is {json_type or 'a value'}; expected "
                          f"{' or '.join(dict.fromkeys(types))}")
        else:
            import jsonschema.exceptions

            # the value has a type some branch admits: what that branch says is the problem
            best = jsonschema.exceptions.best_match(e for e in err.context if e.validator != "type")
            yield from (_problems(best, path, root) if best is not None else ())
    elif v == "const":
        yield problem(Code.INVALID_VALUE, path, ptr,
                      f"{_show(inst)} must be {_show(err.validator_value)}")
    else:
        yield problem(Code.INVALID_VALUE, path, ptr, err.message[:300])


#: No corpus schema describes anything this deep; below it, containers are cut off before
#: the detailed check, which recurses (a parser accepts 1,024 levels, Python not always).
MAX_DEPTH = 8


def _cut(data: Any, depth: int = 0) -> Any:
    """`data` with every container deeper than MAX_DEPTH emptied (its type kept)."""
    if isinstance(data, dict):
        return {} if depth >= MAX_DEPTH else {k: _cut(v, depth + 1) for k, v in data.items()}
    if isinstance(data, list):
        return [] if depth >= MAX_DEPTH else [_cut(v, depth + 1) for v in data]
    return data


def check(name: str, data: Any, path: str) -> list[Problem]:
    """Coded schema problems of `data` against the named schema (empty when valid)."""
    if FAST_PATHS and _fast(name).is_valid(data):
        return []
    root = load_schema(name)
    out: list[Problem] = []
    errors = _slow(name).iter_errors(_cut(data))
    for err in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        out.extend(_problems(err, path, root))
    return sorted(set(out))
