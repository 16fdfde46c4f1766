"""manifest.json: the sha256 of every input and output of a build.

`publish` compares it with the corpus as it is now (`input_hashes(corpus)`) to refuse a stale
or edited build. It is also how a build is recognised: by its content (the `generator`
marker and the files it lists), never by its name alone, before a new build replaces it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import orjson

from ..corpus.layout import Corpus
from ..corpus.schema import SCHEMAS, schema_text
from ..validation.reader import NotAFile, file_sha256, read_bytes

MANIFEST = "manifest.json"
GENERATOR = "claimstance build"  # the manifest's marker: this folder was made by a build
# prose the card is made from, and the settings the splits depend on
INPUT_DOCS = ("DATASHEET.md", "CHANGELOG.md", "CITATION.cff", "claimstance.toml")


def input_hashes(corpus: Corpus, read: dict[str, str] | None = None) -> dict[str, str]:
    """sha256 of every input of a build: schemas and prose here, and seeds and layers as
    the build read them (`read`), or as they are on disk now (None, as publish checks)."""
    out = {f"schema/{name}": hashlib.sha256(schema_text(name).encode("utf-8")).hexdigest()
           for name in SCHEMAS}
    for name in INPUT_DOCS:
        if (corpus.root / name).is_file():
            out[name] = file_sha256(corpus.root / name)
    if read is None:
        read = {}
        for doc_id in corpus.doc_ids():
            read[f"seeds/{doc_id}.json"] = file_sha256(corpus.seed_path(doc_id))
            for a in corpus.annotators(doc_id):
                read[f"annotations/{doc_id}/{a}.json"] = file_sha256(
                    corpus.annotation_path(doc_id, a))
    return out | dict(sorted(read.items()))


def safe_rel(rel: object) -> bool:
    """Whether `rel` is a plain relative path inside a folder ('a/b.parquet'): no '..', no
    absolute path, no backslash, no empty or '.' part."""
    return (isinstance(rel, str) and bool(rel) and not rel.startswith("/") and "\\" not in rel
            and "\x00" not in rel and all(p not in ("", ".", "..") for p in rel.split("/")))


def load_manifest(folder: Path) -> tuple[dict[str, Any] | None, str]:
    """(manifest, "") for a build's manifest; (None, why not) otherwise ("" when absent)."""
    try:
        raw = read_bytes(folder / MANIFEST, 64 << 20)
    except (FileNotFoundError, NotADirectoryError):
        return None, ""
    except NotAFile:
        return None, f"{MANIFEST} is not a regular file"
    except OSError as e:
        return None, f"{MANIFEST} cannot be read ({e.strerror})"
    if isinstance(raw, int):
        return None, f"{MANIFEST} is {raw:,} bytes, far more than a build writes"
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, f"{MANIFEST} is not valid JSON"
    if not isinstance(data, dict) or data.get("generator") != GENERATOR:
        return None, f"{MANIFEST} has no \"generator\": \"{GENERATOR}\" marker"
    outputs, inputs = data.get("outputs"), data.get("inputs")
    if not isinstance(outputs, dict) or not isinstance(inputs, dict) or not all(
            isinstance(v, str) for v in [*outputs.values(), *inputs.values()]):
        return None, f"{MANIFEST} has no inputs and outputs with their sha256"
    bad = sorted(k for k in outputs if not safe_rel(k) or k == MANIFEST)
    if bad:
        return None, f"{MANIFEST} lists {bad[0]!r}, which is not a file inside the folder"
    return data, ""


def folder_files(folder: Path) -> list[str]:
    """Every file (and link) under `folder`, relative, '/'-separated; links not followed."""
    out = []
    for base, dirs, files in os.walk(folder):
        rel = os.path.relpath(base, folder)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(base, d))]:
            out.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
    return sorted(out)


def made_here(folder: Path, marker: str, key: str = "files") -> dict[str, Any] | None:
    """The content of `folder/marker` when the folder holds what that marker lists (under
    `key`, plain relative paths) and nothing else; None otherwise. How a publish target or
    an export folder is recognised before it is replaced: by content, never by a name."""
    try:
        raw = read_bytes(folder / marker, 16 << 20)
        data = orjson.loads(raw) if isinstance(raw, bytes) else None
    except (OSError, orjson.JSONDecodeError):
        return None
    files = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(files, dict) or \
            not all(safe_rel(k) for k in files):
        return None
    listed = set(files) | {marker}
    return data if all(f in listed for f in folder_files(folder)) else None


def is_build(folder: Path) -> bool:
    """Whether `folder` holds a claimstance build and nothing else: a manifest with the
    build's marker that lists every other file in it."""
    manifest, _ = load_manifest(folder)
    if manifest is None:
        return False
    listed = set(manifest["outputs"]) | {MANIFEST}
    return all(f in listed for f in folder_files(folder))


def split_map(manifest: dict[str, Any] | None) -> dict[str, str]:
    """Document id -> split, as a build (or the publication it became) recorded it; empty
    for a manifest from before builds recorded splits."""
    recorded = (manifest or {}).get("splits")
    if not isinstance(recorded, dict):
        return {}
    return {d: split for split, ids in recorded.items() if isinstance(ids, list)
            for d in ids if isinstance(d, str)}
