"""Read-only listings of what LightlyStudio-style operators wrote: captions, annotations by
collection/label/type/sample, and a COCO export with RLE masks (for ``captions list``,
``annotations list`` filters and ``annotations export``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database


def _where(conditions: list[tuple[str, Any]]) -> tuple[str, list[Any]]:
    parts, args = [], []
    for sql, value in conditions:
        if value is None:
            continue
        values = list(value) if isinstance(value, (list, tuple, set)) else [value]
        if not values:
            continue
        parts.append(f"{sql} in (select value from json_each(?))")  # any number of values
        args.append(json.dumps(values))
    return (" where " + " and ".join(parts) if parts else ""), args


def caption_rows(db: Database, sample_ids: Sequence[int] | None = None,
                 collection: str | None = None) -> list[dict[str, Any]]:
    """Captions with their sample's file, oldest first; optionally of ``sample_ids`` / one collection."""
    if "captions" not in db.table_names():
        return []
    where, args = _where([("c.sample_id", sample_ids), ("c.collection_id", collection)])
    return _decoded(db.query("select c.id, c.sample_id, i.url as path, c.text, c.collection_id, c.created, "
                             "c.run_id from captions c left join instances i on i.id = c.sample_id" + where
                             + " order by c.id", args))


def _decoded(rows: Any) -> list[dict[str, Any]]:
    """Rows with their ``path`` as the file's real name (``db.paths``)."""
    from .paths import decode

    return [{**r, "path": decode(r["path"])} if r.get("path") else dict(r) for r in rows]


def annotation_collections(db: Database) -> list[dict[str, Any]]:
    """The annotation collections (``id``, ``name``, ``parent_id``), oldest first."""
    if "lightly_collections" not in db.table_names():
        return []
    return list(db.query("select id, name, parent_id from lightly_collections "
                         "where sample_type = 'annotation' order by created, id"))


def annotation_rows(db: Database, collection: str | None = None, label: str | None = None,
                    kind: str | None = None, sample_ids: Sequence[int] | None = None,
                    masks: bool = False) -> list[dict[str, Any]]:
    """Annotations with label and file, filtered by collection id, label name, type and samples;
    ``masks``: include ``segmentation_mask`` (row-wise RLE, JSON text)."""
    where, args = _where([("a.collection_id", collection), ("l.name", label), ("a.type", kind),
                          ("a.sample_id", sample_ids)])
    mask = ", a.segmentation_mask" if masks and "segmentation_mask" in db.table("annotations").columns_dict else ""
    return _decoded(db.query(
        "select a.id, a.sample_id, i.url as path, l.name as label, a.type, a.x, a.y, a.width, a.height, "
        f"a.confidence, a.collection_id{mask} from annotations a join annotation_labels l on l.id = a.label_id "
        "left join instances i on i.id = a.sample_id" + where + " order by a.id", args))


def coco_rle(row_wise: Sequence[int], width: int, height: int) -> dict[str, Any]:
    """LightlyStudio's row-wise run lengths as COCO's uncompressed RLE (column-major counts)."""
    import numpy as np

    flat = np.zeros(width * height, dtype=np.uint8)
    pos, value = 0, 0
    for run in row_wise:
        flat[pos:pos + run] = value
        pos, value = pos + run, 1 - value
    column_major = flat.reshape(height, width).T.reshape(-1)
    changes = np.flatnonzero(np.diff(column_major)) + 1
    bounds = np.concatenate([[0], changes, [column_major.size]])
    counts = np.diff(bounds).tolist()
    if column_major.size and column_major[0] == 1:
        counts = [0, *counts]
    return {"size": [height, width], "counts": counts}


def coco_export(db: Database, collection: str | None = None) -> dict[str, Any]:
    """A COCO dict (images, categories, annotations; masks as uncompressed RLE, captions as
    ``captions``) of the annotations (of one collection) and captions."""
    import json

    rows = annotation_rows(db, collection=collection, masks=True)
    sample_ids = sorted({r["sample_id"] for r in rows} | {c["sample_id"] for c in caption_rows(db)})
    images = {r["id"]: r for r in db.query(
        f"select id, url, width, height from instances where id in ({', '.join('?' for _ in sample_ids)})",
        sample_ids)} if sample_ids else {}
    labels = sorted({r["label"] for r in rows})
    category = {name: i + 1 for i, name in enumerate(labels)}
    out_annotations = []
    for r in rows:
        image = images.get(r["sample_id"])
        entry: dict[str, Any] = {"id": r["id"], "image_id": r["sample_id"], "category_id": category[r["label"]],
                                 "bbox": [r["x"], r["y"], r["width"], r["height"]], "iscrowd": 0,
                                 "score": r["confidence"], "collection": r["collection_id"]}
        if r["width"] is not None and r["height"] is not None:
            entry["area"] = r["width"] * r["height"]
        if r.get("segmentation_mask") and image is not None:
            entry["segmentation"] = coco_rle(json.loads(r["segmentation_mask"]), image["width"], image["height"])
            entry["iscrowd"] = 1
        out_annotations.append(entry)
    from .paths import decode

    return {"images": [{"id": i, "file_name": decode(r["url"]), "width": r["width"], "height": r["height"]}
                       for i, r in sorted(images.items())],
            "categories": [{"id": i, "name": n} for n, i in category.items()],
            "annotations": out_annotations,
            "captions": [{"image_id": c["sample_id"], "caption": c["text"]} for c in caption_rows(db)]}
