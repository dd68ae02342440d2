"""Near-duplicate pairs and groups from packed hashes, in numpy.

Hashes are packed into ``uint64`` words (``pack_bits``). An image carries several hash
*variants* (``hashing.VARIANTS``: its hash, the hash of its mirror image, of crops, ...):
codes have the shape ``(n, variants, words)``, and the distance between two images is the
smallest Hamming distance over the variant pairs listed in ``compare`` (each pair is used
both ways round, so the distance is symmetric). ``neighbour_pairs`` finds every pair within
the threshold: for 64-bit hashes through ``lightplug.compute.hamming``'s multi-index (time
grows with the pairs found, not with n²), otherwise by comparing every image with every
later one in blocks of rows (XOR + popcount), so memory stays bounded.

``duplicate_pairs`` is what the plugin uses: candidates are the pairs where one image's
whole-image coarse hash is within ``threshold`` of any variant of the other; the colour
check (``colours_agree``) and the verification (``verify``: the 144-bit fine hash of every
variant that matched against the other image's whole-image fine hash, within
``FINE_THRESHOLD``) then drop the false ones.

Pairs become groups in one of two ways: ``star_groups`` (what the plugin uses) puts every
member next to its keeper; ``components`` (union-find) follows chains, which on large
collections merges distinct images into ever-growing groups (see bench/dedup_accuracy.py
``--sweep``, rows "chain").
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

#: compare hashes only
PLAIN: tuple[tuple[int, int], ...] = ((0, 0),)
#: compare hashes, and each hash with the other image's mirror hash (variant 1)
MIRROR: tuple[tuple[int, int], ...] = ((0, 0), (0, 1))
#: largest distance, of the 144 bits of the fine hashes, between a variant that matched and
#: the other image's whole image (``verify``); chosen on the corpora of seeds 7 and 1234
FINE_THRESHOLD = 18
#: candidate pairs verified at once (bounds the memory of ``verify``)
VERIFY_BLOCK = 1 << 14
#: colour check: two images whose mean colours (Cb, Cr) point in directions with a cosine
#: below this are not duplicates ...
COLOUR_MIN_COSINE = 0.95
#: ... unless one of them is nearly gray (mean chroma below this, of 128): then colour says nothing
COLOUR_MIN_CHROMA = 2.0
#: elements of the ``rows x n x words`` XOR block computed at once
BLOCK_ELEMENTS = 1 << 22


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Pack 0/1 values along the last axis (a multiple of 64 long) into ``uint64`` words."""
    bits = np.asarray(bits)
    if bits.shape[-1] % 64:
        raise ValueError(f"bit count {bits.shape[-1]} is not a multiple of 64")
    packed = np.packbits(bits.astype(bool), axis=-1)
    return np.ascontiguousarray(packed).view(np.uint64)


