"""The plugin's cache of hashes: one image feature (vector type) per hash kind.

The value of an image is ``hashing.FEATURE_WORDS`` (73) 64-bit words, 584 bytes
(``hashing.packed_features``): the coarse hashes of its 18 ``hashing.VARIANTS``, their fine
hashes (3 words each), then its mean chroma (Cb, Cr). The host computes it at
import, on the pixels it decodes once for every plugin; images imported otherwise are hashed
on demand. Keyed by sha1, so an image is hashed once whatever the number of its copies; a
file that cannot be decoded is remembered (an empty vector) and not tried again.

Imported lazily by the plugin (numpy loads only when hashes are needed).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lightplug import Instance
from lightplug.compute import map_feature

from . import hashing

if TYPE_CHECKING:
    from .plugin import DedupPlugin


@dataclass
class Features:
    """Hashes of some images: coarse ``codes`` ``(m, V, 1)`` and ``fine`` ``(m, V, 3)`` uint64
    and ``colour`` ``(m, 2)`` of the images at ``index`` (positions in the sha1 list asked
    for); ``hashed`` images were hashed just now; ``unreadable`` positions could not be decoded."""

    index: np.ndarray
    codes: np.ndarray
    fine: np.ndarray
    colour: np.ndarray
    hashed: int
    unreadable: list[int]


async def load(plugin: DedupPlugin, kind: str, instances: Sequence[Instance],
               progress: str | None = None) -> Features:
    """Hashes of the distinct images of ``instances``, in the order of their first instance,
    hashing (and caching) those missing."""
    sha1s = list(dict.fromkeys(i.sha1 for i in instances))
    found = await map_feature(plugin, plugin.feature(kind), instances, progress=progress)
    vectors = found.vectors
    words = hashing.FEATURE_WORDS
    good = [k for k, s in enumerate(sha1s) if s in vectors and len(vectors[s]) == words]
    unreadable = sorted(set(range(len(sha1s))) - set(good))
    rows = np.array([vectors[sha1s[k]] for k in good], dtype=np.uint64).reshape(len(good), words)
    codes, fine, colour = hashing.unpack(rows)
    return Features(index=np.array(good, dtype=np.int64), codes=codes, fine=fine, colour=colour,
                    hashed=found.computed, unreadable=unreadable)
