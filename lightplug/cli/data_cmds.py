"""``lightplug images|tags|properties|vectors|annotations list``."""

from __future__ import annotations

import typer

from .common import esc, open_project, print_json, stdout


def _table(rows: list[dict], columns: list[str]) -> None:
    from rich.table import Table

    table = Table(*columns)
    for r in rows:
        table.add_row(*[esc(str(r.get(c, ""))) for c in columns])
    stdout().print(table)
    stdout().print(f"[dim]{len(rows)} row(s)[/]")


def _make(noun: str) -> typer.Typer:
    sub = typer.Typer(help=f"The project's {noun}.", no_args_is_help=True)

    @sub.command("list")
    def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        from ..db import queries

        project = open_project(ctx, plugins=False)
        rows = queries.LISTINGS[noun](project.db)
        if as_json:
            print_json(rows)
        else:
            _table(rows, queries.COLUMNS[noun])

    list_.__doc__ = f"List the project's {noun}."
    return sub


apps = {name: _make(name) for name in ("images", "tags", "properties", "vectors", "annotations")}
