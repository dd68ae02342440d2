"""Importing image files in place: scan, inspect (in parallel), record, announce."""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .models import ImageInfo, Instance

if TYPE_CHECKING:
    from .project import Project

_INLINE_LIMIT = 48  # below this many files, inspecting in-process beats starting workers
BATCH_FILES = 500  # files recorded per write transaction
BATCH_SECONDS = 1.0  # ... or at least this often, so Ctrl-C and other writers wait little


@dataclass
class Skipped:
    """A file that was not imported, and why."""

    path: str
    reason: str


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
    """Absolute paths of the files named or found under the folders named (hidden ones skipped)."""
    found: list[str] = []
    for path in paths:
        path = path.expanduser().resolve()
        if path.is_file():
            found.append(str(path))
            continue
        if recursive:
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                found += [os.path.join(dirpath, f) for f in sorted(filenames) if not f.startswith(".")]
        else:
            found += sorted(str(p) for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return list(dict.fromkeys(found))


def average_hash(image) -> str:
    """64-bit average hash of a Pillow image, as 16 hex digits."""
    import numpy as np
    from PIL import Image

    small = np.asarray(image.convert("L").resize((8, 8), Image.Resampling.BOX), dtype=np.float32)
    bits = (small > small.mean()).ravel()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def inspect_file(path: str) -> tuple[str, ImageInfo | None, str | None]:
    """``(path, info, None)`` for a readable image, ``(path, None, reason)`` otherwise."""
    from PIL import Image, UnidentifiedImageError

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return path, None, f"unreadable file: {exc.strerror or exc}"
    if not data:
        return path, None, "empty file"
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, mode, (width, height) = image.format, image.mode, image.size
            image.draft("RGB", (64, 64))
            image.load()
            ahash = average_hash(image)
    except UnidentifiedImageError:
        return path, None, "not an image (format not recognised)"
    except Image.DecompressionBombError as exc:
        return path, None, f"image too large: {exc}"
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return path, None, f"corrupt or truncated image: {exc}"
    info = ImageInfo(sha1=hashlib.sha1(data).hexdigest(), width=width, height=height,
                     format=fmt or "", mode=mode, ahash=ahash, file_size=len(data))
    return path, info, None


def inspect_files(paths: list[str], on_done: Callable[[], None] | None = None) -> Iterator[tuple]:
    """Inspect ``paths`` (with the process pool when there are many), yielding as results come."""
    if len(paths) <= _INLINE_LIMIT:
        results: Iterable[tuple] = map(inspect_file, paths)
    else:
        from .parallel import process_pool

        results = process_pool().map(inspect_file, paths, chunksize=16)
    for result in results:
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


def _record(project: Project, good: list[tuple[str, ImageInfo]], summary: ImportSummary) -> None:
    """Record one batch of inspected files in one short write; files recorded already are skipped."""
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
    summary.instances += added
    summary.already_known += len(pending) - len(added)  # recorded meanwhile by another process


def import_files(project: Project, files: list[str],
                 on_done: Callable[[], None] | None = None) -> ImportSummary:
    """Record the new files among ``files`` in short batches; the caller announces ``summary.instances``.

    Ctrl-C stops the import: what was recorded stays, ``summary.interrupted`` is set.
    """
    from .db import store

    started = time.perf_counter()
    summary = ImportSummary(files=len(files))
    known = store.known_urls(project.db)
    new = [f for f in files if f not in known]
    summary.already_known = len(files) - len(new)
    summary.files_done = summary.already_known
    try:
        for batch in _batches(inspect_files(new, on_done), BATCH_FILES, BATCH_SECONDS):
            summary.skipped += [Skipped(path, reason) for path, info, reason in batch if info is None]
            summary.files_done += len(batch)
            good = [(path, info) for path, info, _ in batch if info is not None]
            if good:
                _record(project, good, summary)
    except KeyboardInterrupt:
        summary.interrupted = True
    summary.imported = len(summary.instances)
    summary.seconds = time.perf_counter() - started
    return summary
