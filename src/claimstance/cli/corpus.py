"""Commands on the corpus files: ingest, validate, fmt, docs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import main
from .options import (
    format_option,
    jobs_option,
    no_cache_option,
    quiet_option,
    root_option,
    show_progress,
)
from .output import emit, finish


@main.command()
@click.argument("source", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "from_", type=click.Path(path_type=Path), default=None,
              metavar="FILE.jsonl|FILE.csv|DIR",
              help="Many articles: JSON Lines or CSV (one per line or row), or a folder of "
              ".txt files with optional .json sidecars of the same name.")
@click.option("--map", "mapping", default=None, metavar="FIELD=COLUMN,...",
              help="Read a field from a column of another name, e.g. text=body,title=headline.")
@click.option("--skip-bad", is_flag=True,
              help="Write the good articles and report the others (default: all or nothing).")
@click.option("--id", "doc_id", default=None,
              help="Document id (slug), e.g. mali-drone (default: slugged from --title).")
@click.option("--title", default=None, help="Headline (or a descriptive title).")
@click.option("--source", "publisher", default=None, help="Publisher; omit when unknown.")
@click.option("--url", default=None, help="Where it was published; omit when unknown.")
@click.option("--published", default=None, help="Publication date YYYY-MM-DD; omit if unknown.")
@click.option("--license", "license_", default=None, help="SPDX id; omit when unknown.")
@click.option("--language", default="en", show_default=True, help="BCP-47 language tag.")
@click.option("--added", default=None, help="Date added (default: today).")
@click.option("--force", is_flag=True, help="Overwrite an existing seed with other content.")
@root_option
@format_option("text", "json")
@quiet_option
@jobs_option
def ingest(source: Path | None, from_: Path | None, mapping: str | None, skip_bad: bool,
           doc_id: str | None, title: str | None, publisher: str | None, url: str | None,
           published: str | None, license_: str | None, language: str, added: str | None,
           force: bool, root: Path | None, fmt: str, quiet: bool, jobs: int | None) -> None:
    """Turn articles into seeds/<id>.json (NFC, \\n line ends, sha256): one plain-text
    file with its metadata as options, or many with --from.

    Unknown metadata stays null: never guess a source, date or license. Licenses become
    SPDX ids. Ids are the given ones, or slugged from the title. All or nothing: a bad
    article (no text, a bad date or license, an id or text that is already there) is named
    by its line and nothing is written (exit 1), unless --skip-bad. Near-duplicates of the
    corpus or of each other are ingested, reported, and kept in one split. Where each article
    came from is recorded in .claimstance/ingested.jsonl (commit it with the seeds).

    \b
    Examples:
      claimstance ingest article.txt --id mali-drone --title "Mali accuses Algeria"
      claimstance ingest --from crawl.jsonl
      claimstance ingest --from export.csv --map text=body,title=headline --skip-bad
      claimstance ingest --from articles/    # a.txt (+ a.json: {"title": ..., "url": ...})
    """
    import datetime as dt

    from ..ingest import ingest_file, ingest_source, parse_map

    if (source is None) == (from_ is None):
        raise click.UsageError("give one .txt file (with --id or --title), or --from FILE|DIR")
    if from_ is not None:
        given = {"--id": doc_id, "--title": title, "--source": publisher, "--url": url,
                 "--published": published, "--license": license_}
        if any(given.values()) or language != "en":
            raise click.UsageError("with --from, metadata comes from the input (columns, "
                                   "keys or sidecars), not from options")
        try:
            fields = parse_map(mapping)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--map") from None
        result = ingest_source(root, from_, mapping=fields,
                               added=added or dt.date.today().isoformat(), force=force,
                               skip_bad=skip_bad, progress=show_progress(quiet), jobs=jobs)
    else:
        assert source is not None
        if mapping or skip_bad:
            raise click.UsageError("--map and --skip-bad go with --from")
        if doc_id is None and title is None:
            raise click.UsageError("give --id (or --title to slug one from)")
        result = ingest_file(source, doc_id, root, force=force, added=added, title=title,
                             source=publisher, url=url, published=published, license=license_,
                             language=language)
    emit(result, fmt)
    finish(result.ok)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@root_option
@format_option("text", "json", "github")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--changed", "changed", is_flag=False, flag_value="", default=None,
              metavar="[BASE]", help="Only files that differ from git BASE (default: the merge "
              "base with main), and what depends on them.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Size limit per file (default 5 MiB).")
@click.option("--list-codes", is_flag=True, help="Print the catalogue of problem codes.")
@quiet_option
@jobs_option
@no_cache_option
def validate(paths: tuple[Path, ...], root: Path | None, fmt: str, strict: bool,
             changed: str | None, max_bytes: int | None, list_codes: bool,
             quiet: bool, jobs: int | None, no_cache: bool) -> None:
    """Check seeds and annotations against the schema and the semantic rules.

    Reports every problem with a stable code and a path::/json/pointer location.
    Exits 0 when valid, 1 when any error is found (or any warning with --strict),
    2 on a usage error. A document whose files, the schema and this code are unchanged
    since it was last checked is answered from the cache (--no-cache: check it again).

    \b
    Examples:
      claimstance validate
      claimstance validate annotations/mali-drone/alice.json --format json
      claimstance validate --changed origin/main --format github
      claimstance validate --list-codes
    """
    from ..validation.formatters import FORMATTERS, catalogue_json, catalogue_text
    from ..validation.gitdiff import GitError, changed_paths
    from ..validation.reader import MAX_BYTES
    from ..validation.run import stream

    if list_codes:
        click.echo(catalogue_json() if fmt == "json" else catalogue_text())
        return
    targets: list[Path] | None = list(paths) if paths else None
    if changed is not None:
        if paths:
            raise click.UsageError("give either PATHS or --changed, not both")
        try:
            targets = changed_paths(root or Path("."), changed or None)
        except GitError as e:
            raise click.UsageError(str(e)) from None
    run = stream(root, targets, strict=strict, max_bytes=max_bytes or MAX_BYTES,
                 progress=show_progress(quiet), jobs=jobs, use_cache=not no_cache)
    # plain writes: click.echo's checks per line cost more than checking a warning did
    sys.stdout.writelines(FORMATTERS[fmt](run, run.report))
    sys.stdout.flush()
    finish(run.report.valid)


@main.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@root_option
@click.option("--check", is_flag=True, help="Exit 1 if a file would change; write nothing.")
@format_option("text", "json")
@quiet_option
def fmt_cmd(paths: tuple[Path, ...], root: Path | None, check: bool, fmt: str,
            quiet: bool) -> None:
    """Rewrite annotation layers (annotations/<doc_id>/<annotator>.json) in canonical form:
    text order, ids m1.., c1.., s1... With no paths, every layer of the corpus (at --root).

    Files that do not pass the strict reader and the schema (a duplicated key, broken JSON,
    a wrong shape) are refused and left unchanged: run `claimstance validate` on them.
    Seeds are not layers: `ingest` writes them, and fmt refuses them.

    \b
    Examples:
      claimstance fmt                   # every layer of the corpus here
      claimstance fmt --check --root corpus/
      claimstance fmt annotations/mali-drone/gold.json
    """
    from ..validation.fmt import format_corpus, format_files

    if paths and root is not None:
        raise click.UsageError("give paths, or --root for every layer of a corpus, not both")
    result = (format_files(paths, check=check, progress=show_progress(quiet)) if paths
              else format_corpus(root, check=check, progress=show_progress(quiet)))
    emit(result, fmt)
    finish(result.ok)


@main.command()
@root_option
@click.option("--check", is_flag=True, help="Exit 1 if a generated file is out of date.")
def docs(root: Path | None, check: bool) -> None:
    """Regenerate docs/problem-codes.md, docs/labels.md, schema/labelstudio.xml, the
    copies of the JSON schemas under schema/ and DATASHEET.md's counts of documents and
    annotator layers from the code catalogue, the schemas and the corpus.

    \b
    Example:
      claimstance docs --check
    """
    from ..corpus.layout import Corpus
    from ..docs import sync

    result = sync(Corpus.at(root).root, check=check)
    click.echo(result.text())
    finish(result.ok)