def _symmetric(compare: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for p, q in compare:
        for pair in ((p, q), (q, p)):
            if pair not in out:
                out.append(pair)
    return out


def distances(codes_a: np.ndarray, codes_b: np.ndarray,
              compare: Sequence[tuple[int, int]] = MIRROR) -> np.ndarray:
    """Distances between every image of ``codes_a`` ``(r, v, k)`` and of ``codes_b`` ``(c, v, k)``.

    Returns an ``(r, c)`` int array: the smallest Hamming distance over ``compare``.
    """
    best: np.ndarray | None = None
    for p, q in _symmetric(compare):
        x = codes_a[:, None, p, :] ^ codes_b[None, :, q, :]
        d = np.bitwise_count(x).sum(axis=-1, dtype=np.int32)
        best = d if best is None else np.minimum(best, d)
    assert best is not None, "compare must list at least one variant pair"
    return best


def neighbour_pairs(codes: np.ndarray, threshold: int,
                    compare: Sequence[tuple[int, int]] = MIRROR
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs ``i < j`` at distance ``<= threshold``: ``(i, j, distance)`` int arrays."""
    codes = np.asarray(codes, dtype=np.uint64)
    if codes.ndim == 2:
        codes = codes[:, None, :]
    pairs = _symmetric(compare)
    if codes.shape[-1] == 1 and all(0 in pair for pair in pairs):
        return indexed_pairs(codes, threshold, sorted({q for p, q in pairs if p == 0}))
    n = len(codes)
    rows = max(1, BLOCK_ELEMENTS // max(1, n * codes.shape[-1]))
    found_i, found_j, found_d = [], [], []
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        d = distances(codes[start:stop], codes[start:], compare)
        # keep j > i only: in this block, column c is image start + c
        d[np.tril_indices(stop - start, 0, d.shape[1])] = threshold + 1
        r, c = np.nonzero(d <= threshold)
        found_i.append(r + start)
        found_j.append(c + start)
        found_d.append(d[r, c])
    if not found_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return (np.concatenate(found_i).astype(np.int64), np.concatenate(found_j).astype(np.int64),
            np.concatenate(found_d).astype(np.int64))


def indexed_pairs(codes: np.ndarray, threshold: int, variants: Sequence[int]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``neighbour_pairs`` for 64-bit codes ``(n, v, 1)`` through a Hamming index: the image hash
    (variant 0) of every image against ``variants`` of every other image, both ways round."""
    from lightplug.compute.hamming import HammingIndex

    n = len(codes)
    variants = list(variants)
    base = np.ascontiguousarray(codes[:, variants, 0]).reshape(-1)  # image k, variant slot s: k * len + s
    q, c, d = HammingIndex(base).search(np.ascontiguousarray(codes[:, 0, 0]), threshold)
    other = c // len(variants)
    keep = q != other
    i, j, d = np.minimum(q, other)[keep], np.maximum(q, other)[keep], d[keep]
    if not len(i):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    order = np.lexsort((d, j, i))  # per pair, the smallest distance first
    i, j, d = i[order], j[order], d[order]
    first = np.concatenate([[True], (i[1:] != i[:-1]) | (j[1:] != j[:-1])])
    return i[first].astype(np.int64), j[first].astype(np.int64), d[first].astype(np.int64)


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected-component labels of ``n`` nodes joined by edges ``i[k] - j[k]``.

    Union-find done with arrays: roots are hooked onto the smaller root of each edge,
    then paths are compressed by pointer jumping, until every edge joins one component.
    Each label is the smallest node index of its component.
    """
    parent = np.arange(n)
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    while True:
        while True:  # pointer jumping: every node points at its root
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
        pi, pj = parent[i], parent[j]
        differ = pi != pj
        if not differ.any():
            return parent
        lo = np.minimum(pi[differ], pj[differ])
        hi = np.maximum(pi[differ], pj[differ])
        np.minimum.at(parent, hi, lo)


def group_members(labels: np.ndarray, min_size: int = 2) -> list[np.ndarray]:
    """Indices of each component with at least ``min_size`` members, largest first."""
    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    uniq, starts, counts = np.unique(labels[order], return_index=True, return_counts=True)
    groups = [order[s:s + c] for s, c in zip(starts, counts) if c >= min_size]
    groups.sort(key=lambda g: (-len(g), int(g[0])))
    return groups


def colours_agree(colour: np.ndarray, i: np.ndarray, j: np.ndarray,
                  min_cosine: float = COLOUR_MIN_COSINE,
                  min_chroma: float = COLOUR_MIN_CHROMA) -> np.ndarray:
    """For each pair ``(i[k], j[k])``: whether the mean colours ``colour`` ``(n, 2)`` agree.

    Brightness, contrast and saturation scale the mean chroma and keep its direction;
    a different colour cast (hue) turns it. Nearly gray images always agree.
    """
    a, b = colour[i], colour[j]
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    cosine = (a * b).sum(axis=1) / np.maximum(na * nb, 1e-9)
    return (cosine >= min_cosine) | (np.minimum(na, nb) < min_chroma)


def variant_pairs(variants: int, mirror: bool = True) -> list[tuple[int, int]]:
    """``compare`` for codes with ``variants`` variants: the whole image (variant 0) against
    every variant of the other image, the mirror image (variant 1) only with ``mirror``."""
    return [(0, k) for k in range(variants) if mirror or k != 1]


def verify(coarse: np.ndarray, fine: np.ndarray, i: np.ndarray, j: np.ndarray, threshold: int,
           variants: Sequence[int], fine_threshold: int = FINE_THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """Check candidate pairs ``(i[k], j[k])`` with the fine hashes: ``(keep, fine distance)``.

    For each direction (i against j, j against i), every variant of ``variants`` whose coarse
    hash ``coarse`` ``(n, v, 1)`` is within ``threshold`` of the other image's whole-image hash
    has its fine hash ``fine`` ``(n, v, words)`` compared with the other's whole-image fine
    hash; the fine distance is the smallest of those, and the pair is kept when it is at
    most ``fine_threshold``. Done in blocks of ``VERIFY_BLOCK`` pairs.
    """
    variants = list(variants)
    never = np.iinfo(np.int32).max
    out = np.full(len(i), never, dtype=np.int64)
    for start in range(0, len(i), VERIFY_BLOCK):
        a, b = i[start:start + VERIFY_BLOCK], j[start:start + VERIFY_BLOCK]
        best = np.full(len(a), never, dtype=np.int64)
        for p, q in ((a, b), (b, a)):  # p's variants against q's whole image
            near = np.bitwise_count(coarse[p][:, variants] ^ coarse[q][:, :1]).sum(-1, dtype=np.int32) <= threshold
            far = np.bitwise_count(fine[p][:, variants] ^ fine[q][:, :1]).sum(-1, dtype=np.int32)
            best = np.minimum(best, np.where(near, far, never).min(axis=1))
        out[start:start + len(a)] = best
    return out <= fine_threshold, out


def duplicate_pairs(codes: np.ndarray, threshold: int, mirror: bool = True,
                    colour: np.ndarray | None = None, fine: np.ndarray | None = None,
                    fine_threshold: int = FINE_THRESHOLD) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of near-duplicate images: ``(i, j, distance)`` with ``i < j``.

    ``codes`` ``(n, v, 1)`` are packed coarse hashes of ``hashing.VARIANTS``; a pair is a
    candidate when the whole-image hash of one is within ``threshold`` of any variant of the
    other (the mirror image only with ``mirror``). When ``colour`` ``(n, 2)`` is given the
    two mean colours must agree (``colours_agree``); when ``fine`` ``(n, v, words)`` is
    given the pair must pass ``verify``. ``distance`` is the coarse one.
    """
    compare = variant_pairs(codes.shape[1], mirror)
    i, j, d = neighbour_pairs(codes, threshold, compare)
    if colour is not None and len(i):
        keep = colours_agree(np.asarray(colour, dtype=np.float32), i, j)
        i, j, d = i[keep], j[keep], d[keep]
    if fine is not None and len(i):
        keep, _ = verify(codes, fine, i, j, threshold, [q for _, q in compare], fine_threshold)
        i, j, d = i[keep], j[keep], d[keep]
    return i, j, d


def star_groups(n: int, i: np.ndarray, j: np.ndarray, d: np.ndarray,
                priority: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group images around keepers: ``[(members, distances), ...]``, keeper first (distance 0).

    Images are visited from the highest ``priority`` down; an image not yet grouped that
    has neighbours not yet grouped becomes a keeper, and those neighbours its group. Every
    member is thus a direct neighbour of its keeper: chains of near duplicates (a~b, b~c)
    do not merge into one ever-growing group. The other members follow by distance.
    """
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    d = np.asarray(d, dtype=np.int64)
    src, dst, dist = np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([d, d])
    by_src = np.lexsort((dist, src))  # neighbours of each node, nearest first
    src, dst, dist = src[by_src], dst[by_src], dist[by_src]
    starts = np.searchsorted(src, np.arange(n + 1))
    has_edges = np.flatnonzero(starts[1:] > starts[:-1])
    grouped = np.zeros(n, dtype=bool)
    groups = []
    for keeper in has_edges[np.argsort(-np.asarray(priority)[has_edges], kind="stable")]:
        if grouped[keeper]:
            continue
        lo, hi = starts[keeper], starts[keeper + 1]
        free = ~grouped[dst[lo:hi]]
        if not free.any():
            continue
        members = np.concatenate([[keeper], dst[lo:hi][free]])
        grouped[members] = True
        groups.append((members, np.concatenate([[0], dist[lo:hi][free]])))
    return groups
