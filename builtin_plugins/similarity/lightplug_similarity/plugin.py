"""The `similarity` plugin: nearest images, k-means clusters and near duplicates from embeddings.

numpy, Pillow and pydantic are imported inside the functions that need them, so loading the
plugin costs the command line nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from lightplug import (
    Bounds,
    ActionContext, ActionResult, APlugin, Group, InputFile, Notif, NotifType, Score,
    ScoreList,
)

from lightplug.compute import ImageFeature, register_feature

from .models import EmbeddingModel

if TYPE_CHECKING:
    from .vectors import Embedded

def embed_feature(images: list) -> list:
    """Feature function (runs where the host decoded the images): ``embedding.embed_images``."""
    from .embedding import embed_images

    return embed_images(images)


def pixel_params() -> dict:
    """The params of the pixel embedding's vector type (``vectors.type_params``)."""
    from .vectors import type_params

    return type_params(EmbeddingModel.pixels)


def _error(name: str, message: str) -> ActionResult:
    return ActionResult(notifs=[Notif(NotifType.ERROR, name=name, message=message)])


def _skipped(embedded: Embedded) -> list[Notif]:
    """A warning listing files that could not be read (they are left out of the results)."""
    if not embedded.failed:
        return []
    first = next(iter(embedded.failed.items()))
    return [Notif(NotifType.WARNING, name="unreadable images",
                  message=f"{len(embedded.failed)} image(s) could not be read and were left out, "
                          f"e.g. {first[0]}: {first[1]}",
                  data={"unreadable": embedded.failed})]


