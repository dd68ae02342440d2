"""k-means++ and Lloyd's algorithm on well-separated blobs."""

from __future__ import annotations

import numpy as np
import pytest

from lightplug_similarity import kmeans as km


def _blobs(seed=0, per=30, centres=((0, 0), (10, 0), (0, 10), (10, 10))):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(c, 0.5, size=(per, 2)) for c in centres]).astype(np.float32)
    truth = np.repeat(np.arange(len(centres)), per)
    return x, truth


def _same_partition(a, b):
    pairs = {(int(p), int(q)) for p, q in zip(a, b)}
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_recovers_blobs_and_is_deterministic():
    x, truth = _blobs()
    first = km.kmeans(x, 4, seed=3)
    assert _same_partition(first.labels, truth)
    again = km.kmeans(x, 4, seed=3)
    assert (again.labels == first.labels).all()
    np.testing.assert_array_equal(again.centroids, first.centroids)


def test_seeding_picks_distinct_blobs():
    x, truth = _blobs(1)
    chosen = km.kmeans_plus_plus(x, 4, np.random.default_rng(0))
    assert sorted(truth[chosen].tolist()) == [0, 1, 2, 3]


def test_k_bounds_and_duplicates():
    x = np.ones((5, 3), np.float32)
    res = km.kmeans(x, 3, seed=0)  # identical rows: clusters still non-empty
    assert sorted(np.bincount(res.labels, minlength=3).tolist()) == [1, 1, 3]
    assert sorted(km.kmeans(x, 5).labels.tolist()) == [0, 1, 2, 3, 4]  # k == n: one row each
    for bad in (0, 6):
        with pytest.raises(ValueError):
            km.kmeans(x, bad)


def test_cohesion():
    x = np.array([[1, 0], [1, 0], [0, 1], [0.6, 0.8]], np.float32)
    member, per_cluster = km.cohesion(x, np.array([0, 0, 1, 1]), 2)
    np.testing.assert_allclose(member[:2], 1.0)
    assert 0.9 < member[2] < 1 and per_cluster[0] == pytest.approx(1.0)
    assert per_cluster[1] == pytest.approx(member[2:].mean())
