"""`claimstance import`: another tool's annotations of seeds -> annotator layers.

Each document read (a brat `.txt`/`.ann` pair, or a doccano record) is matched to a seed by
the hash of its text, never by its name: offsets are only meaningful against the very text
they were made on. Two kinds of problem, two outcomes:

- a document that cannot be read (a FIFO, a link found in the collection, over 5 MiB),
  matches no seed's text, or is the second one for a seed, and a layer file that would be
  replaced without `--force`, lead out of the corpus through a link or be over 5 MiB, refuse
  the whole import: nothing is written;
- an annotation the layer cannot hold (bad syntax, offsets, labels, relations, links;
  events, attributes, notes) is left out and reported at its line; the rest is written.

Layers are written in canonical form, all of them or none even when the run is killed
(`writing.write_together`), and then validated like every contribution.
"""

from __future__ import annotations

import errno
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..corpus.annotation import empty_provenance
from ..corpus.document import sha256
from ..corpus.layout import Corpus
from ..corpus.lock import corpus_lock
from ..corpus.naming import GOLD, is_annotator, layer_name
from ..corpus.writing import dumps, finish_together, would_overwrite, write_together
from ..problems import Code, Problem, Refused, Report, problem, refuse
from ..validation.reader import MAX_BYTES, load_if_exists, read_bytes, seed_or_none
from ..validation.run import validate
from . import brat, doccano
from .common import Items, Seed, difference, text_key, to_layer


@dataclass
class Document:
    """One document read from the input: where, its text, and how to convert it."""

    path: str  # where its text is (the .txt, or the JSONL file)
    line: int | None
    origin: str  # how the summary names it: the .ann, or file:line
    name: str | None  # the seed it says it is (file stem, doc_id), a hint only
    text: str
    convert: Callable[[Seed], tuple[Items, list[Problem]]]


@dataclass
class Imported:
    doc_id: str
    source: str
    layer_path: str
    items: Items
    outcome: str = ""
    not_kept: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "from": self.source, "file": self.layer_path,
                "outcome": self.outcome,
                "kept": {k: len(v) for k, v in self.items.items()},
                "not_kept": dict(sorted(self.not_kept.items()))}

    def text(self) -> str:
        kept = ", ".join(f"{len(v)} {k}" for k, v in self.items.items())
        lost = ", ".join(f"{n} {code}" for code, n in sorted(self.not_kept.items()))
        return (f"  {self.layer_path} ({self.outcome}) from {self.source}: kept {kept}; "
                f"not kept: {lost or 'nothing'}")


@dataclass
class ImportResult:
    """What an import wrote, what it kept and what it could not, with every problem."""

    format: str
    annotator: str
    documents: list[Imported] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # inputs that hold no annotations
    report: Report = field(default_factory=Report)

    @property
    def ok(self) -> bool:
        return self.report.valid

    def to_dict(self) -> dict[str, Any]:
        return {"imported": True, "ok": self.ok, "format": self.format,
                "annotator": self.annotator,
                "documents": [d.to_dict() for d in self.documents],
                "skipped": self.skipped,
                "problems": [p.to_dict() for p in self.report.sorted()]}

    def text(self) -> str:
        from ..validation.formatters import format_problem

        lines = [f"imported {len(self.documents)} document(s) from {self.format} as "
                 f"{self.annotator!r}:", *(d.text() for d in self.documents)]
        if self.skipped:
            lines.append(f"  skipped (a .txt without .ann holds no annotations): "
                         f"{', '.join(self.skipped)}")
        problems = self.report.sorted()
        if problems:
            lines += ["", *map(format_problem, problems), "",
                      f"{self.report.errors} error(s), {self.report.warnings} warning(s)"]
        return "\n".join(lines)


def shown(path: Path) -> str:
    """A path as problems show it: relative to the working directory when inside it."""
    rel = os.path.relpath(path)
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()


