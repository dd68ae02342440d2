"""Cached embeddings: one vector type per embedding kind, vectors keyed by sha1, computed once.

Missing vectors are computed by ``lightplug.map_images`` in chunks of ``CHUNK`` images (a
fixed size: the pixel embedding of a chunk is computed as one matrix, so other chunk sizes
could change the last bit of a vector), the pixel embedding on the chosen executor (the process
pool by default), the CLIP one on threads (the model uses its own threads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lightplug import Instance, Task, VectorType, map_images

from .models import EmbeddingModel

if TYPE_CHECKING:
    import numpy as np

    from .plugin import SimilarityPlugin

CHUNK = 128


def type_params(kind: EmbeddingModel, package: str | None = None) -> dict[str, Any]:
    """The ``params`` that identify the vector type of ``kind`` (bumped when the embedding changes)."""
    if kind is EmbeddingModel.pixels:
        from .embedding import DIM, EMBEDDING_VERSION

        return {"model": kind.value, "version": EMBEDDING_VERSION, "dim": DIM}
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

    from .embedding import embed_paths
    from .models import embed_paths_clip

    vt = await vector_type(plugin, kind, package)
    if kind is EmbeddingModel.pixels:
        found = await map_images(plugin.project, vt.id, embed_paths, instances, batch_size=CHUNK,
                                 progress=progress)
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


class EmbedTask(Task):
    """Pixel embeddings of one chunk of newly imported images (skips those already stored)."""

    def __init__(self, plugin: SimilarityPlugin, instances: list[Instance]) -> None:
        super().__init__(priority=False)
        self.plugin = plugin
        self.instances = instances
        self.name = "Similarity: embedding new images"
        self.key = f"{plugin.name}.embed"

    async def run(self) -> None:
        await embed_instances(self.plugin, self.instances, EmbeddingModel.pixels)
