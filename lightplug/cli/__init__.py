"""The ``lightplug`` command line (Typer), one module per noun."""

from __future__ import annotations

from typing import Optional

import typer

from .common import state

app = typer.Typer(
    name="lightplug", no_args_is_help=True, add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
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
) -> None:
    """Options shared by every command."""
    state(ctx).project_option = project



def _register() -> None:
    from . import data_cmds, history_cmds, ops_cmds, plugins_cmds, project_cmds, run_cmd

    app.command("init")(project_cmds.init)
    app.command("import")(project_cmds.import_)
    app.command("remove-folder")(project_cmds.remove_folder)
    app.add_typer(plugins_cmds.app, name="plugins")
    app.add_typer(ops_cmds.app, name="ops")
    app.add_typer(run_cmd.app, name="run")
    app.command("undo")(history_cmds.undo)
    app.command("redo")(history_cmds.redo)
    app.command("history")(history_cmds.history)
    app.add_typer(history_cmds.runs_app, name="runs")
    for name, sub in data_cmds.apps.items():
        app.add_typer(sub, name=name)


_register()


def main() -> None:
    """Console-script entry point."""
    app()


def start_cli(args: list[str] | None = None) -> None:
    """Run the command line from a script that registered operators first (like ``start_gui``)."""
    app(args=args)
