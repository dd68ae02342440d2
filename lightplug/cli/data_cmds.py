"""``lightplug images|tags|properties|vectors|annotations [list]``: the project's data, for people and pipes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from .common import data_stream, esc, fail, open_project, print_json, stdout

FORMATS = ("json", "csv", "tsv", "nl")


def _table(rows: list[dict], columns: list[str], total: int) -> None:
    from rich.table import Table

    table = Table()
    for column in columns:
        table.add_column(column, overflow="fold")  # wrap, never cut: ids, names and paths are typed back
    for r in rows:
        table.add_row(*[esc(str(r.get(c, ""))) for c in columns])
    stdout().print(table)
    more = f" of {total} (--limit)" if total > len(rows) else ""
    stdout().print(f"[dim]{len(rows)} row(s){more}[/]")


def _delimited(rows: list[dict], columns: list[str], delimiter: str) -> None:
    """CSV or TSV with a header row; nested values (lists, dicts) as JSON."""
    import csv

    writer = csv.writer(data_stream(), delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([json.dumps(v) if isinstance(v, (list, dict)) else ("" if v is None else v)
                         for v in (r.get(c) for c in columns)])


def write_rows(rows: list[dict], columns: list[str], fmt: str | None, total: int | None = None) -> None:
    """``rows`` as a table (people) or in ``fmt``: json, csv, tsv or nl (one JSON object per line)."""
    if fmt == "json":
        print_json(rows)
    elif fmt in ("csv", "tsv"):
        _delimited(rows, list(dict.fromkeys([*columns, *(k for r in rows for k in r)])),
                   "," if fmt == "csv" else "\t")
    elif fmt == "nl":
        stream = data_stream()
        for r in rows:
            stream.write(json.dumps(r, default=str) + "\n")
    else:
        _table(rows, columns, total if total is not None else len(rows))


def _format(**flags: bool) -> str | None:
    chosen = [name for name, on in flags.items() if on]
    if len(chosen) > 1:
        fail(f"choose one output format, not {' and '.join('--' + c for c in chosen)}")
    return chosen[0] if chosen else None


def _selected(ctx: typer.Context, project: Any, selection: dict[str, Any]) -> set[int] | None:
    """The instance ids the selection options name (None: no selection option given)."""
    from .selection import resolve_selection

    if not any(selection.values()):
        return None
    return set(resolve_selection(project, selection).instance_ids or [])


def _make(noun: str) -> typer.Typer:
    sub = typer.Typer(help=f"The project's {noun} (`lightplug {noun}` is `lightplug {noun} list`).")

    def list_(ctx: typer.Context,
              as_json: bool = typer.Option(False, "--json", help="Print JSON."),
              as_csv: bool = typer.Option(False, "--csv", help="Print CSV with a header row."),
              as_tsv: bool = typer.Option(False, "--tsv", help="Print tab-separated values with a header row."),
              as_nl: bool = typer.Option(False, "--nl", help="Print one JSON object per line."),
              limit: Optional[int] = typer.Option(None, "--limit", min=1, help="At most this many rows."),
              ids: Optional[str] = typer.Option(None, "--ids", help="Only these images, e.g. 1,2,5-7."),
              tag: list[str] = typer.Option([], "--tag", help="Only images with this tag (repeatable)."),
              folder: list[Path] = typer.Option([], "--folder", help="Only images under this folder (repeatable)."),
              from_run: Optional[str] = typer.Option(None, "--from-run", metavar="RUN[:GROUP]",
                                                     help="Only the images of an earlier run's groups.")) -> None:
        from ..db import queries

        fmt = _format(json=as_json, csv=as_csv, tsv=as_tsv, nl=as_nl)
        project = open_project(ctx, plugins=False)
        rows = queries.LISTINGS[noun](project.db)
        chosen = _selected(ctx, project, {"ids": ids, "tag": tag, "folder": folder, "from_run": from_run})
        if chosen is not None:
            key = queries.IMAGE_KEY.get(noun)
            if key is None:
                fail(f"--ids, --tag, --folder and --from-run select images; `{noun} list` has none of them")
            rows = [r for r in rows if r.get(key) in chosen]
        total = len(rows)
        write_rows(rows[:limit] if limit else rows, queries.COLUMNS[noun], fmt, total)

    list_.__doc__ = (f"List the project's {noun}" + (" (the selection options filter them)" if noun in (
        "images", "annotations") else "") + ".")
    sub.command("list")(list_)

    @sub.callback(invoke_without_command=True)
    def default(ctx: typer.Context) -> None:
        if ctx.invoked_subcommand is None:
            ctx.invoke(list_, ctx, as_json=False, as_csv=False, as_tsv=False, as_nl=False, limit=None, ids=None,
                       tag=[], folder=[], from_run=None)

    default.__doc__ = f"The project's {noun}; without a sub-command, list them."
    return sub


apps = {name: _make(name) for name in ("images", "tags", "properties", "vectors")}
tags_app, properties_app, vectors_app = apps["tags"], apps["properties"], apps["vectors"]
