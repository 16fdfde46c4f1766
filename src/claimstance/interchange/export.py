"""`claimstance export`: layers -> the files another tool reads, in a folder of their own.

OUT is always a folder, replaced as a whole (written beside it, then swapped in, as a build
is), so a failed export leaves the previous one as it was. It holds, by format:
`<doc_id>.txt` + `<doc_id>.ann` per document and the collection's annotation.conf,
tools.conf and visual.conf (brat); `<name>.conll`, `<name>.claims.conll` and
`<name>.documents.jsonl` (CoNLL); `<name>-00000-of-0000N.spacy` (500
documents per DocBin: spaCy reads a folder of them); `<name>.jsonl` (doccano);
`<name>.json` and `all_sents.json`, with predictions `<name>.predictions.json` and
`<name>.claim_sentences.json` (NewsClaims), where
`<name>` is the split exported, or `corpus` for all of them. Documents are written one at a
time, split by split, then by id. A marker file records what
was exported, so a later export may replace the folder and nothing else is ever replaced
without `--force`. No timestamps: the same layers give byte-identical files.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..corpus.items import Items
from ..corpus.layout import Corpus
from ..corpus.lock import corpus_lock
from ..corpus.naming import GOLD, is_annotator, is_pseudonym
from ..corpus.writing import claim_output, output_lock, staged_output
from ..dataset.manifest import made_here
from ..problems import Code, refuse
from ..validation.predictions import checked_predictions
from ..validation.reader import file_sha256
from . import brat, doccano
from .common import Layer, Seed
from .sources import Selection, from_corpus, from_dist

MARKER = ".claimstance-export.json"
SUFFIX = {"conll": ".conll", "spacy": ".spacy", "doccano": ".jsonl"}


@dataclass
class ExportResult:
    """What an export wrote and what the format could not hold."""

    format: str
    out: Path
    source: str
    split: str | None
    origin: str  # "corpus" or "dist"
    documents: list[str]
    files: list[str]
    without_layer: int
    lost: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {"exported": True, "format": self.format, "out": str(self.out),
                "source": self.source, "split": self.split, "from": self.origin,
                "documents": self.documents, "files": self.files,
                "documents_without_layer": self.without_layer,
                "not_kept": dict(sorted(self.lost.items()))}

    def text(self) -> str:
        where = f" ({self.split} split)" if self.split else ""
        lines = [f"exported {len(self.documents)} {self.source} layer(s){where} from the "
                 f"{self.origin} to {self.out} as {self.format}: {len(self.files)} file(s)"]
        if self.without_layer:
            lines.append(f"  documents without a {self.source} layer, not exported: "
                         f"{self.without_layer}")
        lines += [f"  {what}: {n}" for what, n in sorted(self.lost.items())]
        if not self.lost:
            lines.append(f"  every span, relation and link is in the {self.format} files")
        return "\n".join(lines)


def _bar(pairs: Iterator[tuple[Seed, Layer]], total: int,
         progress: bool) -> Iterator[tuple[Seed, Layer]]:
    if not progress:
        return pairs
    from tqdm import tqdm

    return iter(tqdm(pairs, total=total, desc="exporting", unit="doc", leave=False,
                     mininterval=0.5))


def write_files(fmt: str, folder: Path, sel: Selection, name: str = "corpus",
                progress: bool = False, predictions: dict[str, Items] | None = None
                ) -> Counter[str]:
    """Write the files of one export into `folder`, a document at a time (a corpus need not
    fit in memory); returns what the format could not hold."""
    docs = _bar(sel.pairs(), len(sel.doc_ids), progress)
    lost: Counter[str] = Counter()
    if fmt == "newsclaims":
        from .newsclaims import write_newsclaims

        write_newsclaims(folder, docs, name, predictions, lost)
    elif fmt == "brat":
        for seed, layer in docs:
            txt, ann = brat.to_brat(seed, layer)
            (folder / f"{seed['id']}.txt").write_bytes(txt.encode("utf-8"))
            (folder / f"{seed['id']}.ann").write_bytes(ann.encode("utf-8"))
        for conf, text in brat.configs().items():
            (folder / conf).write_bytes(text.encode("utf-8"))
    elif fmt == "doccano":
        with (folder / f"{name}.jsonl").open("wb") as fh:
            for seed, layer in docs:
                fh.write(doccano.to_jsonl(doccano.to_doccano(seed, layer)))
    elif fmt == "conll":
        from .conll import conll_chunks, file_names

        with ExitStack() as stack:
            files = {kind: stack.enter_context((folder / f).open("wb"))
                     for kind, f in file_names(name).items()}
            for chunk in conll_chunks(docs, name, lost):
                for kind, text in chunk.files.items():
                    files[kind].write(text.encode("utf-8"))
    elif fmt == "spacy":
        from .spacy_docbin import SHARD_DOCS, docbins

        n = -(-len(sel.doc_ids) // SHARD_DOCS)
        for k, data in enumerate(docbins(docs, lost, SHARD_DOCS)):
            (folder / f"{name}-{k:05d}-of-{n:05d}.spacy").write_bytes(data)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return +lost


def _resolved(path: Path, what: str, code: Code) -> Path:
    """`path` with every link followed, or a refusal: a symlink loop leads nowhere."""
    try:
        return path.resolve()
    except (OSError, RuntimeError) as e:  # RuntimeError: a loop (before Python 3.13)
        raise refuse(code, str(path), f"{what} {path}: {e}") from None


def _overlaps(a: Path, b: Path) -> bool:
    return a == b or a in b.parents or b in a.parents


@contextlib.contextmanager
def claimed_out(out: Path, corpus: Corpus, dist: Path | None, force: bool) -> Iterator[None]:
    """Hold OUT while exporting: refuse one that would replace corpus files, or a folder
    export did not write, and hold the lock of the folder it is in."""
    target = _resolved(out, "OUT", Code.OUTPUT_NOT_OURS)
    for kept in [corpus.seeds_dir, corpus.annotations_dir, *([dist] if dist else [])]:
        if _overlaps(target, _resolved(kept, "--dist" if kept == dist else "the corpus's",
                                       Code.EXPORT_BAD_DIST)):
            raise refuse(Code.EXPORT_INTO_CORPUS, str(out),
                         f"{out} is, contains or lies inside {kept}, which export reads; "
                         "choose an OUT folder elsewhere (e.g. export/brat)")
    with output_lock(corpus.root, out, "OUT", "export"):
        claim_output(corpus.root, out, "OUT", force=force,
                     ours=lambda folder: made_here(folder, MARKER) is not None,
                     ours_is=f"an export (a {MARKER} written by `claimstance export` that "
                     "lists every file in it)")
        yield


def _write(out: Path, fmt: str, sel: Selection, name: str, progress: bool,
           marker: dict[str, Any], predictions: dict[str, Items] | None
           ) -> tuple[list[str], Counter[str]]:
    """Write the export into a fresh folder beside OUT, then swap it in."""
    with staged_output(out, "export") as staging:
        lost = write_files(fmt, staging, sel, name, progress, predictions)
        files = sorted(p.name for p in staging.iterdir())
        marker["files"] = {f: file_sha256(staging / f) for f in files}
        (staging / MARKER).write_bytes(json.dumps(marker, indent=2).encode("utf-8") + b"\n")
    return [*files, MARKER], lost


OUTSIDE_SPLIT = "predicted documents outside the split (not exported)"


def _predictions(path: Path, every: Selection, sel: Selection, source: str,
                 lost: Counter[str]) -> dict[str, Items]:
    """The predictions of a NewsClaims export, checked as `score` checks them: against the
    documents of every split with the `source` layer (a first pass collects their texts), so
    that a file of the whole corpus serves `--split` too; those of other splits are counted
    in `lost`."""
    texts, digests = {}, {}
    for seed, _ in every.pairs():
        texts[seed["id"]], digests[seed["id"]] = seed["text"], seed["sha256"]
    among = (f"with a {source} layer in the {every.origin} to export beside; check the id "
             "(or --source)")
    items = checked_predictions(path, str(path), texts, digests, "exported", among).items
    wanted = set(sel.doc_ids)
    lost[OUTSIDE_SPLIT] += sum(1 for d in items if d not in wanted)
    return {d: x for d, x in items.items() if d in wanted}


def export(fmt: str, out: str | Path, *, root: str | Path | None = None, source: str = GOLD,
           split: str | None = None, dist: str | Path | None = None, force: bool = False,
           progress: bool = False, pred: str | Path | None = None) -> ExportResult:
    """Export the `source` layers (of `split`) from the corpus, or from a built folder;
    `pred` (NewsClaims only) adds a predictions file in the format's prediction files."""
    if pred is not None and fmt != "newsclaims":
        raise ValueError("predictions are exported with the newsclaims format only")
    corpus = Corpus.at(root)
    out_dir = Path(out).absolute()
    dist_dir = Path(dist).absolute() if dist is not None else None
    if not is_annotator(source):
        raise refuse(Code.INVALID_FILE_NAME, source,
                     f"{source!r} is not a layer name: gold, or an annotator's pseudonym "
                     "(lower-case letters, digits, '-' and '_')")
    if not is_pseudonym(source):  # the source is written into the files and the marker
        raise refuse(Code.EXPORT_PERSONAL_DATA, source,
                     f"layer {source!r} is not named by a pseudonym (a + 10 hex digits, as "
                     "`ls pull` names layers) and export would write its name into the "
                     "files; rename the layer to its pseudonym first")
    with corpus_lock(corpus.root, "export"), \
            claimed_out(out_dir, corpus, dist_dir, force):  # no build swaps dist/ meanwhile
        def select(split: str | None) -> Selection:
            return (from_dist(dist_dir, source, split) if dist_dir is not None
                    else from_corpus(corpus, source, split))

        sel = select(split)
        if not sel.doc_ids:
            where = f" in the {split} split" if split else ""
            raise refuse(Code.EXPORT_NOTHING, str(dist_dir or corpus.root),
                         f"no document{where} has a {source} layer in the {sel.origin}; "
                         "nothing was written")
        outside: Counter[str] = Counter()
        predictions = None if pred is None else _predictions(
            Path(pred), sel if split is None else select(None), sel, source, outside)
        marker = {"claimstance_version": __version__, "format": fmt, "source": source,
                  "split": split, "from": sel.origin}
        if pred is not None:
            marker["predictions_sha256"] = file_sha256(Path(pred))
        files, lost = _write(out_dir, fmt, sel, split or "corpus", progress, marker,
                             predictions)
    lost += outside
    return ExportResult(fmt, out_dir, source, split, sel.origin, sel.doc_ids, files,
                        sel.without_layer, lost)

