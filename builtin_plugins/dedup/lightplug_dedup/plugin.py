"""``DedupPlugin``: exact and near-duplicate images, and tagging the copies to drop.

Only light modules are imported here: numpy, Pillow and the hashing code load when an
import or an action needs them (``features``, ``report``, ``grouping``).
"""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel

from lightplug import (
    Bounds,
    ActionContext, ActionResult, APlugin, DbCommit, Instance, InstanceProperty, Notif,
    NotifFunction, NotifType, PropertyMode, PropertyType,
)

#: default largest Hamming distance between near duplicates (``grouping.DEFAULT_THRESHOLD``)
DEFAULT_THRESHOLD = 4
MAX_THRESHOLD = 64
TAG_PROPERTY = "duplicate"
TAG_VALUE = "duplicate"


class HashMethod(str, Enum):
    """Perceptual hashes the plugin computes."""

    phash = "phash"
    dhash = "dhash"
    ahash = "ahash"
    whash = "whash"


class DedupParams(BaseModel):
    """Settings (``lightplug plugins config dedup KEY=VALUE``)."""

    hash_on_import: bool = True
    import_method: HashMethod = HashMethod.phash


def _by_sha1(instances: list[Instance]) -> dict[str, list[Instance]]:
    out: dict[str, list[Instance]] = {}
    for inst in sorted(instances, key=lambda i: i.id):
        out.setdefault(inst.sha1, []).append(inst)
    return out


