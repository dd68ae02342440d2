"""What every command shares: exit codes, consoles, the project option and JSON output."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, NoReturn, TextIO

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ..project import Project

EXIT_OK = 0
EXIT_FAILED = 1  # the operator reported failure or raised
EXIT_USAGE = 2  # unknown operator, bad or missing parameter, no project
EXIT_STORAGE = 74  # the project cannot be written: read-only or disk full (EX_IOERR)
EXIT_BUSY = 75  # the database stayed locked by another process longer than the busy timeout (EX_TEMPFAIL)

# Help and usage errors in Click's plain format, as llm, datasette and sqlite-utils print them:
# Typer's rich help imports rich's markdown, syntax and traceback modules (~90 ms, as long as
# `import typer, pluggy` itself) on every `--help`, usage error and TAB of shell completion.
# Sub-apps added with `add_typer` inherit the top app's mode; apps built alone must pass it.
HELP_MARKUP = None


@dataclass
class State:
    """Per-invocation state kept in ``ctx.obj``."""

    project_option: str | None = None
    project: Project | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        if self.project is not None:
            self.project.close()
            self.project = None


@dataclass
class Output:
    """The global ``-q/--quiet`` and ``-v/--verbose`` of this invocation (set by the app's callback)."""

    quiet: bool = False
    verbose: bool = False


output = Output()


def stderr() -> Console:
    """A rich console for messages, hints and progress (stderr); silent with ``--quiet``."""
    from rich.console import Console

    # no hard breaks: paths stay copyable; rich leaves colour out when NO_COLOR is set
    return Console(stderr=True, highlight=False, soft_wrap=True, quiet=output.quiet)


def detail(message: str) -> None:
    """A detail for ``--verbose`` (dim, on stderr); nothing otherwise. ``message`` is markup."""
    if output.verbose:
        stderr().print(f"[dim]{message}[/]", soft_wrap=True)


class _NotATerminal:
    """``sys.stderr`` as seen with ``--quiet``: the same stream, but not a terminal, so that
    nothing draws progress bars on it (errors and warnings still get through)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def set_output(ctx: typer.Context, quiet: bool, verbose: bool) -> None:
    """Apply ``--quiet``/``--verbose`` for this invocation (restored when it ends)."""
    import time

    output.quiet, output.verbose = quiet, verbose and not quiet
    if quiet and not isinstance(sys.stderr, _NotATerminal):
        original = sys.stderr
        sys.stderr = _NotATerminal(original)
        ctx.call_on_close(lambda: setattr(sys, "stderr", original))
    if output.verbose:
        started = time.perf_counter()
        command = esc(f"lightplug {ctx.invoked_subcommand or ''}".strip())
        ctx.call_on_close(lambda: detail(f"{command}: {time.perf_counter() - started:.2f} s"))


_data: TextIO | None = None  # the real stdout while file descriptor 1 is sent to stderr


def data_stream() -> TextIO:
    """Where data goes: the real stdout, also while ``guarded_stdout`` sends fd 1 to stderr."""
    return _data if _data is not None else sys.stdout


def stdout() -> Console:
    """A rich console for results meant for people (stdout). A reader that went away (``| head``)
    ends the command with exit 0 (``cli._closed_pipe``), not rich's exit 1."""
    from rich.console import Console

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return PipeConsole(highlight=False, file=data_stream())


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """For the whole command, send file descriptor 1 to stderr and keep the real stdout for data.

    Whatever plugin code writes to fd 1 — ``os.write(1, ...)``, a C library's ``printf``, a
    subprocess that inherits stdout — then lands on stderr, never inside ``--json`` output.
    ``sys.stdout`` (Click's help, prompts, ``print_json``) is re-opened on the saved descriptor,
    with ``surrogateescape``: a file name that is not UTF-8 goes out as its own bytes (``--csv``).
    Nothing happens when stdout is not file descriptor 1 (e.g. under Typer's ``CliRunner``).
    """
    global _data
    try:
        real = sys.__stdout__ is not None and sys.stdout is sys.__stdout__ and sys.__stdout__.fileno() == 1
    except (AttributeError, OSError, ValueError):
        real = False
    if not real or _data is not None:
        yield
        return
    original = sys.stdout
    original.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    errors = "surrogateescape" if original.errors == "strict" else original.errors
    _data = sys.stdout = os.fdopen(saved, "w", encoding=original.encoding, errors=errors,
                                   buffering=1 if original.line_buffering else -1, closefd=False)
    try:
        yield
    finally:
        try:
            _data.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved, 1)
        os.close(saved)
        sys.stdout, _data = original, None


