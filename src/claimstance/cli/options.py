"""Options every command group shares, defined once."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def root_option(f: F) -> F:
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Corpus root (default: the current directory).")(f)


def format_option(*choices: str) -> Callable[[F], F]:
    def deco(f: F) -> F:
        return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                            show_default=True, help="Output format.")(f)
    return deco


def quiet_option(f: F) -> F:
    return click.option("--quiet", "-q", is_flag=True, help="No progress bars.")(f)


def jobs_option(f: F) -> F:
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                        help="Processes to use (default: every core for large corpora).")(f)


def no_cache_option(f: F) -> F:
    return click.option("--no-cache", "no_cache", is_flag=True,
                        help="Check and compute everything again: take nothing from the cache "
                        "of earlier runs and keep nothing there (also CLAIMSTANCE_NO_CACHE=1)."
                        )(f)


def show_progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()
