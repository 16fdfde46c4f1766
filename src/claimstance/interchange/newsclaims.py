"""NewsClaims export: the files blender-nlp/NewsClaims' evaluation scripts read.

    <name>.json                    gold: {doc_id: {sentence: {claim_span, has_claimer,
                                   claimer, claimer_in_sentence}}} (their dev.json/test.json)
    all_sents.json                 {doc_id: [sentence texts]}: the corpus's segmentation
    <name>.predictions.json        with --pred: an entry for every gold claim sentence
                                   (`--eval_claim_span`, `--eval_claimer`)
    <name>.claim_sentences.json    with --pred: {doc_id: [sentences where a predicted claim
                                   starts]} (`--eval_claim`)

What goes in each entry, and what cannot, is decided once in `quality.newsclaims.entries`,
which `score --mode newsclaims` scores: the official scripts run on these files print its
figures. Each file is one JSON object written a document at a time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from ..corpus.items import Items, from_layer
from ..corpus.segments import segments
from ..quality.newsclaims import DocEntries, entries
from .common import Layer, Seed

GOLD_NOT_KEPT = "gold claims not representable (after the first claim of their sentence)"
PRED_NOT_KEPT = ("predicted claims in no span or claimer entry (claim detection still "
                 "counts their sentence)")


def file_names(name: str, with_predictions: bool) -> dict[str, str]:
    """The files of an export, by role."""
    out = {"gold": f"{name}.json", "sentences": "all_sents.json"}
    if with_predictions:
        out |= {"predictions": f"{name}.predictions.json",
                "detected": f"{name}.claim_sentences.json"}
    return out


class _ObjectWriter:
    """One JSON object written member by member (a corpus need not fit in memory)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.first = True
        fh.write(b"{")

    def add(self, key: str, value: Any) -> None:
        sep = b"\n" if self.first else b",\n"
        self.first = False
        self.fh.write(sep + json.dumps(key).encode() + b": "
                      + json.dumps(value, ensure_ascii=False).encode("utf-8"))

    def close(self) -> None:
        self.fh.write(b"\n}\n")


def _members(doc: DocEntries) -> dict[str, Any]:
    return {"gold": {k: e.to_json() for k, e in doc.gold.items()},
            "sentences": doc.sentences,
            "predictions": {k: e.to_json() for k, e in doc.predicted.items()},
            "detected": doc.detected}


def write_newsclaims(folder: Path, docs: Iterable[tuple[Seed, Layer]], name: str,
                     predictions: dict[str, Items] | None, lost: Counter[str]) -> None:
    """Write the export of (seed, layer) pairs into `folder`; with `predictions` (items by
    doc_id; a document without a line is an empty prediction) the prediction files too."""
    names = file_names(name, predictions is not None)
    with ExitStack() as stack:
        writers = {role: _ObjectWriter(stack.enter_context((folder / f).open("wb")))
                   for role, f in names.items()}
        for seed, layer in docs:
            pred = None if predictions is None else predictions.get(seed["id"], Items())
            doc = entries(seed["text"], from_layer(layer),
                          pred, segments(seed["text"]))
            lost[GOLD_NOT_KEPT] += doc.not_representable
            lost[PRED_NOT_KEPT] += doc.predictions_left_out
            members = _members(doc)
            for role, w in writers.items():
                w.add(seed["id"], members[role])
        for w in writers.values():
            w.close()
