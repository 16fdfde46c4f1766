"""What a build produced: a leaf value the card, Croissant and the CLI all read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.neardup import SHINGLE
from ..corpus.release import Release
from ..corpus.splits import SPLITS, Move, Splits
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
    assigned: dict[str, str] = field(default_factory=dict)  # document id -> split
    # near-duplicates among them: each group's split key (its smallest id in the corpus,
    # which may be a document this build left out) first, then its documents built here
    groups: list[list[str]] = field(default_factory=list)
    near_threshold: float | None = None
    moves: list[Move] = field(default_factory=list)  # since the build this one replaced

    @property
    def version(self) -> str | None:
        return self.release.version

    def placed(self, splits: Splits, doc_ids: list[str],
               previous: dict[str, Any] | None) -> None:
        """Record where the built documents went, their near-duplicate groups, and which
        of them the `previous` build's manifest put in another split."""
        from .manifest import split_map

        self.assigned = {d: splits(d) for d in sorted(doc_ids)}
        self.groups = []
        for g in splits.groups:  # those a reader needs to recompute a built one's split
            here = [d for d in g if d in self.assigned]
            if len(here) > 1 or (here and here[0] != g[0]):
                self.groups.append(here if here[0] == g[0] else [g[0], *here])
        self.near_threshold = splits.threshold
        self.moves = splits.moves(split_map(previous), self.assigned)

    def built_in(self, group: list[str]) -> list[str]:
        """The documents of a listed group that this build holds."""
        return [d for d in group if d in self.assigned]

    def placement(self) -> dict[str, Any]:
        """What the manifest records of it (publish compares it with what went out before)."""
        by_split: dict[str, list[str]] = {s: [] for s in SPLITS}
        for d, split in self.assigned.items():
            by_split[split].append(d)
        return {"splits": {s: ids for s, ids in by_split.items() if ids},
                "near_duplicates": {"threshold": self.near_threshold, "shingle": SHINGLE,
                                    "groups": self.groups}}

    def to_dict(self) -> dict[str, Any]:
        return {"built": True, "out": str(self.out), "documents": self.documents,
                "excluded": self.excluded, "single": self.single, "splits": self.splits,
                "near_duplicate_groups": self.groups,
                "moves": [m.to_dict() for m in self.moves], "files": self.files}

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
        if self.groups:
            lines.append(f"  near-duplicate groups, each kept in one split: {len(self.groups)} "
                         f"({sum(map(len, map(self.built_in, self.groups)))} documents)")
        if self.moves:
            lines.append(f"  moved to another split since the last build ({len(self.moves)}):")
            lines += [f"    {m.text()}" for m in self.moves]
        return "\n".join(lines)
