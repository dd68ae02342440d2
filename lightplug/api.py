"""The Python API: what the command line, tests, notebooks and scripts share.

    from lightplug import api

    root = api.init_project("photos")
    with api.open_project(root) as project:
        api.import_paths(project, ["photos/trip"])
        result = api.run(project, "hue.hue_groups", {"nb_groups": 4}, selection={"tags": ["keep"]})
        print(result["status"], [g["size"] for g in result["groups"]])

Every function takes an open ``Project`` (from ``open_project``) and returns plain data: the
same dictionaries ``lightplug ... --json`` prints. Errors are exceptions with a message that says
what to do: ``ProjectNotFound``, ``LookupFailed`` (unknown operator), ``ParameterError``,
``SelectionError``, ``RunRefused``; Ctrl-C during a run raises ``RunInterrupted``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .specs import ParameterError

if TYPE_CHECKING:
    from rich.console import Console

    from .importer import ImportSummary
    from .models import DeleteFolderConfirm
    from .project import Project
    from .selection import Selection
    from .specs import ActionSpec

__all__ = ["ParameterError", "init_project", "open_project", "import_paths", "remove_folder", "operators",
           "find_operator", "complete_parameters", "run", "runs", "get_run", "undo", "redo",
           "move_images", "trash_images", "empty_trash", "relink", "prune"]


def init_project(directory: str | os.PathLike) -> Path:
    """Create a project in ``directory`` (nothing happens if it is one already); returns its root."""
    from .project import init_project as create

    return create(Path(directory))[0]


@contextlib.contextmanager
def open_project(directory: str | os.PathLike | None = None, *, plugins: bool = True) -> Iterator[Project]:
    """The project at ``directory`` (else ``LIGHTPLUG_PROJECT``, else found from the working directory).

    ``plugins``: load the plugins that take part in project events (imports, folder removal);
    ``run`` loads the plugin it needs by itself.
    """
    from . import loading
    from .project import Project, resolve_root

    project = Project(resolve_root(directory))
    try:
        if plugins:
            loading.load(project, loading.event_plugins(project))
        yield project
    finally:
        project.close()


def import_paths(project: Project, paths: Iterable[str | os.PathLike], *, recursive: bool = True,
                 on_files: Callable[[int], None] | None = None, on_done: Callable[[], None] | None = None,
                 console: Console | None = None, max_pixels: int | None = None,
                 max_file_bytes: int | None = None, prepare: Callable[[], None] | None = None) -> ImportSummary:
    """Import image files and folders in place, tell the plugins, run the tasks they queue.

    Only regular files are read; everything else found (FIFOs, devices, symlinked folders,
    unreadable folders), files over ``max_file_bytes`` and images over ``max_pixels`` (None:
    ``LIGHTPLUG_MAX_FILE_BYTES``/``LIGHTPLUG_MAX_PIXELS`` or the defaults, see ``scan``) are in
    ``summary.skipped`` with a reason. ``on_files(count)`` is called once the files are found,
    ``on_done()`` after each is inspected. ``prepare()`` is called once the files are found and
    the worker processes, if the new files need them, are starting: the CLI loads the project's
    plugins there, while the workers start on the other cores. Returns the summary;
    ``summary.task_failures`` lists failed plugin tasks and listeners. When Ctrl-C stopped the
    recording, ``summary.interrupted`` is set and plugins were not told.
    """
    from .db import store
    from .importer import ImportSummary, import_files, start_workers
    from .scan import limits, scan

    with limits(max_pixels, max_file_bytes):
        found = None
        try:
            found = scan(paths, recursive)
            if on_files:
                on_files(len(found.files))
            known = store.known_urls(project.db)
            start_workers(sum(1 for f in found.files if f not in known))
            if prepare:
                prepare()
        except KeyboardInterrupt:  # before anything was recorded
            if found is None:
                return ImportSummary(interrupted=True)
            return ImportSummary(files=len(found.files) + len(found.skipped), skipped=list(found.skipped),
                                 interrupted=True)
        summary = import_files(project, found.files, on_done=on_done, skipped=found.skipped, known=known)
        if summary.interrupted:
            return summary
        project.run(project.emit_import(summary.instances))
        failures = project.run(project.tasks.run_all(console))
    summary.task_failures = [f.error for f in failures] + project.listener_errors
    return summary


def remove_folder(project: Project, path: str | os.PathLike) -> DeleteFolderConfirm | None:
    """Remove an imported folder's instances (sub-folders too) and tell the plugins; None if unknown."""
    from .db import store
    from .models import DeleteFolderConfirm

    removed = store.remove_folder_tree(project.db, str(Path(path).expanduser().resolve()))
    if removed is None:
        return None
    confirm = DeleteFolderConfirm(deleted_folders=removed[0], deleted_instances=removed[1])
    project.run(project.emit_folder_delete(confirm))
    project.run(project.tasks.run_all(None))
    return confirm


def operators(project: Project | None = None) -> list[ActionSpec]:
    """Everything ``run`` can execute (operators and actions of enabled plugins), from the cache."""
    from .loading import listing

    return listing(project).specs


def find_operator(project: Project | None, name: str) -> ActionSpec:
    """The operator or action ``name`` (``<plugin>.<name>`` or a unique bare name), its plugin loaded.

    ``LookupFailed`` (with suggestions) if none or several match; ``loading.Refused`` if its
    plugin is disabled in the project or failed to load.
    """
    from .loading import runnable

    return runnable(project, name)


