"""A progress bar on stderr, shown only when stderr is a terminal (rich loads only then)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import IO, Any


@contextlib.contextmanager
def bar(label: str | None, total: int, stream: IO) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``; draws a bar labelled ``label`` when there is one and ``stream`` is a tty."""
    if not label or not _is_terminal(stream):
        yield lambda n: None
        return
    from rich.console import Console

    with progress_bars(Console(file=stream)) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def progress_bars(console: Any, disable: bool = False) -> Any:
    """A ``rich.progress.Progress`` with lightplug's columns: label, bar, done/total, elapsed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False, disable=disable)


def _is_terminal(stream: IO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
