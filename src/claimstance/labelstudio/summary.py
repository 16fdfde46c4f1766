"""What a push or pull did, item by item: counts, files by outcome and coded problems."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..problems import Report


@dataclass
class Summary:
    """What a push or pull did, item by item, for a person and for --format json."""

    action: str
    project: str
    project_id: int | None = None
    counts: Counter[str] = field(default_factory=Counter)
    files: dict[str, list[str]] = field(default_factory=dict)  # outcome -> paths
    report: Report = field(default_factory=Report)
    settings: dict[str, Any] = field(default_factory=dict)  # project settings in force

    def add_file(self, outcome: str, path: str) -> None:
        self.files.setdefault(outcome, []).append(path)
        self.counts[f"files {outcome}"] += 1

    @property
    def ok(self) -> bool:
        return self.report.valid

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "project": self.project, "project_id": self.project_id,
                "ok": self.ok, "settings": self.settings,
                "counts": dict(sorted(self.counts.items())),
                "files": {k: sorted(v) for k, v in sorted(self.files.items())},
                "problems": [p.to_dict() for p in self.report.sorted()]}

    def text(self) -> str:
        from ..validation.formatters import format_problem

        head = f"{self.action} {self.project!r}" + (
            f" (project {self.project_id})" if self.project_id is not None else "")
        lines = [head]
        lines += [f"  {k.replace('_', ' ')}: {v}" for k, v in self.settings.items()]
        lines += [f"  {k}: {v}" for k, v in sorted(self.counts.items()) if v]
        problems = self.report.sorted()
        if problems:
            lines += ["", *map(format_problem, problems), "",
                      f"{self.report.errors} error(s), {self.report.warnings} warning(s)"]
        return "\n".join(lines)
