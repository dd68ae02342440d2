"""What each export contains: CSV columns and rows, a JSON document, and counts.

Pure functions over data already read from the project, so they are easy to test.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lightplug import (
        Annotation, AnnotationLabel, ImageProperty, Instance, InstanceProperty, Property, Tag,
    )

IMAGE_COLUMNS = ["instance_id", "sha1", "path", "name"]
TAG_TYPES = ("tag", "multi_tags")


@dataclass
class Table:
    """One export: ``rows`` under ``columns`` for CSV, ``document`` for JSON, ``counts`` for the result."""

    columns: list[str]
    rows: list[dict[str, Any]]
    document: dict[str, Any]
    counts: dict[str, Any] = field(default_factory=dict)


def image_fields(inst: Instance | None, instance_id: int | None = None) -> dict[str, Any]:
    """The columns that identify an image: instance id, SHA-1, absolute path and file name."""
    if inst is None:
        return {"instance_id": instance_id, "sha1": None, "path": None, "name": None}
    return {"instance_id": inst.id, "sha1": inst.sha1, "path": inst.url, "name": inst.name}


def _type(prop: Property) -> str:
    return getattr(prop.type, "value", str(prop.type))


def _tag_ids(value: Any) -> list[int]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


# -- groups -------------------------------------------------------------------------------
def groups_table(run: dict[str, Any], instances: Iterable[Instance], selected: set[int] | None) -> Table:
    """The groups of a run, one row per member instance (narrowed to ``selected`` ids if given)."""
    by_id = {i.id: i for i in instances}
    by_sha1: dict[str, list[Instance]] = defaultdict(list)
    for inst in sorted(by_id.values(), key=lambda i: i.id):
        by_sha1[inst.sha1].append(inst)
    groups, rows = [], []
    for g in (run.get("result") or {}).get("groups") or []:
        values = (g.get("scores") or {}).get("values") or []
        members = []
        for k, iid in enumerate(g.get("ids") or []):
            members.append({**image_fields(by_id.get(iid), iid), "score": values[k] if k < len(values) else None})
        for k, sha1 in enumerate(g.get("sha1s") or []):
            score = values[k] if k < len(values) else None
            for inst in by_sha1.get(sha1) or [None]:
                members.append({**image_fields(inst), "sha1": sha1, "score": score})
        if selected is not None:
            members = [m for m in members if m["instance_id"] in selected]
        group = {"index": g.get("index"), "name": g.get("name"), "size": len(members),
                 "score": g.get("score"), "members": members}
        groups.append(group)
        score_value = (g.get("score") or {}).get("value")
        rows += [{"run_id": run["id"], "group_index": group["index"], "group_name": group["name"],
                  "group_size": group["size"], "group_score": score_value, **m} for m in members]
    columns = ["run_id", "group_index", "group_name", "group_size", "group_score", *IMAGE_COLUMNS, "score"]
    document = {"run_id": run["id"], "operator": run.get("operator"), "started": run.get("started"),
                "parameters": run.get("parameters"), "groups": groups}
    return Table(columns, rows, document, {"run_id": run["id"], "operator": run.get("operator"),
                                           "groups": len(groups), "rows": len(rows)})


# -- tags and property values -----------------------------------------------------------------
def _values_by_instance(instances: Sequence[Instance], instance_values: Iterable[InstanceProperty],
                        image_values: Iterable[ImageProperty]) -> dict[int, dict[int, Any]]:
    """instance id -> property id -> value; image values apply to every instance of their SHA-1."""
    by_sha1: dict[str, list[int]] = defaultdict(list)
    for inst in instances:
        by_sha1[inst.sha1].append(inst.id)
    out: dict[int, dict[int, Any]] = {i.id: {} for i in instances}
    for v in image_values:
        for iid in by_sha1.get(v.sha1, []):
            out[iid][v.property_id] = v.value
    for v in instance_values:
        if v.instance_id in out:
            out[v.instance_id][v.property_id] = v.value
    return out


def tags_table(instances: Sequence[Instance], properties: Sequence[Property], tags: Sequence[Tag],
               instance_values: Iterable[InstanceProperty], image_values: Iterable[ImageProperty]) -> Table:
    """One row per (instance, tag) of the tag properties; untagged instances have no row."""
    tag_props = {p.id: p for p in properties if _type(p) in TAG_TYPES}
    by_id = {t.id: t for t in tags}
    values = _values_by_instance(instances, instance_values, image_values)
    rows: list[dict[str, Any]] = []
    tagged: list[dict[str, Any]] = []
    used: dict[int, int] = defaultdict(int)
    for inst in instances:
        per_property: dict[str, list[str]] = {}
        for pid, value in sorted(values[inst.id].items()):
            if pid not in tag_props:
                continue
            for tid in _tag_ids(value):
                tag = by_id.get(tid)
                if tag is None:
                    continue
                used[tid] += 1
                parents = [by_id[p].value for p in tag.parents if p in by_id]
                rows.append({**image_fields(inst), "property": tag_props[pid].name, "tag_id": tid,
                             "tag": tag.value, "parents": parents})
                per_property.setdefault(tag_props[pid].name, []).append(tag.value)
        if per_property:
            tagged.append({**image_fields(inst), "tags": per_property})
    tag_list = [{"id": t.id, "property_id": t.property_id, "property": tag_props[t.property_id].name,
                 "value": t.value, "parents": [by_id[p].value for p in t.parents if p in by_id],
                 "color": t.color, "count": used.get(t.id, 0)}
                for t in sorted(tags, key=lambda t: t.id) if t.property_id in tag_props]
    document = {"properties": [{"id": p.id, "name": p.name, "type": _type(p)} for p in tag_props.values()],
                "tags": tag_list, "instances": tagged}
    columns = [*IMAGE_COLUMNS, "property", "tag_id", "tag", "parents"]
    return Table(columns, rows, document, {"rows": len(rows), "instances": len(tagged), "tags": len(used)})


def _column_names(properties: Sequence[Property]) -> dict[int, str]:
    """A unique column name per property (its name, made unique when it clashes)."""
    taken = set(IMAGE_COLUMNS)
    out = {}
    for p in properties:
        name = p.name if p.name not in taken else f"{p.name} (property {p.id})"
        taken.add(name)
        out[p.id] = name
    return out


def properties_table(instances: Sequence[Instance], properties: Sequence[Property], tags: Sequence[Tag],
                     instance_values: Iterable[InstanceProperty], image_values: Iterable[ImageProperty]) -> Table:
    """One row per instance, one column per property (tags as their values, joined by ``|`` in CSV)."""
    props = sorted(properties, key=lambda p: p.id)
    columns_of = _column_names(props)
    tag_value = {t.id: t.value for t in tags}
    values = _values_by_instance(instances, instance_values, image_values)
    rows, filled = [], 0
    for inst in instances:
        own = {}
        for p in props:
            value = values[inst.id].get(p.id)
            if value is not None and _type(p) in TAG_TYPES:
                value = [tag_value[t] for t in _tag_ids(value) if t in tag_value]
            own[columns_of[p.id]] = value
            filled += value is not None and value != []
        rows.append({**image_fields(inst), **own})
    document = {
        "properties": [{"id": p.id, "name": p.name, "type": _type(p),
                        "mode": getattr(p.mode, "value", str(p.mode)), "column": columns_of[p.id]} for p in props],
        "instances": [{**{k: r[k] for k in IMAGE_COLUMNS},
                       "properties": {columns_of[p.id]: r[columns_of[p.id]] for p in props}} for r in rows]}
    return Table([*IMAGE_COLUMNS, *(columns_of[p.id] for p in props)], rows, document,
                 {"rows": len(rows), "properties": len(props), "values": filled})


# -- annotations ----------------------------------------------------------------------------
ANNOTATION_COLUMNS = ["annotation_id", *IMAGE_COLUMNS, "image_width", "image_height", "label", "type",
                      "x", "y", "width", "height", "confidence"]


def annotation_rows(instances: Sequence[Instance], annotations: Iterable[Annotation]) -> list[dict[str, Any]]:
    """One row per annotation of ``instances`` (annotations of other samples are left out)."""
    by_id = {i.id: i for i in instances}
    rows = []
    for a in annotations:
        inst = by_id.get(a.parent_sample_id)
        if inst is None:
            continue
        rows.append({"annotation_id": a.annotation_id, **image_fields(inst), "image_width": inst.width,
                     "image_height": inst.height, "label": a.annotation_label_name,
                     "type": getattr(a.annotation_type, "value", str(a.annotation_type)),
                     "x": a.x, "y": a.y, "width": a.width, "height": a.height, "confidence": a.confidence})
    return rows


def annotations_table(instances: Sequence[Instance], annotations: Iterable[Annotation],
                      labels: Sequence[AnnotationLabel]) -> Table:
    """Annotations as CSV rows and as ``{"labels": [...], "annotations": [...]}``."""
    rows = annotation_rows(instances, annotations)
    document = {"labels": [{"id": label.annotation_label_id, "name": label.annotation_label_name}
                           for label in labels], "annotations": rows}
    return Table(ANNOTATION_COLUMNS, rows, document,
                 {"rows": len(rows), "annotations": len(rows), "images": len({r["instance_id"] for r in rows}),
                  "labels": len({r["label"] for r in rows})})