class DedupPlugin(APlugin):
    """Finds groups of duplicate images, names the one to keep, and tags the others."""

    def __init__(self, project: Any, plugin_path: str, name: str) -> None:
        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.params = DedupParams()
        self.project.on_instances_import(self.on_import)
        self.find_action = self.add_action_easy(self.find_duplicates, ["group"])
        self.tag_action = self.add_action_easy(self.tag_duplicates, ["execute"])

    async def on_import(self, instances: list[Instance]) -> None:
        """Queue hashing of the new images (one task per chunk, run in worker processes)."""
        if not self.params.hash_on_import or not instances:
            return
        from . import features

        features.queue_hashing(self, HashMethod(self.params.import_method).value, instances)

    async def find_duplicates(self, context: ActionContext, method: HashMethod = HashMethod.phash,
                              threshold: Annotated[int, Bounds(ge=0, le=64)] = DEFAULT_THRESHOLD, mirror: bool = True,
                              colour_check: bool = True, near: bool = True) -> ActionResult:
        """Find exact and near-duplicate images; each group starts with the image to keep.

        :param method: perceptual hash: phash (DCT), dhash (gradients), ahash (mean) or whash (wavelet)
        :param threshold: largest Hamming distance, of 64 bits, between near duplicates (0-64)
        :param mirror: also match horizontally mirrored copies
        :param colour_check: near duplicates must have the same colour cast (hue)
        :param near: look for near duplicates; --no-near finds only copies with the same content
        """
        if not 0 <= threshold <= MAX_THRESHOLD:
            return ActionResult(notifs=[Notif(NotifType.ERROR, name="bad threshold",
                                              message=f"threshold must be between 0 and {MAX_THRESHOLD}, "
                                                      f"got {threshold}")])
        groups, hashed, unreadable = await self._find(context, HashMethod(method).value, threshold,
                                                      mirror, colour_check, near)
        duplicate_ids = [o.id for g in groups for o in g.others]
        notifs = []
        if groups:
            notifs.append(Notif(
                NotifType.INFO, name="duplicates",
                message=f"{len(groups)} group(s) of duplicates: keep the first image of each, "
                        f"{len(duplicate_ids)} duplicate(s) to drop",
                functions=[NotifFunction(function=self.tag_action.id,
                                         context=ActionContext(instance_ids=duplicate_ids),
                                         message=f"Tag the {len(duplicate_ids)} duplicate(s) "
                                                 f"'{TAG_VALUE}' (undo with `lightplug undo`)")]))
        else:
            notifs.append(Notif(NotifType.INFO, name="duplicates", message="no duplicates found"))
        if unreadable:
            notifs.append(Notif(NotifType.WARNING, name="unreadable images",
                                message=f"{len(unreadable)} image(s) could not be decoded; only "
                                        "their exact copies were looked for",
                                data={"paths": [i.url for i in unreadable]}))
        value = {"groups": [g.as_value() for g in groups], "duplicates": len(duplicate_ids),
                 "hashed": hashed, "method": HashMethod(method).value, "threshold": threshold,
                 "mirror": mirror, "colour_check": colour_check, "near": near}
        return ActionResult(groups=[g.as_group() for g in groups], notifs=notifs, value=value)

    async def _find(self, context: ActionContext, kind: str, threshold: int, mirror: bool,
                    colour_check: bool, near: bool) -> tuple[list, int, list[Instance]]:
        """Duplicate groups of the selection, images hashed now, and undecodable images."""
        import numpy as np

        from . import features, grouping, report

        by_sha1 = _by_sha1(await self.project.get_instances(ids=context.instance_ids))
        sha1s = list(by_sha1)
        empty = np.zeros(0, dtype=np.int64)
        i, j, d, hashed, unreadable = empty, empty, empty, 0, []
        if near and len(sha1s) > 1:
            feats = await features.load(self, kind, [by_sha1[s][0] for s in sha1s],
                                        progress=f"dedup: {kind} hashes")
            pi, pj, d = grouping.duplicate_pairs(feats.codes, threshold, mirror,
                                                 feats.colour if colour_check else None)
            i, j = feats.index[pi], feats.index[pj]
            hashed = feats.hashed
            unreadable = [by_sha1[sha1s[k]][0] for k in feats.unreadable]
        priority = report.keep_priority([by_sha1[s][0] for s in sha1s])
        stars = grouping.star_groups(len(sha1s), i, j, d, priority)
        return report.build_groups(by_sha1, stars), hashed, unreadable

    async def tag_duplicates(self, context: ActionContext) -> ActionResult:
        """Tag images 'duplicate' (an undoable commit); with no selection, find them first.

        Run it on the ids that find_duplicates suggests: every image of each group but the
        one to keep. With no selection, it finds duplicates with the default settings.
        """
        ids = context.instance_ids
        if ids is None:
            groups, _, _ = await self._find(context, HashMethod.phash.value, DEFAULT_THRESHOLD,
                                            True, True, True)
            ids = [o.id for g in groups for o in g.others]
        tagged = await self._tag(sorted(set(ids)))
        return ActionResult(
            notifs=[Notif(NotifType.INFO, name="tagged",
                          message=f"tagged {tagged} image(s) '{TAG_VALUE}' "
                                  f"({len(ids) - tagged} already were); `lightplug undo` reverts it")],
            value={"tagged": tagged, "property": TAG_PROPERTY, "tag": TAG_VALUE})

    async def _tag(self, ids: list[int]) -> int:
        """Add the duplicate tag to instances ``ids`` in one undoable commit; returns how many."""
        if not ids:
            return 0
        commit = DbCommit()
        tag_types = (PropertyType.tag, PropertyType.multi_tags)
        prop = next((p for p in await self.project.get_properties()
                     if p.name == TAG_PROPERTY and p.type in tag_types), None)
        if prop is None:
            prop = self.project.create_property(TAG_PROPERTY, PropertyType.multi_tags, PropertyMode.id)
            commit.properties.append(prop)
            tag = None
        else:
            tag = next((t for t in await self.project.get_tags(property_ids=[prop.id])
                        if t.property_id == prop.id and t.value == TAG_VALUE), None)
        if tag is None:
            tag = self.project.create_tag(prop.id, TAG_VALUE)
            commit.tags.append(tag)
        current: dict[int, list] = {}
        if prop.id > 0:
            wanted = set(ids)
            for v in await self.project.get_instance_property_values(property_ids=[prop.id]):
                if v.property_id == prop.id and v.instance_id in wanted:
                    current[v.instance_id] = v.value if isinstance(v.value, list) else []
        for instance_id in ids:
            old = current.get(instance_id, [])
            if tag.id not in old:
                new = [tag.id] if prop.type == PropertyType.tag else [*old, tag.id]
                commit.instance_values.append(InstanceProperty(prop.id, instance_id, new))
        if commit.instance_values:
            await self.project.do(commit)
        return len(commit.instance_values)
