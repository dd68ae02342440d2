"""``DedupPlugin``: exact and near-duplicate images, and tagging the copies to drop.

Only light modules are imported here: numpy, Pillow and the hashing code load when an
import or an action needs them (``features``, ``report``, ``grouping``).
"""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict

from lightplug import (
    Bounds,
    ActionContext, ActionResult, APlugin, DbCommit, Instance, InstanceProperty, Notif,
    NotifFunction, NotifType, PropertyMode, PropertyType,
)
from lightplug.compute import ImageFeature, register_feature

#: default largest Hamming distance between near duplicates (``grouping.DEFAULT_THRESHOLD``)
DEFAULT_THRESHOLD = 4
MAX_THRESHOLD = 64
TAG_PROPERTY = "duplicate"
TAG_VALUE = "duplicate"
#: bump when hashes computed by this code would differ from stored ones
VERSION = 3
#: the hashes' input: the decoded image (both sides at least this many pixels, JPEG draft)
#: area-averaged to 64 x 64, the square the host shares between features (see
#: docs/performance.md, "Finding near duplicates": 128 for recall on resizes and crops)
DECODE_SIZE = 128


class HashMethod(str, Enum):
    """Perceptual hashes the plugin computes."""

    phash = "phash"
    dhash = "dhash"
    ahash = "ahash"
    whash = "whash"


class DedupParams(BaseModel):
    """Settings (``lightplug plugins config dedup KEY=VALUE``)."""

    model_config = ConfigDict(defer_build=True)  # quick to load: see "Settings" in docs/plugin-guide.md
    hash_on_import: bool = True
    import_method: HashMethod = HashMethod.phash


def hash_feature(images: list, kind: str) -> list:
    """Feature function (runs where the host decoded the images): ``hashing.packed_features``,
    73 ``uint64`` words per image."""
    from . import hashing

    return hashing.packed_features(images, kind)


def _by_sha1(instances: list[Instance]) -> dict[str, list[Instance]]:
    """The instances of each content, the one to keep first: an original name before a copy's
    (``names.looks_like_copy``), then the shorter path, then the older id."""
    from .names import original_first

    out: dict[str, list[Instance]] = {}
    for inst in instances:
        out.setdefault(inst.sha1, []).append(inst)
    for copies in out.values():
        if len(copies) > 1:
            copies.sort(key=lambda i: original_first(i.url, i.id))
    return out


