"""``lightplug images|tags|properties|vectors|annotations list``."""

from __future__ import annotations

from typing import Any, Callable

import typer

from .common import open_project, print_json, stdout


def _table(rows: list[dict], columns: list[str]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(*columns)
    for r in rows:
        table.add_row(*[escape(str(r.get(c, ""))) for c in columns])
    stdout().print(table)
    stdout().print(f"[dim]{len(rows)} row(s)[/]")


def _images(project: Any) -> tuple[list[dict], list[str]]:
    rows = list(project.db.query(
        "select i.id, i.name, i.url as path, i.sha1, i.width, i.height, i.folder_id, im.format, im.file_size "
        "from instances i left join images im on im.sha1 = i.sha1 order by i.id"))
    return rows, ["id", "name", "width", "height", "format", "sha1", "path"]


def _tags(project: Any) -> tuple[list[dict], list[str]]:
    from ..db import rows as R

    rows = [{**r, "parents": R.loads(r["parents"])} for r in project.db.query(
        "select t.id, t.value, t.property_id, p.name as property, t.parents, t.color from tags t "
        "join properties p on p.id = t.property_id order by t.id")]
    counts: dict[int, int] = {}
    for table in ("instance_values", "image_values"):
        for r in project.db.query(f"select value from {table}"):
            value = R.loads(r["value"])
            for tag_id in value if isinstance(value, list) else []:
                counts[tag_id] = counts.get(tag_id, 0) + 1
    for r in rows:
        r["count"] = counts.get(r["id"], 0)
    return rows, ["id", "property", "value", "parents", "count"]


def _properties(project: Any) -> tuple[list[dict], list[str]]:
    rows = list(project.db.query(
        "select p.*, (select count(*) from instance_values v where v.property_id = p.id) + "
        "(select count(*) from image_values v where v.property_id = p.id) as values_count "
        "from properties p order by p.id"))
    return rows, ["id", "name", "type", "mode", "property_group_id", "values_count"]


def _vectors(project: Any) -> tuple[list[dict], list[str]]:
    from ..db import rows as R

    rows = [{**r, "params": R.loads(r["params"])} for r in project.db.query(
        "select t.id as type_id, t.source, t.params, count(v.sha1) as vectors, "
        "max(length(v.data)) / 4 as dimensions from vector_types t "
        "left join vectors v on v.type_id = t.id group by t.id order by t.id")]
    return rows, ["type_id", "source", "params", "vectors", "dimensions"]


def _annotations(project: Any) -> tuple[list[dict], list[str]]:
    rows = list(project.db.query(
        "select a.id, a.sample_id, i.url as path, l.name as label, a.type, a.x, a.y, a.width, a.height, "
        "a.confidence, a.collection_id from annotations a join annotation_labels l on l.id = a.label_id "
        "left join instances i on i.id = a.sample_id order by a.id"))
    return rows, ["id", "sample_id", "label", "type", "x", "y", "width", "height", "confidence"]


def _make(fetch: Callable, noun: str) -> typer.Typer:
    sub = typer.Typer(help=f"The project's {noun}.", no_args_is_help=True)

    @sub.command("list")
    def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        project = open_project(ctx, plugins=False)
        rows, columns = fetch(project)
        if as_json:
            print_json(rows)
        else:
            _table(rows, columns)

    list_.__doc__ = f"List the project's {noun}."
    return sub


apps = {name: _make(fetch, name) for name, fetch in (
    ("images", _images), ("tags", _tags), ("properties", _properties), ("vectors", _vectors),
    ("annotations", _annotations))}
