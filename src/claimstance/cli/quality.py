"""Commands for annotation quality: agree, adjudicate."""

from __future__ import annotations

from pathlib import Path

import click

from . import main
from .options import format_option, root_option
from .output import emit, finish


@main.command()
@click.argument("doc_ids", nargs=-1)
@click.option("--against", type=click.Choice(["predictions"]), default=None,
              help="Compare each annotator with the suggestions they started from instead.")
@click.option("--predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, metavar="FILE.jsonl",
              help="With --against predictions: the file pushed by `ls push --predictions`.")
@root_option
@format_option("text", "json", "markdown")
def agree(doc_ids: tuple[str, ...], against: str | None, predictions: Path | None,
          root: Path | None, fmt: str) -> None:
    """Inter-annotator agreement: span F1 (exact, overlap), Krippendorff's alpha for types
    and stance labels, claimant agreement; pairwise and over the corpus.

    Compares annotator layers (not gold) of documents with two or more annotators. Every
    figure comes with the number of items it rests on. With --against predictions, each
    annotator's layer is compared with the model suggestions they corrected: how much of
    them they kept.

    \b
    Examples:
      claimstance agree
      claimstance agree mali-accuses-algeria-downed-drone --format json
      claimstance agree --against predictions --predictions model.jsonl
    """
    if against == "predictions":
        from ..corpus.layout import Corpus
        from ..problems import Refused
        from ..quality.suggested import against as compare_with
        from ..validation.prediction_layers import read_prediction_layers

        if predictions is None:
            raise click.UsageError("--against predictions needs --predictions FILE.jsonl")
        layers, problems = read_prediction_layers(Corpus.at(root), predictions)
        if problems:
            raise Refused(f"{predictions.name} has problems", problems)
        emit(compare_with(root, layers, "predictions", doc_ids), fmt)
        return
    if predictions is not None:
        raise click.UsageError("--predictions goes with --against predictions")
    from ..quality.agreement import corpus_agreement

    emit(corpus_agreement(root, doc_ids), fmt)


@main.command()
@click.argument("doc_id")
@click.option("--annotators", default=None, metavar="A,B,...",
              help="Layers to merge (default: every annotator's, not gold).")
@click.option("--prefer", default=None, metavar="ANNOTATOR",
              help="Resolve conflicts the review file leaves open in favour of one annotator.")
@click.option("--force", is_flag=True, help="Replace an existing gold.json.")
@root_option
@format_option("text", "json")
def adjudicate(doc_id: str, annotators: str | None, prefer: str | None, force: bool,
               root: Path | None, fmt: str) -> None:
    """Merge annotators' layers into annotations/<doc_id>/gold.json.

    Items all annotators agree on are taken. Disagreements are listed on screen and in
    review/<doc_id>.json, where you write a resolution for each ("take:<annotator>" or
    "drop") and run the command again with --force. Exits 1 while conflicts are open.

    \b
    Examples:
      claimstance adjudicate mali-accuses-algeria-downed-drone
      claimstance adjudicate mali-accuses-algeria-downed-drone --prefer a1b2c3d4e5f --force
    """
    from ..quality.adjudicate import adjudicate_document

    result = adjudicate_document(root, doc_id, prefer=prefer, force=force,
                                 annotators=annotators.split(",") if annotators else None)
    emit(result, fmt)
    finish(not result.unresolved)
