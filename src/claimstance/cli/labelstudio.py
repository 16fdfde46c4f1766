"""The Label Studio commands: ls config, up, down, push, pull, status."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from . import main
from .options import F, format_option, quiet_option, root_option, show_progress
from .output import emit, finish


@main.group("ls")
def ls_group() -> None:
    """Label Studio round trip: generated config, server, push seeds, pull annotations, status.

    \b
    Example:
      claimstance ls up                 # a local server; prints the annotators' invite link
      claimstance ls push --annotators-per-task 2   # project + one task per seed
      claimstance ls pull               # annotations/<doc_id>/<pseudonym>.json
      claimstance ls status             # who has done what; what is ready to adjudicate
    """


def ls_connection(f: F) -> F:
    f = click.option("--api-key", envvar="LABEL_STUDIO_API_KEY", default=None,
                     metavar="TOKEN", show_envvar=True,
                     help="API token (prefer the environment variable: it stays off the "
                     "command line).")(f)
    f = click.option("--url", envvar="LABEL_STUDIO_URL", default=None, show_envvar=True,
                     help="Server URL.")(f)
    return click.option("--project", default="claimstance", show_default=True,
                        help="Project title.")(f)


@ls_group.command("config")
def ls_config() -> None:
    """Print the labeling config generated from the schema (schema/labelstudio.xml).

    \b
    Example:
      claimstance ls config > labeling.xml
    """
    from ..labelstudio.config import labelstudio_config

    click.echo(labelstudio_config(), nl=False)


def _token(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if len(value) < 20:
        raise click.BadParameter("the API token must have at least 20 characters")
    return value


def _database(url: str | None) -> Any:
    """The --database URL, parsed; a password typed on the command line is refused (every
    user of the machine can read a command line)."""
    from ..labelstudio.server import DATABASE_ENV, Database

    if not url:
        return None
    typed = click.get_current_context().get_parameter_source("database") \
        is ParameterSource.COMMANDLINE
    db = Database.parse(url, "--database" if typed else DATABASE_ENV)
    if typed and db.password is not None:
        raise click.BadParameter(
            "the URL holds a password, which every user of this machine can read on a "
            "command line: leave it out and set PGPASSWORD (or use ~/.pgpass), or put the "
            f"whole URL in {DATABASE_ENV}", param_hint="'--database'")
    return db


@ls_group.command("up")
@click.option("--port", type=int, default=8080, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADDR",
              help="Address to listen on; anything but loopback (e.g. 0.0.0.0 for a team) "
              "needs a TLS proxy in front (README, 'Running a team').")
@click.option("--public-url", default=None, metavar="https://HOST",
              help="The address of the TLS proxy in front of the server, which annotators "
              "open: Label Studio's links use it and accepts logins posted through it.")
@click.option("--database", envvar="CLAIMSTANCE_LS_DATABASE", show_envvar=True,
              default=None, metavar="postgresql://USER@HOST:PORT/DB",
              help="Keep the data in this PostgreSQL database (a team's server) instead of "
              "SQLite in --data-dir; the password comes from PGPASSWORD, ~/.pgpass or the URL "
              "in the environment variable.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the server keeps its database and uploads "
              "(default: ~/.local/share/claimstance/label-studio).")
@click.option("--username", envvar="LABEL_STUDIO_USERNAME", show_envvar=True,
              prompt="Admin e-mail", default="admin@claimstance.local",
              help="The admin's e-mail.")
@click.option("--password", envvar="LABEL_STUDIO_PASSWORD", show_envvar=True, prompt=True,
              hide_input=True, confirmation_prompt=True, help="The admin's password.")
@click.option("--api-key", envvar="LABEL_STUDIO_API_KEY", show_envvar=True,
              prompt="API token (at least 20 characters; keep it in LABEL_STUDIO_API_KEY)",
              hide_input=True, callback=_token, help="The admin's API token.")
def ls_up(port: int, host: str, public_url: str | None, database: str | None,
          data_dir: Path | None, username: str, password: str, api_key: str) -> None:
    """Start a Label Studio server (installed once into its own virtualenv).

    The admin user and API token come from LABEL_STUDIO_USERNAME, LABEL_STUDIO_PASSWORD and
    LABEL_STUDIO_API_KEY, or from a prompt. The token is never written to the repository
    or to the server's log. Label Studio's analytics, error reports and update checks are
    off. The virtualenv is ~/.cache/claimstance/label-studio-venv, or an existing one named
    by CLAIMSTANCE_LS_VENV. The port must be free: a program already listening there is
    refused, never trusted. Annotators get accounts through the invite link it prints.

    For a team, --database keeps everything in PostgreSQL (Label Studio's production
    database; its tables are made on the first start), and the others reach the server
    through a TLS proxy at --public-url, which forwards to it on --host (README, "Running a
    team"). The database password never goes on a command line or into a log.

    \b
    Examples:
      LABEL_STUDIO_API_KEY=$(openssl rand -hex 20) claimstance ls up
      PGPASSWORD=... claimstance ls up --public-url https://label.example.org \\
          --database postgresql://labelstudio@db.internal:5432/labelstudio
    """
    from ..labelstudio.api import invite_link
    from ..labelstudio.identity import pseudonym_salt
    from ..labelstudio.server import (
        Credentials,
        ensure_venv,
        executable,
        is_loopback,
        lookup,
        start,
        venv_dir,
    )
    from ..labelstudio.server import data_dir as default_data

    db = _database(database)
    found = lookup((data_dir or default_data()).absolute())
    for why in found.dropped:
        click.echo(why, err=True)
    server = found.server
    if server is not None:
        click.echo(f"Label Studio is already running at {server.url} (pid {server.pid})")
    else:
        if not executable().is_file():  # an existing virtualenv starts at once
            click.echo(f"installing Label Studio into {venv_dir()} (first time: a few "
                       "minutes)...", err=True)
        ensure_venv()
        server = start(Credentials(username, password, api_key), port=port, data=data_dir,
                       database=db, host=host, public_url=public_url)
        click.echo(f"Label Studio is running at {server.url}"
                   + (f" (data in {server.database})" if server.database else ""))
    if not is_loopback(server.listen) or (server.public_url or "").startswith("http:"):
        at = f"{server.listen}:{server.url.rsplit(':', 1)[1]}"
        click.echo(f"warning: Label Studio listens on {at} in plain HTTP"
                   ": put a TLS proxy in front of it (name its https:// address "
                   "with --public-url) and let only the proxy reach this port, or passwords "
                   "and tokens cross the network readable (README, 'Running a team')", err=True)
    pseudonym_salt(create=True)
    link = invite_link(server.url, api_key)
    if server.public_url:  # the same sign-up token, at the address annotators reach
        link = server.public_url + link[len(server.url):]
        click.echo(f"Annotators and other maintainers reach it at {server.public_url}")
    click.echo(f"  export LABEL_STUDIO_URL={server.url}\n"
               "  export LABEL_STUDIO_API_KEY=...   # the token you gave\n"
               "  claimstance ls push --annotators-per-task 2 && claimstance ls pull\n"
               f"Annotators create their account with this link: {link}\n"
               "Stop it with `claimstance ls down`.")


@ls_group.command("down")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The --data-dir given to `ls up` (default: the one server it started).")
def ls_down(data_dir: Path | None) -> None:
    """Stop the server `claimstance ls up` started.

    Only a process whose command line, data folder and start time show it is that server
    is signalled; a record naming any other process is removed and nothing is stopped.

    \b
    Example:
      claimstance ls down
      claimstance ls down --data-dir /srv/label-studio
    """
    from ..labelstudio.server import stop

    found = stop(data_dir)
    for why in found.dropped:
        click.echo(why, err=True)
    click.echo(f"stopped Label Studio at {found.server.url} (data in {found.server.data})"
               if found.server else "no server was running")


@ls_group.command("push")
@ls_connection
@click.option("--annotators-per-task", type=click.IntRange(min=1), default=None, metavar="N",
              help="Give every task to N different annotators (the project's overlap).")
@click.option("--predictions", "predictions", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None, metavar="FILE.jsonl",
              help="Pre-annotations to correct, in the prediction format "
              "(schema/prediction.schema.json); needs --model-version.")
@click.option("--model-version", default=None, metavar="NAME",
              help="The name the predictions are shown under in Label Studio.")
@click.option("--from", "source", type=click.Choice(["gold"]), default=None,
              help="Pre-annotate with the adjudicated gold layers (model version 'gold').")
@root_option
@format_option("text", "json")
@quiet_option
def ls_push(project: str, url: str | None, api_key: str | None,
            annotators_per_task: int | None, predictions: Path | None,
            model_version: str | None, source: str | None, root: Path | None, fmt: str,
            quiet: bool) -> None:
    """Create or update the project (generated config) and import each seed as a task.

    Idempotent: running it twice creates nothing new. A seed whose text changed since its
    task was made is reported, never duplicated. Pre-annotations come only from an explicit
    source (a predictions file, or gold); annotators' own layers are never shown to each
    other.

    \b
    Examples:
      claimstance ls push --annotators-per-task 2
      claimstance ls push --predictions model.jsonl --model-version ner-v3
      claimstance ls push --from gold
    """
    from ..corpus.layout import Corpus
    from ..labelstudio.api import connect
    from ..labelstudio.push import push
    from ..labelstudio.suggestions import from_gold, from_predictions
    from ..validation.run import require_valid

    if predictions is not None and source is not None:
        raise click.UsageError("give --predictions or --from, not both")
    if (predictions is None) != (model_version is None) and source is None:
        raise click.UsageError("--predictions and --model-version go together")
    require_valid(root, None, "the corpus is not valid; fix it before pushing")
    corpus = Corpus.at(root)
    suggestions = (from_predictions(corpus, predictions, model_version or "")
                   if predictions is not None
                   else from_gold(corpus, model_version) if source == "gold" else None)
    with connect(url, api_key) as client:
        summary = push(client, corpus, project, annotators_per_task=annotators_per_task,
                       suggestions=suggestions, progress=show_progress(quiet))
    emit(summary, fmt)
    finish(summary.ok)


@ls_group.command("pull")
@ls_connection
@click.option("--from-export", "export", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None,
              help="Convert a JSON export downloaded from the UI instead of asking a server.")
@click.option("--users", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, metavar="USERS.json",
              help="With --from-export: the JSON of <server>/api/users/ (saved outside the "
              "corpus), so the UI export's numeric user ids get the same pseudonyms as a pull "
              "from the server.")
@click.option("--force", is_flag=True,
              help="Also replace annotation files that were edited by hand (pulls every "
              "task).")
@click.option("--accept-edits-by-others", is_flag=True,
              help="Take an annotation that someone other than its author last saved in "
              "Label Studio as the author's (by default it is refused and the author's last "
              "pulled file kept).")
@click.option("--all", "everything", is_flag=True,
              help="Pull every task, not only those changed since the last pull.")
@click.option("--margin", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="How long before this pull's export the next pull starts asking for "
              "changes (default 60): an annotation saved just before the export but "
              "committed after it is pulled next time. A smaller one suits only a quiet "
              "server, such as a test's.")
@root_option
@format_option("text", "json")
@quiet_option
def ls_pull(project: str, url: str | None, api_key: str | None, export: Path | None,
            users: Path | None, force: bool, accept_edits_by_others: bool,
            everything: bool, margin: float | None, root: Path | None, fmt: str,
            quiet: bool) -> None:
    """Export submitted annotations and write annotations/<doc_id>/<annotator>.json.

    Annotators become stable pseudonyms (a keyed hash of their e-mail; the key is
    $CLAIMSTANCE_PSEUDONYM_SALT or ~/.config/claimstance/pseudonym-salt), the same on every
    route. Cancelled, skipped and draft annotations are counted, not written. A file the
    last pull wrote is updated when its annotation changed in Label Studio (Update); a file
    edited by hand is kept unless --force. An annotation last saved by someone other than
    its author (Update on a colleague's tab) is refused and the author's file kept, unless
    --accept-edits-by-others; an export older than the last pull never replaces newer work.
    What each pull wrote is recorded in .claimstance/ls-pulls.jsonl (commit it with the
    files). Re-pulling changes nothing.

    A pull asks only for the tasks changed since the last pull recorded there (and for
    those whose annotations it refused, whose files it kept or whose updated_at is missing);
    --all asks for every task.

    \b
    Examples:
      claimstance ls pull
      claimstance ls pull --all
      claimstance ls pull --from-export project-1-at-2026-11-25.json --users ~/users.json
    """
    from ..corpus.layout import Corpus
    from ..labelstudio.api import connect
    from ..labelstudio.identity import pseudonym_salt
    from ..labelstudio.pull import MARGIN, pull, pull_export

    if everything and export is not None:
        raise click.UsageError("--all goes with a pull from the server (a UI export is read "
                               "whole anyway)")
    if margin is not None and export is not None:
        raise click.UsageError("--margin goes with a pull from the server (a UI export "
                               "records no watermark)")
    if users is not None and export is None:
        raise click.UsageError("--users goes with --from-export (a pull from the server asks "
                               "the server for its users)")
    salt = pseudonym_salt()
    corpus = Corpus.at(root)
    if export is not None:
        summary = pull_export(export, corpus, salt=salt, project=project, users=users,
                              force=force, progress=show_progress(quiet),
                              accept_edits_by_others=accept_edits_by_others)
    else:
        with connect(url, api_key) as client:
            summary = pull(client, corpus, project, salt=salt, force=force,
                           progress=show_progress(quiet), url=url,
                           accept_edits_by_others=accept_edits_by_others, full=everything,
                           margin=MARGIN if margin is None else timedelta(seconds=margin))
    emit(summary, fmt)
    finish(summary.ok)


@ls_group.command("status")
@ls_connection
@click.option("--offline", is_flag=True,
              help="Answer from the corpus and the record of pulls, without the server "
              "(skipped tasks, drafts and work to do are then unknown).")
@root_option
@format_option("text", "json")
@quiet_option
def ls_status(project: str, url: str | None, api_key: str | None, offline: bool,
              root: Path | None, fmt: str, quiet: bool) -> None:
    """Progress at a glance: per annotator and per document, and the last pull.

    Per annotator (by pseudonym, never e-mail): annotations submitted, tasks skipped, drafts
    and tasks still to do. Per document: annotators done against the overlap asked, whether
    it is ready for adjudication, adjudicated (gold made from every layer) and in gold.

    \b
    Examples:
      claimstance ls status
      claimstance ls status --offline --format json
    """
    from ..corpus.layout import Corpus
    from ..labelstudio.status import offline_status, server_status

    corpus = Corpus.at(root)
    if offline:
        result = offline_status(corpus, project)
    else:
        from ..labelstudio.api import connect
        from ..labelstudio.identity import pseudonym_salt

        salt = pseudonym_salt()
        with connect(url, api_key) as client:
            result = server_status(client, corpus, project, salt=salt,
                                   progress=show_progress(quiet))
    emit(result, fmt)
