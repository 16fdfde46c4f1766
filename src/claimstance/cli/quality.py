"""Commands for annotation quality: agree, adjudicate."""

from __future__ import annotations

from pathlib import Path

import click

from . import main
from .options import format_option, root_option
from .output import emit, finish


@main.command()
@click.argument("doc_ids", nargs=-1)
@root_option
@format_option("text", "json", "markdown")
def agree(doc_ids: tuple[str, ...], root: Path | None, fmt: str) -> None:
    """Inter-annotator agreement: span F1 (exact, overlap), Krippendorff's alpha for types
    and stance labels, claimant agreement; pairwise and over the corpus.

    Compares annotator layers (not gold) of documents with two or more annotators. Every
    figure comes with the number of items it rests on.

    \b
    Examples:
      claimstance agree
      claimstance agree mali-accuses-algeria-downed-drone --format json
    """
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
