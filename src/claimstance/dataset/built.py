"""A built dataset folder read back: its documents, exactly as the build wrote them.

`export --dist` and `score --gold dist` read what was built (and will be published), not the
corpus: the manifest must be a build's, every documents Parquet file it lists must still
have its sha256, and labels are named by the files' own ClassLabel names. Anything else is
refused (`export-bad-dist`) before a row is read. Hashes only say the folder is
self-consistent, not that a build wrote it, so every row is then read as the corpus is
read: turned back into its seed and layer and checked by the corpus's own rules (names,
offsets, labels, references) before anything uses it. A damaged or foreign folder never
reaches a figure, an exported file or a path, nor a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus.annotation import empty_provenance
from ..corpus.document import sha256
from ..corpus.items import from_layer
from ..corpus.naming import GOLD
from ..corpus.schema import SCHEMA_VERSION
from ..corpus.splits import SPLITS
from ..problems import Code, Level, Problem, Refused, problem, refuse
from ..quality.evaluate import GoldDoc
from ..validation.reader import file_sha256
from ..validation.rules import check_annotation, check_document
from .features import DOC_COLUMNS
from .manifest import MANIFEST, load_manifest

if TYPE_CHECKING:
    import pyarrow as pa

SINGLE = "single"  # annotation_source of a document built from one annotator's layer
Row = dict[str, Any]


def documents_files(dist: Path, split: str | None = None) -> list[tuple[str, Path]]:
    """(split, path) of the documents Parquet files the build's manifest lists (of `split`),
    each checked against its sha256, in split order."""
    manifest, why = load_manifest(dist)
    if manifest is None:
        raise refuse(Code.EXPORT_BAD_DIST, str(dist),
                     f"{dist} is not a folder built by `claimstance build` "
                     f"({why or f'no {MANIFEST}'}); build it first, or read the corpus")
    out = []
    for rel, digest in manifest["outputs"].items():
        if not rel.startswith("data/documents/") or not rel.endswith(".parquet"):
            continue
        path = dist / rel
        try:
            ok = file_sha256(path) == digest
        except OSError:
            ok = False
        part = Path(rel).name.split("-")[0]
        if not ok or part not in SPLITS:
            raise refuse(Code.EXPORT_BAD_DIST, f"{dist}/{rel}",
                         f"{rel} is missing or differs from what the build wrote "
                         f"({MANIFEST}); rebuild {dist}")
        if split is None or part == split:
            out.append((part, path))
    return sorted(out, key=lambda f: (SPLITS.index(f[0]), f[1].name))


def _unreadable(path: Path, why: str) -> Refused:
    return refuse(Code.EXPORT_BAD_DIST, str(path),
                  f"{path} is not a documents Parquet file as a build writes it ({why}); "
                  "rebuild the folder with `claimstance build`")


_LABELS = (("mention", "mentions", "type"), ("claim", "claims", "type"),
           ("stance", "stances", "label"))


def class_names(schema: pa.Schema, path: Path) -> dict[str, list[str]]:
    """ClassLabel names of the documents config, from the Parquet file's own metadata."""
    try:
        features = json.loads((schema.metadata or {})[b"huggingface"])["info"]["features"]
        names = {key: features[items]["feature"][field]["names"]
                 for key, items, field in _LABELS}
    except KeyError as e:
        raise _unreadable(path, f"no Hugging Face metadata {e}") from None
    except (TypeError, ValueError) as e:
        raise _unreadable(path, f"its Hugging Face metadata is not a build's: {e}") from None
    if not all(isinstance(v, list) and all(isinstance(n, str) for n in v)
               for v in names.values()):
        raise _unreadable(path, "its ClassLabel names are not lists of labels")
    return names


