"""What a build produced: a leaf value the card, Croissant and the CLI all read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.release import Release
from ..quality.agreement import AgreementReport
from ..quality.scoring import Tally


@dataclass
class Reference:
    """A reference system scored at build time (the baseline, or annotators against gold):
    tallies pooled per split, and how many documents and scored layers they rest on."""

    tallies: dict[str, Tally] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)
    layers: dict[str, int] = field(default_factory=dict)

    def add(self, split: str, tallies: list[Tally]) -> None:
        """One document's scored layers (none: nothing to add)."""
        if not tallies:
            return
        pooled = self.tallies.setdefault(split, Tally())
        for t in tallies:
            pooled.add(t)
        self.documents[split] = self.documents.get(split, 0) + 1
        self.layers[split] = self.layers.get(split, 0) + len(tallies)

    def merge(self, other: Reference) -> None:
        for split, t in other.tallies.items():
            self.tallies.setdefault(split, Tally()).add(t)
            self.documents[split] = self.documents.get(split, 0) + other.documents[split]
            self.layers[split] = self.layers.get(split, 0) + other.layers[split]


@dataclass
class BuildResult:
    out: Path
    splits: dict[str, dict[str, int]]  # config -> split -> rows
    num_bytes: dict[str, dict[str, int]]
    files: list[str]
    documents: int
    excluded: list[str] = field(default_factory=list)
    licenses: set[str | None] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    stats: dict[str, Any] = field(default_factory=dict)
    agreement: AgreementReport = field(default_factory=AgreementReport)
    single: list[str] = field(default_factory=list)  # built from a lone layer (--allow-single)
    release: Release = field(default_factory=lambda: Release(None, None, None, None))
    bio: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> BIO counts
    baseline: Reference = field(default_factory=Reference)
    human: Reference = field(default_factory=Reference)
    reference: str | None = None  # the split the reference rows were scored on (None: all)

    @property
    def version(self) -> str | None:
        return self.release.version

    def to_dict(self) -> dict[str, Any]:
        return {"built": True, "out": str(self.out), "documents": self.documents,
                "excluded": self.excluded, "single": self.single, "splits": self.splits,
                "files": self.files}

    def text(self) -> str:
        lines = [f"built {self.out} from {self.documents} document(s)"]
        for config, per in self.splits.items():
            sizes = ", ".join(f"{s}: {n}" for s, n in per.items())
            lines.append(f"  {config:<10} {sizes}")
        if self.single:
            lines.append(f"  from a lone annotator's layer (--allow-single): "
                         f"{', '.join(self.single)}")
        if self.excluded:
            lines.append(f"  excluded (no gold.json; adjudicate them, or --allow-single for "
                         f"a lone layer): {', '.join(self.excluded)}")
        return "\n".join(lines)
