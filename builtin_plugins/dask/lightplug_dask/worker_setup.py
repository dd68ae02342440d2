"""Dask preload for the workers of ``dask://local``: Ctrl-C is the command's business.

The terminal sends SIGINT to every process of the command; the workers ignore it (the command
cancels their tasks and closes the cluster), so no worker prints a traceback.
"""

from __future__ import annotations

import signal
from typing import Any


def dask_setup(worker: Any) -> None:
    """Called by Dask in each worker process as it starts (also after a restart)."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave it
        pass
