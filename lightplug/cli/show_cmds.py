"""``lightplug show RUN[:GROUP]`` and ``lightplug report RUN[:GROUP] --html FILE``: a run's groups as files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from .common import EXIT_FAILED, esc, fail, open_project, print_json, stderr, stdout

if TYPE_CHECKING:
    from ..project import Project

RUN = typer.Argument(..., metavar="RUN[:GROUP]", help="A run id (or 'last'), optionally :GROUP (number or name).")


def _groups(ctx: typer.Context, run: str) -> tuple[dict, list]:
    from ..groups import GroupNotFound, run_groups

    project = open_project(ctx, plugins=False)
    try:
        return run_groups(project.db, run)
    except GroupNotFound as exc:
        fail(str(exc))


def show(ctx: typer.Context, run: str = RUN,
         limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Members shown per group."),
         as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the members of a run's groups by path, with their scores (KEEP marks the image to keep)."""
    record, groups = _groups(ctx, run)
    if as_json:
        print_json({"run_id": record["id"], "operator": record["operator"],
                    "groups": [g.as_json() for g in groups]})
        return
    if not groups:
        stderr().print(f"Run {record['id']} has no groups.")
        return
    out = stdout()
    for group in groups:
        score = group.score or {}
        head = f"[bold]{group.index}. {esc(group.name)}[/] ({len(group.members)} image(s)"
        head += f", score {score['value']:.4g})" if score.get("value") is not None else ")"
        out.print(head, soft_wrap=True)
        shown = group.members[:limit] if limit else group.members
        for member in shown:
            mark = "[green]KEEP[/] " if member.keep else "     "
            score_text = f"  [dim]{member.score:.4g}[/]" if member.score is not None else ""
            out.print(f"  {mark}{esc(member.path or member.name)}{score_text}", soft_wrap=True, highlight=False)
        if len(group.members) > len(shown):
            out.print(f"  [dim]… and {len(group.members) - len(shown)} more (--limit)[/]")


def report(ctx: typer.Context, run: str = RUN,
           html: Optional[Path] = typer.Option(None, "--html", metavar="FILE", help="Write a self-contained HTML page."),
           contact_sheet: Optional[Path] = typer.Option(None, "--contact-sheet", metavar="FILE.png",
                                                        help="Write a PNG grid of thumbnails per group."),
           open_it: bool = typer.Option(False, "--open", help="Open the HTML page in a browser."),
           limit: int = typer.Option(200, "--limit", min=1, help="Members shown per group.")) -> None:
    """Write a run's groups as thumbnails with names and scores: an HTML page and/or a contact sheet."""
    from .. import report as R

    if html is None and contact_sheet is None:
        fail("give --html FILE and/or --contact-sheet FILE.png")
    for target in (html, contact_sheet):
        if target is not None:
            check_target(target)
    record, groups = _groups(ctx, run)
    if html is not None:
        _write_page(html, record, groups, limit)
        if open_it:
            import webbrowser

            if not webbrowser.open(html.resolve().as_uri()):
                stderr().print("No browser could be opened; open the file yourself.")
    if contact_sheet is not None:
        import io

        buffer = io.BytesIO()
        R.contact_sheet(groups, limit=limit).save(buffer, "PNG")
        _write(contact_sheet, buffer.getvalue())
        stderr().print(esc(f"Wrote {contact_sheet}."))


def check_target(path: Path) -> None:
    """Exit 2 unless ``path`` can be a report file: not a folder, not inside ``.lightplug/``."""
    if path.is_dir() or ".lightplug" in path.resolve().parts:
        fail(f"{path}: give a file outside the project's .lightplug folder")


def write_html(project: Project, run: str, path: Path, limit: int = 200) -> None:
    """Write the HTML report of ``run`` (``RUN[:GROUP]``) to ``path`` (``run --report``)."""
    from ..groups import run_groups

    record, groups = run_groups(project.db, run)
    _write_page(path, record, groups, limit)


