"""``lightplug images move|trash`` (undoable), ``lightplug relink`` and ``lightplug prune``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from . import data_cmds
from .common import EXIT_FAILED, EXIT_OK, esc, fail, open_project, print_json, stderr, stdout

SHOWN = 20  # skipped images named one by one on stderr

IDS = typer.Option(None, "--ids", help="Images by id, e.g. 1,2,5-7.")
SHA1 = typer.Option([], "--sha1", help="Every copy of the image with this SHA-1 (repeatable).")
FOLDER = typer.Option([], "--folder", help="Images under this imported folder (repeatable).")
TAG = typer.Option([], "--tag", help="Images with this tag, VALUE or PROPERTY:VALUE (repeatable).")
FROM_RUN = typer.Option(None, "--from-run", metavar="RUN[:GROUP]",
                        help="The images of an earlier run's groups (its keepers are protected too).")
DRY_RUN = typer.Option(False, "--dry-run", "-n", help="Show what would move; change nothing.")
JSON = typer.Option(False, "--json", help="Print JSON.")


def _move(ctx: typer.Context, to: Path | None, selection: dict[str, Any], dry_run: bool, as_json: bool) -> None:
    from .. import api
    from ..moves import FileMoveError
    from .selection import resolve_selection

    if not any(selection.values()):
        fail("say which images: --tag duplicate, --ids, --sha1, --folder or --from-run "
             "(moving every image at once is refused)")
    if to is not None:
        where = to.expanduser().absolute()
        if where.exists() and not where.is_dir():
            fail(f"--to {to}: this is a file; give a folder")
        if ".lightplug" in where.resolve().parts:
            fail(f"--to {to}: give a folder outside the project's .lightplug folder "
                 "(`lightplug images trash` moves images to its trash)")
    project = open_project(ctx, plugins=False)
    chosen = resolve_selection(project, selection)
    try:
        if to is None:
            plan = api.trash_images(project, chosen, dry_run=dry_run)
        else:
            plan = api.move_images(project, chosen, to, dry_run=dry_run)
    except FileMoveError as exc:
        fail(str(exc), exc.code)
    if as_json:
        print_json(plan)
    else:
        _show(plan)
    raise typer.Exit(EXIT_OK)


def _show(plan: dict[str, Any]) -> None:
    """The moves on stdout (``FROM -> TO``), what was skipped and the summary on stderr."""
    out, err = stdout(), stderr()
    for m in plan["moved"]:
        out.print(f"{esc(m['from'])} -> {esc(m['to'])}", soft_wrap=True, highlight=False)
    for s in plan["skipped"][:SHOWN]:
        err.print(f"[yellow]kept[/] {esc(s['path'])}: {esc(s['reason'])}", soft_wrap=True)
    if len(plan["skipped"]) > SHOWN:
        err.print(f"[yellow]kept[/] {len(plan['skipped']) - SHOWN} more (--json lists them)")
    count = len(plan["moved"])
    where = f"the trash ({plan['destination']})" if plan["trash"] else plan["destination"]
    if plan["dry_run"]:
        err.print(esc(f"Would move {count} image(s) to {where}; nothing was changed (--dry-run)."), soft_wrap=True)
    elif count:
        gone = " and took them out of the project" if plan["trash"] else ""
        err.print(esc(f"Moved {count} image(s) to {where}{gone} (commit {plan['commit']}); "
                      "`lightplug undo` puts them back."), soft_wrap=True)
    else:
        err.print("No image was moved.")


def move(ctx: typer.Context,
         to: Path = typer.Option(..., "--to", metavar="DIR", help="The folder to move them into (created if needed)."),
         ids: Optional[str] = IDS, sha1: list[str] = SHA1, folder: list[Path] = FOLDER, tag: list[str] = TAG,
         from_run: Optional[str] = FROM_RUN, dry_run: bool = DRY_RUN, as_json: bool = JSON) -> None:
    """Move the selected images' files into a folder, undoably (`lightplug undo` moves them back).

    The images stay in the project with their new paths; a name taken in DIR gets " (2)". The image a
    duplicates group keeps is never moved while it is the last copy of its content.
    """
    _move(ctx, to, {"ids": ids, "sha1": sha1, "folder": folder, "tag": tag, "from_run": from_run},
          dry_run, as_json)


def trash(ctx: typer.Context, ids: Optional[str] = IDS, sha1: list[str] = SHA1, folder: list[Path] = FOLDER,
          tag: list[str] = TAG, from_run: Optional[str] = FROM_RUN, dry_run: bool = DRY_RUN,
          as_json: bool = JSON) -> None:
    """Move the selected images' files to the project's trash and out of the project, undoably.

    The files go to .lightplug/trash/COMMIT/ under their full path; `lightplug undo` moves them back
    and restores the images with their tags and values. The image a duplicates group keeps is never
    moved while it is the last copy of its content.
    """
    _move(ctx, None, {"ids": ids, "sha1": sha1, "folder": folder, "tag": tag, "from_run": from_run},
          dry_run, as_json)


def empty_trash(ctx: typer.Context, dry_run: bool = DRY_RUN,
                yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
                as_json: bool = JSON) -> None:
    """Delete the files in the project's trash for good (their trash commits can no longer be undone)."""
    import sys

    from .. import api

    project = open_project(ctx, plugins=False)
    found = api.empty_trash(project, dry_run=True)
    size = f"{found['files']} file(s), {found['bytes'] / 1e6:.1f} MB, of {len(found['commits'])} trash commit(s)"
    if not dry_run and found["commits"] and not yes:
        if not sys.stdin.isatty():
            fail(f"this deletes {size} for good (not undoable); pass --yes to confirm")
        if not typer.confirm(f"Delete {size} for good?", err=True):
            fail("nothing deleted", EXIT_FAILED)
    done = found if dry_run or not found["commits"] else api.empty_trash(project)
    if as_json:
        print_json(done)
    elif not found["commits"]:
        stderr().print("The trash is empty.")
    else:
        stderr().print(esc(("Would delete " if dry_run else "Deleted ") + size + "."))
    for left in [] if as_json else done["left"]:
        stderr().print(esc(f"Left alone: {left} (no trash commit holds it; look inside)."), style="yellow", soft_wrap=True)


