"""Formatters: problems and their `Report` in, text out, one per output format. They decide
nothing.

Each yields its output in pieces as the problems come (a validation streams them), so a
report with many problems is written as it is found rather than held; the report's counts,
complete once the problems are exhausted, close the output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

import orjson

from ..problems import Code, Problem, Report


def _where(p: Problem) -> str:
    loc = p.path
    if p.line is not None:
        loc += f":{p.line}:{p.column or 1}"
    return loc


def summary(report: Report) -> str:
    def n(k: int, word: str) -> str:
        return f"{k} {word}{'' if k == 1 else 's'}"

    head = (f"checked {n(report.files, 'file')} ({n(report.documents, 'document')}, "
            f"{n(report.annotations, 'annotation')}): {n(report.errors, 'error')}, "
            f"{n(report.warnings, 'warning')}")
    by_code = report.by_code
    lines = [head]
    for code, k in sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0].value)):
        lines.append(f"  {k:>5}  {code.value} ({code.level.value})")
    lines.append("valid" if report.valid else "INVALID" + (" (--strict)" if report.strict else ""))
    return "\n".join(lines)


def format_problem(p: Problem) -> str:
    ptr = f" {p.pointer}" if p.pointer else ""
    return f"{_where(p)}: {p.level.value} [{p.code.value}]{ptr}: {p.message}"


def format_text(problems: Iterable[Problem], report: Report) -> Iterator[str]:
    any_problem = False
    for p in problems:
        any_problem = True
        yield format_problem(p) + "\n"
    if any_problem:
        yield "\n"
    yield summary(report) + "\n"


def format_json(problems: Iterable[Problem], report: Report) -> Iterator[str]:
    """The object of `report.to_dict()` (problems first, since they stream, then `valid` and
    `stats`), written one problem at a time."""
    yield '{\n  "problems": ['
    sep = "\n"
    for p in problems:
        yield sep + "    " + orjson.dumps(p.to_dict()).decode()
        sep = ",\n"
    tail = json.dumps({"valid": report.valid, "stats": report.stats()}, ensure_ascii=False,
                      indent=2)
    yield ("\n  ]," if sep == ",\n" else "],") + tail[1:] + "\n"


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def format_github(problems: Iterable[Problem], report: Report) -> Iterator[str]:
    """GitHub workflow commands, so problems show on the lines of the pull request's diff."""
    for p in problems:
        cmd = "error" if report.failing(p) else "warning"
        props = [f"file={_gh_escape(p.path, True)}"]
        if p.line is not None:
            props.append(f"line={p.line}")
            props.append(f"col={p.column or 1}")
        props.append(f"title={_gh_escape(p.code.value, True)}")
        msg = f"{p.pointer}: {p.message}" if p.pointer else p.message
        yield f"::{cmd} {','.join(props)}::{_gh_escape(msg)}\n"
    yield summary(report) + "\n"


FORMATTERS: dict[str, Callable[[Iterable[Problem], Report], Iterator[str]]] = {
    "text": format_text, "json": format_json, "github": format_github}


def render(report: Report, fmt: str = "text") -> str:
    """A whole report (its problems sorted) as one string."""
    return "".join(FORMATTERS[fmt](report.sorted(), report))


def catalogue_text() -> str:
    width = max(len(c.value) for c in Code)
    return "\n".join(f"{c.value:<{width}}  {c.level.value:<7}  {c.headline}" for c in
                     sorted(Code, key=lambda c: c.value))


def catalogue_json() -> str:
    return json.dumps([{"code": c.value, "level": c.level.value, "title": c.headline,
                        "description": c.description, "reported_by": c.stage}
                       for c in sorted(Code, key=lambda c: c.value)], indent=2)
