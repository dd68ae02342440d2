"""Cached embeddings: one vector type per embedding kind, vectors keyed by sha1, computed once.

Missing vectors are computed in chunks of ``CHUNK`` images, the pixel embedding in the
project's process pool (every core), the CLIP one in a thread (the model uses its own threads).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lightplug import Instance, Task, Vector, VectorType

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


def _unique_urls(instances: Sequence[Instance]) -> dict[str, str]:
    """sha1 -> the url of its first instance."""
    urls: dict[str, str] = {}
    for inst in instances:
        urls.setdefault(inst.sha1, inst.url)
    return urls


async def vector_type(plugin: SimilarityPlugin, kind: EmbeddingModel, package: str | None = None) -> VectorType:
    """This plugin's vector type for ``kind``, created on first use."""
    params = type_params(kind, package)
    for vt in plugin.vector_types:
        if vt.params == params:
            return vt
    return await plugin.project.add_vector_type(plugin.project.create_vector_type(params))


async def compute(plugin: SimilarityPlugin, vt: VectorType, kind: EmbeddingModel,
                  urls: dict[str, str], package: str | None = None) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Embed the images ``urls`` (sha1 -> path) in chunks and store their vectors.

    Returns (sha1 -> vector, url -> error for unreadable files).
    """
    from .embedding import embed_files
    from .models import embed_files_clip

    items = list(urls.items())
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    if kind is EmbeddingModel.pixels:
        run = plugin.project.run_in_process
        results = await asyncio.gather(*(run(embed_files, [u for _, u in c]) for c in chunks))
    else:
        results = [await plugin.project.run_async(embed_files_clip, [u for _, u in c], package)
                   for c in chunks]
    found: dict[str, np.ndarray] = {}
    failed: dict[str, str] = {}
    for chunk, (matrix, errors) in zip(chunks, results):
        for (sha1, url), row, error in zip(chunk, matrix, errors):
            if error is None:
                found[sha1] = row
            else:
                failed[url] = error
    await plugin.project.add_vectors([Vector(type_id=vt.id, sha1=s, data=v) for s, v in found.items()])
    return found, failed


async def embed_instances(plugin: SimilarityPlugin, instances: list[Instance], kind: EmbeddingModel,
                          package: str | None = None) -> Embedded:
    """Vectors of ``instances``, computing (and storing) only those not stored yet."""
    import numpy as np

    vt = await vector_type(plugin, kind, package)
    urls = _unique_urls(instances)
    stored = await plugin.project.get_vectors(vt.id, sha1s=list(urls))
    by_sha1 = {v.sha1: v.data for v in stored}
    missing = {s: u for s, u in urls.items() if s not in by_sha1}
    found, failed = await compute(plugin, vt, kind, missing, package) if missing else ({}, {})
    by_sha1.update(found)
    dim = next(iter(by_sha1.values())).shape[0] if by_sha1 else 1
    matrix = np.zeros((len(instances), dim), dtype=np.float32)
    readable = np.array([inst.sha1 in by_sha1 for inst in instances], dtype=bool)
    for row in np.flatnonzero(readable):
        matrix[row] = by_sha1[instances[row].sha1]
    return Embedded(instances=instances, matrix=matrix, readable=readable, computed=len(found),
                    cached=len(urls) - len(missing), failed=failed)


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
