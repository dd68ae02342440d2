"""The plugin's cache of hashes: one vector type per hash kind, plus one for colours.

A hash vector holds the four ``hashing.VARIANTS`` hashes of an image as 256 float32 0/1
values; a colour vector its mean chroma (Cb, Cr). Both are keyed by sha1, so an image is
hashed once whatever the number of its copies, and never again. A file that cannot be
decoded gets empty vectors, so that it is not tried again either.

Imported lazily by the plugin (numpy and Pillow load only when hashes are needed).
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lightplug import Task, Vector, VectorType

from . import grouping, hashing

if TYPE_CHECKING:
    from .plugin import DedupPlugin

#: images per worker call: big enough to amortise the call, small enough to spread the work
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


def _vectors(type_ids: tuple[int, int], sha1s: Sequence[str], bits: np.ndarray,
             colour: np.ndarray, ok: np.ndarray) -> list[Vector]:
    out = []
    for k, sha1 in enumerate(sha1s):
        out.append(Vector(type_ids[0], sha1, bits[k].reshape(-1) if ok[k] else []))
        out.append(Vector(type_ids[1], sha1, colour[k] if ok[k] else []))
    return out


async def _hash_and_store(plugin: DedupPlugin, kind: str, type_ids: tuple[int, int],
                          sha1s: Sequence[str], urls: Sequence[str], run_in_process) -> None:
    bits, colour, ok = await run_in_process(hashing.compute_features, list(urls), (kind,))
    await plugin.project.add_vectors(_vectors(type_ids, sha1s, bits[kind], colour, ok))


class HashTask(Task):
    """Hashes one chunk of newly imported images in a worker process and stores the vectors."""

    def __init__(self, plugin: DedupPlugin, kind: str, type_ids: tuple[int, int],
                 sha1s: list[str], urls: list[str]) -> None:
        super().__init__(priority=False)
        self.plugin, self.kind, self.type_ids, self.sha1s, self.urls = plugin, kind, type_ids, sha1s, urls
        self.name = f"dedup: {kind} hashes"
        self.key = f"dedup.hash.{kind}"

    async def run(self) -> None:
        await _hash_and_store(self.plugin, self.kind, self.type_ids, self.sha1s, self.urls,
                              self.run_in_process)


async def _type_ids(plugin: DedupPlugin, kind: str) -> tuple[int, int]:
    return (await vector_type(plugin, hash_params(kind))).id, (await vector_type(plugin, COLOUR_PARAMS)).id


async def _stored(plugin: DedupPlugin, type_ids: tuple[int, int], sha1s: Sequence[str]
                  ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    hashes = {v.sha1: v.data for v in await plugin.project.get_vectors(type_ids[0], sha1s)}
    colours = {v.sha1: v.data for v in await plugin.project.get_vectors(type_ids[1], sha1s)}
    return hashes, colours


async def queue_hashing(plugin: DedupPlugin, kind: str, urls_by_sha1: dict[str, str]) -> int:
    """Queue tasks hashing the images not cached yet; returns how many will be hashed."""
    type_ids = await _type_ids(plugin, kind)
    sha1s = list(urls_by_sha1)
    hashes, colours = await _stored(plugin, type_ids, sha1s)
    todo = [s for s in sha1s if s not in hashes or s not in colours]
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start:start + CHUNK]
        plugin.project.add_task(HashTask(plugin, kind, type_ids, chunk, [urls_by_sha1[s] for s in chunk]))
    return len(todo)


async def load(plugin: DedupPlugin, kind: str, urls_by_sha1: dict[str, str]) -> Features:
    """Hashes of the images ``urls_by_sha1`` names, hashing (and caching) those missing."""
    type_ids = await _type_ids(plugin, kind)
    sha1s = list(urls_by_sha1)
    hashes, colours = await _stored(plugin, type_ids, sha1s)
    todo = [s for s in sha1s if s not in hashes or s not in colours]
    if todo:
        chunks = [todo[i:i + CHUNK] for i in range(0, len(todo), CHUNK)]
        await asyncio.gather(*(_hash_and_store(plugin, kind, type_ids, c, [urls_by_sha1[s] for s in c],
                                               plugin.project.run_in_process) for c in chunks))
        more_hashes, more_colours = await _stored(plugin, type_ids, todo)
        hashes.update(more_hashes)
        colours.update(more_colours)
    width = len(hashing.VARIANTS) * hashing.HASH_BITS
    good = [k for k, s in enumerate(sha1s) if len(hashes[s]) == width and len(colours[s]) == 2]
    unreadable = sorted(set(range(len(sha1s))) - set(good))
    bits = np.array([hashes[sha1s[k]] for k in good], dtype=np.float32)
    bits = bits.reshape(len(good), len(hashing.VARIANTS), hashing.HASH_BITS)
    colour = np.array([colours[sha1s[k]] for k in good], dtype=np.float32).reshape(len(good), 2)
    return Features(index=np.array(good, dtype=np.int64), codes=grouping.pack_bits(bits > 0.5),
                    colour=colour, hashed=len(todo), unreadable=unreadable)
