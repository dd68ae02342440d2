"""``lightplug plugins list|refresh|config|enable|disable|remove``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import EXIT_FAILED, esc, fail, open_project, print_json, stderr, stdout, try_open_project

app = typer.Typer(help="Installed plugins and their per-project settings.", no_args_is_help=True)


REFRESH = typer.Option(False, "--refresh", help="Rebuild the plugin cache first (imports every plugin).")


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON."),
          refresh: bool = REFRESH) -> None:
    """Every installed plugin: name, version, status and what it provides."""
    from ..loading import listing

    rows = listing(try_open_project(ctx), refresh).rows
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table("Plugin", "Version", "Status", "Provides")
    for row in rows:
        status = "[green]loaded[/]" if row["status"] == "loaded" else f"[red]failed[/]: {esc(str(row['error']))}"
        if row.get("enabled") is False:
            status = "[dim]disabled[/]"
        failed = row.get("failed_operators", {})
        provides = [esc(n) + (f" [red](failed: {esc(failed[n])})[/]" if n in failed else "")
                    for n in row["operators"] + row.get("actions", [])]
        table.add_row(esc(row["name"]), esc(row["version"] or "-"), status, ", ".join(provides))
    stdout().print(table)


@app.command("refresh")
def refresh(ctx: typer.Context) -> None:
    """Rebuild the plugin cache: import every plugin (and start them for this project, if any)."""
    from ..loading import listing

    rows = listing(try_open_project(ctx), refresh=True).rows
    failed = [r["name"] for r in rows if r["status"] == "failed"]
    stderr().print(esc(f"Plugin cache rebuilt: {len(rows)} plugin(s)"
                          + (f", failed: {', '.join(failed)}." if failed else ".")))


def _known(ctx: typer.Context) -> set[str]:
    """Every name ``enable``/``disable``/``config`` accept: plugins and their units (Panoptic-style classes)."""
    from ..host import current_host
    from ..plugin_cache import user_cache

    host = current_host()
    names = set(host.entry_points()) | set(host.live_names())
    for name, entry in user_cache(host).items():
        names.update(entry["units"])
    names.update(n for n, _ in host.units(set(host.live_names())))
    return names - {"script"}


def _plugin(ctx: typer.Context, name: str, load: bool = False):
    """The project, after checking that ``name`` is a plugin (and starting it when ``load``)."""
    from ..host import current_host

    project = open_project(ctx, plugins=False)
    known = _known(ctx)
    if name not in known:
        fail(f"no plugin named {name!r}; installed: {', '.join(sorted(known)) or 'none'}")
    if load:
        from .. import loading

        loading.load(project, {current_host().owner(name)})
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

    project = _plugin(ctx, name, load=True)
    plugin = project.plugins.get(name)
    if plugin is None or plugin.params is None:
        fail(f"plugin {name!r} has no settings (or is disabled, or failed to start)")
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
            stdout().print(esc(f"{key} = {value!r}"))


def _switch(ctx: typer.Context, name: str, enabled: bool) -> None:
    from ..db import store

    project = _plugin(ctx, name)
    store.set_plugin_setting(project.db, name, enabled=enabled)
    stderr().print(esc(f"Plugin {name!r} {'enabled' if enabled else 'disabled'} for this project."))


@app.command("enable")
def enable(ctx: typer.Context, name: str = typer.Argument(..., help="Plugin name.")) -> None:
    """Switch a plugin (any dialect) on for this project."""
    _switch(ctx, name, True)


@app.command("disable")
def disable(ctx: typer.Context, name: str = typer.Argument(..., help="Plugin name.")) -> None:
    """Switch a plugin (any dialect) off for this project (its data stays)."""
    _switch(ctx, name, False)


@app.command("remove")
def remove(ctx: typer.Context, name: str = typer.Argument(..., help="Plugin name."),
           yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")) -> None:
    """Remove a plugin from this project: disable it and delete its data folder and settings."""
    import sys

    from ..db import store

    project = _plugin(ctx, name)
    folder = project.plugin_data_dir(name)
    if not yes:
        if not sys.stdin.isatty():
            fail(f"this deletes the data folder {folder} and the settings of plugin {name!r}; "
                 "pass --yes to confirm")
        if not typer.confirm(f"Delete {folder} and the settings of plugin {name!r}?", err=True):
            fail("nothing removed", code=1)
    store.set_plugin_setting(project.db, name, enabled=False, params=None)
    project.remove_plugin_data(name)
    stderr().print(esc(f"Plugin {name!r} removed from this project (data folder {folder} deleted)."))


@app.command("new")
def new(name: str = typer.Argument(..., help="The plugin's name, e.g. my-tool."),
        dialect: str = typer.Option("panoptic", "--dialect", help="lightly (an operator) or panoptic (a plugin "
                                    "class with actions)."),
        directory: Path = typer.Option(Path("."), "--dir", help="Where to create the package folder.")) -> None:
    """Create a plugin package: pyproject with the entry point, module, README and tests."""
    from ..scaffold import ScaffoldError, create

    try:
        root = create(name, dialect, directory)
    except ScaffoldError as exc:
        fail(str(exc))
    stderr().print(esc(f"Created {root}. Next: pip install -e \"{root}[test]\", then `lightplug ops list` "
                       f"and `pytest {root}`."))


PIP_ARG = typer.Option([], "--pip-arg", metavar="ARG", help="An argument passed to pip as is (repeatable), "
                       "e.g. --pip-arg=--no-index.")


def _pip(args: list[str]) -> None:
    """Run pip of the environment lightplug runs in (an argument list, never a shell); its output
    goes to stderr. Exit 1 if pip fails."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "pip", *args]
    stderr().print(esc("Running: " + " ".join(command)), style="dim")
    code = subprocess.call(command, stdout=sys.stderr, stdin=subprocess.DEVNULL)
    if code:
        fail(f"pip exited with code {code}; see its output above", EXIT_FAILED)


