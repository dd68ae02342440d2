"""The compute layer: run a per-image function over chunks on a chosen executor, store as it goes.

* ``map_images`` / ``MapResult``: cached, resumable per-image vectors (``cached_map``);
* ``map_chunks`` / ``iter_chunks``: the same chunked run without storing anything (``chunks``);
* ``get_mapper`` / ``Mapper``: the executor seam, ``"process"`` and ``"thread"`` built in,
  more through the ``register_executors`` hook (``executors``);
* ``ImageFeature`` / ``register_feature`` / ``map_feature``: per-image features that the host
  computes at import on pixels it decodes once for every plugin (``features``);
* ``worker_count``, ``terminate_workers`` and the shared pools (``pools``).

Nothing here imports numpy, Pillow or rich at import time.
"""

from __future__ import annotations

from .cached_map import MapResult, map_images
from .chunks import batch_size_for, iter_chunks, map_chunks
from .executors import (
    BUILTIN_EXECUTORS, DEFAULT_EXECUTOR, EXECUTOR_ENV, PROCESS, THREAD, Mapper, PoolMapper,
    UnknownExecutor, executor_name, get_mapper,
)
from .features import DecodedImage, ImageFeature, feature_type, features_of, map_feature, register_feature
from .pools import in_process, in_thread, process_pool, terminate_workers, thread_pool, worker_count

__all__ = [
    "BUILTIN_EXECUTORS", "DEFAULT_EXECUTOR", "EXECUTOR_ENV", "PROCESS", "THREAD", "DecodedImage",
    "ImageFeature", "MapResult", "feature_type", "features_of", "map_feature", "register_feature",
    "Mapper", "PoolMapper", "UnknownExecutor", "batch_size_for", "executor_name", "get_mapper",
    "in_process", "in_thread", "iter_chunks", "map_chunks", "map_images", "process_pool",
    "terminate_workers", "thread_pool", "worker_count",
]
