"""Cached embeddings: one vector type per embedding kind, vectors keyed by sha1, computed once.

The pixel embedding is an image feature (``lightplug.compute``): the host computes it at
import on the pixels it decodes once for every plugin, and ``map_feature`` computes the
missing ones, in chunks of ``CHUNK`` images on the chosen executor. The CLIP one is computed
by ``lightplug.map_images`` on threads (the model uses its own threads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lightplug import Instance, VectorType, map_images
from lightplug.compute import map_feature

from .models import EmbeddingModel

if TYPE_CHECKING:
    import numpy as np

    from .plugin import SimilarityPlugin

CHUNK = 128
PIXELS_VERSION, PIXELS_DIM = 2, 67  # written out here so that loading the plugin imports no numpy


def type_params(kind: EmbeddingModel, package: str | None = None) -> dict[str, Any]:
    """The ``params`` that identify the vector type of ``kind`` (bumped when the embedding changes)."""
    if kind is EmbeddingModel.pixels:  # embedding.EMBEDDING_VERSION and DIM (a test checks them)
        return {"model": kind.value, "version": PIXELS_VERSION, "dim": PIXELS_DIM}
    from .models import CLIP_MODEL

    return {"model": kind.value, "name": CLIP_MODEL, "package": package}


@dataclass
class Embedded:
    """Vectors of instances: ``matrix`` rows follow ``instances``; ``readable`` marks the rows
    that hold a vector (the others are zero: their file could not be read)."""

    instances: list[Instance]
    matrix: np.ndarray
    readable: np.ndarray
    computed: int = 0
    cached: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # url -> error


async def vector_type(plugin: SimilarityPlugin, kind: EmbeddingModel, package: str | None = None) -> VectorType:
    """This plugin's vector type for ``kind``, created on first use."""
    params = type_params(kind, package)
    for vt in plugin.vector_types:
        if vt.params == params:
            return vt
    return await plugin.project.add_vector_type(plugin.project.create_vector_type(params))


async def embed_instances(plugin: SimilarityPlugin, instances: list[Instance], kind: EmbeddingModel,
                          package: str | None = None, progress: str | None = None) -> Embedded:
    """Vectors of ``instances``, computing (and storing) only those not stored yet."""
    import numpy as np

    from .models import embed_paths_clip

    vt = await vector_type(plugin, kind, package)
    if kind is EmbeddingModel.pixels:
        found = await map_feature(plugin, plugin.pixel_feature, instances, batch_size=CHUNK,
                                  progress=progress, remember_failures=False)
    else:
        found = await map_images(plugin.project, vt.id, embed_paths_clip, instances,
                                 extra_args=(package,), batch_size=CHUNK, progress=progress,
                                 executor="thread")
    by_sha1 = found.vectors
    dim = next(iter(by_sha1.values())).shape[0] if by_sha1 else 1
    matrix = np.zeros((len(instances), dim), dtype=np.float32)
    readable = np.array([inst.sha1 in by_sha1 for inst in instances], dtype=bool)
    for row in np.flatnonzero(readable):
        matrix[row] = by_sha1[instances[row].sha1]
    return Embedded(instances=instances, matrix=matrix, readable=readable, computed=found.computed,
                    cached=found.cached, failed=found.failed)
