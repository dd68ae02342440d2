"""``lightplug.compute.hamming``: the multi-index finds exactly what comparing everything finds."""

from __future__ import annotations

import numpy as np
import pytest

from lightplug.compute.hamming import HammingIndex, best_parts, chunk_plan, pairs_within, stable_order


def planted(n: int, seed: int) -> np.ndarray:
    """``n`` random codes, a fifth of them 0-7 bits away from another one."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, n, dtype=np.uint64)
    m = n // 5
    for k in range(m):
        flips = rng.choice(64, rng.integers(0, 8), replace=False)
        codes[k] = codes[m + k] ^ np.uint64(sum(1 << int(b) for b in flips))
    codes[-3:] = codes[0]  # exact copies too
    return codes


def as_set(found: tuple) -> set:
    return set(zip(*(a.tolist() for a in found)))


@pytest.mark.parametrize("radius", [0, 1, 3, 4, 6, 9])
@pytest.mark.parametrize("seed", [1, 2])
def test_index_matches_brute_force(radius: int, seed: int) -> None:
    codes = planted(3000, seed)
    found = pairs_within(codes, radius)
    brute = pairs_within(codes, radius, parts=0)
    assert as_set(found) == as_set(brute)
    assert len(found[0]) == len(as_set(found))  # each pair once
    i, j, d = found
    assert (i < j).all() and (d <= radius).all()
    assert (d == np.bitwise_count(codes[i] ^ codes[j])).all()


@pytest.mark.parametrize("parts", [2, 3, 5])
def test_every_chunk_count_is_exact(parts: int) -> None:
    codes = planted(1500, 3)
    assert as_set(pairs_within(codes, 4, parts=parts)) == as_set(pairs_within(codes, 4, parts=0))


def test_queries_against_other_codes() -> None:
    codes = planted(2000, 4)
    queries = codes[:50] ^ np.uint64(0b1011)  # 3 bits from codes[0..49]
    q, c, d = HammingIndex(codes).search(queries, 3)
    found = as_set((q, c, d))
    assert {(k, k, 3) for k in range(50)} <= found
    assert found == as_set(HammingIndex(codes).search(queries, 3, parts=0))


def test_edges() -> None:
    empty = np.zeros(0, dtype=np.uint64)
    assert all(len(a) == 0 for a in pairs_within(empty, 4))
    assert all(len(a) == 0 for a in pairs_within(np.array([5], dtype=np.uint64), 4))
    two = np.array([0, (1 << 64) - 1], dtype=np.uint64)
    assert as_set(pairs_within(two, 64)) == {(0, 1, 64)}
    assert as_set(pairs_within(two, 63)) == set()


def test_chunk_plan_covers_the_bits_and_the_radius() -> None:
    for radius in range(0, 12):
        for parts in range(1, radius + 2):
            plan = chunk_plan(radius, parts)
            assert sum(bits for _, bits, _ in plan) == 64
            assert sum(rho + 1 for _, _, rho in plan) == radius + 1
    assert best_parts(1_000_000, 1_000_000, 4) == 3  # the 1M benchmark's plan: 3 chunks of ~21 bits
    assert best_parts(10, 10, 4) is None  # a handful of codes: brute force


@pytest.mark.parametrize(("n", "bits"), [(0, 8), (1, 21), (2, 3), (1000, 4), (50_000, 21), (3000, 60), (3000, 64)])
def test_stable_order_is_numpys_stable_argsort(n: int, bits: int) -> None:
    rng = np.random.default_rng(n + bits)
    values = rng.integers(0, 1 << min(bits, 63), n, dtype=np.uint64)  # few bits: many equal values
    assert np.array_equal(stable_order(values, bits), np.argsort(values, kind="stable"))
