"""``QualityPlugin``: the ``find_issues`` action (CleanVision's issue types, cached per sha1).

numpy and Pillow are imported by :mod:`lightplug_quality.checks`, which this module loads
only when the action runs, so the plugin costs nothing at CLI start-up.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from lightplug.compute import ImageFeature, map_feature, register_feature
from lightplug import (
    Bounds,
    ActionContext,
    ActionResult,
    APlugin,
    DbCommit,
    Group,
    ImageProperty,
    Instance,
    Notif,
    NotifType,
    Property,
    PropertyMode,
    PropertyType,
    Score,
    ScoreList,
)

ISSUE_TYPES = ("dark", "light", "odd_aspect_ratio", "low_information", "blurry", "grayscale",
               "odd_size")  # same order as checks.ISSUE_TYPES (kept here to avoid importing numpy)
PER_IMAGE = ISSUE_TYPES[:-1]
UNREADABLE = "unreadable"
SCORE_TOLERANCE = 1e-12
#: the order of the raw measures in the feature's vector (``checks.Measures``; mode as is-"L")
MEASURES = ("width", "height", "mode_is_l", "brightness_perc_5", "brightness_perc_99", "entropy",
            "blurriness", "blurriness_grayscale_std")
VERSION = 1
#: both sides of the image the reduced measures see are at least this many pixels (JPEG draft mode)
MEASURE_SIZE = 64


def measure_feature(images: list) -> list:
    """Feature function: CleanVision's raw measures of each image, at full resolution (``MEASURES``)."""
    from .checks import measures_vector

    return [measures_vector(image.native) for image in images]


def measure_reduced_feature(images: list) -> list:
    """Feature function: the raw measures of each image decoded at reduced size (``MEASURES``),
    with the file's own width and height (as Pillow reads it: no EXIF rotation)."""
    from .checks import measures_vector

    return [measures_vector(_at_measure_size(image.native), _stored_size(image)) for image in images]


def _at_measure_size(native: Any) -> Any:
    """``native`` halved while both sides stay >= ``MEASURE_SIZE``: the image other plugins made
    the host decode larger (dedup's 320x240 for a 640x480 JPEG) is measured at about the size
    the quality plugin alone gets (160x120), at the same cost."""
    factor = 1
    while min(native.size) // (factor * 2) >= MEASURE_SIZE:
        factor *= 2
    if factor == 1:
        return native
    try:
        return native.reduce(factor)
    except ValueError:  # modes reduce() does not support (P, 1, ...): measured as decoded
        return native


def _stored_size(image: Any) -> tuple[int, int]:
    """The full size of a ``DecodedImage`` as stored in the file (``width``/``height`` are upright)."""
    return (image.height, image.width) if image.orientation in (5, 6, 7, 8) else (image.width, image.height)


