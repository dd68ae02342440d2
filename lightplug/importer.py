"""Importing image files in place: scan, inspect (in parallel), record, announce.

Each new file is read once, hashed (sha1) and decoded once, at the reduced size that the
plugins' import-time features need (``compute.features``); those features run on the same
pixels in the worker processes and their vectors are recorded with the images. What is found
and how one file is read safely (regular files only, size and pixel limits) is ``scan``'s.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .models import ImageInfo, Instance
from .scan import Skipped  # noqa: F401 - re-exported (it lived here)

if TYPE_CHECKING:
    from .compute.features import FeatureSpec
    from .imaging import DecodedImage
    from .project import Project

_INLINE_LIMIT = 200  # below this many files, inspecting in-process beats starting workers (~0.7 s to spawn)
BATCH_FILES = 500  # files recorded per write transaction
BATCH_SECONDS = 1.0  # ... or at least this often, so Ctrl-C and other writers wait little
KNOWN_LIMIT = 200_000  # known contents sent to workers (8 bytes each, with every chunk)
#: what a worker imports before its first chunk (``start_workers``)
WORKER_MODULES = ("numpy", "PIL.Image", "PIL.JpegImagePlugin", "lightplug.importer", "lightplug.imaging",
                  "lightplug.compute.features")


@dataclass
class ImportSummary:
    """What an import did."""

    files: int = 0
    imported: int = 0
    already_known: int = 0
    new_images: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    task_failures: list[str] = field(default_factory=list)  # plugin tasks and listeners that failed
    files_done: int = 0  # files looked at before the import ended (all of them unless interrupted)

    def as_json(self) -> dict:
        return {"files": self.files, "imported": self.imported, "already_known": self.already_known,
                "new_images": self.new_images, "skipped": [vars(s) for s in self.skipped],
                "seconds": round(self.seconds, 3), "interrupted": self.interrupted,
                "task_failures": self.task_failures}


def collect_files(paths: Iterable[Path], recursive: bool = True) -> list[str]:
    """Absolute paths of the regular files named or found under the folders named (hidden ones
    skipped); ``scan.scan`` also says what was left out, and why."""
    from .scan import scan

    return scan(paths, recursive).files


def inspect_file(path: str, specs: Sequence[FeatureSpec] = ()) -> tuple:
    """``(path, info, None, features)`` for a readable image, ``(path, None, reason, {})`` otherwise."""
    return inspect_chunk([path], specs)[0]


def _open(path: str, size: int | None) -> tuple[ImageInfo | None, DecodedImage | None, str | None]:
    """Read, hash and decode one file once: ``(info, decoded, None)`` or ``(None, None, reason)``."""
    from PIL import Image, UnidentifiedImageError

    from .imaging import SQUARE, decode_image, unidentified_reason
    from .scan import Refused, os_reason, read_regular

    try:
        data = read_regular(path)
    except Refused as exc:
        return None, None, str(exc)
    except OSError as exc:
        return None, None, os_reason(exc)
    if not data:
        return None, None, "empty file"
    try:
        decoded = decode_image(data, size, path=path)
        decoded.array(SQUARE)  # the square every built-in feature and the average hash start from
    except Refused as exc:  # too many pixels: nothing was decoded
        return None, None, str(exc)
    except UnidentifiedImageError:
        return None, None, unidentified_reason(data)
    except Image.DecompressionBombError as exc:
        return None, None, f"image too large: {exc}"
    except MemoryError:
        return None, None, "image too large: out of memory while decoding it"
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return None, None, f"corrupt or truncated image: {exc}"
    info = ImageInfo(sha1=hashlib.sha1(data).hexdigest(), width=decoded.width, height=decoded.height,
                     format=decoded.format, mode=decoded.mode, ahash="", file_size=len(data))  # see inspect_chunk
    return info, decoded, None


def sha1_keys(sha1s: Iterable[str]) -> Any:
    """Sorted uint64 keys (the first 16 hex digits) of ``sha1s``, for ``inspect_chunk(known=...)``."""
    import numpy as np

    keys = np.sort(np.array([int(s[:16], 16) for s in sha1s], dtype=np.uint64))
    if len(keys) > 1:  # distinct (not np.unique: numpy 2's imports numpy.ma, ~10 ms of every import)
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys


def _is_known(sha1: str, known: Any) -> bool:
    if known is None or not len(known):
        return False
    key = int(sha1[:16], 16)
    at = int(known.searchsorted(key))
    return at < len(known) and int(known[at]) == key


def inspect_chunk(paths: Sequence[str], specs: Sequence[FeatureSpec] = (), known: Any = None) -> list[tuple]:
    """Inspect files, decoding each once, and compute the features ``specs`` on the same pixels.

    One ``(path, info, reason, features)`` per path: ``features`` maps a feature name to its
    value's bytes (b"": no value). Contents whose key is in ``known`` (``sha1_keys``; the
    project has them already) and repeated contents get no features. A picklable top-level
    function (it runs in worker processes).
    """
    from .compute.features import decode_size, run_features

    from .imaging import average_hashes

    size = decode_size(specs)
    opened = [_open(path, size) for path in paths]
    good = [(found, image) for found, image, _ in opened if found is not None and image is not None]
    for (found, _), ahash in zip(good, average_hashes([image for _, image in good])):
        found.ahash = ahash
    seen: set[str] = set()
    todo = []
    for info, decoded, _ in opened:
        fresh = info is not None and info.sha1 not in seen and not _is_known(info.sha1, known)
        todo.append(decoded if fresh else None)
        if info is not None:
            seen.add(info.sha1)
    values, errors = run_features(todo, specs) if specs else ([{} for _ in paths], {})
    for name, error in errors.items():
        print(f"lightplug: feature {name!r} failed on a chunk (computed again later): {error}", file=sys.stderr)
    return [(path, info, reason, value) for path, (info, _, reason), value in zip(paths, opened, values)]


def start_workers(new_files: int) -> None:
    """Start the worker processes now if inspecting ``new_files`` files will use them, so that
    their start-up overlaps what the caller does next (the CLI loads the plugins)."""
    from .compute.executors import PROCESS, executor_name

    if new_files > _INLINE_LIMIT and executor_name() == PROCESS:
        from .compute import pools

        pools.warm_up(WORKER_MODULES)


def inspect_files(paths: list[str], on_done: Callable[[], None] | None = None,
                  specs: Sequence[FeatureSpec] = (), known: Any = None) -> Iterator[tuple]:
    """Inspect ``paths`` in chunks, yielding per file in order: in-process when there are few,
    else on the executor (``LIGHTPLUG_EXECUTOR``; the process pool by default, or a cluster)."""
    from .compute.executors import BUILTIN_EXECUTORS, PROCESS, executor_name
    from .compute.features import FEATURE_CHUNK

    chunks = [paths[s:s + FEATURE_CHUNK] for s in range(0, len(paths), FEATURE_CHUNK)]
    name = executor_name()
    if len(paths) <= _INLINE_LIMIT and name in BUILTIN_EXECUTORS:
        results: Iterable[list[tuple]] = (inspect_chunk(c, specs, known) for c in chunks)
    elif name == PROCESS:
        from .parallel import process_pool

        results = process_pool().map(inspect_chunk, chunks, itertools.repeat(tuple(specs)),
                                     itertools.repeat(known))
    else:  # another executor (threads, a cluster): each file keeps the client's own path
        from .compute.blocking import ordered_chunks
        from .compute.executors import get_mapper

        mapped = ordered_chunks(get_mapper(), inspect_chunk, chunks, (tuple(specs), known))
        results = ([(path, *found[1:]) for path, found in zip(chunks[k], outputs)] for k, outputs in mapped)
    for chunk in results:
        for result in chunk:
            if on_done:
                on_done()
            yield result


def _batches(results: Iterable[tuple], size: int, seconds: float) -> Iterator[list[tuple]]:
    """``results`` in lists of at most ``size``, a list at least every ``seconds`` seconds."""
    batch: list[tuple] = []
    last = time.monotonic()
    for result in results:
        batch.append(result)
        if len(batch) >= size or time.monotonic() - last >= seconds:
            yield batch
            batch, last = [], time.monotonic()
    if batch:
        yield batch


def _feature_types(project: Project) -> tuple[list[FeatureSpec], dict[str, int]]:
    """The specs of the features to compute at this import, and the vector type id of each."""
    from .compute.features import import_features
    from .db import store

    specs: list[FeatureSpec] = []
    type_ids: dict[str, int] = {}
    for plugin_name, feature in import_features(getattr(project, "plugins", {}) or {}):
        vt = store.add_vector_type(project.db, plugin_name, dict(feature.params))  # found or made
        spec = feature.spec()._replace(name=f"{plugin_name}/{feature.name}")
        specs.append(spec)
        type_ids[spec.name] = vt.id
    return specs, type_ids


def _record(project: Project, good: list[tuple[str, ImageInfo]], summary: ImportSummary,
            vectors: Sequence[tuple[int, str, bytes]] = ()) -> None:
    """Record one batch of inspected files and their features' vectors in one short write;
    files recorded already are skipped."""
    from .db import store
    from .db.tx import write

    db = project.db
    with write(db):
        known_sha1s = {i.sha1 for i in store.get_images(db, [info.sha1 for _, info in good])}
        store.add_images(db, (info for _, info in good))
        summary.new_images += len({info.sha1 for _, info in good} - known_sha1s)
        folders: dict[str, int] = {}
        pending = []
        for path, info in good:
            folder = os.path.dirname(path)
            if folder not in folders:
                folders[folder] = store.ensure_folder(db, folder)
            name = os.path.basename(path)
            pending.append(Instance(id=0, folder_id=folders[folder], name=name,
                                    extension=os.path.splitext(name)[1].lstrip(".").lower(),
                                    sha1=info.sha1, url=path, width=info.width,
                                    height=info.height, ahash=info.ahash))
        added = store.add_instances(db, pending)
        if vectors:
            store.put_vector_bytes(db, vectors)
    summary.instances += added
    summary.already_known += len(pending) - len(added)  # recorded meanwhile by another process


def import_files(project: Project, files: list[str], on_done: Callable[[], None] | None = None,
                 skipped: Sequence[Skipped] = (), known: set[str] | None = None) -> ImportSummary:
    """Record the new files among ``files`` in short batches; the caller announces ``summary.instances``.

    ``skipped``: what the scan left out (``scan.scan``), reported with the files not imported.
    ``known``: the project's file paths (``store.known_urls``) if the caller read them already.
    Ctrl-C stops the import: what was recorded stays, ``summary.interrupted`` is set.
    """
    from .db import store

    started = time.perf_counter()
    summary = ImportSummary(files=len(files) + len(skipped), skipped=list(skipped), files_done=len(skipped))
    if known is None:
        known = store.known_urls(project.db)
    new = [f for f in files if f not in known]
    summary.already_known = len(files) - len(new)
    summary.files_done += summary.already_known
    specs, type_ids = _feature_types(project) if new else ([], {})
    known_images = store.known_sha1s(project.db) if specs else []
    # contents the project has are not computed again (up to KNOWN_LIMIT of them: the keys
    # travel with every chunk; beyond, repeated contents are computed again, harmlessly)
    known_keys = sha1_keys(known_images) if 0 < len(known_images) <= KNOWN_LIMIT else None
    try:
        for batch in _batches(inspect_files(new, on_done, specs, known_keys), BATCH_FILES, BATCH_SECONDS):
            summary.skipped += [Skipped(path, reason) for path, info, reason, _ in batch if info is None]
            summary.files_done += len(batch)
            good = [(path, info) for path, info, _, _ in batch if info is not None]
            vectors = {(type_ids[name], info.sha1): data for _, info, _, values in batch if info is not None
                       for name, data in values.items()}
            if good:
                _record(project, good, summary, [(t, s, d) for (t, s), d in vectors.items()])
    except KeyboardInterrupt:
        summary.interrupted = True
    summary.imported = len(summary.instances)
    summary.seconds = time.perf_counter() - started
    return summary