def relink(ctx: typer.Context,
           old: Path = typer.Argument(..., metavar="OLD_FOLDER", help="Where the folder was when it was imported."),
           new: Path = typer.Argument(..., metavar="NEW_FOLDER", help="Where it is now."),
           check_all: bool = typer.Option(False, "--check-all", help="Compare the SHA-1 of every file, not of a "
                                          "sample of 20."),
           dry_run: bool = DRY_RUN, as_json: bool = JSON) -> None:
    """Repair a folder moved on disk: point its images (and sub-folders) to the new place, undoably."""
    from .. import api
    from ..relink import RelinkError

    project = open_project(ctx, plugins=False)
    try:
        done = api.relink(project, old, new, check_all=check_all, dry_run=dry_run)
    except RelinkError as exc:
        fail(str(exc))
    if as_json:
        print_json(done)
        return
    err = stderr()
    verb = "Would relink" if dry_run else "Relinked"
    err.print(esc(f"{verb} {done['folders']} folder(s) and {done['images']} image(s) from {done['old']} to "
                  f"{done['new']} (SHA-1 of {done['checked']} checked)")
              + ("; nothing was changed (--dry-run)." if dry_run
                 else esc(f"; `lightplug undo` reverts it (commit {done['commit']}).")), soft_wrap=True)
    if done["missing"]:
        err.print(esc(f"{len(done['missing'])} of them are not at the new place either, e.g. {done['missing'][0]}; "
                      "`lightplug prune` removes images whose files are gone."), style="yellow", soft_wrap=True)


def prune(ctx: typer.Context, dry_run: bool = DRY_RUN,
          yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
          as_json: bool = JSON) -> None:
    """Remove from the project the images whose files are gone from disk (not undoable)."""
    import sys

    from .. import api

    project = open_project(ctx)
    found = api.prune(project, dry_run=True)["removed"]
    if not found:
        if as_json:
            print_json({"dry_run": dry_run, "removed": [], "folders": []})
        else:
            stderr().print("No image is missing on disk; nothing to prune.")
        return
    if dry_run:
        _listing(found, as_json, {"dry_run": True, "removed": found, "folders": []})
        stderr().print(f"Would remove {len(found)} image(s) whose files are gone (--dry-run: nothing changed).")
        return
    if not yes:
        if not sys.stdin.isatty():
            fail(f"this removes {len(found)} image(s) whose files are gone, with their tags and values, and "
                 "cannot be undone; see them with --dry-run, then pass --yes to confirm")
        for image in found[:SHOWN]:
            stderr().print(f"  {esc(image['path'])}", soft_wrap=True, highlight=False)
        if len(found) > SHOWN:
            stderr().print(f"  … and {len(found) - SHOWN} more (--dry-run lists them all)")
        if not typer.confirm(f"Remove these {len(found)} image(s) from the project (not undoable)?", err=True):
            fail("nothing removed", EXIT_FAILED)
    done = api.prune(project)
    _listing(done["removed"], as_json, done)
    stderr().print(f"Removed {len(done['removed'])} image(s) whose files are gone"
                   + (f" and {len(done['folders'])} folder(s) gone from disk." if done["folders"] else "."))


def _listing(images: list[dict[str, Any]], as_json: bool, data: dict[str, Any]) -> None:
    if as_json:
        print_json(data)
        return
    out = stdout()
    for image in images:
        out.print(f"{image['id']}  {esc(image['path'])}", soft_wrap=True, highlight=False)


images_app = data_cmds.apps["images"]  # `lightplug images`: the listing, and moving images
images_app.command("move")(move)
images_app.command("trash")(trash)
images_app.command("empty-trash")(empty_trash)
