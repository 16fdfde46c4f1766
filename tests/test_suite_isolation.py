"""The test processes keep their files in folders of their own (conftest's
`pytest_configure`), never the user's, and still find the costly real parts where they are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from claimstance.corpus.userdirs import Kind, user_dir
from claimstance.labelstudio import server

from . import brat_tools, doccano_venv
from .conftest import HOME_ENV


def test_the_tests_and_the_commands_they_run_use_folders_of_their_own() -> None:
    home = Path(os.environ[HOME_ENV])
    assert home.is_dir() and not home.is_relative_to(Path.home())
    kinds: tuple[Kind, ...] = ("cache", "config", "data", "state")
    assert all(user_dir(k).is_relative_to(home) for k in kinds)
    out = subprocess.run([sys.executable, "-c", "from claimstance.corpus.userdirs import "
                          f"user_dir; print(*(user_dir(k) for k in {kinds!r}))"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(user_dir(k)) for k in kinds]


def test_the_servers_virtualenvs_and_brat_are_found_outside_them() -> None:
    """Named by the variables their finders read first, as the user's cache holds them (or
    as $CLAIMSTANCE_LS_VENV and the like named them when the tests started)."""
    home = Path(os.environ[HOME_ENV])
    for name, found in ((server.VENV_ENV, server.venv_dir()),
                        (doccano_venv.VENV_ENV, doccano_venv.venv_dir()),
                        (brat_tools.DIR_ENV, brat_tools.brat_dir())):
        assert os.environ[name] == str(found) and found.is_absolute(), name
        assert not found.is_relative_to(home), name
