"""Commands that make and show the dataset: build, publish, stats, view, site."""

from __future__ import annotations

import json
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
from .output import emit


@main.command()
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: dist/ under the root).")
@click.option("--site", "with_site", is_flag=True, help="Also write the HTML viewer under site/.")
@click.option("--force", is_flag=True, help="Replace an --out folder not built by claimstance.")
@click.option("--allow-single", is_flag=True,
              help="Use a document's lone submitted layer when it has no gold.json (recorded "
              "as annotation_source 'single').")
@quiet_option
@jobs_option
@no_cache_option
@format_option("text", "json")
def build(root: Path | None, out: Path | None, with_site: bool, force: bool,
          allow_single: bool, quiet: bool, jobs: int | None, no_cache: bool, fmt: str) -> None:
    """Build the Hugging Face dataset folder (Parquet, dataset card) from seeds + gold.

    Validates first and refuses to build from invalid data. The same inputs build
    byte-identical files. Each document whose files, the schema and this code are
    unchanged since an earlier validate or build is taken from the cache: its problems, its
    agreement, statistics and scored rows, its sentences and tokens (--no-cache: compute
    everything again).

    \b
    Example:
      claimstance build --out dist/
      python -c "import datasets; print(datasets.load_dataset('dist', 'claims'))"
    """
    from ..dataset.build import build as run

    result = run(root, out, progress=show_progress(quiet), site=with_site, force=force,
                 jobs=jobs, allow_single=allow_single, use_cache=not no_cache)
    emit(result, fmt)


@main.command()
@click.option("--repo-id", default=None, metavar="OWNER/NAME", help="Hugging Face dataset repo.")
@click.option("--revision", default=None, metavar="TAG",
              help="Tag for this version (default: v<version> from CHANGELOG.md).")
@click.option("--private", is_flag=True, help="Create the Hub repository as private.")
@click.option("--dry-run", is_flag=True,
              help="Print the files, operations and card that would be sent; send nothing.")
