"""From groups of images (sha1s) to groups of instances with the image to keep first."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from lightplug import Group, Instance, Score, ScoreList

from . import hashing

MAX_DISTANCE = hashing.HASH_BITS


@dataclass
class DuplicateGroup:
    """Instances that are duplicates of ``keep``, with their distance to it (0: same content)."""

    keep: Instance
    others: list[Instance] = field(default_factory=list)
    distances: list[int] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``exact`` (same content), ``near`` or ``exact + near``."""
        exact = sum(1 for o in self.others if o.sha1 == self.keep.sha1)
        if exact == len(self.others):
            return "exact"
        return "exact + near" if exact else "near"

    def as_group(self) -> Group:
        """The lightplug ``Group``: the keeper first, then the others by distance."""
        k = self.keep
        count = len(self.others)
        name = (f"keep {k.name} ({k.width}x{k.height}): {count} {self.kind} "
                f"duplicate{'s' if count != 1 else ''}")
        return Group(
            ids=[k.id] + [o.id for o in self.others], name=name,
            scores=ScoreList(values=[0.0] + [float(d) for d in self.distances], min=0, max=MAX_DISTANCE,
                             max_is_best=False,
                             description="Hamming distance to the image to keep (exact copies: 0)"),
            score=Score(value=float(max(self.distances)), min=0, max=MAX_DISTANCE, max_is_best=False,
                        description="largest distance to the image to keep"))

    def as_value(self) -> dict:
        """A JSON-ready summary for the result's ``value``."""
        return {"keep": self.keep.id, "keep_name": self.keep.name, "keep_path": self.keep.url,
                "duplicates": [o.id for o in self.others], "distances": self.distances}


def file_size(path: str) -> int:
    """Size of ``path`` in bytes (0 when it is gone)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def keep_priority(firsts: Sequence[Instance]) -> np.ndarray:
    """Rank of each image as the one to keep (higher first): most pixels, then the largest file,
    then an original name over a copy's (``copy_x``, ``x copy``, ``x (1)``…), then the shorter
    path, then the older id."""
    from .names import looks_like_copy

    pixels = [i.width * i.height for i in firsts]
    sizes = [file_size(i.url) for i in firsts]
    original = [not looks_like_copy(i.url) for i in firsts]
    shorter = [-len(i.url) for i in firsts]
    older = [-i.id for i in firsts]
    rank = np.empty(len(firsts), dtype=np.int64)
    rank[np.lexsort((older, shorter, original, sizes, pixels))] = np.arange(len(firsts))
    return rank


def build_groups(by_sha1: dict[str, list[Instance]],
                 stars: list[tuple[np.ndarray, np.ndarray]]) -> list[DuplicateGroup]:
    """Duplicate groups of instances.

    ``by_sha1`` lists the instances of each image (in id order); ``stars`` are groups of
    positions in ``by_sha1`` with the keeper first and each member's distance to it. Copies
    of one content are duplicates at distance 0; an image with several copies and no near
    duplicate makes a group of its own.
    """
    sha1s = list(by_sha1)
    grouped: set[int] = set()
    out: list[DuplicateGroup] = []
    for members, dists in stars:
        keep_copies = by_sha1[sha1s[members[0]]]
        group = DuplicateGroup(keep=keep_copies[0], others=list(keep_copies[1:]),
                               distances=[0] * (len(keep_copies) - 1))
        for m, d in zip(members[1:].tolist(), dists[1:].tolist()):
            copies = by_sha1[sha1s[m]]
            group.others += copies
            group.distances += [int(d)] * len(copies)
        grouped.update(members.tolist())
        out.append(group)
    for k, sha1 in enumerate(sha1s):
        copies = by_sha1[sha1]
        if k not in grouped and len(copies) > 1:
            out.append(DuplicateGroup(keep=copies[0], others=list(copies[1:]),
                                      distances=[0] * (len(copies) - 1)))
    out.sort(key=lambda g: (max(g.distances), g.keep.id))
    return out
