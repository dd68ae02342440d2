"""The installed entry points lightplug reads (plugins, dialects), remembered between commands.

Finding them with ``importlib.metadata`` costs ~20 ms on every command, mostly to import it (it
brings the ``email`` package to parse distribution metadata), for a list that changes only when
packages are installed or removed. That changes the directories on ``sys.path`` (a
``.dist-info`` folder appears, goes or is renamed), so the list is stored in the user cache,
keyed by those directories' modification times, the way Python's import system keys its own
directory caches, and by the modification times of the ``entry_points.txt`` of each
distribution that declares one of them (an in-place edit of an older ``.egg-info``).

A snapshot is never written while one of those times is less than ``RACY_SECONDS`` old (a
package installed in the same clock tick would look unchanged), and anything odd (no cache
directory, a damaged file) means reading the metadata as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
RACY_SECONDS = 2.0


@dataclass(frozen=True)
class Found:
    """One installed entry point: what ``importlib.metadata.EntryPoint`` says of it, in plain values."""

    group: str
    name: str
    value: str
    dist: str | None = None  # the distribution's name
    version: str | None = None
    source: str | None = None  # its metadata's entry_points.txt, when the distribution is a folder

    def load(self) -> Any:
        """Import and return the object the entry point names, as ``EntryPoint.load`` does
        (``module`` or ``module:attr.attr``, extras ignored), without importing
        ``importlib.metadata`` (~20-35 ms)."""
        import importlib

        reference = self.value.split("[", 1)[0]
        module, _, attrs = reference.partition(":")
        if not module.strip() or (":" in reference and not attrs.strip()):
            raise ValueError(f"entry point {self.name} = {self.value!r} is not 'module' or 'module:attribute'")
        found = importlib.import_module(module.strip())
        for attr in attrs.strip().split(".") if attrs.strip() else ():
            found = getattr(found, attr)
        return found


def entry_points(groups: tuple[str, ...]) -> dict[str, list[Found]]:
    """Group -> its installed entry points (as ``importlib.metadata`` finds them), for ``groups``."""
    from .plugin_cache import cache_dir, write_json

    name = hashlib.sha256(json.dumps([groups, sys.path]).encode()).hexdigest()[:20]
    path = cache_dir() / f"entry-points-{name}.json"
    stored = _read(path)
    if stored is not None:
        try:
            if _key(groups, _stamps(stored["sources"])) == stored.get("key"):
                return {g: [Found(**row) for row in stored["groups"].get(g, [])] for g in groups}
        except (TypeError, ValueError, AttributeError):  # a file that is JSON but not ours: read afresh
            pass
    found = _scan(groups)
    sources = sorted({f.source for rows in found.values() for f in rows if f.source})
    stamps = _stamps(sources)
    if not _racy(stamps):
        write_json(path, {"format": FORMAT, "key": _key(groups, stamps), "sources": sources,
                          "groups": {g: [asdict(f) for f in rows] for g, rows in found.items()}})
    return found


def _scan(groups: tuple[str, ...]) -> dict[str, list[Found]]:
    from importlib import metadata

    everything = metadata.entry_points()
    out: dict[str, list[Found]] = {}
    for group in groups:
        out[group] = []
        for ep in everything.select(group=group):
            dist = getattr(ep, "dist", None)
            folder = getattr(dist, "_path", None)  # a PathDistribution's metadata folder
            source = str(Path(folder) / "entry_points.txt") if folder is not None else None
            out[group].append(Found(group, ep.name, ep.value, dist.name if dist else None,
                                    dist.version if dist else None, source))
    return out


def _stamps(sources: list[str]) -> list[list[Any]]:
    """``[path, mtime_ns or None]`` of every ``sys.path`` entry, then of each of ``sources``."""
    out: list[list[Any]] = []
    for entry in [*sys.path, *sources]:
        try:
            out.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            out.append([entry, None])
    return out


def _key(groups: tuple[str, ...], stamps: list[list[Any]]) -> str:
    """What the snapshot depends on: the groups, the Python and the ``_stamps``."""
    return json.dumps([list(groups), sys.version, stamps])


def _racy(stamps: list[list[Any]]) -> bool:
    """Whether a stamped time is too recent to tell a later change in the same tick apart."""
    now = time.time_ns()
    return any(ns is not None and now - ns < RACY_SECONDS * 1e9 for _, ns in stamps)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("groups"), dict)
            or not isinstance(data.get("sources"), list)):
        return None
    return data
