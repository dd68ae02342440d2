"""COCO object-detection JSON: built from the project's annotations, and read back (validated).

Export: ``images`` are the exported instances (``file_name`` relative to their common folder,
which ``info.images_root`` records; the absolute ``path`` is added as an extra key),
``categories`` are the collection's annotation labels, ``annotations`` the boxed annotations
(``bbox`` = [x, y, width, height] in pixels, ``area``, ``iscrowd`` 0, ``score`` when known and
an extra ``type``). Annotations without a box (classifications) have no COCO form and are left
out (counted).

Import: the whole file is validated before anything is written. An annotation with a ``bbox``
becomes an object detection (or its ``type``); one without becomes a classification.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .files import ExportError

if TYPE_CHECKING:
    from lightplug import Annotation, AnnotationLabel, Instance

BOX_TYPES = ("object_detection", "instance_segmentation", "semantic_segmentation")


def _type_value(value: Any) -> str:
    return getattr(value, "value", str(value))


def images_root(paths: Sequence[str]) -> str | None:
    """The deepest folder holding every one of ``paths`` (None when there are none)."""
    folders = {os.path.dirname(p) for p in paths}
    if not folders:
        return None
    try:
        return os.path.commonpath(sorted(folders))
    except ValueError:  # different drives (Windows)
        return None


def build_coco(instances: Sequence[Instance], annotations: Iterable[Annotation],
               labels: Sequence[AnnotationLabel]) -> tuple[dict[str, Any], dict[str, int]]:
    """The COCO document of ``instances`` and their boxed annotations, and its counts."""
    root = images_root([i.url for i in instances])
    by_id = {i.id: i for i in instances}
    images = [{"id": i.id, "file_name": os.path.relpath(i.url, root) if root else i.name,
               "width": i.width, "height": i.height, "path": i.url, "sha1": i.sha1} for i in instances]
    coco_annotations, without_box = [], 0
    for a in annotations:
        if a.parent_sample_id not in by_id:
            continue
        if None in (a.x, a.y, a.width, a.height):
            without_box += 1
            continue
        item = {"id": a.annotation_id, "image_id": a.parent_sample_id, "category_id": a.annotation_label_id,
                "bbox": [a.x, a.y, a.width, a.height], "area": a.width * a.height, "iscrowd": 0,
                "type": _type_value(a.annotation_type)}
        if a.confidence is not None:
            item["score"] = a.confidence
        coco_annotations.append(item)
    categories = [{"id": label.annotation_label_id, "name": label.annotation_label_name, "supercategory": ""}
                  for label in labels]
    document = {
        "info": {"description": "Exported by lightplug", "version": "1.0",
                 "date_created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                 "images_root": root},
        "licenses": [], "images": images, "annotations": coco_annotations, "categories": categories}
    counts = {"images": len(images), "annotations": len(coco_annotations), "categories": len(categories),
              "without_box": without_box}
    return document, counts


# -- reading --------------------------------------------------------------------------------
@dataclass
class CocoImage:
    """An image entry of a COCO file."""

    id: Any
    file_name: str
    path: str | None = None


@dataclass
class CocoAnnotation:
    """A validated annotation: its image, label name, type, box (or None) and score."""

    image_id: Any
    label: str
    type: str
    bbox: tuple[float, float, float, float] | None = None
    score: float | None = None


@dataclass
class CocoFile:
    """A validated COCO file."""

    images: list[CocoImage]
    annotations: list[CocoAnnotation]
    labels: list[str]
    images_root: str | None = None
    folder: Path = field(default_factory=Path)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _key(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_coco(data: Any, folder: Path = Path(".")) -> CocoFile:
    """Validate a loaded COCO document; ``ExportError`` names the first problem found."""
    if not isinstance(data, dict):
        raise ExportError("expected a JSON object with 'images', 'annotations' and 'categories'")
    for key in ("images", "annotations"):
        if not isinstance(data.get(key), list):
            raise ExportError(f"'{key}' must be a list" + ("" if key in data else f", and there is no '{key}'"))
    categories = data.get("categories", [])
    if not isinstance(categories, list):
        raise ExportError("'categories' must be a list")
    names: dict[Any, str] = {}
    for k, cat in enumerate(categories):
        if not isinstance(cat, dict) or not _key(cat.get("id")) or not isinstance(cat.get("name"), str) \
                or not cat["name"].strip():
            raise ExportError(f"categories[{k}] must have an 'id' and a non-empty 'name', got {_short(cat)}")
        if cat["id"] in names:
            raise ExportError(f"categories[{k}]: category id {cat['id']!r} appears twice")
        names[cat["id"]] = cat["name"].strip()
    images: dict[Any, CocoImage] = {}
    for k, img in enumerate(data["images"]):
        if not isinstance(img, dict) or not _key(img.get("id")) or not isinstance(img.get("file_name"), str) \
                or not img["file_name"]:
            raise ExportError(f"images[{k}] must have an 'id' and a 'file_name', got {_short(img)}")
        if img["id"] in images:
            raise ExportError(f"images[{k}]: image id {img['id']!r} appears twice")
        path = img.get("path") if isinstance(img.get("path"), str) else None
        images[img["id"]] = CocoImage(img["id"], img["file_name"], path)
    annotations = []
    for k, ann in enumerate(data["annotations"]):
        annotations.append(_annotation(k, ann, images, names))
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    root = info.get("images_root") if isinstance(info.get("images_root"), str) else None
    return CocoFile(list(images.values()), annotations, list(dict.fromkeys(names.values())), root, folder)


def _annotation(k: int, ann: Any, images: dict[Any, CocoImage], names: dict[Any, str]) -> CocoAnnotation:
    where = f"annotations[{k}]"
    if not isinstance(ann, dict):
        raise ExportError(f"{where} must be an object, got {_short(ann)}")
    if ann.get("image_id") not in images:
        raise ExportError(f"{where}: image_id {_short(ann.get('image_id'))} is not the id of an entry of 'images'")
    if ann.get("category_id") not in names:
        raise ExportError(f"{where}: category_id {_short(ann.get('category_id'))} is not the id of an entry "
                          "of 'categories'")
    bbox = ann.get("bbox")
    box = None
    if bbox is not None:
        if not isinstance(bbox, list) or len(bbox) != 4 or not all(_number(v) for v in bbox) \
                or bbox[2] < 0 or bbox[3] < 0:
            raise ExportError(f"{where}: bbox must be [x, y, width, height] (4 numbers, width and height "
                              f">= 0), got {_short(bbox)}")
        box = (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
    score = ann.get("score")
    if score is not None and not _number(score):
        raise ExportError(f"{where}: score must be a number, got {_short(score)}")
    kind = ann.get("type") if ann.get("type") in BOX_TYPES else "object_detection"
    return CocoAnnotation(ann["image_id"], names[ann["category_id"]], kind if box else "classification",
                          box, None if score is None else float(score))


def read_coco(path: Path) -> CocoFile:
    """Read and validate the COCO file at ``path``; ``ExportError`` when it is not one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ExportError(f"malformed COCO file {path}: not UTF-8 text") from None
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportError(f"malformed COCO file {path}: not valid JSON ({exc.msg} at line {exc.lineno}, "
                          f"column {exc.colno})") from None
    try:
        return parse_coco(data, Path(path).expanduser().absolute().parent)
    except ExportError as exc:
        raise ExportError(f"malformed COCO file {path}: {exc}") from None