def _installed_names() -> set[str]:
    """The installed plugins' names, from packaging metadata only: a package installed by this
    process may not be importable in it (an editable install's path hook starts with the next
    interpreter); the metadata cache notices the change and is rebuilt by the next command."""
    import importlib

    from ..host import current_host, reset_host

    importlib.invalidate_caches()
    reset_host()
    return set(current_host().entry_points())


@app.command("install")
def install(packages: list[str] = typer.Argument(..., help="Packages: names, paths or URLs, as pip takes them."),
            editable: bool = typer.Option(False, "--editable", "-e", help="Install paths in editable mode."),
            upgrade: bool = typer.Option(False, "--upgrade", "-U", help="Upgrade them if installed."),
            pip_args: list[str] = PIP_ARG) -> None:
    """Install plugin packages into the environment lightplug runs in (the plugin cache follows)."""
    before = _installed_names()
    args = ["install", *pip_args, *(["--upgrade"] if upgrade else [])]
    for package in packages:
        args += ["-e", package] if editable else [package]
    _pip(args)
    added = sorted(_installed_names() - before)
    stderr().print(esc(f"New plugin(s): {', '.join(added)}." if added else
                       "No new plugin: the package(s) declare no entry point in the group lightplug "
                       "(or were installed already)."))


@app.command("uninstall")
def uninstall(packages: list[str] = typer.Argument(..., help="Distribution names, e.g. lightplug-my-tool."),
              yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
              pip_args: list[str] = PIP_ARG) -> None:
    """Uninstall plugin packages from the environment lightplug runs in (their project data stays)."""
    import sys

    if not yes:
        if not sys.stdin.isatty():
            fail(f"this uninstalls {', '.join(packages)}; pass --yes to confirm")
        if not typer.confirm(f"Uninstall {', '.join(packages)}?", err=True):
            fail("nothing uninstalled", code=EXIT_FAILED)
    _pip(["uninstall", "--yes", *pip_args, *packages])
    _installed_names()


@app.command("info")
def info(ctx: typer.Context, name: str = typer.Argument(..., help="Plugin name."),
         as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """One plugin: its package, version, state, entry point, hooks and what it provides."""
    from ..host import current_host
    from ..loading import listing
    from ..plugin_cache import user_cache

    project = try_open_project(ctx)
    rows = {r["name"]: r for r in listing(project).rows}
    if name not in rows:
        fail(f"no plugin named {name!r}; installed: {', '.join(sorted(rows)) or 'none'}")
    entry = user_cache(current_host()).get(name, {})
    data = {**rows[name], "entry_point": entry.get("value"), "hooks": entry.get("hooks", []),
            "units": entry.get("units", [])}
    if as_json:
        print_json(data)
        return
    out = stdout()
    for key in ("name", "distribution", "version", "status", "error", "enabled", "entry_point"):
        if data.get(key) is not None:
            out.print(f"{key}: {esc(data[key])}", soft_wrap=True)
    for key in ("hooks", "operators", "actions", "units"):
        if data.get(key):
            out.print(f"{key}: {esc(', '.join(map(str, data[key])))}", soft_wrap=True)


@app.command("add")
def add(source: str = typer.Argument(..., metavar="PATH|PACKAGE", help="A plugin folder, or a pip package."),
        name: Optional[str] = typer.Option(None, "--name", help="The plugin's name (default: the module's)."),
        pip_args: list[str] = PIP_ARG) -> None:
    """Add a plugin that has no lightplug entry point: a Panoptic plugin folder (its requirements.txt
    is installed with pip) or a pip package; it then behaves like any installed plugin."""
    from ..adding import AddError, add_folder, module_of_package, register

    folder = Path(source).expanduser()
    try:
        if (folder / "__init__.py").is_file():
            requirements = folder / "requirements.txt"
            if requirements.is_file() and requirements.read_text().strip():
                _pip(["install", *pip_args, "-r", str(requirements)])
            added, info = add_folder(folder, name)
        else:
            _pip(["install", *pip_args, source])
            module = module_of_package(source)
            added, info = name or module, register(name or module, module)
    except AddError as exc:
        fail(str(exc))
    except OSError as exc:  # e.g. a system environment this user cannot write to
        fail(f"cannot register the plugin in {exc.filename or 'the environment'}: {exc.strerror}; run lightplug "
             "from a virtual environment you can write to (pipx, uv tool, python -m venv)", EXIT_FAILED)
    _installed_names()
    stderr().print(esc(f"Added plugin {added!r} ({info.name}); see `lightplug plugins info {added}`."))
