"""All pairs of 64-bit codes within a Hamming distance: a multi-index hash (numpy only).

``HammingIndex(codes)`` indexes ``uint64`` codes; ``index.search(queries, radius)`` returns
every ``(query, code, distance)`` with ``distance <= radius``; ``pairs_within(codes, radius)``
is the self-join (``i < j``).

How (Norouzi et al., "Fast search in Hamming space with multi-index hashing"): the 64 bits
are cut into ``m`` chunks of ``b ≈ 64 / m`` bits, and chunk ``k`` gets a radius ``ρ_k`` with
``Σ (ρ_k + 1) = radius + 1``. Two codes within ``radius`` then agree within ``ρ_k`` on at
least one chunk (pigeonhole), so the candidates of a query are the codes whose chunk ``k``
is one of the ``Σ_i≤ρ_k C(b, i)`` values near the query's. Codes are sorted by each chunk,
with a table of where each chunk value starts, so a probe is two array lookups; every
candidate is checked with XOR and popcount, and a pair is kept only at the first chunk that
finds it. ``m`` is chosen per call from an estimate of probes and candidates; when no
index would beat comparing everything (large radii, few codes) the search is brute force,
in blocks. Everything is vectorised over all queries, in blocks that bound the memory.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from typing import Any

BITS = 64
#: candidate pairs checked at once (bounds the memory of a search: ~100 bytes each)
BLOCK_CANDIDATES = 1 << 20
#: a chunk of at most this many bits gets a direct table of start offsets; wider ones are searched
TABLE_BITS = 24


def _np() -> Any:
    import numpy as np

    return np


def popcount(x: Any) -> Any:
    """Set bits of each ``uint64`` of ``x`` (``np.bitwise_count``, numpy >= 2)."""
    np = _np()
    return np.bitwise_count(x)


def chunk_plan(radius: int, parts: int) -> list[tuple[int, int, int]]:
    """``(shift, bits, ρ)`` of each of ``parts`` chunks for ``radius`` (``Σ (ρ + 1) = radius + 1``)."""
    base, extra = divmod(BITS, parts)
    widths = [base + (1 if k < extra else 0) for k in range(parts)]
    q, r = divmod(radius + 1, parts)
    rhos = [q - 1 + (1 if k < r else 0) for k in range(parts)]
    plan, shift = [], 0
    for width, rho in zip(widths, rhos):
        plan.append((shift, width, rho))
        shift += width
    return plan


def probe_count(bits: int, rho: int) -> int:
    """How many chunk values lie within ``rho`` of one value of ``bits`` bits."""
    return sum(math.comb(bits, i) for i in range(rho + 1)) if rho >= 0 else 0


def estimate(n_queries: int, n_codes: int, radius: int, parts: int) -> float:
    """Rough cost (in candidate-sized units) of a search with ``parts`` chunks."""
    cost = 0.0
    for _, bits, rho in chunk_plan(radius, parts):
        probes = probe_count(bits, rho)
        cost += n_queries * probes * (2.0 + n_codes / 2.0 ** bits)
    return cost


def best_parts(n_queries: int, n_codes: int, radius: int) -> int | None:
    """The number of chunks that makes the search cheapest, or None when brute force is."""
    brute = float(n_queries) * n_codes / 4.0  # comparing everything is cheap per pair
    best, best_cost = None, brute
    for parts in range(1, min(radius + 1, 16) + 1):
        if any(bits > 32 and rho > 0 for _, bits, rho in chunk_plan(radius, parts)):
            continue
        cost = estimate(n_queries, n_codes, radius, parts)
        if cost < best_cost:
            best, best_cost = parts, cost
    return best


@lru_cache(maxsize=64)
def _masks(bits: int, rho: int) -> Any:
    """Every value of ``bits`` bits with at most ``rho`` bits set (the probes' XOR masks)."""
    np = _np()
    out = [0]
    for count in range(1, rho + 1):
        out += [sum(1 << b for b in combo) for combo in itertools.combinations(range(bits), count)]
    masks = np.array(out, dtype=np.uint64)
    masks.setflags(write=False)
    return masks


def stable_order(values: Any, bits: int) -> Any:
    """``np.argsort(values, kind="stable")`` for values of ``bits`` bits, ~5x faster.

    numpy's stable sort of 64-bit integers is a merge sort; its default sort is vectorised. With
    each value's index in the low bits the keys are distinct, so the default sort gives the
    stable order; values too wide to leave room for the index fall back to the merge sort.
    """
    np = _np()
    index_bits = max(1, (len(values) - 1).bit_length())
    if bits + index_bits > BITS:
        return np.argsort(values, kind="stable")
    keys = values.astype(np.uint64)
    keys <<= np.uint64(index_bits)
    keys |= np.arange(len(values), dtype=np.uint64)
    keys.sort()
    return (keys & np.uint64((1 << index_bits) - 1)).astype(np.intp)


class _Chunk:
    """The codes sorted by one chunk, with where each chunk value starts."""

    def __init__(self, codes: Any, shift: int, bits: int, rho: int) -> None:
        np = _np()
        self.shift, self.bits, self.rho = shift, bits, rho
        self.mask = np.uint64((1 << bits) - 1)
        values = (codes >> np.uint64(shift)) & self.mask
        self.order = stable_order(values, bits)
        self.sorted = values[self.order]
        self.table = None
        if bits <= TABLE_BITS:
            counts = np.bincount(values.astype(np.intp), minlength=1 << bits)
            kind = np.int32 if len(codes) < 2 ** 31 else np.int64
            self.table = np.empty(len(counts) + 1, dtype=kind)
            self.table[0] = 0
            np.cumsum(counts, dtype=kind, out=self.table[1:])

    def value(self, codes: Any) -> Any:
        np = _np()
        return (codes >> np.uint64(self.shift)) & self.mask

    def ranges(self, probes: Any) -> tuple[Any, Any]:
        """Start and end (in ``order``) of the codes whose chunk equals each of ``probes``."""
        np = _np()
        if self.table is not None:
            at = probes.astype(np.int64)
            return self.table[at].astype(np.int64), self.table[at + 1].astype(np.int64)
        return (np.searchsorted(self.sorted, probes, side="left"),
                np.searchsorted(self.sorted, probes, side="right"))


class HammingIndex:
    """An index of ``uint64`` codes for searches within a Hamming radius (see the module doc)."""

    def __init__(self, codes: Any) -> None:
        np = _np()
        self.codes = np.ascontiguousarray(np.asarray(codes, dtype=np.uint64).reshape(-1))
        self._chunks: dict[tuple[int, int], _Chunk] = {}

    def __len__(self) -> int:
        return len(self.codes)

    def _chunk(self, shift: int, bits: int, rho: int) -> _Chunk:
        key = (shift, bits)
        if key not in self._chunks:
            self._chunks[key] = _Chunk(self.codes, shift, bits, rho)
        chunk = self._chunks[key]
        chunk.rho = rho
        return chunk

    def search(self, queries: Any, radius: int, parts: int | None = None) -> tuple[Any, Any, Any]:
        """Every ``(query index, code index, distance)`` with ``distance <= radius``, as int64 arrays.

        ``parts`` forces the number of chunks (0: brute force); by default it is estimated.
        """
        np = _np()
        queries = np.ascontiguousarray(np.asarray(queries, dtype=np.uint64).reshape(-1))
        if radius < 0 or not len(queries) or not len(self.codes):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        radius = min(int(radius), BITS)
        if parts is None:
            parts = best_parts(len(queries), len(self.codes), radius) or 0
        if parts <= 0:
            return _brute(queries, self.codes, radius)
        plan = chunk_plan(radius, parts)
        chunks = [self._chunk(shift, bits, rho) for shift, bits, rho in plan if rho >= 0]
        found: list[tuple[Any, Any, Any]] = []
        for k, chunk in enumerate(chunks):
            masks = _masks(chunk.bits, chunk.rho)
            qvalues = chunk.value(queries)
            per_query = len(masks) * (2.0 + len(self.codes) / 2.0 ** chunk.bits)
            rows = max(1, int(BLOCK_CANDIDATES // per_query))
            for start in range(0, len(queries), rows):
                q_idx = np.arange(start, min(len(queries), start + rows), dtype=np.int64)
                found.append(self._probe(queries, q_idx, qvalues[q_idx], masks, chunk, chunks[:k], radius))
        return _concat(found)

    def _probe(self, queries: Any, q_idx: Any, qvalues: Any, masks: Any, chunk: _Chunk,
               earlier: list[_Chunk], radius: int) -> tuple[Any, Any, Any]:
        """Candidates of the queries ``q_idx`` in ``chunk``, checked; those earlier chunks found are dropped."""
        np = _np()
        probes = (qvalues[:, None] ^ masks[None, :]).reshape(-1)
        owner = np.repeat(q_idx, len(masks))
        lo, hi = chunk.ranges(probes)
        counts = hi - lo
        keep = counts > 0
        lo, counts, owner = lo[keep], counts[keep], owner[keep]
        total = int(counts.sum())
        if total == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        offsets = np.cumsum(counts) - counts
        within = np.arange(total, dtype=np.int64) - np.repeat(offsets, counts)
        code_idx = chunk.order[np.repeat(lo, counts) + within]
        query_idx = np.repeat(owner, counts)
        xor = queries[query_idx] ^ self.codes[code_idx]
        dist = popcount(xor).astype(np.int64)
        ok = dist <= radius
        for other in earlier:  # found there already when that chunk was within its radius
            part = popcount((xor >> np.uint64(other.shift)) & other.mask).astype(np.int64)
            ok &= part > other.rho
        return query_idx[ok], code_idx[ok].astype(np.int64), dist[ok]


def _brute(queries: Any, codes: Any, radius: int) -> tuple[Any, Any, Any]:
    """Compare every query with every code, in blocks of rows."""
    np = _np()
    rows = max(1, BLOCK_CANDIDATES // max(1, len(codes)))
    found = []
    for start in range(0, len(queries), rows):
        block = queries[start:start + rows]
        dist = popcount(block[:, None] ^ codes[None, :])
        r, c = np.nonzero(dist <= radius)
        found.append((r.astype(np.int64) + start, c.astype(np.int64), dist[r, c].astype(np.int64)))
    return _concat(found)


def _concat(parts: list[tuple[Any, Any, Any]]) -> tuple[Any, Any, Any]:
    np = _np()
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    i, j, d = (np.concatenate([p[k] for p in parts]).astype(np.int64) for k in range(3))
    return i, j, d


def pairs_within(codes: Any, radius: int, parts: int | None = None) -> tuple[Any, Any, Any]:
    """All pairs ``i < j`` of ``codes`` (uint64) within ``radius``: ``(i, j, distance)`` int64 arrays."""
    index = HammingIndex(codes)
    q, c, d = index.search(index.codes, radius, parts)
    keep = q < c
    return q[keep], c[keep], d[keep]
