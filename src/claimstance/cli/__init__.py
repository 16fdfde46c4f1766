"""The command line: parses options, calls the library, prints what it returns.

One module per command group (corpus, dataset, quality, labelstudio, interchange). A
`Refused` raised by the library is printed with its coded problems and exits 1; click
handles usage errors (exit 2); an OSError the library did not expect (a full disk, a folder
it may not read) is printed as an `io-error`, never as a traceback. SIGTERM stops a command
as Ctrl-C does, so its staging folders are removed on the way out. Heavy imports (pyarrow,
spaCy, the Label Studio SDK) happen inside the commands that need them, so `claimstance
--help` and `claimstance validate` start fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
from types import FrameType
from typing import Any

import click

from .. import __version__
from ..corpus.writing import io_refused
from ..problems import Refused
from .output import emit_refusal

#: Which extra brings the libraries some commands import (the core only validates).
EXTRAS = {"pyarrow": "dataset", "yaml": "dataset", "spacy": "dataset", "numpy": "dataset",
          "huggingface_hub": "dataset",
          "label_studio_sdk": "labelstudio", "httpx": "labelstudio"}


class Command(click.Command):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Refused as e:
            emit_refusal(e, str(ctx.params.get("fmt") or "text"))
            ctx.exit(1)
        except ModuleNotFoundError as e:
            extra = EXTRAS.get((e.name or "").split(".")[0])
            if extra is None:
                raise
            raise click.ClickException(
                f"`claimstance {ctx.command_path.split(' ', 1)[-1]}` needs the {extra} extra "
                f"({e.name} is not installed): pip install 'claimstance[{extra}]'") from None
        except BrokenPipeError:
            raise
        except OSError as e:
            emit_refusal(io_refused(e, ctx.command_path), str(ctx.params.get("fmt") or "text"))
            ctx.exit(1)


_main_pid = os.getpid()


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM as Ctrl-C in the command's process (clean-up handlers run); a forked worker
    dies as it would have."""
    if os.getpid() != _main_pid:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise KeyboardInterrupt


class Group(click.Group):
    command_class = Command
    group_class = type  # subgroups are of this class too


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"],
                                          "max_content_width": 100})
@click.version_option(__version__, prog_name="claimstance")
def main() -> None:
    """Maintain the claimstance corpus: news articles annotated with entity mentions,
    claims and stances.

    \b
    Example:
      claimstance validate              # check every seed and annotation
      python build_dataset.py           # build dist/ for datasets.load_dataset
    """
    global _main_pid
    _main_pid = os.getpid()
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        # not in the main thread (an embedding program): leave its signals alone
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, _terminate)


from . import corpus, dataset, interchange, labelstudio, quality  # noqa: E402  (they register commands)

__all__ = ["corpus", "dataset", "interchange", "labelstudio", "main", "quality"]