def _read_text(path: Path, problems: list[Problem], *, named: bool = False,
               max_bytes: int = MAX_BYTES) -> str | None:
    """The text of a regular file of at most `max_bytes`, or None (the problem reported).

    A FIFO or device is refused, never waited on. A symbolic link is followed only when it
    is the path the user `named`: one found in a collection could lead anywhere (a salt, a
    key), and its lines would be shown in problems and the summary."""
    try:
        raw = read_bytes(path, max_bytes, 0 if named else os.O_NOFOLLOW)
        if isinstance(raw, int):
            why = (f"it is {raw:,} bytes, more than the {max_bytes:,} a corpus file may be, so "
                   "its layer could not be one either")
        else:
            return raw.decode("utf-8")
    except OSError as e:
        why = ("a symbolic link (import the file itself)" if e.errno == errno.ELOOP
               else e.strerror or str(e))
    except UnicodeDecodeError as e:
        why = f"not UTF-8 (byte {e.start})"
    problems.append(problem(Code.IMPORT_UNREADABLE, shown(path), "",
                            f"cannot read {shown(path)}: {why}; nothing was imported"))
    return None


def read_brat(path: Path, problems: list[Problem], skipped: list[str]) -> list[Document]:
    """The .txt/.ann pairs of a brat collection folder (searched recursively), or of one
    .ann or .txt file. A .txt without .ann is unannotated, skipped and listed."""
    named = None
    if path.is_dir():
        anns = sorted(path.rglob("*.ann"))
        skipped += [shown(t) for t in sorted(path.rglob("*.txt"))
                    if not t.with_suffix(".ann").exists()]
        if not anns:
            problems.append(problem(Code.IMPORT_UNREADABLE, shown(path), "",
                                    f"{shown(path)} holds no .ann files: not a brat "
                                    "collection; nothing was imported"))
    elif path.suffix in (".ann", ".txt"):
        anns = [path.with_suffix(".ann")]
        named = path
    else:
        problems.append(problem(Code.IMPORT_UNREADABLE, shown(path), "",
                                f"{shown(path)} is neither a brat collection folder nor a "
                                ".ann or .txt file; nothing was imported"))
        anns = []
    out = []
    for ann_path in anns:
        txt_path = ann_path.with_suffix(".txt")
        txt = _read_text(txt_path, problems, named=txt_path == named)
        ann = _read_text(ann_path, problems, named=ann_path == named)
        if txt is None or ann is None:
            continue
        ann = ann.removeprefix("\ufeff")  # an editor's byte-order mark is not a line's
        where, txt_where = shown(ann_path), shown(txt_path)

        def convert(seed: Seed, txt: str = txt, ann: str = ann, where: str = where,
                    txt_where: str = txt_where) -> tuple[Items, list[Problem]]:
            return brat.from_brat(txt, ann, seed, where, txt_where)

        out.append(Document(txt_where, None, where, ann_path.stem, txt, convert))
    return out


def read_doccano(path: Path, problems: list[Problem]) -> list[Document]:
    """The records of a doccano JSONL file, or of every .jsonl file in a folder."""
    files = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
    if not files:
        problems.append(problem(Code.IMPORT_UNREADABLE, shown(path), "",
                                f"{shown(path)} holds no .jsonl files; nothing was imported"))
    out = []
    for file in files:
        data = _read_text(file, problems, named=file == path, max_bytes=1 << 40)
        if data is None:
            continue
        where = shown(file)
        if not data.strip():
            problems.append(problem(Code.IMPORT_UNREADABLE, where, "",
                                    f"{where} holds no doccano record (it is empty); nothing "
                                    "was imported"))
        # JSON Lines end at \n (or \r\n) only: a text may hold U+2028 or U+0085 unescaped
        for line, raw in enumerate(data.removesuffix("\n").split("\n"), 1):
            if not raw.strip():
                continue
            try:
                record = orjson.loads(raw)  # nesting past 1,024 levels is an error, no crash
            except orjson.JSONDecodeError as e:
                record, error = None, f"not JSON ({e})"
            else:
                error = "not an object with a 'text' string"
            text = doccano.record_text(record)
            if text is None:
                problems.append(Problem(where, "", Code.IMPORT_UNREADABLE,
                                        f"line {line} is not a doccano record: {error}; "
                                        "nothing was imported", line))
                continue
            name = record.get("doc_id") if isinstance(record.get("doc_id"), str) else None

            def convert(seed: Seed, record: Any = record, where: str = where,
                        line: int = line) -> tuple[Items, list[Problem]]:
                return doccano.from_doccano(record, seed, where, line)

            out.append(Document(where, line, f"{where}:{line}", name, text, convert))
    return out


