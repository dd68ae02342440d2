"""k-means with k-means++ seeding, in numpy, deterministic for a given seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_BLOCK_ELEMENTS = 1 << 24


@dataclass
class KMeansResult:
    """Cluster ``labels`` (n,), ``centroids`` (k, d), and the number of Lloyd iterations run."""

    labels: np.ndarray
    centroids: np.ndarray
    iterations: int


def _sq_distances(x: np.ndarray, x_sq: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances (n, k), clipped at 0."""
    d = x_sq[:, None] - 2.0 * (x @ centroids.T) + np.einsum("ij,ij->i", centroids, centroids)[None, :]
    return np.maximum(d, 0.0)


def _assign(x: np.ndarray, x_sq: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centroid of each row and the squared distance to it, in row blocks."""
    n = len(x)
    labels = np.empty(n, dtype=np.int64)
    dist = np.empty(n, dtype=np.float64)
    step = max(1, _BLOCK_ELEMENTS // max(1, len(centroids)))
    for start in range(0, n, step):
        d = _sq_distances(x[start:start + step], x_sq[start:start + step], centroids)
        labels[start:start + step] = d.argmin(axis=1)
        dist[start:start + step] = d[np.arange(len(d)), labels[start:start + step]]
    return labels, dist


def kmeans_plus_plus(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++ seeding: indices of ``k`` rows of ``x`` chosen as initial centroids."""
    n = len(x)
    x_sq = np.einsum("ij,ij->i", x, x)
    trials = 2 + int(np.log(k))
    chosen = [int(rng.integers(n))]
    closest = _sq_distances(x, x_sq, x[chosen]).ravel().astype(np.float64)
    for _ in range(1, k):
        total = closest.sum()
        if total <= 0:  # every row already coincides with a centroid: take any unused row
            unused = np.setdiff1d(np.arange(n), chosen)
            chosen.append(int(rng.choice(unused)))
            continue
        candidates = np.searchsorted(np.cumsum(closest), rng.random(trials) * total)
        candidates = np.minimum(candidates, n - 1)
        d = _sq_distances(x, x_sq, x[candidates]).astype(np.float64)  # (n, trials)
        pot = np.minimum(closest[:, None], d).sum(axis=0)
        best = int(np.argmin(pot))
        chosen.append(int(candidates[best]))
        closest = np.minimum(closest, d[:, best])
    return np.array(chosen, dtype=np.int64)


def kmeans(vectors: np.ndarray, k: int, seed: int = 0, max_iter: int = 100) -> KMeansResult:
    """Cluster the rows of ``vectors`` into ``k`` groups (Lloyd's algorithm, k-means++ start).

    ``k`` must be between 1 and the number of rows. An emptied cluster is re-seeded with the
    row farthest from its centroid. Stops when no label changes or after ``max_iter`` rounds.
    """
    x = np.asarray(vectors, dtype=np.float32)
    n = len(x)
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of vectors ({n}), got {k}")
    rng = np.random.default_rng(seed)
    centroids = x[kmeans_plus_plus(x, k, rng)].copy()
    x_sq = np.einsum("ij,ij->i", x, x)
    labels = np.full(n, -1, dtype=np.int64)
    iteration = 0
    for iteration in range(1, max_iter + 1):
        new_labels, dist = _assign(x, x_sq, centroids)
        counts = np.bincount(new_labels, minlength=k)
        for empty in np.flatnonzero(counts == 0):
            far = int(np.argmax(np.where(counts[new_labels] > 1, dist, -1.0)))
            counts[new_labels[far]] -= 1
            new_labels[far] = empty
            counts[empty] = 1
            dist[far] = -1.0
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, x)
        centroids = sums / counts[:, None].astype(np.float32)
    return KMeansResult(labels=labels, centroids=centroids, iterations=iteration)


def cohesion(vectors: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity of each row to its cluster's mean direction, and each cluster's mean of it.

    Rows are expected L2-normalised; a cluster's cohesion is in [-1, 1], 1 when all its
    members point the same way.
    """
    x = np.asarray(vectors, dtype=np.float32)
    sums = np.zeros((k, x.shape[1]), dtype=np.float32)
    np.add.at(sums, labels, x)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    directions = sums / np.where(norms > 0, norms, 1.0)
    member = np.einsum("ij,ij->i", x, directions[labels])
    counts = np.bincount(labels, minlength=k)
    per_cluster = np.bincount(labels, weights=member, minlength=k) / np.maximum(counts, 1)
    return member.astype(np.float32), per_cluster.astype(np.float32)
