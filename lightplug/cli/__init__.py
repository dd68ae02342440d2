"""The ``lightplug`` command line (Typer), one module per noun."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Optional

import typer

from .commands import LazyCommands
from .common import EXIT_BUSY, HELP_MARKUP, state
from .interrupt import EXIT_INTERRUPTED

# the commands are listed in .commands.COMMANDS and built when used
app = typer.Typer(
    cls=LazyCommands,
    name="lightplug", no_args_is_help=True, add_completion=True, rich_markup_mode=HELP_MARKUP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    help="A headless plugin host for image-dataset work: import images, run plugin operators.",
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"lightplug {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    project: Optional[str] = typer.Option(
        None, "-C", "--project", metavar="DIR", help="Project directory (default: found like git does; "
        "or LIGHTPLUG_PROJECT)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No messages, hints or progress bars on stderr "
                               "(data and errors still appear)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="More details on stderr: timings, the project, "
                                 "plugins loaded, tracebacks of run errors."),
) -> None:
    """Options shared by every command."""
    from .common import set_output

    state(ctx).project_option = project
    set_output(ctx, quiet, verbose)



def main() -> None:
    """Console-script entry point (file descriptor 1 goes to stderr; data to the real stdout)."""
    from .common import guarded_stdout

    import signal

    try:
        with guarded_stdout(), _database_errors(), _closed_pipe():
            app()
    except SystemExit as done:
        if done.code == EXIT_INTERRUPTED:
            _exit_now_if_threads_hang()
        raise
    finally:  # the command is over: a late Ctrl-C must not print tracebacks from the exit clean-up
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _skip_final_collection()


def _skip_final_collection() -> None:
    """Spare the interpreter's exit a garbage-collector pass over every object still alive.

    The project is closed and the output flushed by now; what is left (modules, plugins, the
    instances a run read) is freed by the process ending. That pass took 70-100 ms after a run
    over 11,000 images. ``atexit`` handlers and ``weakref.finalize`` callbacks still run.
    """
    import gc

    gc.freeze()


def start_cli(args: list[str] | None = None) -> None:
    """Run the command line from a script that registered operators first (like ``start_gui``)."""
    from .common import guarded_stdout

    with guarded_stdout(), _database_errors():
        app(args=args)


def _exit_now_if_threads_hang(seconds: float = 1.0) -> None:
    """After Ctrl-C: give worker threads ``seconds`` to end; if plugin code still blocks one, exit
    at once (everything kept is already committed) rather than wait for it at interpreter exit."""
    import threading
    import time

    deadline = time.monotonic() + seconds
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    for thread in others:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in others):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)


@contextlib.contextmanager
def _closed_pipe() -> Iterator[None]:
    """The reader of stdout went away (``| head``): stop quietly with exit 0, as Unix tools do.

    Click turns EPIPE into exit 1 after wrapping stdout in its ``PacifyFlushWrapper``; that
    wrapper is how the case is told apart from a command that failed.
    """
    try:
        yield
    except BrokenPipeError:
        _drop_stdout()
        raise SystemExit(0) from None
    except SystemExit as done:
        if done.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            _drop_stdout()
            raise SystemExit(0) from None
        raise


def _drop_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    from .common import data_stream

    for stream in (sys.stdout, data_stream()):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass


@contextlib.contextmanager
def _database_errors() -> Iterator[None]:
    """What the project's storage refuses, as one line on stderr: a database locked for longer than
    the busy timeout exits 75; a read-only project or a full disk exits 74. SQLite undoes the
    write that failed, so the project stays as it was before it."""
    try:
        yield
    except Exception as exc:
        code = _storage_failure(exc)
        if code is None:
            raise
        raise SystemExit(code) from None


def _storage_failure(exc: Exception) -> int | None:
    """Report ``exc`` if the storage refused something and return the exit code; None for any
    other error. (Imports here, not up front: ``--help`` must not load the database modules.)"""
    import errno
    import sqlite3

    from ..db.tx import DatabaseBusy, busy_message
    from ..moves import FileMoveError
    from .common import EXIT_STORAGE, error

    if isinstance(exc, DatabaseBusy):
        error(exc)
        return EXIT_BUSY
    if isinstance(exc, FileMoveError):  # undo/redo of moved images: the files stay where they were
        error(exc)
        return exc.code
    if isinstance(exc, (sqlite3.OperationalError, sqlite3.DatabaseError)):
        text = str(exc).lower()
        if "locked" in text:
            error(busy_message())
            return EXIT_BUSY
        if "readonly" in text or "read-only" in text:
            error(f"the project cannot be written ({exc}): its database or folder is read-only; nothing "
                  "was changed by the write that failed. Make .lightplug/ writable (permissions, lsattr, "
                  "mount options) and run the command again")
        elif "disk is full" in text or "disk i/o" in text:
            error(f"the project could not be written ({exc}); the write that failed was undone and the "
                  "project is as it was before it. Free some disk space and run the command again")
        else:
            return None
        return EXIT_STORAGE
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT) and exc.filename:
        error(f"{exc.strerror}: {exc.filename or ''}; free space or make it writable and run the command "
              "again (what was written before is kept)")
        return EXIT_STORAGE
    return None