def complete_parameters(spec: ActionSpec, given: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every parameter of ``spec``: the ``given`` ones checked and converted, the others defaulted.

    ``ParameterError`` for an unknown name, a bad value or a required parameter without a default.
    """
    given = dict(given or {})
    by_name = {p.name: p for p in spec.params}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        raise ParameterError(f"{spec.qualified} has no parameter {', '.join(unknown)}; "
                             f"its parameters are: {', '.join(by_name) or 'none'}")
    values: dict[str, Any] = {}
    for p in spec.params:
        if p.name in given:
            values[p.name] = p.validate(given[p.name])
        elif p.default is not None:
            values[p.name] = p.validate(p.default) if p.convert else p.default
        elif p.required:
            raise ParameterError(f"missing required parameter {p.name!r} of {spec.qualified}")
        else:
            values[p.name] = None
    return values


def run(project: Project, name: str | ActionSpec, params: dict[str, Any] | None = None, *,
        selection: Selection | dict[str, Any] | None = None, console: Console | None = None,
        verbose: bool = False) -> dict[str, Any]:
    """Run an operator or action and return its result (the JSON of ``lightplug run --json``).

    ``selection`` is a ``Selection`` or the keywords of ``selection.resolve`` (``ids``, ``sha1s``,
    ``folders``, ``tags``, ``run``); None means the whole project. The run is recorded.
    """
    from .runner import execute
    from .selection import Selection, resolve

    spec = name if not isinstance(name, str) else find_operator(project, name)
    values = complete_parameters(spec, params)
    chosen = selection if isinstance(selection, Selection) else resolve(project.db, **(selection or {}))
    return execute(project, spec, values, chosen, console=console, verbose=verbose)


def runs(project: Project, limit: int | None = None) -> list[dict[str, Any]]:
    """Recorded runs, newest first (a run still going has status ``running``)."""
    from .db.runs import get_runs

    return get_runs(project.db, limit)


def get_run(project: Project, run_id: int) -> dict[str, Any] | None:
    """One recorded run with its full result, or None."""
    from .db.runs import get_run as fetch

    return fetch(project.db, run_id)


def undo(project: Project) -> dict[str, Any] | None:
    """Revert the latest commit (made by any process); its record, or None when there is none."""
    from .db import commits

    return commits.undo(project.db)


def redo(project: Project) -> dict[str, Any] | None:
    """Re-apply the commit undone last; its record, or None when there is none."""
    from .db import commits

    return commits.redo(project.db)


def _chosen(project: Project, selection: Selection | dict[str, Any]) -> Selection:
    from .selection import Selection, SelectionError, resolve

    chosen = selection if isinstance(selection, Selection) else resolve(project.db, **selection)
    if chosen.instance_ids is None:
        raise SelectionError("select the images to move (ids, sha1s, folders, tags or run); "
                             "all of them at once is refused")
    return chosen


def move_images(project: Project, selection: Selection | dict[str, Any], to: str | os.PathLike, *,
                dry_run: bool = False) -> dict[str, Any]:
    """Move the selected images' files into folder ``to`` as one undoable commit (``undo`` moves
    them back); the image a duplicates group keeps stays when no other copy of it would.

    Returns ``{"moved": [{"id", "from", "to"}], "skipped": [{"id", "path", "reason"}], "commit", ...}``;
    ``moves.FileMoveError`` (nothing moved) when a file is missing or a move fails.
    """
    from .files import move_images as move

    chosen = _chosen(project, selection)
    return move(project, chosen.instance_ids or [], to, from_run=chosen.given.get("from_run"),
                dry_run=dry_run).as_json()


def trash_images(project: Project, selection: Selection | dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
    """Move the selected images' files to ``.lightplug/trash/<commit id>/`` and take them out of
    the project, as one undoable commit; otherwise like ``move_images``."""
    from .files import move_images as move

    chosen = _chosen(project, selection)
    return move(project, chosen.instance_ids or [], None, from_run=chosen.given.get("from_run"),
                dry_run=dry_run).as_json()


def empty_trash(project: Project, *, dry_run: bool = False) -> dict[str, Any]:
    """Delete the trashed files for good; their ``trash_images`` commits can no longer be undone.
    Returns ``{"commits", "images", "files", "bytes", "left", "dry_run"}``."""
    from .files import empty_trash as empty

    return empty(project, dry_run=dry_run)


def relink(project: Project, old: str | os.PathLike, new: str | os.PathLike, *, check_all: bool = False,
           dry_run: bool = False) -> dict[str, Any]:
    """Point the folders and images recorded under ``old`` (a folder moved on disk) to ``new``, as
    one undoable commit, after checking the files (``relink.RelinkError`` when they are not there)."""
    from .relink import relink as repair

    return repair(project, old, new, check_all=check_all, dry_run=dry_run).as_json()


def prune(project: Project, *, dry_run: bool = False) -> dict[str, Any]:
    """Remove the images whose files are gone from disk (not undoable); ``{"removed": [...], "folders"}``."""
    from .relink import prune as forget

    images, folders = forget(project, dry_run=dry_run)
    return {"dry_run": dry_run, "removed": [{"id": i.id, "path": i.url} for i in images], "folders": folders}