class SimilarityPlugin(APlugin):
    """Image similarity from a pixel embedding (or a local CLIP model): similar, clusters, duplicates."""

    def __init__(self, project: Any, plugin_path: str, name: str) -> None:
        from .params import SimilarityParams

        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.params = SimilarityParams.model_construct()  # the defaults, valid as declared
        # the pixel embedding is computed by the host at import, on pixels decoded once for all plugins
        self.pixel_feature = register_feature(self, ImageFeature(
            name="pixels", function=embed_feature, size=64, params=pixel_params(),
            when=lambda: bool(self.params.compute_on_import)))
        self.add_action_easy(self.compute_embeddings, ["vector"])
        self.similar_fn = self.add_action_easy(self.similar, ["similar"])
        self.clusters_fn = self.add_action_easy(self.clusters, ["group"])
        self.duplicates_fn = self.add_action_easy(self.near_duplicates, ["group"])

    async def _start(self) -> None:
        from .vectors import vector_type

        if not self.vector_types:
            await vector_type(self, EmbeddingModel.pixels)

    async def _embed(self, instance_ids: list[int] | None,
                     model: EmbeddingModel) -> Embedded | ActionResult:
        """Vectors of the instances (all when None), or an ERROR result if ``model`` is unusable."""
        from .models import clip_package, load_clip, INSTALL_HINT
        from .vectors import embed_instances

        model = EmbeddingModel(model)
        package = None
        if model is EmbeddingModel.clip:
            package = clip_package()
            problem = INSTALL_HINT if package is None else await self.project.run_async(load_clip, package)
            if problem:
                return _error("model not available", problem)
        instances = await self.project.get_instances(ids=instance_ids)
        return await embed_instances(self, instances, model, package,
                                     progress=f"Embedding ({model.value})")

    async def compute_embeddings(self, context: ActionContext,
                              model: EmbeddingModel = EmbeddingModel.pixels) -> ActionResult:
        """Compute the embeddings of the selection (or of every image) that are not stored yet.

        :param model: pixels (built in) or clip (needs a locally installed CLIP model)
        """
        embedded = await self._embed(context.instance_ids, model)
        if isinstance(embedded, ActionResult):
            return embedded
        counts = {"computed": embedded.computed, "cached": embedded.cached, "failed": len(embedded.failed)}
        message = (f"{embedded.computed} embedding(s) computed, {embedded.cached} already stored"
                   + (f", {len(embedded.failed)} unreadable" if embedded.failed else ""))
        return ActionResult(notifs=[Notif(NotifType.INFO, name="embeddings", message=message),
                                    *_skipped(embedded)], value=counts)

    async def similar(self, context: ActionContext, k: Annotated[int, Bounds(ge=1)] = 10, path: InputFile = None,
                      model: EmbeddingModel = EmbeddingModel.pixels) -> ActionResult:
        """The k images most similar to the selection, or to an image file given by --path.

        Without --path the selected images are the query and every other image is a
        candidate; with --path the file is the query and the selection (or the whole
        project) holds the candidates.

        :param k: how many similar images to return
        :param path: an image file to search for instead of the selection
        :param model: pixels (built in) or clip (needs a locally installed CLIP model)
        """
        import numpy as np

        from . import knn

        if k < 1:
            return _error("invalid k", f"k must be at least 1, got {k}")
        if path is None and context.instance_ids is None:
            return _error("nothing to compare", "select images (--ids, --folder, --tag, --from-run) "
                                                "or give an image file with --path")
        everything = await self._embed(None if path is None else context.instance_ids, model)
        if isinstance(everything, ActionResult):
            return everything
        usable = everything.readable
        if not usable.any():
            return _error("nothing to compare", "there are no readable images to compare with")
        if path is not None:
            query = await self._query_file(str(path), EmbeddingModel(model))
            if isinstance(query, ActionResult):
                return query
            exclude, name = ~usable, f"Similar to {path}"
        else:
            chosen = np.isin([i.id for i in everything.instances], context.instance_ids)
            query = everything.matrix[chosen & usable]
            if len(query) == 0:
                return _error("nothing to compare", "none of the selected images could be read")
            exclude = chosen | ~usable
            name = (f"Similar to image {context.instance_ids[0]}" if len(context.instance_ids) == 1
                    else f"Similar to {len(context.instance_ids)} selected images")
        idx, scores = knn.most_similar(everything.matrix, query, k, exclude)
        group = Group(ids=[everything.instances[i].id for i in idx], name=name,
                      scores=ScoreList(values=[round(float(s), 4) for s in scores], min=-1.0, max=1.0,
                                       description="cosine similarity to the query"))
        return ActionResult(groups=[group], notifs=_skipped(everything) or None)

    async def _query_file(self, path: str, model: EmbeddingModel) -> Any:
        """The embedding of an image file outside the project, as a (1, dim) array."""
        from .embedding import embed_files
        from .models import clip_package, embed_files_clip

        if model is EmbeddingModel.pixels:
            vectors, errors = await self.project.run_in_process(embed_files, [path])
        else:
            vectors, errors = await self.project.run_async(embed_files_clip, [path], clip_package())
        if errors[0]:
            return _error("unreadable image", f"cannot read {path}: {errors[0]}")
        return vectors

    async def clusters(self, context: ActionContext, k: Annotated[int, Bounds(ge=1)] = 10,
                       model: EmbeddingModel = EmbeddingModel.pixels) -> ActionResult:
        """Group the selection (or every image) into k clusters of look-alike images (k-means).

        :param k: how many clusters to make
        :param model: pixels (built in) or clip (needs a locally installed CLIP model)
        """
        import numpy as np

        from . import kmeans

        if k < 1:
            return _error("invalid k", f"k must be at least 1, got {k}")
        embedded = await self._embed(context.instance_ids, model)
        if isinstance(embedded, ActionResult):
            return embedded
        sha1s, vectors, members = self._distinct(embedded)
        notifs = _skipped(embedded)
        if not sha1s:
            return ActionResult(notifs=[*notifs, Notif(NotifType.WARNING, name="no images",
                                                       message="no readable images to cluster")])
        if k > len(sha1s):
            notifs.append(Notif(NotifType.WARNING, name="fewer clusters",
                                message=f"only {len(sha1s)} distinct image(s): made {len(sha1s)} cluster(s), not {k}"))
            k = len(sha1s)
        result = await self.project.run_async(kmeans.kmeans, vectors, k, 0)
        similarity, cohesion = kmeans.cohesion(vectors, result.labels, k)
        groups = []
        for c in np.argsort(-np.bincount(result.labels, minlength=k), kind="stable"):
            rows = np.flatnonzero(result.labels == c)
            ids = [i for r in rows for i in members[sha1s[r]]]
            values = [round(float(similarity[r]), 4) for r in rows for _ in members[sha1s[r]]]
            groups.append(Group(ids=ids, name=f"Cluster {len(groups) + 1}",
                                scores=ScoreList(values=values, min=-1.0, max=1.0,
                                                 description="cosine similarity to the cluster centre"),
                                score=Score(value=round(float(cohesion[c]), 4), min=-1.0, max=1.0,
                                            description="cohesion (mean cosine to the centre)")))
        return ActionResult(groups=groups, notifs=notifs or None)

    async def near_duplicates(self, context: ActionContext, threshold: Annotated[float, Bounds(ge=0, le=1)] = 0.97,
                              model: EmbeddingModel = EmbeddingModel.pixels) -> ActionResult:
        """Groups of near-duplicate images: resized, re-encoded, cropped, brightened or mirrored copies.

        Images join a group when their cosine similarity to one of its members reaches the
        threshold; byte-identical copies always group together.

        :param threshold: cosine similarity from which two images count as duplicates (0-1; higher finds fewer)
        :param model: pixels (built in) or clip (needs a locally installed CLIP model)
        """
        from . import knn

        if not 0.0 < threshold <= 1.0:
            return _error("invalid threshold", f"threshold must be above 0 and at most 1, got {threshold}")
        embedded = await self._embed(context.instance_ids, model)
        if isinstance(embedded, ActionResult):
            return embedded
        sha1s, vectors, members = self._distinct(embedded)
        found = await self.project.run_async(knn.near_duplicate_groups, vectors, threshold)
        in_group = set()
        groups = []
        for rows, best in found:
            in_group.update(rows.tolist())
            ids, values = [], []
            for r, b in zip(rows, best):
                ids += members[sha1s[r]]
                values += [1.0 if len(members[sha1s[r]]) > 1 else round(float(b), 4)] * len(members[sha1s[r]])
            groups.append((ids, values))
        groups += [(members[s], [1.0] * len(members[s])) for r, s in enumerate(sha1s)
                   if r not in in_group and len(members[s]) > 1]  # byte-identical copies only
        groups.sort(key=lambda g: (-len(g[0]), g[0][0]))
        result = [Group(ids=ids, name=f"Near duplicates {n}",
                        scores=ScoreList(values=values, min=-1.0, max=1.0,
                                         description="highest cosine similarity to another member"),
                        score=Score(value=min(values), min=-1.0, max=1.0,
                                    description="weakest link (lowest member score)"))
                  for n, (ids, values) in enumerate(groups, start=1)]
        message = (f"{len(result)} group(s) of near duplicates, {sum(len(g.ids) for g in result)} images "
                   f"(threshold {threshold})")
        return ActionResult(groups=result, notifs=[Notif(NotifType.INFO, name="near duplicates", message=message),
                                                   *_skipped(embedded)])

    @staticmethod
    def _distinct(embedded: Embedded) -> tuple[list[str], Any, dict[str, list[int]]]:
        """Readable distinct images: their sha1s, vectors (one row each) and instance ids."""
        members: dict[str, list[int]] = {}
        first_row: dict[str, int] = {}
        for row, inst in enumerate(embedded.instances):
            if embedded.readable[row]:
                members.setdefault(inst.sha1, []).append(inst.id)
                first_row.setdefault(inst.sha1, row)
        sha1s = list(first_row)
        return sha1s, embedded.matrix[list(first_row.values())], members
