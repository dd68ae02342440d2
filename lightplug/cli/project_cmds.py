"""``lightplug init``, ``import`` and ``remove-folder``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import EXIT_FAILED, EXIT_OK, existing_paths, fail, open_project, print_json, stderr


def init(directory: Path = typer.Argument(Path("."), help="Where to create the project.")) -> None:
    """Create a project (DIR/.lightplug/ with project.db and plugin_data/)."""
    from ..project import init_project

    if directory.exists() and not directory.is_dir():
        fail(f"{directory} is a file; give a directory")
    root, created = init_project(directory)
    stderr().print(f"{'Created' if created else 'Already a'} lightplug project in {root}")


def import_(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Image files or folders to import."),
    recursive: bool = typer.Option(True, "--recursive/--no-recursive", help="Descend into sub-folders."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import images in place (nothing is copied); known files are not imported twice."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..importer import collect_files, import_files

    project = open_project(ctx)
    files = collect_files(existing_paths(paths), recursive)
    err = stderr()
    with Progress(TextColumn("Importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=not err.is_terminal) as progress:
        bar = progress.add_task("import", total=len(files))
        summary = import_files(project, files, on_done=lambda: progress.advance(bar))
    project.run(project.emit_import(summary.instances))
    failures = project.run(project.tasks.run_all(err))
    data = summary.as_json()
    data["task_failures"] = [f.error for f in failures] + project.listener_errors
    if as_json:
        print_json(data)
    else:
        for skipped in summary.skipped:
            err.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}", soft_wrap=True)
        err.print(f"Imported {summary.imported} file(s) ({summary.new_images} new image(s)), "
                  f"{summary.already_known} already known, {len(summary.skipped)} skipped "
                  f"in {summary.seconds:.1f}s.")
    if data["task_failures"]:
        err.print(f"[red]{len(data['task_failures'])} plugin task(s) or listener(s) failed[/] (see above); "
                  "the files were imported.")
    raise typer.Exit(EXIT_FAILED if data["task_failures"] else EXIT_OK)


def remove_folder(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A folder imported earlier."),
    as_json: bool = typer.Option(False, "--json", help="Print what was removed as JSON."),
) -> None:
    """Remove a folder's instances (and sub-folders') from the project; files stay on disk."""
    from ..db import store
    from ..models import DeleteFolderConfirm

    project = open_project(ctx)
    target = str(path.expanduser().resolve())
    folders = [f for f in store.get_folders(project.db)
               if f.path == target or f.path.startswith(target.rstrip("/") + "/")]
    if not folders:
        fail(f"{target} is not an imported folder; see `lightplug images list` for what is imported")
    folder_ids = [f.id for f in folders]
    instances = [i for i in store.get_instances(project.db) if i.folder_id in set(folder_ids)]
    with project.db.atomic():
        store.delete_instances(project.db, [i.id for i in instances])
        for chunk in store.chunked(folder_ids):
            project.db.execute(f"delete from folders where id in ({','.join('?' * len(chunk))})", list(chunk))
    confirm = DeleteFolderConfirm(deleted_folders=folder_ids, deleted_instances=instances)
    project.run(project.emit_folder_delete(confirm))
    project.run(project.tasks.run_all(stderr()))
    if as_json:
        print_json({"folders": len(folder_ids), "instances": len(instances)})
    else:
        stderr().print(f"Removed {len(folder_ids)} folder(s) and {len(instances)} instance(s).")
