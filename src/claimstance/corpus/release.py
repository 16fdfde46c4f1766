"""The dataset's version and citation, read from CHANGELOG.md and CITATION.cff (one source each)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..problems import Code, refuse
from .layout import Corpus

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$")
_ENTRY = re.compile(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?", re.M)


@dataclass
class Release:
    version: str | None
    date: str | None
    changelog: str | None  # the newest entry's text
    citation: dict[str, Any] | None

    @property
    def title(self) -> str | None:
        return str(self.citation["title"]) if self.citation and "title" in self.citation else None

    def bibtex(self) -> str | None:
        c = self.citation
        if not c:
            return None
        authors = " and ".join(a.get("name") or f"{a.get('family-names', '')}, "
                               f"{a.get('given-names', '')}".strip(", ")
                               for a in c.get("authors", []))
        year = str(c.get("date-released", self.date or ""))[:4]
        fields = {"title": c.get("title"), "author": authors, "year": year,
                  "version": c.get("version"), "url": c.get("url")}
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
        return f"@misc{{claimstance{year},\n{body}\n}}"


def read_release(root: Path) -> Release:
    """The release CHANGELOG.md and CITATION.cff describe (each read only if it stays inside
    the corpus: `Corpus.root_text`)."""
    corpus = Corpus(root)
    version = date = entry = None
    text = corpus.root_text("CHANGELOG.md")
    if text is not None:
        entries = list(_ENTRY.finditer(text))
        if entries:
            m = entries[0]
            version, date = m.group(1), m.group(2)
            end = entries[1].start() if len(entries) > 1 else len(text)
            entry = text[m.end():end].strip()
    citation = None
    cff = corpus.root_text("CITATION.cff")
    if cff is not None:
        citation = _citation(cff)
    return Release(version, date, entry, citation)


def _citation(text: str) -> dict[str, Any] | None:
    """CITATION.cff's mapping, or a refusal of one the card could not cite from (broken
    YAML, authors that are not a list of people)."""
    import yaml  # only builds read the citation: PyYAML comes with claimstance[dataset]

    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise refuse(Code.INVALID_VALUE, "CITATION.cff", f"CITATION.cff is not valid YAML"
                     f"{where}: {getattr(e, 'problem', None) or e}; fix it") from None
    if not isinstance(loaded, dict):
        return None
    authors = loaded.get("authors", [])
    if not isinstance(authors, list) or not all(isinstance(a, dict) for a in authors):
        raise refuse(Code.INVALID_VALUE, "CITATION.cff", "CITATION.cff's authors must be a "
                     "list of people, each with a name, or family-names and given-names")
    return loaded