# control characters (but tab and newline), DEL, C1 controls, and lone surrogates (bytes of a
# file name that are not UTF-8, as os.fsdecode gives them)
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: Any) -> str:
    """``str(value)`` safe for a terminal: escape sequences and other control characters, and
    undecodable bytes of file names, shown as ``\\xNN``."""
    return _UNPRINTABLE.sub(_visible, str(value))


def esc(value: Any) -> str:
    """``value`` as text to put inside rich markup: ``clean`` and never read as markup."""
    from rich.markup import escape

    return escape(clean(value))


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``message`` (plain text, never markup) on stderr and exit with ``code``."""
    error(message)
    raise typer.Exit(code)


def error(message: Any) -> None:
    """``Error: message`` on stderr, the message shown as plain text (also with ``--quiet``)."""
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]Error:[/] {esc(message)}", soft_wrap=True)


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by None (strict JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def print_json(data: Any) -> None:
    """Machine-readable output: strict JSON on stdout (NaN and infinities become null; file
    names that are not UTF-8 keep their bytes as ``\\udcNN`` escapes). Indented for a terminal;
    one line for a pipe or a file (json's C encoder: a large result prints several times faster)."""
    stream = data_stream()
    indent = 2 if stream.isatty() else None
    try:
        text = json.dumps(data, indent=indent, default=str, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(data), indent=indent, default=str, allow_nan=False)
    stream.write(text + "\n")
    stream.flush()


def state(ctx: typer.Context) -> State:
    """The invocation's ``State`` (created on demand)."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def open_project(ctx: typer.Context, plugins: bool | set[str] = True) -> Project:
    """The project this command works on, or exit 2.

    ``plugins``: True loads the plugins that take part in project events (Panoptic-style classes,
    ``on_import``/``on_folder_delete`` hooks); a set loads those entry points; False none. Plugins
    added in this process (tests, scripts) are always loaded. A project already open is returned as is.
    """
    from ..project import Project, ProjectNotFound, resolve_root

    st = state(ctx)
    if st.project is None:
        from ..db.compat import ProjectTooNew

        try:
            root = resolve_root(st.project_option)
        except ProjectNotFound as exc:
            fail(str(exc))
        try:
            st.project = Project(root)
        except ProjectTooNew as exc:
            fail(str(exc))
        ctx.find_root().call_on_close(st.close)
        if output.verbose:  # esc() imports rich's markup module: only when it is shown
            detail(f"project {esc(st.project.root)}")
        if plugins:
            load_plugins(st.project, None if plugins is True else set(plugins))
    return st.project


def load_plugins(project: Project, wanted: set[str] | None = None) -> None:
    """Load the plugins ``wanted`` (None: those that take part in project events) into ``project``."""
    import time

    from .. import loading

    started = time.perf_counter()
    wanted = loading.event_plugins(project) if wanted is None else wanted
    loading.load(project, wanted)
    if wanted:
        detail(f"plugins loaded in {time.perf_counter() - started:.2f} s: {esc(', '.join(sorted(wanted)))}")


def try_open_project(ctx: typer.Context) -> Project | None:
    """The project if there is one here (no plugin loaded), else None (for commands useful outside)."""
    from ..project import ProjectNotFound, resolve_root

    st = state(ctx)
    if st.project is None:
        try:
            resolve_root(st.project_option)
        except ProjectNotFound:
            return None
    return open_project(ctx, plugins=False)


MAX_ID = 2**63 - 1  # SQLite's largest integer
MAX_RANGE = 1_000_000  # ids one range may span


def parse_ids(text: str | None, option: str = "--ids") -> list[int] | None:
    """``"1,2,5-7"`` -> ``[1, 2, 5, 6, 7]``; exit 2 on anything else (also an empty list, a
    backwards or huge range, a number beyond SQLite's integers)."""
    if text is None:
        return None
    ids: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if match is None:
            fail(f"{option} takes ids like 1,2,5-7; {part!r} is not one" if part else
                 f"{option} needs ids like 1,2,5-7; got {text!r}")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if max(low, high) > MAX_ID:
            fail(f"{option}: {max(low, high)} is larger than any id can be")
        if high < low:
            fail(f"{option}: the range {part} is empty; write it as {high}-{low}")
        if high - low >= MAX_RANGE:
            fail(f"{option}: the range {part} spans more than {MAX_RANGE:,} ids; "
                 "select with --folder or --tag instead, or give smaller ranges")
        ids += range(low, high + 1)
    return ids


def existing_paths(paths: list[Path]) -> list[Path]:
    """``paths``, or exit 2 naming the first that does not exist."""
    for path in paths:
        if not path.exists():
            fail(f"no such file or folder: {path}")
    return paths
