"""Commands for annotation quality: agree, adjudicate, score."""

from __future__ import annotations

from pathlib import Path

import click

from ..corpus.splits import SPLITS
from . import main
from .options import format_option, jobs_option, quiet_option, root_option, show_progress
from .output import emit, finish


@main.command()
@click.argument("doc_ids", nargs=-1)
@click.option("--against", type=click.Choice(["gold", "predictions"]), default=None,
              help="Score each annotator's layers against gold instead (human performance), "
              "or compare them with the suggestions they corrected (--predictions).")
@click.option("--predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, metavar="FILE.jsonl",
              help="With --against predictions: the file pushed by `ls push --predictions`.")
@root_option
@jobs_option
@quiet_option
@format_option("text", "json", "markdown")
def agree(doc_ids: tuple[str, ...], against: str | None, predictions: Path | None,
          root: Path | None, jobs: int | None, quiet: bool, fmt: str) -> None:
    """Inter-annotator agreement: span F1 (exact, overlap), Krippendorff's alpha for types
    and stance labels, claimant-link and stance-triple F1, unitizing alpha for spans, F1
    per label; pairwise and over the corpus.

    Compares annotator layers (not gold) of documents with two or more annotators. Every
    figure comes with the number of items it rests on. With --against gold, every
    annotator layer of documents with gold is scored against gold with the figures of
    `claimstance score`, one row per annotator and all of them pooled. With --against
    predictions, each annotator's layer is compared with the model suggestions they
    corrected: how much of them they kept.

    \b
    Examples:
      claimstance agree
      claimstance agree mali-accuses-algeria-downed-drone --format json
      claimstance agree --against gold --format markdown
      claimstance agree --against predictions --predictions model.jsonl
    """
    if (against == "predictions") != (predictions is not None):
        raise click.UsageError("--against predictions and --predictions FILE.jsonl go together")
    if against == "gold":
        from ..quality.evaluate import against_gold

        emit(against_gold(root, doc_ids), fmt)
        return
    if against == "predictions" and predictions is not None:
        from ..corpus.layout import Corpus
        from ..quality.suggested import against as compare_with
        from ..validation.predictions import prediction_layers

        layers, _ = prediction_layers(Corpus.at(root), predictions)
        emit(compare_with(root, layers, "predictions", doc_ids), fmt)
        return
    from ..quality.agreement import corpus_agreement

    emit(corpus_agreement(root, doc_ids, progress=show_progress(quiet), jobs=jobs), fmt)


@main.command()
@click.argument("doc_ids", nargs=-1)
@click.option("--annotators", default=None, metavar="A,B,...",
              help="Layers to merge (default: every annotator's, not gold). Without DOC_ID: "
              "the documents that have all of them.")
@click.option("--prefer", default=None, metavar="ANNOTATOR",
              help="Resolve conflicts the review file leaves open in favour of one annotator "
              "(where that annotator has a layer).")
@click.option("--force", is_flag=True,
              help="Replace an existing gold.json that differs from the merge.")
@root_option
@jobs_option
@quiet_option
@format_option("text", "json")
def adjudicate(doc_ids: tuple[str, ...], annotators: str | None, prefer: str | None,
               force: bool, root: Path | None, jobs: int | None, quiet: bool,
               fmt: str) -> None:
    """Merge annotators' layers into annotations/<doc_id>/gold.json.

    Items all annotators agree on are taken. Disagreements are listed in
    review/<doc_id>.json, where you write a resolution for each ("take:<annotator>" or
    "drop") and run the command again. gold.json is written only once no conflict is open;
    one that differs from the merge is kept unless --force. A gold.json written with
    warnings (a self-stance made of two annotators' versions) lists them, coded and located.
    Exits 1 while conflicts are open or a document was refused.

    With one DOC_ID, that document's agreed items and every conflict are shown. With
    several, or none (every document with two or more annotator layers), everything is
    validated once up front (any problem: nothing is written), and a summary counts the
    documents written, unchanged, with open conflicts, and refused (a malformed review
    file, a gold.json that differs without --force), which do not stop the others.

    \b
    Examples:
      claimstance adjudicate mali-accuses-algeria-downed-drone
      claimstance adjudicate mali-accuses-algeria-downed-drone --prefer a1b2c3d4e5f --force
      claimstance adjudicate --format json
    """
    from ..quality.adjudicate import adjudicate_corpus, adjudicate_document

    names = annotators.split(",") if annotators else None
    if len(doc_ids) == 1:
        one = adjudicate_document(root, doc_ids[0], prefer=prefer, force=force,
                                  annotators=names)
        emit(one, fmt)
        finish(not one.unresolved)
        return
    many = adjudicate_corpus(root, doc_ids, annotators=names, prefer=prefer, force=force,
                             progress=show_progress(quiet), jobs=jobs)
    emit(many, fmt)
    finish(many.ok)


@main.command()
@click.option("--pred", "pred", required=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.jsonl",
              help="Predictions: one JSON object per line (schema/prediction.schema.json).")
@click.option("--gold", type=click.Choice(["corpus", "dist"]), default="corpus",
              show_default=True,
              help="Score against the corpus's gold layers, or a built dataset folder.")
@click.option("--dist", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The built folder for --gold dist (default: dist/ under the root).")
@click.option("--split", type=click.Choice(SPLITS), default=None,
              help="Score only this split (default: the corpus and each split).")
@click.option("--mode", type=click.Choice(["claimstance", "newsclaims"]), default="claimstance",
              show_default=True,
              help="Figure definitions: claimstance's, or NewsClaims' (Reddy et al., 2022).")
@click.option("--bootstrap", "replicates", type=click.IntRange(0, 100_000), default=0,
              metavar="N", help="Add 95% bootstrap intervals from N replicates (documents "
              "resampled; 1,000 to 10,000 is usual, at most 100,000).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the bootstrap's random draws.")
@root_option
@quiet_option
@format_option("text", "json", "markdown")
def score(pred: Path, gold: str, dist: Path | None, split: str | None, mode: str,
          replicates: int, seed: int, root: Path | None, quiet: bool, fmt: str) -> None:
    """Score predictions against gold: mentions, claims, claimants and stances, each
    figure with the counts it rests on, for the corpus and each split.

    Bad predictions (broken JSON, an unknown doc_id, offsets past the text, references that
    do not resolve) are reported with their line and exit 1; nothing is scored then.

    \b
    Examples:
      claimstance score --pred predictions.jsonl
      claimstance score --pred predictions.jsonl --split test --bootstrap 1000
      claimstance score --pred predictions.jsonl --gold dist --mode newsclaims --format json
    """
    from ..corpus.layout import Corpus
    from ..dataset.built import gold_docs
    from ..quality.evaluate import score as run

    folder = dist or Corpus.at(root).root / "dist"
    emit(run(root, pred, gold=(lambda: gold_docs(folder)) if gold == "dist" else None,
             gold_name=gold, split=split, mode=mode,
             replicates=replicates, seed=seed, display=str(pred),
             progress=show_progress(quiet)), fmt)