@click.option("--to", "to_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the published tree to a local folder instead of the Hub.")
@click.option("--dist", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The built folder (default: dist/ under the root).")
@click.option("--allow-unlicensed", is_flag=True,
              help="Publish documents without an allowed license (--private only).")
@click.option("--allow-single", is_flag=True,
              help="Publish documents built from a lone layer (build --allow-single).")
@click.option("--allow-split-moves", is_flag=True,
              help="Publish even if a document already published in one split would now be "
              "in another (a new version of it joined its near-duplicate group).")
@click.option("--force", is_flag=True, help="Replace a --to folder not made by publish.")
@root_option
@format_option("text", "json")
def publish(repo_id: str | None, revision: str | None, private: bool, dry_run: bool,
            to_dir: Path | None, dist: Path | None, allow_unlicensed: bool, allow_single: bool,
            allow_split_moves: bool, force: bool, root: Path | None, fmt: str) -> None:
    """Publish the built dataset to the Hugging Face Hub as one commit plus a version tag.

    Gates (each a coded refusal): the corpus validates; dist/ was built from the current
    inputs and not edited since; every document has gold and an allowed license; no e-mail
    address or annotator name is in the output; the version (CHANGELOG.md) is not already
    published with other contents; no document already published in one split moves to
    another (unless --allow-split-moves). The token comes from HF_TOKEN or `hf auth login` and is
    never printed.

    \b
    Examples:
      claimstance publish --repo-id claimstance/claimstance --dry-run
      claimstance publish --repo-id claimstance/claimstance
      claimstance publish --to /tmp/published && python -c \\
        "import datasets; print(datasets.load_dataset('/tmp/published', 'claims'))"
    """
    from ..dataset.publish import (
        dry_run_text,
        folder_publication,
        prepare,
        split_moves,
        to_folder,
        to_hub,
    )
    from ..problems import Refused

    if not repo_id and not to_dir:
        raise click.UsageError("give --repo-id OWNER/NAME (the Hub) or --to DIR (a folder)")
    if allow_unlicensed and not private:
        raise click.UsageError("--allow-unlicensed exists only for --private repositories: "
                               "texts without a known license must not be made public")
    p = prepare(root, dist, private=private, allow_unlicensed=allow_unlicensed,
                allow_single=allow_single)
    if revision:
        p.tag = revision
    if to_dir is not None and p.ok:  # the Hub's earlier manifest is read when publishing
        p.report.extend(split_moves(p, folder_publication(to_dir), str(to_dir),
                                    allow_split_moves))
    target = repo_id or str(to_dir)
    if not p.ok:
        raise Refused(f"not published: {p.report.errors} gate(s) failed", p.report.problems,
                      p.report)
    if dry_run:
        if fmt == "json":
            click.echo(json.dumps(p.to_dict() | {"target": target, "dry_run": True}, indent=2))
        else:
            click.echo(dry_run_text(p, repo_id=repo_id, to_dir=to_dir, private=private))
        return
    if to_dir is not None:
        written = to_folder(p, to_dir, force=force, allow_split_moves=allow_split_moves)
        result = f"wrote {len(written)} files to {to_dir}"
    else:
        assert repo_id is not None
        result = to_hub(p, repo_id, private=private, allow_split_moves=allow_split_moves)
    if fmt == "json":
        click.echo(json.dumps(p.to_dict() | {"target": target, "result": result}, indent=2))
    else:
        click.echo(f"published version {p.version} ({p.tag}): {result}")


@main.command()
@root_option
@format_option("text", "json", "markdown")
def stats(root: Path | None, fmt: str) -> None:
    """Counts per label, document and annotator; claimants; span length distributions.

    \b
    Example:
      claimstance stats --format json
    """
    from ..dataset.stats import corpus_stats, stats_markdown, stats_text

    s = corpus_stats(root)
    click.echo(json.dumps(s, indent=2) if fmt == "json" else
               stats_markdown(s) if fmt == "markdown" else stats_text(s))


@main.command()
@click.argument("doc_id")
@click.option("--annotator", default=None, help="Layer to show (default: gold, else the first).")
@click.option("--compare", nargs=2, metavar="A B", default=None,
              help="Show two annotators' layers merged, agreements and disagreements coloured.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file to write, .html or .htm (default: views/<doc_id>.<layer>.html "
              "under the corpus root, a folder git ignores).")
@click.option("--force", is_flag=True,
              help="Replace an .html file at --out that `claimstance view` did not write.")
@root_option
def view(doc_id: str, annotator: str | None, compare: tuple[str, str] | None, out: Path | None,
         force: bool, root: Path | None) -> None:
    """Write one self-contained HTML page showing a document's annotations.

    Mentions are highlighted by type, claims underlined by type; click a claim to see its
    claimant and every stance on it. No network needed to open it. With --compare, every
    conflict `claimstance adjudicate` would list between the two layers is coloured in the
    text and listed in a table. A page `view` wrote is replaced; any other file is kept
    unless --force.

    \b
    Examples:
      claimstance view mali-accuses-algeria-downed-drone
      claimstance view mali-accuses-algeria-downed-drone --compare alice bob --out cmp.html
    """
    from ..viewer import view as run

    if annotator is not None and compare is not None:
        raise click.UsageError("give --annotator (one layer) or --compare (two), not both")
    written = run(root, doc_id, annotator=annotator, compare=compare, out=out, force=force)
    click.echo(f"wrote {written}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("site"),
              show_default=True, help="Folder for index.html and docs/<doc_id>.html.")
@click.option("--force", is_flag=True,
              help="Replace --out even if it holds files `claimstance site` did not write.")
@root_option
def site(out: Path, force: bool, root: Path | None) -> None:
    """Write a browsable site: an index of every document with counts, linking to each view.

    --out is replaced as a whole; a folder another program or a person filled is refused
    unless --force.

    \b
    Example:
      claimstance site --out site/ && chromium site/index.html
    """
    from ..viewer import site as run

    written = run(root, out, force=force)
    click.echo(f"wrote {len(written)} page(s) under {out}")
