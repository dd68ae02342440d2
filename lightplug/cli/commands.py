"""The top-level commands, built only when used.

Typer turns every registered command into a Click command up front (reading each function's
signature and type hints): ~20 ms for lightplug's 40 commands, on every call. Here the top-level
group knows each command by name and where it lives; a command's module is imported and its
Click command built when a command line names it. ``lightplug --help`` lists them from the
summaries in ``COMMANDS`` without importing them; shell completion builds them all.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from .common import HELP_MARKUP

#: command name -> ("module:attribute" under lightplug.cli, the first paragraph of its help). A
#: function is a command, a Typer app a group. ``--help`` lists the commands in this order with
#: this text, so that it imports none of their modules (tests/test_startup.py checks the text
#: against each command's own help).
COMMANDS = {
    "init": ("project_cmds:init", "Create a project (DIR/.lightplug/ with project.db and plugin_data/)."),
    "import": ("project_cmds:import_",
               "Import images in place (nothing is copied); known files are not imported twice."),
    "remove-folder": ("project_cmds:remove_folder",
                      "Remove a folder's instances (and sub-folders') from the project; files stay on disk."),
    "relink": ("files_cmds:relink",
               "Repair a folder moved on disk: point its images (and sub-folders) to the new place, undoably."),
    "prune": ("files_cmds:prune",
              "Remove from the project the images whose files are gone from disk (not undoable)."),
    "undo": ("history_cmds:undo", "Revert the latest commit (also one made by an earlier command)."),
    "redo": ("history_cmds:redo", "Re-apply the commit undone last."),
    "history": ("history_cmds:history", "Undoable commits, newest first, with their state (done or undone)."),
    "show": ("show_cmds:show",
             "List the members of a run's groups by path, with their scores (KEEP marks the image to keep)."),
    "report": ("show_cmds:report",
               "Write a run's groups as thumbnails with names and scores: an HTML page and/or a contact sheet."),
    "status": ("show_cmds:status",
               "The project on one screen: images, folders, plugins and their state, vectors, recent runs, "
               "and what `undo` and `redo` would do."),
    "plugins": ("plugins_cmds:app", "Installed plugins and their per-project settings."),
    "ops": ("ops_cmds:app", "Operators and actions that `lightplug run` can execute."),
    "run": ("run_cmd:app", "Run an operator or action: `lightplug run OP [--param-name VALUE ...]`."),
    "runs": ("history_cmds:runs_app", "The record of operator runs."),
    "maps": ("show_cmds:maps_app", "Maps of the images that plugins made (PaCMAP, UMAP, t-SNE, …)."),
    "images": ("files_cmds:images_app",
               "The project's images (`lightplug images` is `lightplug images list`)."),
    "tags": ("data_cmds:tags_app", "The project's tags (`lightplug tags` is `lightplug tags list`)."),
    "properties": ("data_cmds:properties_app",
                   "The project's properties (`lightplug properties` is `lightplug properties list`)."),
    "vectors": ("data_cmds:vectors_app",
                "The project's vectors (`lightplug vectors` is `lightplug vectors list`)."),
    "annotations": ("annotation_cmds:annotations_app",
                    "The project's annotations (`lightplug annotations` lists them)."),
    "captions": ("annotation_cmds:captions_app", "The project's captions (`lightplug captions` lists them)."),
}


def target(where: str) -> Any:
    """The function or Typer app at ``where`` ("module:attribute")."""
    module, attribute = where.split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), attribute)


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
            self.commands[cmd_name] = build(cmd_name, COMMANDS[cmd_name][0])
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Typer's, with its "Did you mean" among every command (not only the ones built)."""
        if args and args[0] not in COMMANDS and not args[0].startswith("-") and not ctx.resilient_parsing:
            close = difflib.get_close_matches(args[0], list(COMMANDS))
            if close:
                ctx.fail(f"No such command {args[0]!r}. Did you mean {', '.join(map(repr, close))}?")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Click's list of commands and their first sentences: a command that is not built yet
        is shown by a stand-in with its summary from ``COMMANDS`` and nothing else."""
        shown = [(name, self.commands.get(name) or TyperCommand(name, help=summary))
                 for name, (_, summary) in COMMANDS.items()]
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in shown])
