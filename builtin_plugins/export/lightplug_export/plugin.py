"""``ExportPlugin``: results and project data out to CSV, JSON or COCO; COCO annotations in.

Every failure the user can fix (unknown run, COCO for something that is not annotations, a
path that cannot be written, a malformed COCO file) is an ERROR notification (exit 1), and
nothing is half-written: exports go to a temporary file renamed into place, imports are
validated in full before the first annotation is stored (and the run is one transaction).
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lightplug import ActionContext, ActionResult, APlugin, InputFile, Notif, NotifType

if TYPE_CHECKING:
    from lightplug import Project

    from .tables import Table


class ExportKind(str, Enum):
    """What to export."""

    groups = "groups"
    tags = "tags"
    properties = "properties"
    annotations = "annotations"


class ExportFormat(str, Enum):
    """How to write it; ``auto`` picks json for a ``.json`` file and csv otherwise."""

    auto = "auto"
    csv = "csv"
    json = "json"
    coco = "coco"


class CocoMatch(str, Enum):
    """How COCO images are found in the project."""

    auto = "auto"
    path = "path"
    name = "name"


def _error(name: str, message: str) -> ActionResult:
    return ActionResult(notifs=[Notif(NotifType.ERROR, name=name, message=message)])


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


class ExportPlugin(APlugin):
    """Exports groups, tags, property values and annotations; imports COCO annotations."""

    def __init__(self, project: Project, plugin_path: str, name: str) -> None:
        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.export_fn = self.add_action_easy(self.export, ["execute"])
        self.import_fn = self.add_action_easy(self.import_coco, ["execute"])

    # -- reading runs ---------------------------------------------------------------------
    def _run(self, run_id: int) -> dict[str, Any]:
        """The record of run ``run_id`` (0: the latest run not made by this plugin)."""
        from .files import ExportError

        db = self._project.db  # no public read of runs in the plugin API yet
        if run_id == 0:
            found = list(db.query("select * from runs where plugin is null or plugin != ? order by id desc limit 1",
                                  [self.name]))
            if not found:
                raise ExportError("there is no run to export yet; run a grouping action first "
                                  "(e.g. `lightplug run hue_groups`), or pass --run-id")
        else:
            found = list(db.query("select * from runs where id = ?", [run_id]))
            if not found:
                raise ExportError(f"there is no run {run_id}; see `lightplug runs list`")
        row = dict(found[0])
        for key in ("parameters", "result"):
            row[key] = json.loads(row[key]) if row.get(key) else None
        if not (row["result"] or {}).get("groups"):
            raise ExportError(f"run {row['id']} ({row['operator']}) produced no groups to export; "
                              "pass --run-id with a run that did (see `lightplug runs list`)")
        return row

    # -- export ---------------------------------------------------------------------------
    async def _table(self, what: ExportKind, context: ActionContext, run_id: int) -> Table:
        from . import tables

        selected = await self.project.get_instances(ids=context.instance_ids)
        if what is ExportKind.groups:
            run = self._run(run_id)
            groups = run["result"]["groups"]
            ids = sorted({i for g in groups for i in g.get("ids") or []})
            sha1s = sorted({s for g in groups for s in g.get("sha1s") or []})
            members = await self.project.get_instances(ids=ids, sha1s=sha1s)
            chosen = None if context.instance_ids is None else {i.id for i in selected}
            return tables.groups_table(run, members, chosen)
        if what is ExportKind.annotations:
            annotations, labels = self._annotations(selected)
            return tables.annotations_table(selected, annotations, labels)
        properties = await self.project.get_properties()
        tags = await self.project.get_tags()
        ids = [p.id for p in properties]
        instance_values = await self.project.get_instance_property_values(property_ids=ids)
        image_values = await self.project.get_image_property_values(property_ids=ids)
        build = tables.tags_table if what is ExportKind.tags else tables.properties_table
        return build(selected, properties, tags, instance_values, image_values)

    def _annotations(self, instances: list) -> tuple[list, list]:
        from lightplug import Session, annotation_label_resolver, annotation_resolver

        session = Session(self._project)
        wanted = {i.id for i in instances}
        # filtered here: get_all(sample_ids=...) rebuilds a set per annotation (quadratic)
        annotations = [a for a in annotation_resolver.get_all(session=session).annotations if a.parent_sample_id in wanted]
        labels = annotation_label_resolver.get_all(session=session, dataset_id=self._project.collection_id)
        return annotations, labels

    async def export(self, context: ActionContext, output: Path, what: ExportKind = ExportKind.groups,
                     format: ExportFormat = ExportFormat.auto, run_id: int = 0) -> ActionResult:  # noqa: A002
        """Write a run's groups, or the project's tags, property values or annotations, to CSV, JSON or COCO.

        :param output: the file to write (replaced in one step if it exists; its folder must exist)
        :param what: groups (of a run), tags, properties (every property value) or annotations
        :param format: csv, json, coco (annotations only) or auto (json for a .json file, else csv)
        :param run_id: the run whose groups to export; 0 means the latest run not made by this plugin
        """
        from .files import ExportError, check_output, csv_writer, json_writer, write_atomic

        what, fmt = ExportKind(what), ExportFormat(format)
        try:
            if run_id < 0:
                raise ExportError(f"--run-id must be a run id, or 0 for the latest run; got {run_id}")
            path = check_output(Path(output), self._project.dir)
            if fmt is ExportFormat.auto:
                fmt = ExportFormat.json if path.suffix.lower() == ".json" else ExportFormat.csv
            if fmt is ExportFormat.coco and what is not ExportKind.annotations:
                raise ExportError(f"the coco format holds annotations only; export {what.value} "
                                  "with --format csv or --format json")
            notifs: list[Notif] = []
            if fmt is ExportFormat.coco:
                from .coco import build_coco

                selected = await self.project.get_instances(ids=context.instance_ids)
                document, counts = build_coco(selected, *self._annotations(selected))
                write_atomic(path, json_writer(document))
                summary = (f"{_plural(counts['annotations'], 'annotation')} on {_plural(counts['images'], 'image')}"
                           f" in {_plural(counts['categories'], 'category', 'categories')}")
                if counts["without_box"]:
                    notifs.append(Notif(NotifType.WARNING, name="Annotations without a box left out",
                                        message=f"{counts['without_box']} annotation(s) without a box "
                                                "(classifications) have no COCO form and were not written; "
                                                "export them with --format csv or json"))
            else:
                table = await self._table(what, context, run_id)
                write = csv_writer(table.columns, table.rows) if fmt is ExportFormat.csv else json_writer(table.document)
                write_atomic(path, write)
                counts, summary = table.counts, self._summary(what, table.counts)
        except ExportError as exc:
            return _error("Export failed", str(exc))
        value = {"path": str(path), "what": what.value, "format": fmt.value, **counts}
        notifs.insert(0, Notif(NotifType.INFO, name="Exported", message=f"Wrote {summary} to {path}", data=None))
        return ActionResult(notifs=notifs, value=value)

    @staticmethod
    def _summary(what: ExportKind, counts: dict[str, Any]) -> str:
        if what is ExportKind.groups:
            return (f"{_plural(counts['groups'], 'group')} of run {counts['run_id']} ({counts['operator']}), "
                    f"{_plural(counts['rows'], 'row')}")
        if what is ExportKind.tags:
            return f"{_plural(counts['rows'], 'tag assignment')} on {_plural(counts['instances'], 'image')}"
        if what is ExportKind.properties:
            return (f"{_plural(counts['properties'], 'property', 'properties')} of "
                    f"{_plural(counts['rows'], 'image')}")
        return f"{_plural(counts['annotations'], 'annotation')} on {_plural(counts['images'], 'image')}"

    # -- COCO import ----------------------------------------------------------------------
    async def import_coco(self, context: ActionContext, coco_file: InputFile,
                          match: CocoMatch = CocoMatch.auto) -> ActionResult:
        """Import the annotations of a COCO JSON file onto the project's images, found by path or file name.

        :param coco_file: the COCO JSON file to read (validated in full before anything is stored)
        :param match: how to find each COCO image: auto (path, then file name), path, or name (unique file name)
        """
        from .coco import match_images, read_coco
        from .files import ExportError

        try:
            coco = read_coco(Path(coco_file))
        except ExportError as exc:
            return _error("COCO import failed", str(exc))
        instances = await self.project.get_instances(ids=context.instance_ids)
        matches = match_images(coco, instances, CocoMatch(match).value, self.project.base_path)
        if coco.images and not matches.found:
            return _error("COCO import failed",
                          f"none of the {len(coco.images)} image(s) of {coco_file} is in the project "
                          f"(matching by {CocoMatch(match).value}); import the images first, or try --match name")
        value = self._store(coco, matches)
        notifs = [Notif(NotifType.INFO, name="COCO import",
                        message=f"Imported {_plural(value['annotations'], 'annotation')} onto "
                                f"{_plural(value['images'], 'image')} from {coco_file} "
                                f"({value['labels_created']} new label(s); {value['duplicates']} already present)")]
        missing = matches.unmatched + matches.ambiguous
        if missing:
            notifs.append(Notif(
                NotifType.WARNING, name="COCO images not found",
                message=f"{len(matches.unmatched)} COCO image(s) are not in the project and "
                        f"{len(matches.ambiguous)} match several images; their "
                        f"{value['skipped_annotations']} annotation(s) were skipped: " + ", ".join(missing[:5])
                        + (" ..." if len(missing) > 5 else ""),
                data={"unmatched": matches.unmatched[:100], "ambiguous": matches.ambiguous[:100]}))
        return ActionResult(notifs=notifs, value=value)

    def _store(self, coco: Any, matches: Any) -> dict[str, int]:
        from lightplug import (
            AnnotationCreate, AnnotationLabelCreate, AnnotationType, Session, annotation_label_resolver,
            annotation_resolver,
        )

        session = Session(self._project)
        cid = self._project.collection_id
        labels, created = {}, 0
        for name in coco.labels:
            label = annotation_label_resolver.get_by_label_name(session=session, label_name=name, dataset_id=cid)
            if label is None:
                label = annotation_label_resolver.create(
                    session=session, label=AnnotationLabelCreate(annotation_label_name=name, dataset_id=cid))
                created += 1
            labels[name] = label.annotation_label_id

        def key(sample: int, label: int, kind: str, box: Any) -> tuple:
            return (sample, label, kind, *(None if v is None else round(float(v), 3) for v in box))

        samples = {inst.id for inst in matches.found.values()}
        seen = {key(a.parent_sample_id, a.annotation_label_id, AnnotationType(a.annotation_type).value,
                    (a.x, a.y, a.width, a.height))
                for a in annotation_resolver.get_all(session=session).annotations if a.parent_sample_id in samples}
        new, duplicates, skipped = [], 0, 0
        for ann in coco.annotations:
            inst = matches.found.get(ann.image_id)
            if inst is None:
                skipped += 1
                continue
            box = ann.bbox or (None, None, None, None)
            k = key(inst.id, labels[ann.label], ann.type, box)
            if k in seen:
                duplicates += 1
                continue
            seen.add(k)
            new.append(AnnotationCreate(parent_sample_id=inst.id, annotation_label_id=labels[ann.label],
                                        annotation_type=AnnotationType(ann.type), x=box[0], y=box[1],
                                        width=box[2], height=box[3], confidence=ann.score))
        if new:
            annotation_resolver.create_many(session=session, parent_collection_id=cid, annotations=new)
        return {"annotations": len(new), "images": len({a.parent_sample_id for a in new}),
                "matched_images": len(matches.found), "labels_created": created, "duplicates": duplicates,
                "skipped_annotations": skipped, "unmatched_images": len(matches.unmatched),
                "ambiguous_images": len(matches.ambiguous)}
