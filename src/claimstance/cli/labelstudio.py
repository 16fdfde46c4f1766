"""The Label Studio commands: ls config, up, down, push, pull."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import main
from .options import format_option, quiet_option, root_option, show_progress
from .output import emit, finish

F = TypeVar("F", bound=Callable[..., Any])


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


@ls_group.command("up")
@click.option("--port", type=int, default=8080, show_default=True, help="Port on 127.0.0.1.")
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
def ls_up(port: int, data_dir: Path | None, username: str, password: str,
          api_key: str) -> None:
    """Start a local Label Studio server (installed once into its own virtualenv).

    The admin user and API token come from LABEL_STUDIO_USERNAME, LABEL_STUDIO_PASSWORD and
    LABEL_STUDIO_API_KEY, or from a prompt. The token is never written to the repository
    or to the server's log. For a team, run the same server against PostgreSQL (see
    README, "Label Studio").

    \b
    Example:
      LABEL_STUDIO_API_KEY=$(openssl rand -hex 20) claimstance ls up
    """
    from ..labelstudio.client import pseudonym_salt
    from ..labelstudio.server import Credentials, ensure_venv, running, start, venv_dir

    if (server := running(data_dir)) is not None:
        click.echo(f"Label Studio is already running at {server.url} (pid {server.pid})")
        return
    click.echo(f"preparing Label Studio in {venv_dir()} (first time: a few minutes)...",
               err=True)
    ensure_venv()
    server = start(Credentials(username, password, api_key), port=port, data=data_dir)
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
    from ..labelstudio.server import stop

    server = stop(data_dir)
    click.echo(f"stopped Label Studio at {server.url}" if server else "no server was running")


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
    from ..corpus.layout import Corpus
    from ..labelstudio.client import connect, push
    from ..validation.run import require_valid

    require_valid(root, None, "the corpus is not valid; fix it before pushing")
    with connect(url, api_key) as client:
        summary = push(client, Corpus.at(root), project, with_annotations=with_annotations,
                       progress=show_progress(quiet))
    emit(summary, fmt)
    finish(summary.ok)


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
    from ..corpus.layout import Corpus
    from ..labelstudio.client import connect, pseudonym_salt, pull, pull_export

    salt = pseudonym_salt()
    corpus = Corpus.at(root)
    if export is not None:
        summary = pull_export(export, corpus, salt=salt, project=project, force=force,
                              progress=show_progress(quiet))
    else:
        with connect(url, api_key) as client:
            summary = pull(client, corpus, project, salt=salt, force=force,
                           progress=show_progress(quiet))
    emit(summary, fmt)
    finish(summary.ok)
