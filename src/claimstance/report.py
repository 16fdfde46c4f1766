"""Formatters: a `Report` in, text out. They decide nothing."""

from __future__ import annotations

import json
from collections import Counter

from .problems import CATALOGUE, Problem, Report


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
    by_code = Counter(p.code for p in report.problems)
    lines = [head]
    for code, k in sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {k:>5}  {code} ({CATALOGUE[code].level.value})")
    lines.append("valid" if report.valid else "INVALID" + (" (--strict)" if report.strict else ""))
    return "\n".join(lines)


def format_problem(p: Problem) -> str:
    ptr = f" {p.pointer}" if p.pointer else ""
    return f"{_where(p)}: {p.level.value} [{p.code}]{ptr}: {p.message}"


def format_text(report: Report) -> str:
    lines = [format_problem(p) for p in report]
    if lines:
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines)


def format_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def format_github(report: Report) -> str:
    """GitHub workflow commands, so problems show on the lines of the pull request's diff."""
    lines = []
    for p in report:
        cmd = "error" if report.failing(p) else "warning"
        props = [f"file={_gh_escape(p.path, True)}"]
        if p.line is not None:
            props.append(f"line={p.line}")
            props.append(f"col={p.column or 1}")
        props.append(f"title={_gh_escape(p.code, True)}")
        msg = f"{p.pointer}: {p.message}" if p.pointer else p.message
        lines.append(f"::{cmd} {','.join(props)}::{_gh_escape(msg)}")
    lines.append(summary(report))
    return "\n".join(lines)


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}


def catalogue_text() -> str:
    width = max(len(c) for c in CATALOGUE)
    return "\n".join(f"{c.code:<{width}}  {c.level.value:<7}  {c.title}" for c in
                     sorted(CATALOGUE.values(), key=lambda c: c.code))


def catalogue_json() -> str:
    return json.dumps([{"code": c.code, "level": c.level.value, "title": c.title,
                        "description": c.description}
                       for c in sorted(CATALOGUE.values(), key=lambda c: c.code)], indent=2)