def _write_page(path: Path, record: dict, groups: list, limit: int) -> None:
    from .. import report as R

    _write(path, R.html_page(record, groups, limit=limit).encode("utf-8"))
    stderr().print(esc(f"Wrote {path} ({len(groups)} group(s))."))


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a failure leaves no half file."""
    import os
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as a file opened for writing would be
        os.replace(tmp, path)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}", EXIT_FAILED)


def status(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The project on one screen: images, folders, plugins and their state, vectors, recent runs,
    and what `undo` and `redo` would do."""
    from ..db import queries
    from ..loading import listing

    project = open_project(ctx, plugins=False)
    data = queries.status(project.db)
    data["root"] = str(project.root)
    from ..relink import missing_images

    data["missing"] = len(missing_images(project.db))  # one stat per image: cheap next to the rest
    data["plugins"] = [{"name": r["name"], "version": r["version"],
                        "state": "disabled" if r.get("enabled") is False else r["status"]}
                       for r in listing(project).rows]
    if as_json:
        print_json(data)
        return
    out = stdout()
    out.print(f"[bold]Project[/] {esc(data['root'])}")
    out.print(f"Images: {data['images']} ({data['distinct_images']} distinct) in {data['folders']} folder(s); "
              f"{data['properties']} propert{'y' if data['properties'] == 1 else 'ies'}, {data['tags']} tag(s), "
              f"{data['annotations']} annotation(s)")
    if data["missing"]:
        out.print(f"[yellow]Missing on disk: {data['missing']} image(s)[/]: `lightplug relink OLD NEW` repairs a "
                  "folder that moved; `lightplug prune` forgets images whose files are gone.", soft_wrap=True)
    colours = {"loaded": "green", "failed": "red", "disabled": "dim"}
    plugins = ", ".join(f"[{colours.get(p['state'], '')}]{esc(p['name'])}[/] ({p['state']})" for p in data["plugins"])
    out.print("Plugins: " + (plugins or "none installed"), soft_wrap=True)
    for v in data["vector_types"]:
        out.print(f"Vectors: {esc(v['source'])} {esc(v['params'])}: {v['vectors']} of {v['dimensions'] or '?'} "
                  "dimension(s)", soft_wrap=True)
    if data["recent_runs"]:
        out.print("Recent runs:")
        for r in data["recent_runs"]:
            out.print(f"  {r['id']:>4}  {esc(r['operator'])}  {r['status']}  {str(r['started'])[:19]}", soft_wrap=True)
    for verb in ("undo", "redo"):
        step = data[verb]
        text = (f"commit {step['id']} ({esc(step['source'] or '-')}): {esc(step['changes'])}" if step
                else "nothing")
        out.print(f"{verb.capitalize()} would {'revert' if verb == 'undo' else 're-apply'}: {text}", soft_wrap=True)


maps_app = typer.Typer(help="Maps of the images that plugins made (PaCMAP, UMAP, t-SNE, …).", no_args_is_help=True)


@maps_app.command("list")
def maps_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every map: id, the plugin that made it, name and number of points."""
    from ..db import maps

    rows = [{"id": m.id, "source": m.source, "name": m.name, "key": m.key, "count": m.count}
            for m in maps.list_maps(open_project(ctx, plugins=False).db)]
    if as_json:
        print_json(rows)
        return
    from .data_cmds import write_rows

    write_rows(rows, ["id", "source", "name", "count"], None)


@maps_app.command("show")
def maps_show(ctx: typer.Context, map_id: int = typer.Argument(..., metavar="ID", help="The map's id (maps list)."),
              png: Optional[Path] = typer.Option(None, "--png", metavar="FILE", help="Write the map as a picture "
                                                 "of thumbnails at their points."),
              html: Optional[Path] = typer.Option(None, "--html", metavar="FILE", help="Write a page with the map "
                                                  "as a scatter plot whose points link to their files."),
              limit: Optional[int] = typer.Option(20, "--limit", min=1, help="Points listed (with --json: all)."),
              as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """One map's points with their files; --png / --html draw it."""
    from .. import report as R
    from ..db import maps

    project = open_project(ctx, plugins=False)
    found = maps.get_map(project.db, map_id)
    if found is None:
        known = ", ".join(str(m.id) for m in maps.list_maps(project.db)) or "none"
        fail(f"no map {map_id}; the maps are: {known} (see `lightplug maps list`)")
    points = R.map_points(project.db, found)
    title = f"Map {found.id}: {found.name} ({found.source})"
    for target in (png, html):
        if target is not None and ".lightplug" in target.resolve().parts:
            fail(f"{target}: give a file outside the project's .lightplug folder")
    if png is not None:
        import io

        buffer = io.BytesIO()
        R.map_png(title, points).save(buffer, "PNG")
        _write(png, buffer.getvalue())
        stderr().print(esc(f"Wrote {png}."))
    if html is not None:
        _write(html, R.map_html(title, points).encode("utf-8"))
        stderr().print(esc(f"Wrote {html}."))
    if as_json:
        print_json({"id": found.id, "source": found.source, "name": found.name, "key": found.key, "points": points})
    elif png is None and html is None:
        from .data_cmds import write_rows

        write_rows(points[:limit], ["id", "x", "y", "path"], None, len(points))