def rows(files: list[tuple[str, Path]], columns: list[str] | None = None,
         ) -> Iterator[tuple[str, Path, int, Row, dict[str, list[str]]]]:
    """(split, file, row index, row, class names) of every document of the files, a batch
    at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for split, path in files:
        try:
            f = pq.ParquetFile(path)
            names = class_names(f.schema_arrow, path)
            n = 0
            for batch in f.iter_batches(batch_size=256, columns=columns):
                for row in batch.to_pylist():
                    yield split, path, n, row, names
                    n += 1
        except (pa.ArrowException, OSError, ValueError, KeyError) as e:
            raise _unreadable(path, f"{type(e).__name__}: {str(e)[:200]}") from None


def layer_source(row: Row) -> str:
    """Whose layer a row was built from: gold, or the lone annotator of a single one."""
    names = row.get("annotators")
    if row.get("annotation_source") == SINGLE and isinstance(names, list) and names:
        return str(names[0])
    return GOLD


def _label(names: list[str], value: Any) -> Any:
    """The label a ClassLabel index stands for; an index out of range stays as it is (the
    schema then refuses it), never counted from the end."""
    return names[value] if isinstance(value, int) and 0 <= value < len(names) else value


def _items(row: Row, key: str) -> list[Any]:
    value = row.get(key)
    return value if isinstance(value, list) else []


def as_pair(row: Row, names: dict[str, list[str]]) -> tuple[Row, Row]:
    """A documents row as the (seed, layer) it was built from, labels by name (what the
    build added, each span's sentence, left out)."""
    seed = {k: row[k] for k in DOC_COLUMNS if k in row
            and k not in ("annotation_source", "annotators")}

    def item(x: Any, label: str, names: list[str]) -> Any:
        if not isinstance(x, dict):
            return x
        out = {k: v for k, v in x.items() if k != "sentence"
               and not (k == "entity" and v is None)}
        if label in out:
            out[label] = _label(names, out[label])
        return out

    mentions = [item(m, "type", names["mention"]) for m in _items(row, "mentions")]
    claims = [item(c, "type", names["claim"]) for c in _items(row, "claims")]
    stances = [item(x, "label", names["stance"]) for x in _items(row, "stances")]
    annotator = layer_source(row)
    gold = annotator == GOLD
    provenance = empty_provenance("manual") | ({"sources": row.get("annotators")}
                                               if gold else {})
    layer = {"schema_version": SCHEMA_VERSION,
             "document": {"id": row.get("id"), "sha256": row.get("sha256")},
             "annotator": annotator, "status": "gold" if gold else "submitted",
             "provenance": provenance, "mentions": mentions, "claims": claims,
             "stances": stances}
    return seed, layer


#: Where a layer's field is in a documents row (the rest have the same pointer in both).
_IN_ROW = (("/document/id", "/id"), ("/document/sha256", "/sha256"),
           ("/annotator", "/annotators/0"), ("/status", "/annotation_source"),
           ("/provenance/sources", "/annotators"))


def _in_row(pointer: str) -> str:
    for old, new in _IN_ROW:
        if pointer == old or pointer.startswith(old + "/"):
            return new + pointer[len(old):]
    return pointer


def check_row(seed: Row, layer: Row, where: str, index: int) -> list[Problem]:
    """The errors the corpus's rules find in a row's seed and layer, at `/<row>/<field>`."""
    text = seed.get("text")
    digest = sha256(text) if isinstance(text, str) else None
    doc_id = seed.get("id")
    stem = doc_id if isinstance(doc_id, str) else ""
    found = check_document(seed, where, stem, digest)
    found += check_annotation(layer, where, stem=layer["annotator"], folder=stem,
                              text=text if digest else None, text_sha256=digest,
                              seed_exists=True)
    out: dict[tuple[str, Code], Problem] = {}  # a row's id is the seed's and the layer's
    for p in found:
        if p.level is Level.ERROR:
            pointer = f"/{index}{_in_row(p.pointer)}"
            out.setdefault((pointer, p.code), Problem(p.path, pointer, p.code, p.message))
    return list(out.values())


def checked(files: list[tuple[str, Path]], source: str | None = None,
            ) -> Iterator[tuple[str, Row, Row]]:
    """(split, seed, layer) of every row (of `source`'s layer, when given), each checked by
    the corpus's rules before it is given out; a row that fails is held back, and once all
    are read every problem refuses the whole reading (`Refused`)."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for split, path, index, row, names in rows(files):
        if source is not None and layer_source(row) != source:
            continue
        where = path.as_posix()
        seed, layer = as_pair(row, names)
        found = check_row(seed, layer, where, index)
        if row.get("annotation_source") not in (GOLD, SINGLE):
            found.append(problem(Code.EXPORT_BAD_DIST, where, f"/{index}/annotation_source",
                                 f"annotation_source {row.get('annotation_source')!r} is "
                                 f"neither {GOLD!r} nor {SINGLE!r}"))
        doc_id = seed.get("id")
        if isinstance(doc_id, str) and doc_id in seen:
            found.append(problem(Code.EXPORT_BAD_DIST, where, f"/{index}/id",
                                 f"document {doc_id!r} is built twice (also {seen[doc_id]}); "
                                 "a build has one row per document"))
        elif isinstance(doc_id, str):
            seen[doc_id] = f"{where}::/{index}"
        if found:
            problems += found
            continue
        yield split, seed, layer
    if problems:
        message = (f"{len(problems)} problem(s) in the built folder's rows: it is not what "
                   "`claimstance build` writes, and nothing of it was used; rebuild it")
        raise Refused(message, [*problems, *refuse(Code.EXPORT_BAD_DIST, problems[0].path,
                                                   message).problems])


def gold_docs(dist: Path) -> list[GoldDoc]:
    """Every document of a built folder as the gold `score` compares with (each row is what
    a researcher loads, whatever layer it was built from)."""
    out = [GoldDoc(seed["id"], split, seed["text"], seed["sha256"], from_layer(layer))
           for split, seed, layer in checked(documents_files(dist))]
    return sorted(out, key=lambda d: d.doc_id)
