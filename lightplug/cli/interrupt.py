"""What every command does on Ctrl-C: one line saying what was kept, no worker left, exit 130."""

from __future__ import annotations

from typing import NoReturn

import typer

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


def interrupted(message: str) -> NoReturn:
    """Stop worker processes, print ``message`` as one line on stderr, exit 130."""
    from rich.console import Console

    from .. import parallel
    from .common import esc

    terminate = getattr(parallel, "terminate_workers", None)
    if terminate is not None:
        terminate()
    Console(stderr=True, highlight=False).print(f"[yellow]Interrupted:[/] {esc(message)}", soft_wrap=True)
    raise typer.Exit(EXIT_INTERRUPTED)
