"""Where things live in a corpus: seeds/<doc_id>.json and annotations/<doc_id>/<annotator>.json."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..problems import Code, Problem, Refused, problem, refuse
from .naming import ANNOTATOR, DOC_ID, is_doc_id

#: The corpus's own prose at its root that a build reads (`Corpus.root_text`: the card's
#: datasheet, the release), besides its settings (`config.CONFIG`).
PROSE_FILES = ("DATASHEET.md", "CHANGELOG.md", "CITATION.cff")


@dataclass(frozen=True)
class Corpus:
    root: Path

    @classmethod
    def at(cls, root: str | Path | None = None) -> Corpus:
        return cls(Path(root or ".").absolute())

    @functools.cached_property
    def base(self) -> str:
        """The root as a string, for hot paths where pathlib costs more than the I/O."""
        return str(self.root)

    @property
    def seeds_dir(self) -> Path:
        return self.root / "seeds"

    @property
    def annotations_dir(self) -> Path:
        return self.root / "annotations"

    def not_a_corpus(self) -> Problem | None:
        """Why the root is no corpus (it has no seeds/ folder), or None when it is one."""
        if self.seeds_dir.is_dir():
            return None
        return problem(Code.FILE_NOT_FOUND, "seeds", "", f"no seeds/ folder in {self.root}: "
                       "is this the corpus root? (use --root DIR)")

    def seed_path(self, doc_id: str) -> Path:
        return self.seeds_dir / f"{doc_id}.json"

    def annotation_path(self, doc_id: str, annotator: str) -> Path:
        return self.annotations_dir / doc_id / f"{annotator}.json"

    def read_seed(self, doc_id: str) -> dict[str, Any]:
        """A seed, parsed (callers that need it valid validate first)."""
        data: dict[str, Any] = orjson.loads(self.seed_path(doc_id).read_bytes())
        return data

    def read_layer(self, doc_id: str, annotator: str) -> dict[str, Any]:
        """An annotation layer, parsed (callers that need it valid validate first)."""
        data: dict[str, Any] = orjson.loads(self.annotation_path(doc_id, annotator).read_bytes())
        return data

    def rel(self, path: Path) -> str:
        """Path relative to the root, '/'-separated, as reports show it."""
        return Path(os.path.relpath(os.path.normpath(path), self.root)).as_posix()

    def inside(self, path: Path) -> bool:
        """True when `path`, with every symlink followed, stays inside the root (a symlink
        loop, which leads nowhere, does not)."""
        try:
            path.resolve().relative_to(self.root.resolve())
        except (ValueError, RuntimeError, OSError):  # RuntimeError: a loop (before 3.13)
            return False
        return True

    def leads_out(self, name: str) -> Problem | None:
        """Why one of the corpus's own files at its root (`PROSE_FILES`, the settings) must
        not be read: it leads out of the corpus through a symbolic link (to a secret of
        whoever builds), and what the build reads from it goes into the dataset card, and
        so to the Hub. None: it may be read (or there is none). `validate` says the same."""
        path = self.root / name
        if not path.is_file() or self.inside(path):
            return None
        return problem(Code.OUTSIDE_ROOT, name, "", f"{name} leads outside the corpus "
                       "through a symbolic link, and what the build reads from it would go "
                       f"into the dataset; nothing was read: make {name} a file of the corpus")

    def root_text(self, name: str) -> str | None:
        """The text of one of the corpus's own files at its root (DATASHEET.md,
        CHANGELOG.md, CITATION.cff), or None when there is none. What they say goes into
        the dataset card: one that leads out of the corpus is refused (`leads_out`)."""
        path = self.root / name
        if not path.is_file():
            return None
        out = self.leads_out(name)
        if out is not None:
            raise Refused(out.message, [out])
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise refuse(Code.INVALID_ENCODING, name, f"{name} is not UTF-8 (byte {e.start} "
                         "is not); save it as UTF-8") from None
        except OSError as e:
            raise refuse(Code.IO_ERROR, name, f"cannot read {name}: {e.strerror}") from None

    def doc_ids(self) -> list[str]:
        """Ids of all seeds that are well-named JSON files."""
        if not self.seeds_dir.is_dir():
            return []
        return sorted(
            e.name[:-5] for e in os.scandir(self.seeds_dir)
            if e.name.endswith(".json") and DOC_ID.match(e.name[:-5])
        )

    def select(self, doc_ids: Iterable[str] = ()) -> list[str]:
        """The documents a command works on: those named (once each, in order), or all.

        Refuses (`Refused`: one INVALID_FILE_NAME per name that is no document id, such as
        `../seeds/x`, else one DOCUMENT_NOT_FOUND per missing seed) before any work, so a
        typo in one id never leaves a run half done.
        """
        named = list(dict.fromkeys(doc_ids))
        odd = [d for d in named if not is_doc_id(d)]  # never a path from a name that is none
        if odd:
            why = [f"{d!r} is not a document id (the name of a seeds/ file without .json)"
                   for d in odd]
            raise Refused(why[0] + (f" (and {len(odd) - 1} more)" if len(odd) > 1 else ""),
                          [problem(Code.INVALID_FILE_NAME, d, "", w)
                           for d, w in zip(odd, why, strict=True)])
        missing = [self.rel(self.seed_path(d)) for d in named if not self.seed_path(d).is_file()]
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise Refused(f"no seed {missing[0]}{more}",
                          [problem(Code.DOCUMENT_NOT_FOUND, m, "", f"no seed {m}")
                           for m in missing])
        return named or self.doc_ids()

    def annotators(self, doc_id: str) -> list[str]:
        d = self.annotations_dir / doc_id
        if not d.is_dir():
            return []
        return sorted(
            e.name[:-5] for e in os.scandir(d)
            if e.name.endswith(".json") and ANNOTATOR.match(e.name[:-5]) and e.is_file()
        )

