"""``map_images``: compute a per-image vector for the images that lack one, in chunks, and store it.

The contract of ``function`` (a picklable top-level function, so that worker processes can
import it)::

    function(paths: list[str], *extra_args) -> list[tuple[value | None, str | None]]

one ``(value, error)`` pair per path, in order. ``value`` is a vector (anything numpy turns
into a 1-D float32 array) when ``vector_type_id`` is one id, or a tuple of vectors, one per
id, when it is a sequence of ids. ``error`` is None on success; otherwise it is the reason the
file gave no vector (``value`` is then ignored). An exception raised by ``function`` stops the
whole call; every chunk stored before it stays stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .chunks import iter_chunks

if TYPE_CHECKING:
    from ..models import Instance, Vector


class VectorStore(Protocol):
    """What ``map_images`` needs of a project: a ``PluginProjectInterface`` is one."""

    async def get_vectors(self, type_id: int, sha1s: Sequence[str] | None = None) -> list[Vector]: ...

    async def add_vectors(self, vectors: Sequence[Vector]) -> None: ...

REMEMBERED = "could not be read (remembered from an earlier run; use force to try again)"


@dataclass
class MapResult:
    """What ``map_images`` found: ``vectors`` by sha1, counts, and ``failed`` as {url: reason}.

    ``vectors[sha1]`` is a 1-D float32 array, or a tuple of them when several vector types
    were asked for. ``computed`` counts the images given a vector now, ``cached`` those whose
    stored vectors were used; ``failed`` holds the images without vectors (by their url).
    """

    vectors: dict[str, Any] = field(default_factory=dict)
    computed: int = 0
    cached: int = 0
    failed: dict[str, str] = field(default_factory=dict)


async def map_images(project: VectorStore, vector_type_id: int | Sequence[int],
                     function: Callable[..., list], instances: Sequence[Instance], *,
                     extra_args: tuple = (), batch_size: int | None = None, force: bool = False,
                     progress: str | None = None, executor: str | None = None,
                     remember_failures: bool = False) -> MapResult:
    """Vectors of the distinct images of ``instances``, computing and storing those not stored yet.

    Each image content (sha1) is computed once, from the file of its first instance. Chunks
    run on the executor chosen by ``executor`` / ``LIGHTPLUG_EXECUTOR`` (fewer than 32 images
    run in a thread instead of worker processes), and each chunk's vectors are stored with
    ``project.add_vectors`` as soon as it finishes, so an interrupted call keeps them and a
    later call resumes. ``force`` recomputes stored vectors. ``progress`` is the label of a
    progress bar on stderr (shown only when stderr is a terminal). With ``remember_failures``
    a file that gives no vector is stored as empty vectors and not tried again (until ``force``).
    """
    from ..models import Vector

    type_ids = _type_ids(vector_type_id)
    urls: dict[str, str] = {}
    for inst in instances:
        urls.setdefault(inst.sha1, inst.url)
    result = MapResult()
    if not force and urls:
        await _read_stored(project, type_ids, urls, result, remember_failures)
    todo = [s for s in urls if s not in result.vectors and urls[s] not in result.failed]
    if not todo:
        return result
    paths = [urls[s] for s in todo]
    chunks = iter_chunks(function, paths, extra_args=extra_args, batch_size=batch_size,
                         progress=progress, executor=executor)
    async with aclosing(chunks):
        async for start, _, outputs in chunks:
            sha1s = todo[start:start + len(outputs)]
            rows = _record(sha1s, outputs, type_ids, urls, result, remember_failures)
            if rows:  # stored now: an interrupted call keeps every finished chunk
                await project.add_vectors([Vector(t, s, d) for t, s, d in rows])
    return result


def _type_ids(vector_type_id: int | Sequence[int]) -> tuple[int, ...] | int:
    if isinstance(vector_type_id, int):
        return vector_type_id
    ids = tuple(int(t) for t in vector_type_id)
    if not ids:
        raise ValueError("map_images: vector_type_id is an empty sequence")
    return ids


async def _read_stored(project: VectorStore, type_ids: tuple[int, ...] | int,
                       urls: dict[str, str], result: MapResult, remember_failures: bool) -> None:
    """Put the stored vectors of ``urls`` (and remembered failures) into ``result``."""
    ids = (type_ids,) if isinstance(type_ids, int) else type_ids
    stored: list[dict[str, Any]] = []
    for type_id in ids:
        stored.append({v.sha1: v.data for v in await project.get_vectors(type_id, list(urls))})
    for sha1 in urls:
        found = [by_sha1.get(sha1) for by_sha1 in stored]
        if any(v is None for v in found):
            continue
        if any(len(v) == 0 for v in found if v is not None):
            if remember_failures:
                result.failed[urls[sha1]] = REMEMBERED
                result.cached += 1
            continue
        result.vectors[sha1] = found[0] if isinstance(type_ids, int) else tuple(found)
        result.cached += 1


def _record(sha1s: list[str], outputs: Any, type_ids: tuple[int, ...] | int,
            urls: dict[str, str], result: MapResult, remember_failures: bool) -> list[tuple]:
    """Record one chunk's outputs in ``result``; the ``(type_id, sha1, data)`` rows to store."""
    import numpy as np

    ids = (type_ids,) if isinstance(type_ids, int) else type_ids
    rows: list[tuple] = []
    for sha1, (value, error) in zip(sha1s, outputs):
        if error is not None:
            result.failed[urls[sha1]] = str(error)
            if remember_failures:
                rows += [(t, sha1, np.zeros(0, np.float32)) for t in ids]
            continue
        parts = [value] if isinstance(type_ids, int) else list(value)
        if len(parts) != len(ids):
            raise ValueError(f"map_images: expected {len(ids)} vector(s) per image, got {len(parts)}")
        arrays = [np.asarray(p, dtype=np.float32).reshape(-1) for p in parts]
        rows += [(t, sha1, a) for t, a in zip(ids, arrays)]
        result.vectors[sha1] = arrays[0] if isinstance(type_ids, int) else tuple(arrays)
        result.computed += 1
    return rows