class Seeds:
    """Finds the seed whose text an imported text is: the one it names first, then any
    (the index of every seed's hash is made once, only when needed)."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._by_hash: dict[str, str] | None = None

    def read(self, doc_id: str) -> Seed | None:
        return seed_or_none(self.corpus, doc_id)

    def _index(self) -> dict[str, str]:
        if self._by_hash is None:
            self._by_hash = {}
            for doc_id in self.corpus.doc_ids():
                seed = self.read(doc_id)
                if seed is not None:
                    self._by_hash.setdefault(sha256(seed["text"]), doc_id)
        return self._by_hash

    def match(self, doc: Document) -> Seed | Problem:
        key = text_key(doc.text)
        named = self.read(doc.name) if doc.name else None
        if named is not None and sha256(named["text"]) == key:
            return named
        found = self._index().get(key)
        if found is not None and (seed := self.read(found)) is not None:
            return seed
        why = (difference(doc.text, named) if named is not None
               else f"there is no seed {doc.name!r} to compare it with" if doc.name
               else "it names no seed")
        return Problem(doc.path, "", Code.IMPORT_TEXT_MISMATCH,
                       f"the text is not the text of any seed ({len(self._index())} compared; "
                       f"{why}): its offsets cannot be trusted, so nothing was imported. "
                       "Annotate the seed's own text, as `claimstance export` writes it",
                       doc.line)


def _read(fmt: str, path: Path, problems: list[Problem],
          skipped: list[str]) -> list[Document]:
    if not path.exists():
        problems.append(problem(Code.IMPORT_UNREADABLE, shown(path), "",
                                f"{shown(path)} does not exist; nothing was imported"))
        return []
    if fmt == "brat":
        return read_brat(path, problems, skipped)
    if fmt == "doccano":
        return read_doccano(path, problems)
    raise ValueError(f"unknown import format {fmt!r}")


def _refused(problems: list[Problem], what: str) -> Refused:
    return Refused(f"{len(problems)} {what}; nothing was imported", problems)


def plan(fmt: str, path: Path, annotator: str, corpus: Corpus, result: ImportResult,
         progress: bool = False) -> Iterator[tuple[Imported, bytes]]:
    """The layers to write and their bytes, or a refusal when a document cannot be imported."""
    problems: list[Problem] = []
    docs = _read(fmt, path, problems, result.skipped)
    if problems:
        raise _refused(problems, "input(s) could not be read")
    seeds = Seeds(corpus)
    matched: list[tuple[Document, Seed]] = []
    first: dict[str, Document] = {}
    for doc in docs:
        seed = seeds.match(doc)
        if isinstance(seed, Problem):
            problems.append(seed)
        elif seed["id"] in first:
            prev = first[seed["id"]]
            problems.append(Problem(doc.path, "", Code.IMPORT_DUPLICATE_DOCUMENT,
                                    f"this is seed {seed['id']!r} again (as {prev.origin}); "
                                    "both would be the same layer", doc.line))
        else:
            first[seed["id"]] = doc
            matched.append((doc, seed))
    if problems:
        raise _refused(problems, "document(s) are not seeds of this corpus, or repeat one")
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(matched), desc="importing", unit="doc", leave=False,
                   mininterval=0.5)
    for doc, seed in matched:
        if bar is not None:
            bar.update(1)
        items, found = doc.convert(seed)
        result.report.extend(found)
        rel = layer_name(seed["id"], annotator)
        imported = Imported(seed["id"], doc.origin, rel,
                            items, not_kept=Counter(p.code.value for p in found))
        provenance = _kept_provenance(corpus, seed["id"], annotator)
        yield imported, dumps(to_layer(seed, annotator, items, provenance))
    if bar is not None:
        bar.close()


def _kept_provenance(corpus: Corpus, doc_id: str, annotator: str) -> dict[str, Any] | None:
    """The provenance of a gold layer an import replaces: when it was made and from whose
    layers stay (the import changes its items, not its history); None for a new layer or an
    annotator's (whose tool and times the import makes untrue)."""
    path = corpus.annotation_path(doc_id, annotator)
    if annotator != GOLD or not corpus.inside(path):
        return None
    f = load_if_exists(path, layer_name(doc_id, annotator))
    old = f.data.get("provenance") if f is not None and not f.problems \
        and isinstance(f.data, dict) else None
    if not isinstance(old, dict):
        return None
    return empty_provenance("manual") | {k: old[k] for k in ("created_at", "updated_at",
                                                             "sources") if k in old}


