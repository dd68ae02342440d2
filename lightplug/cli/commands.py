"""The top-level commands, built only when used.

Typer turns every registered command into a Click command up front (reading each function's
signature and type hints): ~20 ms for lightplug's 40 commands, on every call. Here the top-level
group knows each command by name and where it lives; a command's module is imported and its
Click command built when a command line names it. ``lightplug --help`` lists them from their
docstrings without building them; shell completion builds them all.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from .common import HELP_MARKUP

#: command name -> "module:attribute" under lightplug.cli: a function is a command, a Typer app a
#: group. The order is the order of ``lightplug --help``.
COMMANDS = {
    "init": "project_cmds:init",
    "import": "project_cmds:import_",
    "remove-folder": "project_cmds:remove_folder",
    "relink": "files_cmds:relink",
    "prune": "files_cmds:prune",
    "undo": "history_cmds:undo",
    "redo": "history_cmds:redo",
    "history": "history_cmds:history",
    "show": "show_cmds:show",
    "report": "show_cmds:report",
    "status": "show_cmds:status",
    "plugins": "plugins_cmds:app",
    "ops": "ops_cmds:app",
    "run": "run_cmd:app",
    "runs": "history_cmds:runs_app",
    "maps": "show_cmds:maps_app",
    "images": "files_cmds:images_app",  # data_cmds' listing plus move, trash and empty-trash
    "tags": "data_cmds:tags_app",
    "properties": "data_cmds:properties_app",
    "vectors": "data_cmds:vectors_app",
    "annotations": "annotation_cmds:annotations_app",
    "captions": "annotation_cmds:captions_app",
}


def target(where: str) -> Any:
    """The function or Typer app at ``where`` ("module:attribute")."""
    module, attribute = where.split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), attribute)


def help_text(found: Any) -> str:
    """The help Typer gives the command made from ``found``: a Typer app's ``help`` or its
    callback's docstring, a function's docstring."""
    if isinstance(found, typer.Typer):
        text = found.info.help
        if not isinstance(text, str):  # not given: Typer's placeholder
            callback = found.registered_callback.callback if found.registered_callback else None
            text = inspect.getdoc(callback) if callback else None
        return inspect.cleandoc(text) if text else ""
    return inspect.getdoc(found) or ""


def build(name: str, where: str) -> Any:
    """The Click command ``name`` made from the function or Typer app at ``where``, as the top app
    would make it (plain help)."""
    found = target(where)
    holder = typer.Typer(add_completion=False, rich_markup_mode=HELP_MARKUP)
    holder.callback()(_nothing)  # a callback makes the holder a group, whose child is the command
    if isinstance(found, typer.Typer):
        holder.add_typer(found, name=name)
    else:
        holder.command(name)(found)
    return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]


def _nothing() -> None:
    """Never called: the holder's callback."""


class LazyCommands(TyperGroup):
    """The top-level group: lists ``COMMANDS`` and builds each one when it is first asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = build(cmd_name, COMMANDS[cmd_name])
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Typer's, with its "Did you mean" among every command (not only the ones built)."""
        if args and args[0] not in COMMANDS and not args[0].startswith("-") and not ctx.resilient_parsing:
            close = difflib.get_close_matches(args[0], list(COMMANDS))
            if close:
                ctx.fail(f"No such command {args[0]!r}. Did you mean {', '.join(map(repr, close))}?")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Click's list of commands and their first sentences, from the docstrings: a command
        that is not built yet is shown by a stand-in with its help and nothing else."""
        shown = [(name, self.commands.get(name) or TyperCommand(name, help=help_text(target(where))))
                 for name, where in COMMANDS.items()]
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in shown])
