"""What an export reads: (seed, layer) pairs from the validated corpus or from a built `dist/`.

From the corpus, the chosen documents (seeds and layers) are validated first, as `score`,
`stats` and `agree` validate them, and an invalid one refuses the export with its coded
problems. From a built folder, the rows are read back
as `dataset.built` checks them, so what is exported is exactly what was built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..corpus.layout import Corpus
from ..corpus.splits import SPLITS, Splits, corpus_splits
from ..dataset.built import checked, documents_files, layer_source, rows
from ..validation.run import require_valid
from .common import Layer, Seed


def export_order(splits: Splits) -> Callable[[str], tuple[int, str]]:
    """Documents go split by split (train, validation, test), then by id: a built folder's
    order, so the corpus and its build export the same files."""
    return lambda doc_id: (SPLITS.index(splits(doc_id)), doc_id)


@dataclass
class Selection:
    """The documents to export, in order, and how to read them one at a time (a corpus may
    not fit in memory)."""

    origin: str  # "corpus" or "dist"
    doc_ids: list[str]
    without_layer: int  # documents (of the split) that lack the layer
    pairs: Callable[[], Iterator[tuple[Seed, Layer]]]


def from_corpus(corpus: Corpus, source: str, split: str | None) -> Selection:
    splits = corpus_splits(corpus.root)
    ids = [d for d in corpus.doc_ids() if split is None or splits(d) == split]
    chosen = sorted((d for d in ids if corpus.annotation_path(d, source).is_file()),
                    key=export_order(splits))
    if chosen:  # each seed with its layers, as score, stats and agree check them
        require_valid(corpus.root, [corpus.seed_path(d) for d in chosen],
                      f"the {len(chosen)} document(s) to export or their layers do not "
                      "validate: fix them first (claimstance validate); nothing was exported")

    def pairs() -> Iterator[tuple[Seed, Layer]]:
        for d in chosen:
            yield corpus.read_seed(d), corpus.read_layer(d, source)

    return Selection("corpus", chosen, len(ids) - len(chosen), pairs)


def from_dist(dist: Path, source: str, split: str | None) -> Selection:
    """Layers of a built folder: the gold ones for `source` gold, else the documents built
    from that annotator's lone layer (`build --allow-single`). Rows are read in batches, and
    each is checked by the corpus's rules as it is read (`dataset.built.checked`)."""
    files = documents_files(dist, split)
    chosen: list[str] = []
    total = 0
    for _, _, _, row, _ in rows(files, ["id", "annotation_source", "annotators"]):
        total += 1
        if layer_source(row) == source:
            chosen.append(str(row["id"]))

    def pairs() -> Iterator[tuple[Seed, Layer]]:
        for _, seed, layer in checked(files, source):
            yield seed, layer

    return Selection("dist", chosen, total - len(chosen), pairs)
