"""What every command shares: exit codes, consoles, the project option and JSON output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ..project import Project

EXIT_OK = 0
EXIT_FAILED = 1  # the operator reported failure or raised
EXIT_USAGE = 2  # unknown operator, bad or missing parameter, no project


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


def stderr() -> Console:
    """A rich console for messages (stderr)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def stdout() -> Console:
    """A rich console for results meant for people (stdout)."""
    from rich.console import Console

    return Console(highlight=False)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``message`` on stderr and exit with ``code``."""
    stderr().print(f"[bold red]Error:[/] {message}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def state(ctx: typer.Context) -> State:
    """The invocation's ``State`` (created on demand)."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def open_project(ctx: typer.Context, plugins: bool = True) -> Project:
    """The project this command works on (loaded with its plugins), or exit 2."""
    from ..project import Project, ProjectNotFound, resolve_root

    st = state(ctx)
    if st.project is None:
        try:
            root = resolve_root(st.project_option)
        except ProjectNotFound as exc:
            fail(str(exc))
        st.project = Project(root)
        ctx.find_root().call_on_close(st.close)
        if plugins:
            from ..host import get_host

            st.project.load_plugins(get_host())
    return st.project


def try_open_project(ctx: typer.Context) -> Project | None:
    """The project if there is one here, else None (for commands useful outside projects)."""
    from ..project import ProjectNotFound, resolve_root

    st = state(ctx)
    if st.project is None:
        try:
            resolve_root(st.project_option)
        except ProjectNotFound:
            return None
    return open_project(ctx)


def parse_ids(text: str | None, option: str = "--ids") -> list[int] | None:
    """``"1,2,5-7"`` -> ``[1, 2, 5, 6, 7]``; exit 2 on anything else."""
    if text is None:
        return None
    ids: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            if "-" in part[1:]:
                low, high = part.split("-", 1)
                ids += list(range(int(low), int(high) + 1))
            else:
                ids.append(int(part))
        except ValueError:
            fail(f"{option} takes ids like 1,2,5-7; {part!r} is not one")
    return ids


def existing_paths(paths: list[Path]) -> list[Path]:
    """``paths``, or exit 2 naming the first that does not exist."""
    for path in paths:
        if not path.exists():
            fail(f"no such file or folder: {path}")
    return paths
