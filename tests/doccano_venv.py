"""doccano in a virtualenv of its own, made once as `claimstance ls up` makes Label Studio's.

doccano pins old libraries (Django 4, pandas 1, environs 9), so it never shares the test
environment; the tests run its import and export pipelines there (tests/doccano_harness.py).
`bash .ci/run` creates it on a fresh machine, from the package registry:

    python -c "from tests.doccano_venv import ensure_venv; ensure_venv(quiet=True)"

doccano 1.8.4 needs `marshmallow<4` (its environs 9 breaks on marshmallow 4) and `numpy<2`
(its pandas 1.5 is built against numpy 1); it runs on the Python the tests run on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from claimstance.corpus.userdirs import user_dir

REQUIREMENTS = ("doccano==1.8.4", "marshmallow<4", "numpy<2")
VENV_ENV = "CLAIMSTANCE_DOCCANO_VENV"


def venv_dir() -> Path:
    """$CLAIMSTANCE_DOCCANO_VENV (an existing doccano virtualenv), else one in the cache."""
    return Path(os.environ.get(VENV_ENV) or user_dir("cache") / "doccano-venv")


def ensure_venv(venv: Path | None = None, *, quiet: bool = False) -> Path:
    """The python of doccano's virtualenv, created and installed once."""
    venv = venv or venv_dir()
    python = venv / "bin" / "python"
    if (venv / "bin" / "doccano").is_file():
        return python
    out = subprocess.DEVNULL if quiet else None
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, stdout=out)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *REQUIREMENTS], check=True, stdout=out)
    if not (venv / "bin" / "doccano").is_file():
        raise RuntimeError(f"{venv}/bin/doccano is missing after installing {REQUIREMENTS}")
    return python


if __name__ == "__main__":
    print(ensure_venv(quiet=True))
