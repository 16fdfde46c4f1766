"""One way to print a result (text, Markdown or JSON) and one way to print a refusal."""

from __future__ import annotations

import json
from typing import Any, Protocol

import click

from ..problems import Refused
from ..validation.formatters import format_problem, render


class Result(Protocol):
    """What commands print: a value that can say itself for a person and for a program."""

    def to_dict(self) -> dict[str, Any]: ...

    def text(self) -> str: ...


def emit(result: Result, fmt: str = "text") -> None:
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif fmt == "markdown" and hasattr(result, "markdown"):
        click.echo(result.markdown())
    else:
        click.echo(result.text())


def emit_refusal(e: Refused, fmt: str = "text") -> None:
    """The problems that made a command decline, then why (stdout for JSON, stderr else)."""
    if fmt == "json":
        report = e.report.to_dict() if e.report is not None else None
        click.echo(json.dumps({"ok": False, "error": e.message,
                               "problems": [p.to_dict() for p in e.problems],
                               "validation": report}, indent=2, ensure_ascii=False))
        return
    if e.report is not None:
        click.echo(render(e.report), err=True, nl=False)
    else:
        for p in e.problems:
            if p.message != e.message or len(e.problems) > 1:
                click.echo(format_problem(p), err=True)
    code = ""
    if len(e.problems) == 1:  # its code and where, as file::/json/pointer
        p = e.problems[0]
        where = p.location.removeprefix(".") if p.path == "." else p.location  # "." is no file
        code = f" [{p.code.value}]" + (f" {where}" if where else "")
    click.echo(f"error{code}: {e.message}", err=True)


def finish(ok: bool) -> None:
    """Exit 0 when the result is good, 1 when it is not (usage errors exit 2 in click)."""
    click.get_current_context().exit(0 if ok else 1)
