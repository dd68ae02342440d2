"""Cosine nearest neighbours and near-duplicate groups over L2-normalised vectors."""

from __future__ import annotations

import numpy as np

_BLOCK_ELEMENTS = 1 << 24  # similarity entries computed at once (64 MB of float32)


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    x = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def _row_block(n_cols: int) -> int:
    return max(1, _BLOCK_ELEMENTS // max(1, n_cols))


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores along the last axis, best first (ties: lower index)."""
    k = min(k, scores.shape[-1])
    if k <= 0:
        return np.zeros(scores.shape[:-1] + (0,), dtype=np.int64)
    part = np.argpartition(-scores, k - 1, axis=-1)[..., :k]
    order = np.lexsort((part, -np.take_along_axis(scores, part, axis=-1)), axis=-1)
    return np.take_along_axis(part, order, axis=-1)


def most_similar(base: np.ndarray, queries: np.ndarray, k: int,
                 exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``base`` closest to the mean of the ``queries`` rows.

    The score of a row is its mean cosine similarity to the queries. ``exclude`` is a boolean
    mask over ``base`` rows never to return. Returns (indices, scores), best first.
    """
    target = np.asarray(queries, dtype=np.float32).mean(axis=0)
    scores = np.asarray(base, dtype=np.float32) @ target
    if exclude is not None:
        scores = np.where(exclude, -np.inf, scores)
        k = min(k, int((~exclude).sum()))
    idx = top_k(scores, k)
    return idx, scores[idx]


def neighbours(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For every row, its ``k`` nearest other rows by cosine: (n, k) indices and similarities."""
    x = np.asarray(vectors, dtype=np.float32)
    n = len(x)
    k = min(k, n - 1)
    idx = np.zeros((n, max(k, 0)), dtype=np.int64)
    sims = np.zeros((n, max(k, 0)), dtype=np.float32)
    step = _row_block(n)
    for start in range(0, n, step):
        block = x[start:start + step] @ x.T
        rows = np.arange(len(block))
        block[rows, rows + start] = -np.inf
        idx[start:start + step] = top_k(block, k)
        sims[start:start + step] = np.take_along_axis(block, idx[start:start + step], axis=1)
    return idx, sims


def similar_pairs(vectors: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs ``i < j`` with cosine similarity >= ``threshold``: (i, j, similarity)."""
    x = np.asarray(vectors, dtype=np.float32)
    n = len(x)
    step = _row_block(n)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, n, step):
        block = x[start:start + step] @ x[start:].T  # only columns >= start: upper triangle
        i, j = np.nonzero(block >= threshold)
        keep = j > i
        i, j = i[keep], j[keep]
        found.append((i + start, j + start, block[i, j]))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    return tuple(np.concatenate(parts) for parts in zip(*found))  # type: ignore[return-value]


def connected_components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Component label (its smallest member) of each of ``n`` nodes joined by edges (i, j)."""
    labels = np.arange(n)
    if len(i) == 0:
        return labels
    while True:
        low = np.minimum(labels[i], labels[j])
        before = labels.copy()
        np.minimum.at(labels, i, low)
        np.minimum.at(labels, j, low)
        labels = labels[labels]  # pointer jumping
        if np.array_equal(labels, before):
            return labels


def near_duplicate_groups(vectors: np.ndarray, threshold: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Groups of rows linked by cosine similarity >= ``threshold`` (single linkage).

    Returns, for every group of two or more rows, (members, best similarity of each member
    to another member), largest groups first.
    """
    n = len(vectors)
    i, j, s = similar_pairs(vectors, threshold)
    labels = connected_components(n, i, j)
    best = np.full(n, -np.inf, dtype=np.float32)
    np.maximum.at(best, i, s)
    np.maximum.at(best, j, s)
    order = np.argsort(labels, kind="stable")
    _, starts, counts = np.unique(labels[order], return_index=True, return_counts=True)
    groups = [(order[a:a + c], best[order[a:a + c]]) for a, c in zip(starts, counts) if c > 1]
    groups.sort(key=lambda g: (-len(g[0]), int(g[0][0])))
    return groups
