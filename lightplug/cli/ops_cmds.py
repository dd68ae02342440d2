"""``lightplug ops list|show``: what can be run, with each parameter's type and default."""

from __future__ import annotations

import typer

from .common import fail, print_json, stdout, try_open_project

app = typer.Typer(help="Operators and actions that `lightplug run` can execute.", no_args_is_help=True)


def _specs(ctx: typer.Context):
    from .. import catalog
    from ..host import get_host

    get_host()
    return catalog.build(try_open_project(ctx))


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every operator and action (actions of Panoptic-style plugins need a project)."""
    specs = _specs(ctx)
    if as_json:
        print_json([s.as_json() for s in specs])
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table("Name", "Id", "Kind", "Parameters", "Description")
    for s in specs:
        kind = "operator" if s.dialect == "operator" else "action (" + ", ".join(s.hooks) + ")"
        table.add_row(escape(s.name), s.qualified, kind, ", ".join(p.reachable for p in s.params),
                      escape(s.description))
    stdout().print(table)


@app.command("show")
def show(ctx: typer.Context, name: str = typer.Argument(..., help="Operator name or <plugin>.<name>."),
         as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """One operator's parameters: type, default, required, description, choices and bounds."""
    from ..catalog import LookupFailed, find

    try:
        spec = find(_specs(ctx), name)
    except LookupFailed as exc:
        fail(str(exc))
    if as_json:
        print_json(spec.as_json())
        return
    from rich.table import Table

    out = stdout()
    out.print(f"[bold]{spec.name}[/] ({spec.qualified}, {spec.dialect})")
    if spec.description:
        out.print(spec.description)
    if spec.scopes:
        out.print("scopes: " + ", ".join(spec.scopes))
    from rich.markup import escape

    table = Table("Option", "Type", "Default", "Required", "Choices / bounds", "Description")
    for p in spec.params:
        bounds = ", ".join(p.choices or []) or " ".join(
            x for x in (f"min {p.min}" if p.min is not None else "", f"max {p.max}" if p.max is not None else "") if x)
        table.add_row(p.reachable, p.kind, escape(repr(p.as_json()["default"])), "yes" if p.required else "no",
                      escape(bounds), escape(p.description))
    out.print(table)
