"""The plugin's cache of hashes: one vector type per hash kind, plus one for colours.

A hash vector holds the four ``hashing.VARIANTS`` hashes of an image as 256 float32 0/1
values; a colour vector its mean chroma (Cb, Cr). Both are keyed by sha1, so an image is
hashed once whatever the number of its copies, and never again. A file that cannot be
decoded gets empty vectors, so that it is not tried again either.

Imported lazily by the plugin (numpy and Pillow load only when hashes are needed).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lightplug import Instance, MapResult, Task, VectorType, map_images

from . import grouping, hashing

if TYPE_CHECKING:
    from .plugin import DedupPlugin

#: images per import task
CHUNK = 128
#: bump when hashes computed by this code would differ from stored ones
VERSION = 1
COLOUR_PARAMS = {"dedup": "colour", "values": ["cb", "cr"], "version": VERSION}


def hash_params(kind: str) -> dict:
    """The params of the vector type holding ``kind`` hashes."""
    return {"dedup": kind, "bits": hashing.HASH_BITS, "variants": list(hashing.VARIANTS),
            "centre_margin": hashing.CENTRE_MARGIN, "version": VERSION}


async def vector_type(plugin: DedupPlugin, params: dict) -> VectorType:
    """The plugin's vector type with ``params``, created on first use."""
    for vt in plugin.vector_types:
        if vt.params == params:
            return vt
    return await plugin.project.add_vector_type(plugin.project.create_vector_type(params))


@dataclass
class Features:
    """Hashes of some images: ``codes`` ``(m, 4, 1)`` uint64 and ``colour`` ``(m, 2)`` of the
    images at ``index`` (positions in the sha1 list asked for); ``hashed`` images were
    hashed just now; ``unreadable`` positions could not be decoded."""

    index: np.ndarray
    codes: np.ndarray
    colour: np.ndarray
    hashed: int
    unreadable: list[int]


async def _type_ids(plugin: DedupPlugin, kind: str) -> tuple[int, int]:
    return (await vector_type(plugin, hash_params(kind))).id, (await vector_type(plugin, COLOUR_PARAMS)).id


async def hash_images(plugin: DedupPlugin, kind: str, instances: Sequence[Instance],
                      progress: str | None = None) -> MapResult:
    """Hashes and colours of the distinct images of ``instances`` (their first file each),
    computing and storing the missing ones; undecodable files are remembered as empty vectors."""
    return await map_images(plugin.project, await _type_ids(plugin, kind), hashing.hash_files,
                            instances, extra_args=(kind,), progress=progress, remember_failures=True)


class HashTask(Task):
    """Hashes one chunk of newly imported images (those not hashed yet) and stores the vectors."""

    def __init__(self, plugin: DedupPlugin, kind: str, instances: list[Instance]) -> None:
        super().__init__(priority=False)
        self.plugin, self.kind, self.instances = plugin, kind, instances
        self.name = f"dedup: {kind} hashes"
        self.key = f"dedup.hash.{kind}"

    async def run(self) -> None:
        await hash_images(self.plugin, self.kind, self.instances)


def queue_hashing(plugin: DedupPlugin, kind: str, instances: Sequence[Instance]) -> None:
    """Queue tasks hashing the distinct images of ``instances`` that are not hashed yet."""
    first: dict[str, Instance] = {}
    for inst in instances:
        first.setdefault(inst.sha1, inst)
    unique = list(first.values())
    for start in range(0, len(unique), CHUNK):
        plugin.project.add_task(HashTask(plugin, kind, unique[start:start + CHUNK]))


async def load(plugin: DedupPlugin, kind: str, instances: Sequence[Instance],
               progress: str | None = None) -> Features:
    """Hashes of the distinct images of ``instances``, in the order of their first instance,
    hashing (and caching) those missing."""
    sha1s = list(dict.fromkeys(i.sha1 for i in instances))
    found = await hash_images(plugin, kind, instances, progress)
    width = len(hashing.VARIANTS) * hashing.HASH_BITS
    vectors = found.vectors
    good = [k for k, s in enumerate(sha1s)
            if s in vectors and len(vectors[s][0]) == width and len(vectors[s][1]) == 2]
    unreadable = sorted(set(range(len(sha1s))) - set(good))
    bits = np.array([vectors[sha1s[k]][0] for k in good], dtype=np.float32)
    bits = bits.reshape(len(good), len(hashing.VARIANTS), hashing.HASH_BITS)
    colour = np.array([vectors[sha1s[k]][1] for k in good], dtype=np.float32).reshape(len(good), 2)
    return Features(index=np.array(good, dtype=np.int64), codes=grouping.pack_bits(bits > 0.5),
                    colour=colour, hashed=len(sha1s) - found.cached, unreadable=unreadable)
