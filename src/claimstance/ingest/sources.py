"""Reading articles to ingest: JSON Lines, CSV, or a folder of .txt files with optional
.json sidecars. Each article becomes a `Row` that knows where it came from (file and line),
so every problem found later points at it. Reading never stops at a bad row."""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..problems import Code, Problem, Refused, problem, refuse
from ..validation.reader import MAX_BYTES, file_sha256, load_bytes

#: What a row may say about its article; anything else is ignored (and listed).
FIELDS = ("id", "text", "title", "source", "url", "published", "license", "language")


@dataclass
class Row:
    """One article as the input gives it: its fields by name (after --map) and where it is."""

    where: str  # the input file as shown (for a folder: the .txt)
    line: int | None  # its line (the first line of a CSV row); None for a file of its own
    values: dict[str, str | None] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the input's own name
    problems: list[Problem] = field(default_factory=list)
    sidecar: str | None = None  # a folder's .json beside the .txt, when there is one
    origin: str = ""  # what the provenance record names: the file's name (folder/name.txt)
    origin_sha256: str | None = None  # of the input file (None for a folder's .txt)
    stem: str | None = None  # a folder's .txt: its name without .txt (the id, failing all)

    @property
    def label(self) -> str:
        return f"{self.where}:{self.line}" if self.line is not None else self.where

    def problem(self, code: Code, name: str, message: str) -> Problem:
        """A problem of field `name` (empty: the whole row), at the row's file and line."""
        where = self.sidecar if self.sidecar and name not in ("", "text") else self.where
        pointer = f"/{self.columns.get(name, name)}" if name else ""
        return problem(code, where, pointer, message).at(self.line, None)


@dataclass
class Source:
    """An input and what reading it found beyond its rows."""

    path: Path
    shown: str
    mapping: dict[str, str]  # field -> column
    ignored: set[str] = field(default_factory=set)  # columns that are no field
    sha256: str | None = None  # of the input file (None for a folder)

    def row(self, line: int | None, record: Mapping[str, Any], where: str | None = None,
            sidecar: str | None = None) -> Row:
        """A row from one record (a JSON object, a CSV row, a sidecar's object)."""
        columns = {f: self.mapping.get(f, f) for f in FIELDS}
        row = Row(where or self.shown, line, columns=columns, sidecar=sidecar,
                  origin=self.path.name if where is None else
                  f"{self.path.name}/{Path(where).name}", origin_sha256=self.sha256)
        named = {c: f for f, c in columns.items()}
        for key, value in record.items():
            name = named.get(key)
            if name is None:
                self.ignored.add(key)
                continue
            if value is None or isinstance(value, str):
                row.values[name] = value
            else:
                row.problems.append(row.problem(
                    Code.INGEST_BAD_ROW, name,
                    f"{key} is {type(value).__name__}, not text; write it as a string"))
        return row


def parse_map(spec: str | None) -> dict[str, str]:
    """--map text=body,title=headline: field -> the input's column name."""
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, sep, column = part.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or name not in FIELDS or not column:
            raise ValueError(f"{part.strip()!r}: write FIELD=COLUMN, FIELD one of "
                             f"{', '.join(FIELDS)}")
        out[name] = column
    return out


def _unreadable(shown: str, message: str) -> Refused:
    return refuse(Code.INGEST_UNREADABLE, shown, message)


def open_source(path: Path, mapping: dict[str, str]) -> tuple[Source, Iterator[Row]]:
    """The input at `path` and its rows (read lazily); refuses (`ingest-unreadable`) an
    input that is not there or of no known kind."""
    shown = str(path)
    if path.is_dir():
        src = Source(path, shown, mapping)  # one: its sidecars' other keys are listed
        return src, _folder_rows(src)
    if not path.is_file():
        raise _unreadable(shown, "no such file or folder") if not path.exists() else \
            _unreadable(shown, "not a regular file or folder")
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".csv"):
        raise _unreadable(shown, f"cannot tell the format of {path.name}: give a .jsonl "
                          "(JSON Lines), a .csv (with a header row) or a folder of .txt files")
    src = Source(path, shown, mapping, sha256=_file_sha256(path, shown))
    return src, (_jsonl_rows(src) if suffix != ".csv" else _csv_rows(src))


def _file_sha256(path: Path, shown: str) -> str:
    try:
        return file_sha256(path)
    except OSError as e:
        raise _unreadable(shown, f"cannot read it: {e.strerror}") from None