# -- matching COCO images to the project's instances ----------------------------------------
@dataclass
class Matches:
    """COCO image id -> instance, and the file names that matched nothing or more than one image."""

    found: dict[Any, Instance] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


def _norm(path: str) -> str:
    return os.path.normpath(path).replace("\\", "/")


def match_images(coco: CocoFile, instances: Sequence[Instance], how: str, project_root: str) -> Matches:
    """Find each COCO image among ``instances``.

    ``path``: the image's ``path``, or ``file_name`` as an absolute path or relative to
    ``info.images_root``, the COCO file's folder or the project root. ``name``: the file name
    alone, when exactly one instance has it. ``auto``: ``path``, then the instances whose path
    ends with ``file_name``, then ``name``.
    """
    by_path = {_norm(i.url): i for i in instances}
    by_name: dict[str, list[Instance]] = defaultdict(list)
    for inst in instances:
        by_name[os.path.basename(inst.url)].append(inst)
    out = Matches()
    for img in coco.images:
        file_name = img.file_name.replace("\\", "/")
        found: list[Instance] = []
        if how in ("path", "auto"):
            candidates = [img.path] if img.path else []
            bases = [coco.images_root, str(coco.folder), project_root]
            candidates += [file_name] if os.path.isabs(file_name) else [os.path.join(b, file_name) for b in bases if b]
            for c in candidates:
                for variant in (_norm(os.path.abspath(c)), _norm(os.path.realpath(c))):
                    if variant in by_path:
                        found = [by_path[variant]]
                        break
                if found:
                    break
        base = os.path.basename(file_name)
        if not found and how == "auto" and "/" in file_name.strip("/"):
            found = [i for i in by_name.get(base, []) if _norm(i.url).endswith("/" + file_name.strip("/"))]
        if not found and how in ("name", "auto"):
            found = by_name.get(base, [])
        if len(found) == 1:
            out.found[img.id] = found[0]
        elif found:
            out.ambiguous.append(img.file_name)
        else:
            out.unmatched.append(img.file_name)
    return out
