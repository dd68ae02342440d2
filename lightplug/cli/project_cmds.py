"""``lightplug init``, ``import`` and ``remove-folder``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from ..scan import MAX_FILE_BYTES_ENV, MAX_PIXELS_ENV
from .common import (EXIT_FAILED, EXIT_OK, error, esc, existing_paths, fail, load_plugins, open_project, print_json,
                     stderr)
from .interrupt import interrupted


def init(directory: Path = typer.Argument(Path("."), help="Where to create the project.")) -> None:
    """Create a project (DIR/.lightplug/ with project.db and plugin_data/)."""
    from ..db.compat import ProjectTooNew
    from ..project import init_project

    if directory.exists() and not directory.is_dir():
        fail(f"{directory} is a file; give a directory")
    try:
        root, created = init_project(directory)
    except ProjectTooNew as exc:
        fail(str(exc))
    stderr().print(esc(f"{'Created' if created else 'Already a'} lightplug project in {root}"))


def import_(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Image files or folders to import."),
    recursive: bool = typer.Option(True, "--recursive/--no-recursive", help="Descend into sub-folders."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any file was skipped (after recording "
                                "the others), e.g. in CI."),
    max_pixels: Optional[int] = typer.Option(None, "--max-pixels", min=1, envvar=MAX_PIXELS_ENV, metavar="N",
                                             help="Skip images larger than N pixels (width x height) "
                                             "without decoding them (default 100,000,000)."),
    max_file_bytes: Optional[int] = typer.Option(None, "--max-file-bytes", min=1, envvar=MAX_FILE_BYTES_ENV,
                                                 metavar="N", help="Skip files larger than N bytes without "
                                                 "reading them (default 536,870,912: 512 MiB)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import images in place (nothing is copied); known files are not imported twice.

    Only regular files are read: FIFOs, sockets, devices, symlinks to folders, unreadable folders,
    files and images over the limits are skipped, each with its reason.
    """
    from .. import api
    from ..compute.executors import ExecutorError
    from ..compute.progress import progress_bars

    started = time.perf_counter()
    project = open_project(ctx, plugins=False)  # plugins load once the files are found (prepare)
    existing_paths(paths)
    err = stderr()
    with progress_bars(err, disable=not err.is_terminal) as progress:
        bar = progress.add_task("Importing", total=None)
        try:
            summary = api.import_paths(project, paths, recursive=recursive, console=err,
                                       on_files=lambda n: progress.update(bar, total=n),
                                       on_done=lambda: progress.advance(bar),
                                       max_pixels=max_pixels, max_file_bytes=max_file_bytes,
                                       prepare=lambda: load_plugins(project))
        except KeyboardInterrupt:
            interrupted("stopped while plugins processed the imported files; the files are recorded, and "
                        "what plugins computed so far is kept (the rest is computed when needed)")
        except ExecutorError as exc:  # the executor (a cluster) could not do the per-file work
            fail(str(exc), code=exc.exit_code)
    if summary.interrupted and not summary.files_done:
        interrupted("import stopped before any file was recorded; run the same import again")
    if summary.interrupted:
        interrupted(f"import stopped: kept {summary.imported} file(s) recorded before Ctrl-C; "
                    f"run the same import again to record the other {summary.files - summary.files_done} "
                    "(plugins compute what they need for the kept files when first asked)")
    data = summary.as_json()
    if as_json:
        print_json(data)
    else:
        for skipped in summary.skipped:
            err.print(f"[yellow]skipped[/] {esc(skipped.path)}: {esc(skipped.reason)}", soft_wrap=True)
        total = time.perf_counter() - started
        plugins = f" (recording {summary.seconds:.1f}s, plugins {max(0.0, total - summary.seconds):.1f}s)" \
            if total - summary.seconds >= 0.1 else ""
        err.print(f"Imported {summary.imported} file(s) ({summary.new_images} new image(s)), "
                  f"{summary.already_known} already known, {len(summary.skipped)} skipped "
                  f"in {total:.1f}s{plugins}.")
    if data["task_failures"]:
        err.print(f"[red]{len(data['task_failures'])} plugin task(s) or listener(s) failed[/] (see above); "
                  "the files were imported.")
    if strict and summary.skipped:
        error(f"{len(summary.skipped)} file(s) skipped (--strict); {summary.imported} new file(s) were "
              "recorded all the same. The reasons are above, and in `skipped` with --json")
    failed = data["task_failures"] or (strict and summary.skipped)
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


def remove_folder(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A folder imported earlier."),
    as_json: bool = typer.Option(False, "--json", help="Print what was removed as JSON."),
) -> None:
    """Remove a folder's instances (and sub-folders') from the project; files stay on disk."""
    from .. import api

    project = open_project(ctx)
    confirm = api.remove_folder(project, path)
    if confirm is None:
        fail(f"{path.expanduser().resolve()} is not an imported folder; "
             "see `lightplug images list` for what is imported")
    folder_ids, instances = confirm.deleted_folders, confirm.deleted_instances
    if as_json:
        print_json({"folders": len(folder_ids), "instances": len(instances)})
    else:
        stderr().print(f"Removed {len(folder_ids)} folder(s) and {len(instances)} instance(s), with their values "
                       "and annotations. This cannot be undone: import the folder again to add its files back.")
