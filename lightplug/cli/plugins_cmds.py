"""``lightplug plugins list|config|enable|disable|remove``."""

from __future__ import annotations

from typing import Optional

import typer

from .common import fail, open_project, print_json, stderr, stdout, try_open_project

app = typer.Typer(help="Installed plugins and their per-project settings.", no_args_is_help=True)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every installed plugin: name, version, status and what it provides."""
    from ..db import store
    from ..host import get_host

    host = get_host()
    project = try_open_project(ctx)
    rows = []
    for info in host.plugins.values():
        row = info.as_json()
        if project is not None and info.plugin_classes:
            row["enabled"] = store.plugin_setting(project.db, info.name)["enabled"]
            if info.name in project.plugin_errors:
                row["status"], row["error"] = "failed", project.plugin_errors[info.name]
            plugin = project.plugins.get(info.name)
            row["actions"] = [f.name for f in plugin.registered_functions] if plugin else []
        rows.append(row)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table("Plugin", "Version", "Status", "Provides")
    for row in rows:
        status = "[green]loaded[/]" if row["status"] == "loaded" else f"[red]failed[/]: {row['error']}"
        if row.get("enabled") is False:
            status = "[dim]disabled[/]"
        provides = ", ".join(row["operators"] + row.get("actions", []))
        table.add_row(row["name"], row["version"] or "-", status, provides)
    stdout().print(table)


def _plugin(ctx: typer.Context, name: str):
    from ..host import get_host

    project = open_project(ctx)
    known = {n for n, _ in get_host().plugin_classes()}
    if name not in known:
        fail(f"no Panoptic-style plugin named {name!r}; installed: {', '.join(sorted(known)) or 'none'}")
    return project


@app.command("config")
def config(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Plugin name."),
    settings: Optional[list[str]] = typer.Argument(None, help="KEY=VALUE pairs to set."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show or change a plugin's settings (validated against its parameter model)."""
    from pydantic import ValidationError

    from ..db import store

    project = _plugin(ctx, name)
    plugin = project.plugins.get(name)
    if plugin is None or plugin.params is None:
        fail(f"plugin {name!r} has no settings (or is disabled)")
    current = plugin.params.model_dump(mode="json")
    if settings:
        updates = {}
        for item in settings:
            key, sep, value = item.partition("=")
            if not sep or key not in current:
                fail(f"{item!r}: use KEY=VALUE with KEY one of {', '.join(current)}")
            updates[key] = value
        try:
            validated = type(plugin.params).model_validate({**current, **updates})
        except ValidationError as exc:
            first = exc.errors()[0]
            fail(f"invalid value for {first['loc'][0]}: {first['msg']}")
        plugin.params = validated
        current = validated.model_dump(mode="json")
        store.set_plugin_setting(project.db, name, params=current)
    if as_json:
        print_json({"name": name, "base_key": plugin.base_key, "params": current})
    else:
        for key, value in current.items():
            stdout().print(f"{key} = {value!r}")


def _switch(ctx: typer.Context, name: str, enabled: bool) -> None:
    from ..db import store

    project = _plugin(ctx, name)
    store.set_plugin_setting(project.db, name, enabled=enabled)
    stderr().print(f"Plugin {name!r} {'enabled' if enabled else 'disabled'} for this project.")


@app.command("enable")
def enable(ctx: typer.Context, name: str = typer.Argument(..., help="Plugin name.")) -> None:
    """Switch a plugin on for this project."""
    _switch(ctx, name, True)


@app.command("disable")
def disable(ctx: typer.Context, name: str = typer.Argument(..., help="Plugin name.")) -> None:
    """Switch a plugin off for this project (its data stays)."""
    _switch(ctx, name, False)


@app.command("remove")
def remove(ctx: typer.Context, name: str = typer.Argument(..., help="Plugin name.")) -> None:
    """Remove a plugin from this project: disable it and delete its data folder and settings."""
    from ..db import store

    project = _plugin(ctx, name)
    store.set_plugin_setting(project.db, name, enabled=False, params=None)
    project.remove_plugin_data(name)
    stderr().print(f"Plugin {name!r} removed from this project (data folder deleted).")


