"""How much annotators changed the suggestions they started from.

Each annotator's layer of a document is compared with the suggestion for that document (a
predictions file pushed with `ls push --predictions`) by the agreement figures: an F1 of 1
means the annotator kept every suggested span, lower means they added, moved or deleted
spans; alpha and claimant agreement say how often they changed types and claimants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..corpus.layout import Corpus
from ..corpus.naming import GOLD
from ..validation.run import require_valid
from .agreement import AgreementReport, compare, table_markdown, table_text

Layer = dict[str, Any]


@dataclass
class ChangeReport:
    """Agreement of each annotator with the suggestions, and pooled over annotators."""

    against: str
    report: AgreementReport

    def to_dict(self) -> dict[str, Any]:
        return {"against": self.against} | self.report.to_dict()

    def text(self) -> str:
        if not self.report.documents:
            return f"no annotator layer of a document with {self.against}: nothing to compare"
        body = table_text(self.report).split("\n", 1)[1]
        return (f"{len(self.report.documents)} document(s) with {self.against} and annotator "
                f"layers: 1.000 means the annotators kept the {self.against} as they were\n"
                + body)

    def markdown(self) -> str:
        return table_markdown(self.report)


def against(root: str | Path | None, reference: Mapping[str, Layer], name: str,
            doc_ids: Iterable[str] = ()) -> ChangeReport:
    """Compare every annotator layer (not gold) with `reference[doc_id]`, the items the
    annotators were shown; pairs are (name, annotator)."""
    corpus = Corpus.at(root)
    ids = [d for d in (list(doc_ids) or corpus.doc_ids()) if d in reference]
    require_valid(corpus.root, [corpus.seed_path(d) for d in ids],
                  "fix these problems first: agreement on invalid layers means nothing")
    out = AgreementReport()
    for doc_id in ids:
        names = [a for a in corpus.annotators(doc_id) if a != GOLD]
        if not names:
            continue
        length = len(corpus.read_seed(doc_id)["text"])
        out.add(doc_id, (((name, a), compare(reference[doc_id], corpus.read_layer(doc_id, a),
                                             length)) for a in names))
    return ChangeReport(name, out)
