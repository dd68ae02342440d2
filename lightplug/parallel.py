"""Compatibility module: the pools now live in :mod:`lightplug.compute.pools`."""

from __future__ import annotations

from .compute.pools import (  # noqa: F401 - re-exported for existing imports
    MALLOC_ENV, WORKERS_ENV, in_process, in_thread, process_pool, shutdown, terminate_workers,
    thread_pool, uses_processes, worker_count,
)

__all__ = ["MALLOC_ENV", "WORKERS_ENV", "in_process", "in_thread", "process_pool", "shutdown",
           "terminate_workers", "thread_pool", "uses_processes", "worker_count"]
