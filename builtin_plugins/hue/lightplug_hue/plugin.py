"""``HuePlugin``: a dominant-hue vector per image and equal-size hue groups.

The vector of an image is one float32: its dominant hue in degrees [0, 360), or -1 for a
grayscale image (no pixel colourful enough for a hue to mean anything; see ``compute``).
Vectors are stored per SHA-1 and never recomputed unless ``--force`` is given.

numpy and Pillow are only imported by ``compute`` and ``grouping``, which load on use.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from lightplug import (
    Bounds,
    ActionContext, ActionResult, APlugin, Group, Instance, Notif, NotifFunction, NotifType, Score,
    ScoreList, Task, map_images,
)

if TYPE_CHECKING:
    from lightplug import Project

CHUNK = 128  # images per import task
MODEL = "dominant_hue"
VERSION = 1  # of the rules in ``compute``; a new version gets a new vector type, so hues are recomputed
GRAYSCALE_GROUP = "Grayscale (no dominant hue)"


def _degrees(hue: float) -> float:
    """``hue`` rounded to 0.01 degree, in [0, 360) (359.999 is 0, not 360)."""
    return round(hue, 2) % 360.0


class HueTask(Task):
    """Computes and stores the hue vectors of one chunk of newly imported images."""

    def __init__(self, plugin: HuePlugin, instances: list[Instance]) -> None:
        super().__init__(priority=False)
        self.plugin = plugin
        self.instances = instances
        self.name = "Hue vectors"
        self.key = f"{plugin.name}.hue"

    async def run(self) -> None:
        """Compute the vectors still missing for this chunk and report unreadable files."""
        outcome = await self.plugin.compute_missing(self.instances)
        for path, reason in outcome["failed"]:
            print(f"{self.plugin.name}: cannot read {path}: {reason}", file=sys.stderr)


class HuePlugin(APlugin):
    """Dominant hue of each image (``compute_hue``) and groups of similar hue (``hue_groups``)."""

    def __init__(self, project: Project, plugin_path: str, name: str) -> None:
        from .settings import HueParams

        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.params = HueParams()
        self.project.on_instances_import(self.on_import)
        self.compute_fn = self.add_action_easy(self.compute_hue, ["vector"])
        self.groups_fn = self.add_action_easy(self.hue_groups, ["group"])

    async def _start(self) -> None:
        """Create this plugin's vector type on first use in a project."""
        if self._vector_type_id() is None:
            vec_type = self.project.create_vector_type(
                {"model": MODEL, "version": VERSION, "dimensions": 1, "unit": "degrees",
                 "grayscale": -1.0})
            await self.project.add_vector_type(vec_type)

    def _vector_type_id(self) -> int | None:
        for vt in self.vector_types:
            if vt.params.get("model") == MODEL and vt.params.get("version") == VERSION:
                return vt.id
        return None

    # -- computing ------------------------------------------------------------------------
    async def compute_missing(self, instances: Sequence[Instance], force: bool = False,
                              progress: str | None = None) -> dict[str, Any]:
        """Compute and store the hue of every distinct image of ``instances`` not stored yet.

        Returns ``hues`` (sha1 -> hue, for every image that has one now), the counts
        ``computed`` and ``cached``, and ``failed`` as ``(path, reason)`` pairs.
        """
        from .compute import hues_of_files

        type_id = self._vector_type_id()
        if type_id is None:  # removed since start-up
            await self._start()
            type_id = self._vector_type_id()
        out = await map_images(self.project, type_id, hues_of_files, instances, force=force,
                               progress=progress)
        return {"hues": {sha1: float(v[0]) for sha1, v in out.vectors.items()},
                "computed": out.computed, "cached": out.cached, "failed": list(out.failed.items())}

    async def on_import(self, instances: list[Instance]) -> None:
        """Queue hue computation of newly imported images, one task per chunk."""
        if not self.params.compute_on_import:
            return
        type_id = self._vector_type_id()
        unique = list({i.sha1: i for i in instances}.values())
        if type_id is not None:
            known = {v.sha1 for v in await self.project.get_vectors(type_id, sha1s=[i.sha1 for i in unique])}
            unique = [i for i in unique if i.sha1 not in known]
        for start in range(0, len(unique), CHUNK):
            self.project.add_task(HueTask(self, unique[start:start + CHUNK]))

    @staticmethod
    def _failure_notif(failed: list[tuple[str, str]]) -> Notif:
        shown = "; ".join(f"{path}: {reason}" for path, reason in failed[:3])
        more = f" (and {len(failed) - 3} more)" if len(failed) > 3 else ""
        return Notif(NotifType.WARNING, name="Unreadable images",
                     message=f"{len(failed)} image(s) could not be decoded and have no hue: {shown}{more}",
                     data={"failed": [{"path": p, "reason": r} for p, r in failed]})

    # -- actions --------------------------------------------------------------------------
    async def compute_hue(self, context: ActionContext, force: bool = False) -> ActionResult:
        """Compute the dominant hue of each image (degrees 0-360; -1 for grayscale images).

        :param force: recompute images whose hue is already stored
        """
        instances = await self.project.get_instances(ids=context.instance_ids)
        outcome = await self.compute_missing(instances, force=force, progress="Hue vectors")
        grayscale = sum(1 for h in outcome["hues"].values() if h < 0)
        value = {"images": len({i.sha1 for i in instances}), "computed": outcome["computed"],
                 "cached": outcome["cached"], "grayscale": grayscale, "failed": len(outcome["failed"])}
        notifs = [Notif(NotifType.INFO, name="Hue vectors",
                        message=f"Computed the hue of {outcome['computed']} image(s); {outcome['cached']} "
                                f"already stored; {grayscale} grayscale (no dominant hue).",
                        functions=[NotifFunction(function=self.groups_fn.id,
                                                 context=ActionContext(instance_ids=context.instance_ids),
                                                 message="Group these images by hue")])]
        if outcome["failed"]:
            notifs.append(self._failure_notif(outcome["failed"]))
        return ActionResult(notifs=notifs, value=value)

    async def hue_groups(self, context: ActionContext, nb_groups: Annotated[int, Bounds(ge=1)] = 3) -> ActionResult:
        """Split images into groups of equal size by dominant hue; grayscale images form their own group.

        :param nb_groups: how many hue groups to make (at least 1; fewer when there are fewer coloured images)
        """
        if not isinstance(nb_groups, int) or nb_groups < 1:
            return ActionResult(notifs=[Notif(NotifType.ERROR, name="Invalid parameter",
                                              message=f"--nb-groups must be at least 1, got {nb_groups}")])
        import numpy as np

        from .grouping import circular_mean, hue_range_label, split_equal

        instances = await self.project.get_instances(ids=context.instance_ids)
        if not instances:
            return ActionResult(notifs=[Notif(NotifType.INFO, name="Hue groups",
                                              message="No images to group.")], value={"groups": 0})
        outcome = await self.compute_missing(instances, progress="Hue vectors")
        hues = outcome["hues"]
        known = [i for i in instances if i.sha1 in hues]
        coloured = [i for i in known if hues[i.sha1] >= 0]
        gray = [i for i in known if hues[i.sha1] < 0]
        ids = np.array([i.id for i in coloured], dtype=np.int64)
        values = np.array([hues[i.sha1] for i in coloured], dtype=np.float64)

        groups = []
        for part in split_equal(values, nb_groups):
            member_hues = values[part]
            groups.append(Group(
                ids=ids[part].tolist(), name=hue_range_label(member_hues),
                scores=ScoreList(values=[_degrees(h) for h in member_hues.tolist()], min=0, max=360,
                                 description="dominant hue (degrees)"),
                score=Score(value=_degrees(circular_mean(member_hues)), min=0, max=360,
                            description="mean dominant hue (degrees)")))
        if gray:
            groups.append(Group(ids=[i.id for i in gray], name=GRAYSCALE_GROUP))

        notifs = []
        message = f"{len(groups) - bool(gray)} hue group(s) of {len(coloured)} coloured image(s)"
        if gray:
            message += f"; {len(gray)} grayscale image(s) in the group {GRAYSCALE_GROUP!r}"
        if outcome["computed"]:
            message += f"; computed {outcome['computed']} missing hue(s)"
        notifs.append(Notif(NotifType.INFO, name="Hue groups", message=message + "."))
        if len(coloured) < nb_groups:
            notifs.append(Notif(NotifType.INFO, name="Fewer groups than asked",
                                message=f"Asked for {nb_groups} group(s) but only {len(coloured)} image(s) "
                                        f"have a dominant hue, so {len(coloured)} group(s) were made."))
        if outcome["failed"]:
            notifs.append(self._failure_notif(outcome["failed"]))
        value = {"groups": len(groups), "coloured": len(coloured), "grayscale": len(gray),
                 "computed": outcome["computed"], "failed": len(outcome["failed"])}
        return ActionResult(groups=groups, notifs=notifs, value=value)
