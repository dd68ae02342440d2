"""``HuePlugin``: a dominant-hue vector per image and equal-size hue groups.

The vector of an image is one float32: its dominant hue in degrees [0, 360), or -1 for a
grayscale image (no pixel colourful enough for a hue to mean anything; see ``compute``).
Vectors are stored per SHA-1 and never recomputed unless ``--force`` is given.

numpy and Pillow are only imported by ``compute`` and ``grouping``, which load on use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from lightplug import (
    Bounds,
    ActionContext, ActionResult, APlugin, Group, Instance, Notif, NotifFunction, NotifType, Score,
    ScoreList,
)
from lightplug.compute import ImageFeature, feature_type, map_feature, register_feature

if TYPE_CHECKING:
    from lightplug import Project

MODEL = "dominant_hue"
VERSION = 2  # of the rules in ``compute``; a new version gets a new vector type, so hues are recomputed
SIZE = 64  # the hue is measured on the image area-averaged to SIZE x SIZE pixels
GRAYSCALE_GROUP = "Grayscale (no dominant hue)"


def _degrees(hue: float) -> float:
    """``hue`` rounded to 0.01 degree, in [0, 360) (359.999 is 0, not 360)."""
    return round(hue, 2) % 360.0


def hue_feature(images: list, size: int = SIZE) -> list:
    """Feature function (runs where the host decoded the images): ``compute.hues_of_images``."""
    from . import compute

    return compute.hues_of_images(images, size)


class HuePlugin(APlugin):
    """Dominant hue of each image (``compute_hue``) and groups of similar hue (``hue_groups``)."""

    def __init__(self, project: Project, plugin_path: str, name: str) -> None:
        from .settings import HueParams

        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.params = HueParams.model_construct()  # the defaults, valid as declared
        # computed by the host at import, on the pixels it decodes once for every plugin
        self.feature = register_feature(self, ImageFeature(
            name=MODEL, function=hue_feature, args=(SIZE,), size=SIZE, params=self._type_params(),
            when=lambda: bool(self.params.compute_on_import)))
        self.compute_fn = self.add_action_easy(self.compute_hue, ["vector"])
        self.groups_fn = self.add_action_easy(self.hue_groups, ["group"])

    async def _start(self) -> None:
        """Create this plugin's vector type on first use in a project."""
        await feature_type(self, self.feature)

    @staticmethod
    def _type_params() -> dict:
        return {"model": MODEL, "version": VERSION, "dimensions": 1, "unit": "degrees", "grayscale": -1.0}

    # -- computing ------------------------------------------------------------------------
    async def compute_missing(self, instances: Sequence[Instance], force: bool = False,
                              progress: str | None = None) -> dict[str, Any]:
        """Compute and store the hue of every distinct image of ``instances`` not stored yet.

        Returns ``hues`` (sha1 -> hue, for every image that has one now), the counts
        ``computed`` and ``cached``, and ``failed`` as ``(path, reason)`` pairs.
        """
        out = await map_feature(self, self.feature, instances, force=force, progress=progress,
                                remember_failures=False)
        return {"hues": {sha1: float(v[0]) for sha1, v in out.vectors.items()},
                "computed": out.computed, "cached": out.cached, "failed": list(out.failed.items())}

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