def import_layers(fmt: str, path: str | Path, annotator: str, *,
                  root: str | Path | None = None, force: bool = False,
                  progress: bool = False) -> ImportResult:
    """Import `path` (a file or a folder) in format `fmt` as `annotator`'s layers."""
    if not is_annotator(annotator):
        raise refuse(Code.INVALID_FILE_NAME, annotator,
                     f"{annotator!r} is not an annotator name: a pseudonym of lower-case "
                     "letters, digits, '-' and '_' (2 to 40), or gold")
    corpus = Corpus.at(root)
    with corpus_lock(corpus.root, "import"):  # between the comparison and the writes too
        return _import(fmt, Path(path), annotator, corpus, force, progress)


def _import(fmt: str, path: Path, annotator: str, corpus: Corpus, force: bool,
            progress: bool) -> ImportResult:
    result = ImportResult(fmt, annotator)
    finish_together(corpus.annotations_dir)  # what a killed import left, before comparing
    planned = list(plan(fmt, path, annotator, corpus, result, progress))
    clashes = []
    for imported, data in planned:
        target = corpus.root / imported.layer_path
        if not corpus.inside(target):  # the check `ls pull` makes, before anything is written
            clashes.append(problem(Code.OUTSIDE_ROOT, imported.layer_path, "",
                                   f"{imported.layer_path} leads outside the corpus through a "
                                   "symbolic link (annotations/ or its document folder); "
                                   "nothing was imported"))
        elif len(data) > MAX_BYTES:
            clashes.append(problem(Code.FILE_TOO_LARGE, imported.layer_path, "",
                                   f"the layer from {imported.source} would be {len(data):,} "
                                   f"bytes, more than the {MAX_BYTES:,} a corpus file may be; "
                                   "nothing was imported: split the document or import "
                                   "fewer annotations"))
        elif target.exists() and not target.is_file():
            clashes.append(problem(Code.NOT_A_FILE, imported.layer_path, "",
                                   f"{imported.layer_path} is not a regular file"))
        elif target.exists() and target.read_bytes() != data:
            imported.outcome = "updated"
            if not force:
                clashes += would_overwrite(target, imported.layer_path,
                                           f" (it differs from {imported.source})").problems
        else:
            imported.outcome = "unchanged" if target.exists() else "written"
    if clashes:
        raise Refused(f"{len(clashes)} layer file(s) cannot be written as they are (see "
                      "each problem); they were kept and nothing was imported", clashes)
    changed = [(imported, data) for imported, data in planned if imported.outcome != "unchanged"]
    if changed:  # all of them or none, even when the run is killed
        write_together(corpus.annotations_dir,
                       [(Path(i.layer_path).relative_to("annotations").as_posix(), data)
                        for i, data in changed], "import")
        written = [corpus.root / i.layer_path for i, _ in changed]
        # what was written must pass the validator like any contribution
        check = validate(corpus.root, written)
        result.report.extend(p for p in check.problems if p.path.startswith("annotations/"))
    result.documents += [imported for imported, _ in planned]
    return result