class QualityPlugin(APlugin):
    """Finds dark, light, oddly shaped or sized, low-information, blurry, grayscale and
    unreadable images with CleanVision's algorithms and default thresholds."""

    def __init__(self, project: Any, plugin_path: str, name: str) -> None:
        from .settings import QualityParams

        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.params = QualityParams.model_construct()  # the defaults, valid as declared
        values = list(MEASURES)
        # by default on the image decoded at reduced size, shared with the other plugins' features;
        # full_resolution: exactly as CleanVision, on the image as Pillow decodes it (size=None)
        self.reduced_measures = register_feature(self, ImageFeature(
            name="measures_reduced", function=measure_reduced_feature, size=MEASURE_SIZE, dtype="float64",
            params={"quality": "measures", "values": values, "size": MEASURE_SIZE, "version": VERSION},
            when=lambda: bool(self.params.measure_on_import and not self.params.full_resolution)))
        self.full_measures = register_feature(self, ImageFeature(
            name="measures", function=measure_feature, size=None, dtype="float64",
            params={"quality": "measures", "values": values, "version": VERSION},
            when=lambda: bool(self.params.measure_on_import and self.params.full_resolution)))
        self.find = self.add_action_easy(self.find_issues, ["group"])

    def property_name(self, issue: str) -> str:
        """Name of the number property (mode sha1) holding an issue's score."""
        return f"{self.name}.{issue}_score"

    # ------------------------------------------------------------------------------ action

    async def find_issues(
        self,
        context: ActionContext,
        dark_threshold: Annotated[float, Bounds(ge=0, le=1)] = 0.32,
        light_threshold: Annotated[float, Bounds(ge=0, le=1)] = 0.05,
        odd_aspect_ratio_threshold: Annotated[float, Bounds(ge=0, le=1)] = 0.35,
        low_information_threshold: Annotated[float, Bounds(ge=0, le=1)] = 0.3,
        blurry_threshold: Annotated[float, Bounds(ge=0, le=1)] = 0.29,
        odd_size_iqr_factor: Annotated[float, Bounds(ge=0)] = 3.0,
        ignore: str = "",
        fail_on_issues: bool = False,
        recompute: bool = False,
    ) -> ActionResult:
        """Find image-quality issues (CleanVision's checks and defaults), one group per issue.

        :param dark_threshold: dark if the 99th brightness percentile is below this (0-1)
        :param light_threshold: light if 1 - the 5th brightness percentile is below this (0-1)
        :param odd_aspect_ratio_threshold: odd if min(w/h, h/w) is below this (0-1)
        :param low_information_threshold: low information if entropy/10 is below this (0-1)
        :param blurry_threshold: blurry if the edge-strength score is below this (0-1)
        :param odd_size_iqr_factor: odd size if sqrt(w*h) is this many IQRs outside the quartiles
        :param ignore: issue types not to report, comma-separated (e.g. grayscale,odd_size)
        :param fail_on_issues: fail (exit 1) when any issue is found: a CI gate
        :param recompute: measure every image again instead of using stored scores
        """
        thresholds = {"dark": dark_threshold, "light": light_threshold,
                      "odd_aspect_ratio": odd_aspect_ratio_threshold,
                      "low_information": low_information_threshold,
                      "blurry": blurry_threshold, "grayscale": 0.5, "odd_size": 0.5}
        ignored, problems = parse_ignore(ignore)
        problems += [f"--{k.replace('_', '-')}-threshold must be between 0 and 1, got {v}"
                     for k, v in thresholds.items() if not 0.0 <= v <= 1.0]
        if not odd_size_iqr_factor >= 0:
            problems.append(f"--odd-size-iqr-factor must be at least 0, got {odd_size_iqr_factor}")
        if problems:
            return ActionResult(notifs=[Notif(NotifType.ERROR, name="invalid parameters",
                                              message="; ".join(problems))])

        instances = await self.project.get_instances(ids=context.instance_ids)
        if not instances:
            return ActionResult(notifs=[Notif(NotifType.INFO, name="nothing to check",
                                              message="no images selected")],
                                value={"images": 0, "issues": {}})
        return await self._find(instances, thresholds, odd_size_iqr_factor, ignored,
                                fail_on_issues, recompute)

    async def _find(self, instances: list[Instance], thresholds: dict[str, float],
                    iqr_factor: float, ignored: set[str], gate: bool,
                    recompute: bool) -> ActionResult:
        from . import checks

        by_sha1: dict[str, list[Instance]] = {}
        for inst in instances:
            by_sha1.setdefault(inst.sha1, []).append(inst)
        props, new_props = await self._properties()
        stored = await self._stored(props, set(by_sha1))
        todo = [s for s in by_sha1
                if recompute or any(k not in stored.get(s, {}) for k in PER_IMAGE)]

        feature = self.full_measures if self.params.full_resolution else self.reduced_measures
        measured = await map_feature(self, feature, [by_sha1[s][0] for s in todo], force=recompute,
                                     progress="Measuring image quality", remember_failures=False)
        todo_set = set(todo)
        scores = {s: stored[s] for s in by_sha1 if s not in todo_set}
        broken: dict[str, str] = dict(measured.failed)  # url -> error
        fresh: set[str] = set()
        for sha1 in todo:
            if sha1 in measured.vectors:
                scores[sha1] = checks.image_scores(checks.measures_dict(measured.vectors[sha1]))
                fresh.add(sha1)
        # measures stored at import or scores stored by a run are of the content imported:
        # files gone or changed on disk since are reported, not scored
        sizes = {i.sha1: i.file_size for i in await self.project.get_images(list(scores))}
        for inst in instances:
            if inst.sha1 in scores and inst.url not in broken:
                problem = file_problem(inst.url, sizes.get(inst.sha1))
                if problem:
                    broken[inst.url] = problem

        readable = [i for i in instances if i.sha1 in scores and i.url not in broken]
        size_scores, thresholds["odd_size"] = checks.odd_size_scores(
            [i.width for i in readable], [i.height for i in readable], iqr_factor)
        odd_size = {i.sha1: float(v) for i, v in zip(readable, size_scores)}
        for sha1, value in odd_size.items():
            scores[sha1] = {**scores[sha1], "odd_size": value}

        await self._write(props, new_props, stored, scores, fresh)
        return self._result(instances, readable, scores, broken, thresholds, ignored, gate,
                            computed=len(todo), cached=len(by_sha1) - len(todo),
                            decoded=measured.computed)

    # ------------------------------------------------------------------------------ storage

    async def _properties(self) -> tuple[dict[str, int], list[Property]]:
        """Property id per issue type, creating (negative ids) the ones missing."""
        existing = {p.name: p for p in await self.project.get_properties()}
        ids: dict[str, int] = {}
        new: list[Property] = []
        for issue in ISSUE_TYPES:
            prop = existing.get(self.property_name(issue))
            if prop is None or prop.type != PropertyType.number:
                prop = self.project.create_property(self.property_name(issue),
                                                    PropertyType.number, PropertyMode.sha1)
                new.append(prop)
            ids[issue] = prop.id
        return ids, new

    async def _stored(self, props: dict[str, int], sha1s: set[str]) -> dict[str, dict[str, float]]:
        """Scores already stored for ``sha1s``, per sha1 and issue type."""
        known = [pid for pid in props.values() if pid > 0]
        if not known:
            return {}
        issue_of = {pid: issue for issue, pid in props.items()}
        out: dict[str, dict[str, float]] = {}
        # the interface ORs its filters, so filter by property and keep the wanted sha1s here
        for v in await self.project.get_image_property_values(property_ids=known):
            if v.sha1 in sha1s and isinstance(v.value, (int, float)):
                out.setdefault(v.sha1, {})[issue_of[v.property_id]] = float(v.value)
        return out

    async def _write(self, props: dict[str, int], new_props: list[Property],
                     stored: dict[str, dict[str, float]], scores: dict[str, dict[str, float]],
                     fresh: set[str]) -> None:
        """One commit of new properties, fresh scores and odd-size scores that changed. Scores are
        a cache: the commit is applied, not put on the undo stack (``undo`` reverts the user's
        last change, not a measurement); a run that fails still reverts it."""
        values = []
        for sha1, by_issue in scores.items():
            old = stored.get(sha1, {})
            for issue, value in by_issue.items():
                if sha1 in fresh or abs(old.get(issue, -1.0) - value) > SCORE_TOLERANCE:
                    values.append(ImageProperty(props[issue], sha1, value))
        commit = DbCommit(properties=new_props, image_values=values)
        if not commit.is_empty():
            await self.project.apply_commit(commit)

    # ------------------------------------------------------------------------------ result

    def _result(self, instances: list[Instance], readable: list[Instance],
                scores: dict[str, dict[str, float]], broken: dict[str, str],
                thresholds: dict[str, float], ignored: set[str], gate: bool,
                computed: int, cached: int, decoded: int) -> ActionResult:
        groups: list[Group] = []
        counts: dict[str, int] = {}
        n = max(1, len(readable))
        for issue in ISSUE_TYPES:
            if issue in ignored:
                continue
            thr = thresholds[issue]
            hits = sorted((scores[i.sha1][issue], i.id) for i in readable
                          if scores[i.sha1][issue] < thr)
            counts[issue] = len(hits)
            groups.append(Group(
                ids=[i for _, i in hits], name=f"{issue} ({len(hits)})",
                scores=ScoreList(values=[s for s, _ in hits], min=0.0, max=1.0,
                                 description=f"{issue} score, the issue below {thr:g}"),
                score=Score(value=len(hits) / n, min=0.0, max=1.0, max_is_best=False,
                            description=f"share of images that are {issue}")))
        if UNREADABLE not in ignored:
            bad = sorted(i.id for i in instances if i.url in broken or i.sha1 not in scores)
            counts[UNREADABLE] = len(bad)
            groups.append(Group(
                ids=bad, name=f"{UNREADABLE} ({len(bad)})",
                scores=ScoreList(values=[0.0] * len(bad), min=0.0, max=1.0,
                                 description="files that cannot be decoded, are gone or "
                                             "changed since import"),
                score=Score(value=len(bad) / max(1, len(instances)), min=0.0, max=1.0,
                            max_is_best=False, description="share of files that are unreadable")))
        found = {k: v for k, v in counts.items() if v}
        summary = ", ".join(f"{v} {k}" for k, v in found.items()) or "no issue"
        message = (f"{len(instances)} image(s) checked ({computed} measured, {decoded} of them "
                   f"decoded now; {cached} from stored scores): {summary}")
        notifs = [Notif(NotifType.INFO, name="image quality", message=message,
                        data={"unreadable": broken} if broken else None)]
        if gate and found:
            notifs.insert(0, Notif(NotifType.ERROR, name="quality gate failed",
                                   message=f"quality gate failed: {summary}"))
        value = {"images": len(instances), "measured": computed, "decoded": decoded, "cached": cached,
                 "issues": counts, "thresholds": {k: v for k, v in thresholds.items()
                                                  if k not in ignored}}
        return ActionResult(groups=groups, notifs=notifs, value=value)


def file_problem(path: str, recorded_size: int | None) -> str | None:
    """Why the file at ``path`` no longer holds the content imported (gone, or another size)."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return "file not found"
    if recorded_size and size != recorded_size:
        return (f"changed on disk since import ({size} bytes, {recorded_size} when imported): "
                "its stored measures are of the old content")
    return None


def parse_ignore(text: str) -> tuple[set[str], list[str]]:
    """Issue types named in ``--ignore`` and the error messages for unknown names."""
    names = {t.strip().lower().replace("-", "_") for t in (text or "").split(",") if t.strip()}
    known = set(ISSUE_TYPES) | {UNREADABLE}
    unknown = sorted(names - known)
    problems = [f"--ignore: unknown issue type(s) {', '.join(unknown)}; use any of "
                f"{', '.join([*ISSUE_TYPES, UNREADABLE])}"] if unknown else []
    return names & known, problems
