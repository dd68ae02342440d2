"""A progress bar on stderr, shown only when stderr is a terminal (rich loads only then)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import IO


@contextlib.contextmanager
def bar(label: str | None, total: int, stream: IO) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``; draws a bar labelled ``label`` when there is one and ``stream`` is a tty."""
    if not label or not _is_terminal(stream):
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(file=stream), transient=False) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _is_terminal(stream: IO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