def _jsonl_rows(src: Source) -> Iterator[Row]:
    with src.path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if n == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]  # as a CSV or .txt may start
            if not raw.strip():
                continue
            parsed = load_bytes(raw, src.shown, max_bytes=len(raw))  # duplicate keys too
            record = parsed.data
            if parsed.problems or not isinstance(record, dict):
                row = Row(src.shown, n, origin=src.path.name)
                row.problems += [problem(Code.INGEST_BAD_ROW, src.shown, p.pointer,
                                         p.message).at(n, None) for p in parsed.problems] or \
                    [row.problem(Code.INGEST_BAD_ROW, "", f"a JSON {type(record).__name__}, "
                                 "not an object with the article's fields")]
                yield row
                continue
            yield src.row(n, record)


def _csv_rows(src: Source) -> Iterator[Row]:
    csv.field_size_limit(MAX_BYTES)  # an article may be far longer than csv's 128 KiB default
    try:
        with src.path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, delimiter=_delimiter(fh.readline()))
            fh.seek(0)
            header = next(reader, None)
            if header is None:
                return
            missing = [c for f, c in src.mapping.items() if c not in header]
            if missing:
                raise _unreadable(src.shown, f"--map names column(s) {', '.join(missing)}, "
                                  f"which the header does not have ({', '.join(header)})")
            twice = sorted({c for c in header if header.count(c) > 1})
            if twice:
                raise _unreadable(src.shown, f"the header names column(s) {', '.join(twice)} "
                                  "more than once; rename all but one")
            start = reader.line_num + 1
            for cells in reader:
                line, start = start, reader.line_num + 1
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > len(header):
                    row = Row(src.shown, line, origin=src.path.name)
                    row.problems.append(row.problem(
                        Code.INGEST_BAD_ROW, "", f"{len(cells)} fields, the header names "
                        f"{len(header)}: quote fields that hold commas"))
                    yield row
                    continue
                yield src.row(line, {k: v or None for k, v in zip(header, cells,
                                                                  strict=False)})
    except UnicodeDecodeError:
        line, column = _not_utf8(src.path)
        refused = _unreadable(src.shown, f"byte {column} of line {line} is not UTF-8 (a file "
                              "saved as Latin-1 or Windows-1252?); save it as UTF-8 (Excel: "
                              "'CSV UTF-8')")
        refused.problems = [p.at(line, column) for p in refused.problems]
        raise refused from None
    except csv.Error as e:
        raise _unreadable(src.shown, f"not CSV: {e}") from None


def _delimiter(header: str) -> str:
    """The separator of a CSV file's header line: a comma, or the semicolon (Excel's, where
    the comma is a decimal sign) or tab it holds more of."""
    return max((",", ";", "\t"), key=header.count)


def _not_utf8(path: Path) -> tuple[int, int]:
    """The line and byte (from 1) of the first byte that is not UTF-8."""
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as e:
                return n, e.start + 1
    return 1, 1


def _folder_rows(src: Source) -> Iterator[Row]:
    from .single import read_article

    try:
        names = sorted(e.name for e in os.scandir(src.path)  # not hidden ones: ._x.txt
                       if e.name.lower().endswith(".txt") and not e.name.startswith("."))
    except OSError as e:
        raise _unreadable(src.shown, f"cannot list it: {e.strerror}") from None
    for name in names:
        txt = src.path / name
        shown = f"{src.shown.rstrip('/')}/{name}"
        side = txt.with_suffix(".json")
        side_shown = shown[:-4] + ".json"
        record: dict[str, Any] = {}
        problems: list[Problem] = []
        if side.is_file():
            try:
                data = orjson.loads(side.read_bytes())
            except (OSError, orjson.JSONDecodeError) as e:
                data = None
                problems.append(problem(Code.INGEST_BAD_ROW, side_shown, "",
                                        f"the sidecar cannot be read as JSON: {e}"))
            if isinstance(data, dict):
                record = {k: v for k, v in data.items() if k != src.mapping.get("text", "text")}
            elif data is not None:
                problems.append(problem(Code.INGEST_BAD_ROW, side_shown, "",
                                        "the sidecar is not a JSON object"))
        row = src.row(None, record, shown, side_shown if side.is_file() else None)
        row.problems += problems
        row.stem = name[:-4]
        try:
            row.values["text"], _ = read_article(txt)
        except Refused as e:
            row.problems += e.problems
        yield row
