"""Build the optional C speedups; everything else is declared in pyproject.toml.

Like MarkupSafe's: when no C compiler is at hand, the build warns and installs the pure
Python fallback (checks._clean_py) instead of failing. Wheels also carry the JSON schemas
(schema/ in a checkout) as package data.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent


class OptionalBuildExt(build_ext):
    def run(self) -> None:
        try:
            super().run()
        except Exception as e:  # no compiler, no headers
            self._warn(e)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as e:
            self._warn(e)

    def _warn(self, e: Exception) -> None:
        print(f"WARNING: the C speedups could not be built ({e}); claimstance will use its "
              "pure-Python checks, which give the same results more slowly.", file=sys.stderr)


class BuildPyWithSchemas(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "claimstance" / "_schema"
        target.mkdir(parents=True, exist_ok=True)
        for p in sorted((HERE / "schema").glob("*")):
            if p.is_file():
                shutil.copyfile(p, target / p.name)


setup(
    ext_modules=[Extension("claimstance._speedups", ["src/claimstance/_speedups.c"],
                           extra_compile_args=["-O2"])],
    cmdclass={"build_ext": OptionalBuildExt, "build_py": BuildPyWithSchemas},
)
