"""The command line: a thin layer that parses options and calls the library.

Heavy imports (pyarrow, datasets, the Label Studio SDK) happen inside the commands that need
them, so `claimstance --help` and `claimstance validate` start fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__

F = TypeVar("F", bound=Callable[..., Any])


def root_option(f: F) -> F:
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Corpus root (default: the current directory).")(f)


def format_option(*choices: str) -> Callable[[F], F]:
    def deco(f: F) -> F:
        return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                            show_default=True, help="Output format.")(f)
    return deco


def quiet_option(f: F) -> F:
    return click.option("--quiet", "-q", is_flag=True, help="No progress bars.")(f)


def jobs_option(f: F) -> F:
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                        help="Processes to use (default: every core for large corpora).")(f)


def show_progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="claimstance")
def main() -> None:
    """Maintain the claimstance corpus: news articles annotated with entity mentions,
    claims and stances.

    \b
    Example:
      claimstance validate              # check every seed and annotation
      python build_dataset.py           # build dist/ for datasets.load_dataset
    """


@main.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "doc_id", required=True, help="Document id (slug), e.g. mali-drone.")
@click.option("--title", default=None, help="Headline (or a descriptive title).")
@click.option("--source", "publisher", default=None, help="Publisher; omit when unknown.")
@click.option("--url", default=None, help="Where it was published; omit when unknown.")
@click.option("--published", default=None, help="Publication date YYYY-MM-DD; omit if unknown.")
@click.option("--license", "license_", default=None, help="SPDX id; omit when unknown.")
@click.option("--language", default="en", show_default=True, help="BCP-47 language tag.")
@click.option("--added", default=None, help="Date added (default: today).")
@click.option("--force", is_flag=True, help="Overwrite an existing seed with other content.")
@root_option
def ingest(source: Path, doc_id: str, title: str | None, publisher: str | None,
           url: str | None, published: str | None, license_: str | None, language: str,
           added: str | None, force: bool, root: Path | None) -> None:
    """Turn a plain-text article into seeds/<id>.json (NFC, \\n line ends, sha256).

    Unknown metadata stays null: never guess a source, date or license.

    \b
    Example:
      claimstance ingest article.txt --id mali-drone --title "Mali accuses Algeria"
    """
    from .fsutil import WouldOverwrite
    from .ingest import IngestError
    from .ingest import ingest as run

    try:
        path, changed = run(source, doc_id, root, force=force, added=added, title=title,
                            source=publisher, url=url, published=published, license=license_,
                            language=language)
    except IngestError as e:
        for p in e.problems:
            click.echo(f"{p.location}: error [{p.code}]: {p.message}", err=True)
        sys.exit(1)
    except WouldOverwrite as e:
        fail(f"{e} (the text or metadata differ from the existing seed)")
    click.echo(f"{'wrote' if changed else 'unchanged'} {path}")


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
def validate(paths: tuple[Path, ...], root: Path | None, fmt: str, strict: bool,
             changed: str | None, max_bytes: int | None, list_codes: bool,
             quiet: bool, jobs: int | None) -> None:
    """Check seeds and annotations against the schema and the semantic rules.

    Reports every problem with a stable code and a path::/json/pointer location.
    Exits 0 when valid, 1 when any error is found (or any warning with --strict),
    2 on a usage error.

    \b
    Examples:
      claimstance validate
      claimstance validate annotations/mali-drone/alice.json --format json
      claimstance validate --changed origin/main --format github
      claimstance validate --list-codes
    """
    from .jsonfile import MAX_BYTES
    from .report import FORMATTERS, catalogue_json, catalogue_text
    from .validate import validate as run

    if list_codes:
        click.echo(catalogue_json() if fmt == "json" else catalogue_text())
        return
    targets: list[Path] | None = list(paths) if paths else None
    if changed is not None:
        from .gitdiff import GitError, changed_paths

        if paths:
            raise click.UsageError("give either PATHS or --changed, not both")
        try:
            targets = changed_paths(root or Path("."), changed or None)
        except GitError as e:
            raise click.UsageError(str(e)) from None
        if not targets:
            click.echo("no corpus files changed" if fmt != "json" else json.dumps(
                {"valid": True, "stats": {"files": 0}, "problems": []}))
            return
    report = run(root, targets, strict=strict, max_bytes=max_bytes or MAX_BYTES,
                 progress=show_progress(quiet), jobs=jobs)
    click.echo(FORMATTERS[fmt](report))
    sys.exit(0 if report.valid else 1)


@main.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Exit 1 if a file would change; write nothing.")
def fmt_cmd(paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite annotation files in canonical form: text order, ids m1.., c1.., s1...

    \b
    Example:
      claimstance fmt annotations/*/*.json
    """
    from .annotation import canonicalize
    from .fsutil import atomic_write, dumps

    would = 0
    for p in paths:
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            new = dumps(canonicalize(data))
        except (ValueError, KeyError, TypeError) as e:
            fail(f"{p}: cannot format ({e.__class__.__name__}: {e}); run `claimstance validate "
                 f"{p}` to see what is wrong")
            return
        if p.read_bytes() != new:
            would += 1
            if check:
                click.echo(f"would reformat {p}")
            else:
                atomic_write(p, new)
                click.echo(f"reformatted {p}")
    if check and would:
        sys.exit(1)


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
@format_option("text", "json")
def build(root: Path | None, out: Path | None, with_site: bool, force: bool,
          allow_single: bool, quiet: bool, jobs: int | None, fmt: str) -> None:
    """Build the Hugging Face dataset folder (Parquet, dataset card) from seeds + gold.

    Validates first and refuses to build from invalid data. The same inputs build
    byte-identical files.

    \b
    Example:
      claimstance build --out dist/
      python -c "import datasets; print(datasets.load_dataset('dist', 'claims'))"
    """
    from .build import BuildRefused
    from .build import build as run
    from .report import format_text

    try:
        result = run(root, out, progress=show_progress(quiet), site=with_site, force=force,
                     jobs=jobs, allow_single=allow_single)
    except BuildRefused as e:
        if fmt == "json":
            click.echo(json.dumps({"built": False, "reason": str(e),
                                   "validation": e.report.to_dict() if e.report else None}))
        else:
            if e.report is not None:
                click.echo(format_text(e.report), err=True)
            click.echo(f"error: {e}", err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(result.summary())


@main.command()
@root_option
@click.option("--check", is_flag=True, help="Exit 1 if a generated file is out of date.")
def docs(root: Path | None, check: bool) -> None:
    """Regenerate docs/problem-codes.md, docs/labels.md and schema/labelstudio.xml
    from the catalogue and the schema.

    \b
    Example:
      claimstance docs --check
    """
    from .docsgen import generated
    from .fsutil import atomic_write
    from .layout import Corpus

    stale = 0
    for path, text in generated(Corpus.at(root).root).items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale += 1
        if check:
            click.echo(f"out of date: {path}")
        else:
            atomic_write(path, text.encode("utf-8"))
            click.echo(f"wrote {path}")
    if check and stale:
        sys.exit(1)


def require_valid(root: Path | None, paths: list[Path] | None, why: str) -> None:
    """Refuse, with the validator's coded problems, to work on files that are not valid."""
    from .report import format_text
    from .validate import validate as run

    report = run(root, paths)
    if not report.valid:
        click.echo(format_text(report), err=True)
        fail(why)


def _check_layers(root: Path | None, doc_id: str, annotators: list[str]) -> None:
    from .layout import Corpus

    corpus = Corpus.at(root)
    targets = [corpus.annotation_path(doc_id, a) for a in annotators]
    require_valid(root, [corpus.seed_path(doc_id), *targets],
                  "fix these problems first (claimstance validate)")


@main.command()
@click.argument("doc_id")
@click.option("--annotator", default=None, help="Layer to show (default: gold, else the first).")
@click.option("--compare", nargs=2, metavar="A B", default=None,
              help="Show two annotators' layers merged, agreements and disagreements coloured.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file to write (default: <doc_id>.<layer>.html).")
@root_option
def view(doc_id: str, annotator: str | None, compare: tuple[str, str] | None, out: Path | None,
         root: Path | None) -> None:
    """Write one self-contained HTML page showing a document's annotations.

    Mentions are highlighted by type, claims underlined by type; click a claim to see its
    claimant and every stance on it. No network needed to open it.

    \b
    Examples:
      claimstance view mali-accuses-algeria-downed-drone
      claimstance view mali-accuses-algeria-downed-drone --compare alice bob --out cmp.html
    """
    from .fsutil import atomic_write
    from .layout import Corpus
    from .viewer import default_layer, render_compare, render_layer

    corpus = Corpus.at(root)
    if not corpus.seed_path(doc_id).is_file():
        fail(f"[document-not-found] no seed seeds/{doc_id}.json")
    if compare:
        _check_layers(root, doc_id, list(compare))
        doc = corpus.read_seed(doc_id)
        a, b = (corpus.read_layer(doc_id, x) for x in compare)
        page, name = render_compare(doc, a, b), f"{compare[0]}-vs-{compare[1]}"
    else:
        layer = annotator or default_layer(corpus, doc_id)
        if layer is None:
            fail(f"[file-not-found] {doc_id} has no annotation layer yet")
            return
        _check_layers(root, doc_id, [layer])
        page = render_layer(corpus.read_seed(doc_id), corpus.read_layer(doc_id, layer))
        name = layer
    target = out or Path(f"{doc_id}.{name}.html")
    atomic_write(target, page.encode("utf-8"))
    click.echo(f"wrote {target}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("site"),
              show_default=True, help="Folder for index.html and docs/<doc_id>.html.")
@root_option
def site(out: Path, root: Path | None) -> None:
    """Write a browsable site: an index of every document with counts, linking to each view.

    \b
    Example:
      claimstance site --out site/ && chromium site/index.html
    """
    from .layout import Corpus
    from .viewer import render_site, write_pages

    require_valid(root, None, "the corpus is not valid; fix it before building the site")
    written = write_pages(render_site(Corpus.at(root)), out)
    click.echo(f"wrote {len(written)} page(s) under {out}")


@main.command()
@root_option
@format_option("text", "json", "markdown")
def stats(root: Path | None, fmt: str) -> None:
    """Counts per label, document and annotator; claimants; span length distributions.

    \b
    Example:
      claimstance stats --format json
    """
    from .stats import corpus_stats, stats_markdown, stats_text

    require_valid(root, None, "the corpus is not valid; figures would not be trustworthy")
    s = corpus_stats(root)
    click.echo(json.dumps(s, indent=2) if fmt == "json" else
               stats_markdown(s) if fmt == "markdown" else stats_text(s))


# --- Label Studio ---------------------------------------------------------------------------

@main.group("ls")
def ls_group() -> None:
    """Label Studio round trip: generated config, local server, push seeds, pull annotations.

    \b
    Example:
      claimstance ls up                 # a local server for one annotator
      claimstance ls push               # project + one task per seed
      claimstance ls pull               # annotations/<doc_id>/<pseudonym>.json
    """


def ls_connection(f: F) -> F:
    f = click.option("--api-key", default=None, metavar="TOKEN",
                     help="API token (default: $LABEL_STUDIO_API_KEY).")(f)
    f = click.option("--url", default=None,
                     help="Server URL (default: $LABEL_STUDIO_URL).")(f)
    return click.option("--project", default="claimstance", show_default=True,
                        help="Project title.")(f)


@ls_group.command("config")
def ls_config() -> None:
    """Print the labeling config generated from the schema (schema/labelstudio.xml).

    \b
    Example:
      claimstance ls config > labeling.xml
    """
    from .lsconfig import labelstudio_config

    click.echo(labelstudio_config(), nl=False)


@ls_group.command("up")
@click.option("--port", type=int, default=8080, show_default=True, help="Port on 127.0.0.1.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the server keeps its database and uploads "
              "(default: ~/.local/share/claimstance/label-studio).")
def ls_up(port: int, data_dir: Path | None) -> None:
    """Start a local Label Studio server (installed once into its own virtualenv).

    The admin user and API token come from LABEL_STUDIO_USERNAME, LABEL_STUDIO_PASSWORD and
    LABEL_STUDIO_API_KEY, or from a prompt. The token is never written to the repository
    or to the server's log. For a team, run the same server against PostgreSQL (see
    README, "Label Studio").

    \b
    Example:
      LABEL_STUDIO_API_KEY=$(openssl rand -hex 20) claimstance ls up
    """
    import os

    from .lsclient import pseudonym_salt
    from .lsserver import Credentials, ServerError, ensure_venv, running, start, venv_dir

    data = data_dir or None
    if (server := running(data)) is not None:
        click.echo(f"Label Studio is already running at {server.url} (pid {server.pid})")
        return
    user = os.environ.get("LABEL_STUDIO_USERNAME") or click.prompt(
        "Admin e-mail", default="admin@claimstance.local")
    password = os.environ.get("LABEL_STUDIO_PASSWORD") or click.prompt(
        "Admin password", hide_input=True, confirmation_prompt=True)
    token = os.environ.get("LABEL_STUDIO_API_KEY") or click.prompt(
        "API token (at least 20 characters; keep it in LABEL_STUDIO_API_KEY)",
        hide_input=True)
    if len(token) < 20:
        fail("the API token must have at least 20 characters", 2)
    try:
        click.echo(f"preparing Label Studio in {venv_dir()} (first time: a few minutes)...",
                   err=True)
        ensure_venv()
        server = start(Credentials(user, password, token), port=port, data=data)
    except ServerError as e:
        fail(str(e))
        return
    pseudonym_salt(create=True)
    click.echo(f"Label Studio is running at {server.url}\n"
               f"  export LABEL_STUDIO_URL={server.url}\n"
               "  export LABEL_STUDIO_API_KEY=...   # the token you gave\n"
               "  claimstance ls push && claimstance ls pull\n"
               "Stop it with `claimstance ls down`.")


@ls_group.command("down")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The --data-dir given to `ls up`.")
def ls_down(data_dir: Path | None) -> None:
    """Stop the server `claimstance ls up` started.

    \b
    Example:
      claimstance ls down
    """
    from .lsserver import stop

    server = stop(data_dir)
    click.echo(f"stopped Label Studio at {server.url}" if server else "no server was running")


def _ls_summary(summary: Any, fmt: str) -> None:
    click.echo(json.dumps(summary.to_dict(), indent=2) if fmt == "json" else summary.text())
    sys.exit(0 if summary.ok else 1)


@ls_group.command("push")
@ls_connection
@click.option("--with-annotations", is_flag=True,
              help="Also import existing annotation files as predictions to correct.")
@root_option
@format_option("text", "json")
@quiet_option
def ls_push(project: str, url: str | None, api_key: str | None, with_annotations: bool,
            root: Path | None, fmt: str, quiet: bool) -> None:
    """Create or update the project (generated config) and import each seed as a task.

    Idempotent: running it twice creates nothing new. A seed whose text changed since its
    task was made is reported, never duplicated.

    \b
    Example:
      claimstance ls push --project claimstance --with-annotations
    """
    from .layout import Corpus
    from .lsclient import LSError, connect, push

    require_valid(root, None, "the corpus is not valid; fix it before pushing")
    try:
        with connect(url, api_key) as client:
            summary = push(client, Corpus.at(root), project, with_annotations=with_annotations,
                           progress=show_progress(quiet))
    except LSError as e:
        fail(str(e))
        return
    _ls_summary(summary, fmt)


@ls_group.command("pull")
@ls_connection
@click.option("--from-export", "export", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None,
              help="Convert a JSON export downloaded from the UI instead of asking a server.")
@click.option("--force", is_flag=True, help="Replace annotation files that differ.")
@root_option
@format_option("text", "json")
@quiet_option
def ls_pull(project: str, url: str | None, api_key: str | None, export: Path | None,
            force: bool, root: Path | None, fmt: str, quiet: bool) -> None:
    """Export submitted annotations and write annotations/<doc_id>/<annotator>.json.

    Annotators become stable pseudonyms (a keyed hash of their e-mail; the key is
    $CLAIMSTANCE_PSEUDONYM_SALT or ~/.config/claimstance/pseudonym-salt). Cancelled,
    skipped and draft annotations are counted, not written. Re-pulling the same export
    changes nothing.

    \b
    Examples:
      claimstance ls pull
      claimstance ls pull --from-export project-1-at-2026-11-25.json --format json
    """
    from .layout import Corpus
    from .lsclient import LSError, connect, pseudonym_salt, pull, pull_export

    try:
        salt = pseudonym_salt()
        corpus = Corpus.at(root)
        if export is not None:
            summary = pull_export(export, corpus, salt=salt, project=project, force=force,
                                  progress=show_progress(quiet))
        else:
            with connect(url, api_key) as client:
                summary = pull(client, corpus, project, salt=salt, force=force,
                               progress=show_progress(quiet))
    except LSError as e:
        fail(str(e))
        return
    _ls_summary(summary, fmt)


# --- annotation quality ----------------------------------------------------------------------

def _layers(root: Path | None, doc_id: str, wanted: list[str] | None) -> dict[str, Any]:
    """Validated annotator layers (not gold) of one document, parsed."""
    from .layout import GOLD, Corpus

    corpus = Corpus.at(root)
    names = wanted or [a for a in corpus.annotators(doc_id) if a != GOLD]
    missing = [a for a in names if not corpus.annotation_path(doc_id, a).is_file()]
    if missing:
        fail(f"[file-not-found] no layer annotations/{doc_id}/{missing[0]}.json")
    _check_layers(root, doc_id, names)
    return {a: corpus.read_layer(doc_id, a) for a in names}


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
    from .agreement import agreement, table_markdown, table_text
    from .layout import GOLD, Corpus

    corpus = Corpus.at(root)
    ids = list(doc_ids) or corpus.doc_ids()
    for d in ids:
        if not corpus.seed_path(d).is_file():
            fail(f"[document-not-found] no seed seeds/{d}.json", 2)
    require_valid(root, [corpus.seed_path(d) for d in ids],
                  "fix these problems first: agreement on invalid layers means nothing")
    docs = []
    for d in ids:
        names = [a for a in corpus.annotators(d) if a != GOLD]
        docs.append((d, {a: corpus.read_layer(d, a) for a in names}))
    report = agreement(docs)
    click.echo(json.dumps(report.to_dict(), indent=2) if fmt == "json" else
               table_markdown(report) if fmt == "markdown" else table_text(report))


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
    from .adjudicate import adjudicate as run
    from .fsutil import WouldOverwrite, atomic_write, dumps
    from .layout import Corpus
    from .report import format_problem

    corpus = Corpus.at(root)
    if not corpus.seed_path(doc_id).is_file():
        fail(f"[document-not-found] no seed seeds/{doc_id}.json", 2)
    wanted = annotators.split(",") if annotators else None
    layers = _layers(root, doc_id, wanted)
    if len(layers) < 2:
        fail(f"{doc_id} has {len(layers)} annotator layer(s); adjudication needs two or more "
             "(a lone layer can go into the dataset with `build --allow-single`)")
    if prefer is not None and prefer not in layers:
        fail(f"--prefer {prefer}: not one of {', '.join(sorted(layers))}", 2)
    seed = corpus.read_seed(doc_id)
    review_path = corpus.root / "review" / f"{doc_id}.json"
    resolutions = {}
    if review_path.is_file():
        old = json.loads(review_path.read_text(encoding="utf-8"))
        resolutions = {c["id"]: c["resolution"] for c in old.get("conflicts", [])
                       if c.get("resolution")}
    result = run(doc_id, seed["text"], seed["sha256"], layers, prefer=prefer,
                 resolutions=resolutions)
    if result.problems:
        for p in result.problems:
            click.echo(format_problem(p), err=True)
        fail("the merged layer is not valid; nothing was written")
    gold_path = corpus.annotation_path(doc_id, "gold")
    if result.conflicts:  # written first: it carries the resolutions into the next run
        review_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(review_path, dumps(result.review()))
    try:
        atomic_write(gold_path, dumps(result.gold), force=force)
    except WouldOverwrite:
        fail(f"{corpus.rel(gold_path)} exists and differs; use --force to replace it"
             + (f" (review/{doc_id}.json lists the conflicts, for your resolutions)"
                if result.conflicts else ""))
    if not result.conflicts and review_path.is_file():
        review_path.unlink()
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        a = result.agreed
        click.echo(f"wrote {corpus.rel(gold_path)} from {', '.join(result.annotators)}: "
                   f"{a['mentions']} mentions, {a['claims']} claims, {a['stances']} stances "
                   "agreed by all")
        resolved = [c for c in result.conflicts if c.resolved_by]
        if resolved:
            click.echo(f"{len(resolved)} conflict(s) resolved (review file or --prefer)")
        for c in result.unresolved:
            versions = "; ".join(f"{k}: {json.dumps(v) if v else '-'}"
                                 for k, v in c.versions.items())
            click.echo(f"  open  {c.id}  {c.text!r}  {versions}")
        if result.unresolved:
            click.echo(f"{len(result.unresolved)} conflict(s) open: resolve them in "
                       f"review/{doc_id}.json (or --prefer ANNOTATOR), then run again with "
                       "--force")
    sys.exit(1 if result.unresolved else 0)


# --- publishing ------------------------------------------------------------------------------

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
@click.option("--force", is_flag=True, help="Replace a --to folder not made by publish.")
@root_option
@format_option("text", "json")
def publish(repo_id: str | None, revision: str | None, private: bool, dry_run: bool,
            to_dir: Path | None, dist: Path | None, allow_unlicensed: bool, allow_single: bool,
            force: bool, root: Path | None, fmt: str) -> None:
    """Publish the built dataset to the Hugging Face Hub as one commit plus a version tag.

    Gates (each a coded refusal): the corpus validates; dist/ was built from the current
    inputs and not edited since; every document has gold and an allowed license; no e-mail
    address or annotator name is in the output; the version (CHANGELOG.md) is not already
    published with other contents. The token comes from HF_TOKEN or `hf auth login` and is
    never printed.

    \b
    Examples:
      claimstance publish --repo-id claimstance/claimstance --dry-run
      claimstance publish --repo-id claimstance/claimstance
      claimstance publish --to /tmp/published && python -c \\
        "import datasets; print(datasets.load_dataset('/tmp/published', 'claims'))"
    """
    from .publish import PublishRefused, plan, to_folder, to_hub
    from .report import format_problem

    if not repo_id and not to_dir:
        raise click.UsageError("give --repo-id OWNER/NAME (the Hub) or --to DIR (a folder)")
    if allow_unlicensed and not private:
        raise click.UsageError("--allow-unlicensed exists only for --private repositories: "
                               "texts without a known license must not be made public")
    p = plan(root, dist, private=private, allow_unlicensed=allow_unlicensed,
             allow_single=allow_single)
    if revision:
        p.tag = revision
    target = repo_id or str(to_dir)
    if fmt == "json" and (dry_run or not p.ok):
        click.echo(json.dumps(p.to_dict() | {"target": target, "dry_run": dry_run}, indent=2))
    elif not p.ok or dry_run:
        for prob in p.report.sorted():
            click.echo(format_problem(prob), err=True)
    if not p.ok:
        fail(f"not published: {p.report.errors} gate(s) failed")
    if dry_run:
        if fmt == "text":
            total = sum(f.size for f in p.files)
            where = (f"dataset repo {repo_id}" + (" (private)" if private else "")
                     if repo_id else f"folder {to_dir}")
            click.echo(f"would publish version {p.version} to {where}:")
            if repo_id:
                click.echo(f"  1. create {repo_id} if it does not exist"
                           f"{' (private)' if private else ''}")
                click.echo(f"  2. one commit {p.message!r}: add {len(p.files)} files "
                           f"({total:,} bytes), delete remote files not among them")
                click.echo(f"  3. tag {p.tag}")
            for f in p.files:
                click.echo(f"     {f.size:>12,}  {f.sha256}  {f.path}")
            click.echo("\n--- dataset card (README.md) ---\n" + p.card)
        return
    try:
        if to_dir is not None:
            written = to_folder(p, to_dir, force=force)
            result = f"wrote {len(written)} files to {to_dir}"
        else:
            assert repo_id is not None
            result = to_hub(p, repo_id, private=private)
    except PublishRefused as e:
        for prob in e.problems:
            click.echo(format_problem(prob), err=True)
        fail(str(e))
        return
    if fmt == "json":
        click.echo(json.dumps(p.to_dict() | {"target": target, "result": result}, indent=2))
    else:
        click.echo(f"published version {p.version} ({p.tag}): {result}")
