"""Nearest neighbours, thresholded pairs and connected components."""

from __future__ import annotations

import numpy as np

from lightplug_similarity import knn


def _unit(rows):
    return knn.normalize(np.array(rows, dtype=np.float32))


def test_normalize_keeps_zero_rows():
    x = knn.normalize(np.array([[3, 4], [0, 0]], np.float32))
    np.testing.assert_allclose(x, [[0.6, 0.8], [0, 0]])


def test_top_k_orders_best_first_and_breaks_ties_by_index():
    scores = np.array([0.1, 0.9, 0.5, 0.9, -1.0])
    assert knn.top_k(scores, 3).tolist() == [1, 3, 2]
    assert knn.top_k(scores, 10).tolist() == [1, 3, 2, 0, 4]
    assert knn.top_k(scores, 0).tolist() == []


def test_most_similar_excludes_and_averages_queries():
    base = _unit([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [-1, 0]])
    idx, scores = knn.most_similar(base, base[[0]], 2, exclude=np.array([True, False, False, False, False]))
    assert idx.tolist() == [1, 3]
    assert scores[0] > scores[1]
    idx, _ = knn.most_similar(base, base[[0, 2]], 5, exclude=np.array([True, False, True, False, False]))
    assert len(idx) == 3 and 4 == idx[-1]


def test_neighbours_match_brute_force(monkeypatch):
    rng = np.random.default_rng(0)
    x = knn.normalize(rng.normal(size=(50, 8)))
    monkeypatch.setattr(knn, "_BLOCK_ELEMENTS", 120)  # force several row blocks
    idx, sims = knn.neighbours(x, 4)
    full = x @ x.T
    np.fill_diagonal(full, -np.inf)
    expected = np.argsort(-full, axis=1, kind="stable")[:, :4]
    assert (idx == expected).all()
    np.testing.assert_allclose(sims, np.take_along_axis(full, expected, 1), rtol=1e-5)
    assert knn.neighbours(x[:1], 3)[0].shape == (1, 0)


def test_similar_pairs_upper_triangle(monkeypatch):
    rng = np.random.default_rng(1)
    x = knn.normalize(rng.normal(size=(40, 3)))
    monkeypatch.setattr(knn, "_BLOCK_ELEMENTS", 70)
    i, j, s = knn.similar_pairs(x, 0.8)
    full = x @ x.T
    ei, ej = np.nonzero(np.triu(full >= 0.8, 1))
    assert sorted(zip(i.tolist(), j.tolist())) == sorted(zip(ei.tolist(), ej.tolist()))
    np.testing.assert_allclose(s, full[i, j], rtol=1e-5)


def test_connected_components_chain_and_singletons():
    labels = knn.connected_components(7, np.array([5, 3, 1]), np.array([3, 1, 0]))
    assert labels.tolist() == [0, 0, 2, 0, 4, 0, 6]
    assert knn.connected_components(3, np.array([], int), np.array([], int)).tolist() == [0, 1, 2]


def test_near_duplicate_groups():
    x = _unit([[1, 0, 0], [0.99, 0.05, 0], [0, 1, 0], [0, 0, 1], [0, 0.02, 1], [0, 0.03, 1]])
    groups = knn.near_duplicate_groups(x, 0.98)
    assert [g[0].tolist() for g in groups] == [[3, 4, 5], [0, 1]]
    assert all(len(m) == len(s) and (s >= 0.98).all() for m, s in groups)
    assert knn.near_duplicate_groups(x, 1.5) == []
