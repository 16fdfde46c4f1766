"""Model suggestions for annotators to correct: where pre-annotations may come from.

Only explicit sources: the adjudicated gold layers, or a predictions file in the prediction
format (JSON lines, one document a line, shaped like an annotation layer; ids optional; a
claimant or holder a mention id or a span; `schema/prediction.schema.json`). Never another
annotator's layer: that would bias the independent annotation agreement figures assume.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..corpus.layout import Corpus
from ..corpus.naming import GOLD
from ..validation.predictions import prediction_layers

Items = dict[str, list[dict[str, Any]]]  # {"mentions", "claims", "stances"}, layer-shaped


@dataclass
class Suggestions:
    """Pre-annotations under one model version: layer-shaped items per document."""

    model_version: str
    layers: dict[str, Items]
    score: float | None = None
    implicit: int = 0  # claimants and holders named only by a span: not drawn


def from_gold(corpus: Corpus, model_version: str | None = None) -> Suggestions:
    """Every gold layer of a (valid) corpus, shown as model version 'gold'."""
    layers = {}
    for doc_id in corpus.doc_ids():
        if GOLD in corpus.annotators(doc_id):
            g = corpus.read_layer(doc_id, GOLD)
            layers[doc_id] = {k: g[k] for k in ("mentions", "claims", "stances")}
    return Suggestions(model_version or GOLD, layers, score=1.0)


def from_predictions(corpus: Corpus, path: Path, model_version: str) -> Suggestions:
    """A predictions file; refused (every problem listed) unless every line is sound."""
    layers, implicit = prediction_layers(corpus, path)
    return Suggestions(model_version, layers, implicit=implicit)