class DedupPlugin(APlugin):
    """Finds groups of duplicate images, names the one to keep, and tags the others."""

    def __init__(self, project: Any, plugin_path: str, name: str) -> None:
        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.params = DedupParams.model_construct()  # the defaults, valid as declared
        # one feature per hash kind; the host computes the chosen one at import
        self.features = {kind.value: register_feature(self, ImageFeature(
            name=kind.value, function=hash_feature, args=(kind.value,), size=DECODE_SIZE,
            dtype="uint64", params=self.hash_params(kind.value), when=self._on_import(kind.value)))
            for kind in HashMethod}
        self.find_action = self.add_action_easy(self.find_duplicates, ["group"])
        self.tag_action = self.add_action_easy(self.tag_duplicates, ["execute"])

    @staticmethod
    def hash_params(kind: str) -> dict:
        """The params of the vector type holding ``kind`` hashes (and colours): a new layout
        gets a new vector type, so values stored by older versions are never misread."""
        from .hashing import CROP_CUTS, FINE_BITS, VARIANTS

        return {"dedup": kind, "bits": 64, "variants": list(VARIANTS), "crop_cuts": list(CROP_CUTS),
                "fine_bits": FINE_BITS, "colour": ["cb", "cr"], "layout": "packed-u64",
                "decode_size": DECODE_SIZE, "version": VERSION}

    def _on_import(self, kind: str) -> Any:
        return lambda: bool(self.params.hash_on_import) and HashMethod(self.params.import_method).value == kind

    def feature(self, kind: str) -> ImageFeature:
        """The registered feature of hash ``kind``."""
        return self.features[HashMethod(kind).value]

    async def find_duplicates(self, context: ActionContext, method: HashMethod = HashMethod.phash,
                              threshold: Annotated[int, Bounds(ge=0, le=64)] = DEFAULT_THRESHOLD, mirror: bool = True,
                              colour_check: bool = True, near: bool = True, verify: bool = True) -> ActionResult:
        """Find exact and near-duplicate images; each group starts with the image to keep.

        Near duplicates: one image's hash is within the threshold of the other's, of its mirror
        image or of one of its 16 crops (3% or 6% cut from each side), then a finer hash confirms it.

        :param method: perceptual hash: phash (DCT), dhash (gradients), ahash (mean) or whash (wavelet)
        :param threshold: largest Hamming distance, of 64 bits, between near duplicates (0-64)
        :param mirror: also match horizontally mirrored copies
        :param colour_check: near duplicates must have the same colour cast (hue)
        :param near: look for near duplicates; --no-near finds only copies with the same content
        :param verify: confirm each near pair with a finer 144-bit hash (fewer false pairs); --no-verify keeps every pair within the threshold
        """
        if not 0 <= threshold <= MAX_THRESHOLD:
            return ActionResult(notifs=[Notif(NotifType.ERROR, name="bad threshold",
                                              message=f"threshold must be between 0 and {MAX_THRESHOLD}, "
                                                      f"got {threshold}")])
        groups, hashed, unreadable = await self._find(context, HashMethod(method).value, threshold,
                                                      mirror, colour_check, near, verify)
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
                 "mirror": mirror, "colour_check": colour_check, "near": near, "verify": verify}
        return ActionResult(groups=[g.as_group() for g in groups], notifs=notifs, value=value)

    async def _find(self, context: ActionContext, kind: str, threshold: int, mirror: bool,
                    colour_check: bool, near: bool, verify: bool = True) -> tuple[list, int, list[Instance]]:
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
                                                 feats.colour if colour_check else None,
                                                 feats.fine if verify else None)
            i, j = feats.index[pi], feats.index[pj]
            hashed = feats.hashed
            unreadable = [by_sha1[sha1s[k]][0] for k in feats.unreadable]
        # which image a group keeps: ranked among the images in pairs only (no stat of the others)
        in_pair = np.zeros(len(sha1s), dtype=bool)  # (not np.unique: numpy 2's imports numpy.ma, ~5 ms)
        in_pair[i] = in_pair[j] = True
        paired = np.flatnonzero(in_pair)
        priority = np.zeros(len(sha1s), dtype=np.int64)
        priority[paired] = report.keep_priority([by_sha1[sha1s[k]][0] for k in paired.tolist()])
        stars = grouping.star_groups(len(sha1s), i, j, d, priority)
        return report.build_groups(by_sha1, stars), hashed, unreadable

    async def tag_duplicates(self, context: ActionContext) -> ActionResult:
        """Tag images 'duplicate' (an undoable commit), never the image a group keeps.

        It finds the duplicate groups of the whole project (default settings) and tags their
        other images: all of them with no selection, else those of the selection. An image that
        a group keeps is never tagged, even when selected (``--from-run`` selects whole groups).
        The result's value names the groups with the image each keeps.
        """
        groups, _, _ = await self._find(ActionContext(), HashMethod.phash.value, DEFAULT_THRESHOLD,
                                        True, True, True)
        others = {o.id for g in groups for o in g.others}
        keepers = {g.keep.id for g in groups}
        selected = None if context.instance_ids is None else set(context.instance_ids)
        ids = sorted(others if selected is None else selected & others)
        spared = len(selected & keepers) if selected is not None else 0
        tagged = await self._tag(ids)
        kept = f"; {spared} selected image(s) are the ones their group keeps and were not tagged" if spared else ""
        return ActionResult(
            notifs=[Notif(NotifType.INFO, name="tagged",
                          message=f"tagged {tagged} image(s) '{TAG_VALUE}' "
                                  f"({len(ids) - tagged} already were){kept}; `lightplug undo` reverts it")],
            value={"tagged": tagged, "property": TAG_PROPERTY, "tag": TAG_VALUE, "spared_keepers": spared,
                   # the groups it tagged from, keepers named, so that `images move|trash` keep them
                   "groups": [{"keep": g.keep.id, "duplicates": [o.id for o in g.others]} for g in groups]})

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
