"""README documents every command and every option (as sqlite-utils' test_docs.py does):
a command or option added without a line in README's tables fails here."""

from __future__ import annotations

import re

import click
import pytest

from claimstance.cli import main

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
#: Options every command that has them shares; README lists them once, under "Common options".
COMMON = ("--root", "--format", "--quiet", "--jobs", "--help")


def commands() -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []

    def walk(cmd: click.Command, path: list[str]) -> None:
        if isinstance(cmd, click.Group):
            for name, sub in sorted(cmd.commands.items()):
                walk(sub, [*path, name])
        else:
            out.append((" ".join(path), cmd))

    walk(main, [])
    return out


def rows(command: str) -> list[str]:
    """README table rows that document `claimstance <command>`."""
    pattern = re.compile(rf"^\| `claimstance {re.escape(command)}(?: [^`]*)?`", re.M)
    return [README[m.start():README.index("\n", m.start())] for m in pattern.finditer(README)]


@pytest.mark.parametrize(("name", "cmd"), commands(), ids=[n for n, _ in commands()])
def test_every_command_and_option_is_in_readme(name: str, cmd: click.Command) -> None:
    documented = rows(name)
    assert documented, f"README has no table row for `claimstance {name}`"
    text = "\n".join(documented)
    for param in cmd.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        longest = max(param.opts, key=len)
        if longest in COMMON:
            continue
        assert longest in text, f"`claimstance {name} {longest}` is not in README's table"


def test_common_options_are_described_once() -> None:
    section = README[README.index("Common options"):]
    section = section[:section.index("\n\n")]
    for opt in COMMON:
        assert f"`{opt}" in section, opt
