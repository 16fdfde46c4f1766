"""Interchange commands: export to and import from brat, CoNLL, spaCy and doccano.

`--format` names the interchange format (as other tools' converters do), so the summary's
own format is `--summary text|json`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..corpus.naming import is_annotator
from ..corpus.splits import SPLITS
from ..interchange import EXPORT_FORMATS, IMPORT_FORMATS
from . import main
from .options import quiet_option, root_option, show_progress
from .output import emit, finish


def _layer_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A layer name is checked before any path is built from it."""
    if not is_annotator(value):
        raise click.BadParameter(f"{value!r} is not a layer name: gold, or an annotator's "
                                 "pseudonym (2-40 of a-z, 0-9, '-', '_')")
    return value


def summary_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option("--summary", "fmt", type=click.Choice(["text", "json"]),
                        default="text", show_default=True,
                        help="How the summary is printed: text for people, json for "
                        "programs.")(f)


@main.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--format", "format_", type=click.Choice(EXPORT_FORMATS), required=True,
              help="brat standoff (.txt/.ann + annotation.conf), CoNLL (BIO columns), spaCy "
              "DocBin (.spacy), doccano JSONL (relation extraction) or NewsClaims' "
              "evaluation files.")
@click.option("--source", default="gold", show_default=True, callback=_layer_name,
              metavar="gold|ANNOTATOR", help="Which layer of each document to export.")
@click.option("--split", type=click.Choice(SPLITS), default=None,
              help="Only documents of this split (default: every document).")
@click.option("--dist", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Export from this built dataset folder (e.g. dist/, as `claimstance "
              "build` wrote it) instead of the corpus files.")
@click.option("--pred", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE.jsonl", help="With --format newsclaims: also write these "
              "predictions (schema/prediction.schema.json) in NewsClaims' prediction files.")
@click.option("--force", is_flag=True,
              help="Replace an OUT folder that `claimstance export` did not write.")
@root_option
@summary_option
@quiet_option
def export_cmd(out: Path, format_: str, source: str, split: str | None, dist: Path | None,
               pred: Path | None, force: bool, root: Path | None, fmt: str,
               quiet: bool) -> None:
    """Export layers to the folder OUT in a format other tools read, relations and claim
    types included.

    Reads the validated corpus (an invalid layer refuses the export) or, with --dist, a
    built dataset folder. OUT is replaced as a whole, and only if an earlier export wrote
    it (or with --force). The same layers give byte-identical files. What a format cannot
    hold (nested spans in BIO columns, a second claim in a NewsClaims sentence) is counted
    in the summary.

    \b
    Examples:
      claimstance export --format brat export/brat
      claimstance export --format spacy --split train export/spacy-train
      claimstance export --format conll --dist dist/ export/conll
      claimstance export --format doccano --source a1b2c3d4e5f export/doccano
      claimstance export --format newsclaims --pred predictions.jsonl export/newsclaims
    """
    from ..interchange.export import export

    if pred is not None and format_ != "newsclaims":
        raise click.UsageError("--pred goes with --format newsclaims only")
    result = export(format_, out, root=root, source=source, split=split, dist=dist,
                    force=force, progress=show_progress(quiet), pred=pred)
    emit(result, fmt)


@main.command("import")
@click.argument("source", type=click.Path(path_type=Path), metavar="FILE_OR_DIR")
@click.option("--format", "format_", type=click.Choice(IMPORT_FORMATS), required=True,
              help="brat standoff (a collection folder, or one .ann) or doccano JSONL "
              "(a .jsonl file, or a folder of them).")
@click.option("--annotator", required=True, callback=_layer_name,
              help="The annotator's pseudonym: layers go to annotations/<doc_id>/<NAME>.json.")
@click.option("--force", is_flag=True, help="Replace layer files that differ from the import.")
@root_option
@summary_option
@quiet_option
def import_cmd(source: Path, format_: str, annotator: str, force: bool, root: Path | None,
               fmt: str, quiet: bool) -> None:
    """Import another tool's annotations of seeds as an annotator's layers.

    Each document is matched to a seed by the hash of its text; a text that is no seed's
    text, a file that cannot be read or a layer that would be replaced without --force
    refuse the whole import (exit 1, nothing written). Annotations a layer cannot hold are
    left out and listed with their line; the rest is written, then validated. Exits 1 when
    anything was left out for an error.

    \b
    Examples:
      claimstance import --format brat brat-collection/ --annotator a1b2c3d4e5f
      claimstance import --format doccano admin.jsonl --annotator a1b2c3d4e5f --summary json
    """
    from ..interchange.importer import import_layers

    result = import_layers(format_, source, annotator, root=root, force=force,
                           progress=show_progress(quiet))
    emit(result, fmt)
    finish(result.ok)
