"""``lightplug annotations list|export`` and ``lightplug captions list``: what operators wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from .common import esc, fail, open_project, print_json, stderr
from .data_cmds import _format, _selected, write_rows

ANNOTATION_COLUMNS = ["id", "sample_id", "label", "type", "x", "y", "width", "height", "confidence",
                      "collection_id", "path"]
CAPTION_COLUMNS = ["id", "sample_id", "collection_id", "text", "path"]

annotations_app = typer.Typer(help="The project's annotations (`lightplug annotations` lists them).")
captions_app = typer.Typer(help="The project's captions (`lightplug captions` lists them).")

FMT = {
    "as_json": typer.Option(False, "--json", help="Print JSON."),
    "as_csv": typer.Option(False, "--csv", help="Print CSV with a header row."),
    "as_tsv": typer.Option(False, "--tsv", help="Print tab-separated values with a header row."),
    "as_nl": typer.Option(False, "--nl", help="Print one JSON object per line."),
}
LIMIT = typer.Option(None, "--limit", min=1, help="At most this many rows.")
COLLECTION = typer.Option(None, "--collection", help="Only this collection (e.g. default/detections).")
IDS = typer.Option(None, "--ids", help="Only these images, e.g. 1,2,5-7.")
TAG = typer.Option([], "--tag", help="Only images with this tag (repeatable).")
FOLDER = typer.Option([], "--folder", help="Only images under this folder (repeatable).")
FROM_RUN = typer.Option(None, "--from-run", metavar="RUN[:GROUP]", help="Only the images of an earlier run's groups.")


def _sample_ids(ctx: typer.Context, project: Any, ids: Optional[str], tag: list[str], folder: list[Path],
                from_run: Optional[str]) -> list[int] | None:
    chosen = _selected(ctx, project, {"ids": ids, "tag": tag, "folder": folder, "from_run": from_run})
    return sorted(chosen) if chosen is not None else None


@annotations_app.command("list")
def list_annotations(ctx: typer.Context, collection: Optional[str] = COLLECTION,
                     label: Optional[str] = typer.Option(None, "--label", help="Only this label."),
                     kind: Optional[str] = typer.Option(None, "--type", help="Only this type, e.g. object_detection."),
                     ids: Optional[str] = IDS, tag: list[str] = TAG, folder: list[Path] = FOLDER,
                     from_run: Optional[str] = FROM_RUN, limit: Optional[int] = LIMIT,
                     as_json: bool = FMT["as_json"], as_csv: bool = FMT["as_csv"], as_tsv: bool = FMT["as_tsv"],
                     as_nl: bool = FMT["as_nl"]) -> None:
    """List annotations with their label and file; filter by collection, label, type and images."""
    from ..db import lightly_store

    fmt = _format(json=as_json, csv=as_csv, tsv=as_tsv, nl=as_nl)
    project = open_project(ctx, plugins=False)
    rows = lightly_store.annotation_rows(project.db, collection=collection, label=label, kind=kind,
                                         sample_ids=_sample_ids(ctx, project, ids, tag, folder, from_run))
    write_rows(rows[:limit] if limit else rows, ANNOTATION_COLUMNS, fmt, len(rows))


@annotations_app.command("export")
def export_annotations(ctx: typer.Context, collection: Optional[str] = COLLECTION,
                       fmt: str = typer.Option("coco", "--format", help="coco (masks as uncompressed RLE)."),
                       output: Optional[Path] = typer.Option(None, "--output", "-o",
                                                             help="Write to this file (default: stdout).")) -> None:
    """Export annotations (segmentation masks as RLE) and captions as COCO JSON."""
    import json

    from ..db import lightly_store
    from .show_cmds import _write

    if fmt != "coco":
        fail(f"unknown format {fmt!r}; the formats are: coco")
    project = open_project(ctx, plugins=False)
    data = lightly_store.coco_export(project.db, collection)
    if output is None:
        print_json(data)
        return
    if ".lightplug" in output.resolve().parts:
        fail(f"{output}: give a file outside the project's .lightplug folder")
    _write(output, json.dumps(data, indent=1).encode("utf-8"))
    stderr().print(esc(f"Wrote {output}: {len(data['images'])} image(s), {len(data['annotations'])} annotation(s)."))


@captions_app.command("list")
def list_captions(ctx: typer.Context, collection: Optional[str] = COLLECTION, ids: Optional[str] = IDS,
                  tag: list[str] = TAG, folder: list[Path] = FOLDER, from_run: Optional[str] = FROM_RUN,
                  limit: Optional[int] = LIMIT, as_json: bool = FMT["as_json"], as_csv: bool = FMT["as_csv"],
                  as_tsv: bool = FMT["as_tsv"], as_nl: bool = FMT["as_nl"]) -> None:
    """List captions with their file; filter by collection and images."""
    from ..db import lightly_store

    fmt = _format(json=as_json, csv=as_csv, tsv=as_tsv, nl=as_nl)
    project = open_project(ctx, plugins=False)
    rows = lightly_store.caption_rows(project.db, _sample_ids(ctx, project, ids, tag, folder, from_run), collection)
    write_rows(rows[:limit] if limit else rows, CAPTION_COLUMNS, fmt, len(rows))


@annotations_app.callback(invoke_without_command=True)
def annotations_default(ctx: typer.Context) -> None:
    """The project's annotations; without a sub-command, list them."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_annotations, ctx, collection=None, label=None, kind=None, ids=None, tag=[], folder=[],
                   from_run=None, limit=None, as_json=False, as_csv=False, as_tsv=False, as_nl=False)


@captions_app.callback(invoke_without_command=True)
def captions_default(ctx: typer.Context) -> None:
    """The project's captions; without a sub-command, list them."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_captions, ctx, collection=None, ids=None, tag=[], folder=[], from_run=None, limit=None,
                   as_json=False, as_csv=False, as_tsv=False, as_nl=False)
