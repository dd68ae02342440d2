"""Grouping: packed Hamming distances, neighbour search, verification, components, stars, colour check."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lightplug_dedup import grouping


def naive_distance(a: np.ndarray, b: np.ndarray, compare) -> int:
    """Smallest bit difference over the variant pairs, both ways round."""
    pairs = set(compare) | {(q, p) for p, q in compare}
    return min(int((a[p] != b[q]).sum()) for p, q in pairs)


def random_bits(n: int, variants: int = 4, words: int = 1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2, size=(n, variants, 64 * words), dtype=np.uint8)
    # plant near copies so that small thresholds find something
    for k in range(1, n, 3):
        base[k] = base[k - 1]
        base[k, :, rng.integers(0, 64 * words, size=3)] ^= 1
    return base


def test_pack_bits_keeps_hamming_distances():
    bits = random_bits(20, variants=1, words=2)
    codes = grouping.pack_bits(bits)
    assert codes.shape == (20, 1, 2) and codes.dtype == np.uint64
    got = grouping.distances(codes, codes, grouping.PLAIN)
    want = (bits[:, None, 0, :] != bits[None, :, 0, :]).sum(-1)
    assert np.array_equal(got, want)
    with pytest.raises(ValueError):
        grouping.pack_bits(np.zeros((2, 63), np.uint8))


@pytest.mark.parametrize("compare", [grouping.PLAIN, grouping.MIRROR, grouping.variant_pairs(4, mirror=False),
                                     grouping.variant_pairs(4), ((1, 2), (0, 3))])
@pytest.mark.parametrize("block", [1 << 22, 64])  # one block, and many small ones
def test_neighbour_pairs_equal_brute_force(monkeypatch, compare, block):
    monkeypatch.setattr(grouping, "BLOCK_ELEMENTS", block)
    bits = random_bits(60)
    codes = grouping.pack_bits(bits)
    for threshold in (0, 3, 30):
        i, j, d = grouping.neighbour_pairs(codes, threshold, compare)
        got = {(a, b): c for a, b, c in zip(i.tolist(), j.tolist(), d.tolist())}
        want = {}
        for a, b in itertools.combinations(range(len(bits)), 2):
            dist = naive_distance(bits[a], bits[b], compare)
            if dist <= threshold:
                want[(a, b)] = dist
        assert got == want


def test_neighbour_pairs_of_nothing():
    i, j, d = grouping.neighbour_pairs(np.zeros((0, 4, 1), np.uint64), 5)
    assert len(i) == len(j) == len(d) == 0


def test_components_match_a_graph_search():
    rng = np.random.default_rng(3)
    n = 200
    edges = rng.integers(0, n, size=(150, 2))
    labels = grouping.components(n, edges[:, 0], edges[:, 1])
    adjacency = {k: set() for k in range(n)}
    for a, b in edges.tolist():
        adjacency[a].add(b)
        adjacency[b].add(a)
    for start in range(n):
        seen, todo = {start}, [start]
        while todo:
            for nxt in adjacency[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        assert {k for k in range(n) if labels[k] == labels[start]} == seen
        assert labels[start] == min(seen)
    groups = grouping.group_members(labels)
    assert all(len(g) >= 2 for g in groups)
    assert [len(g) for g in groups] == sorted((len(g) for g in groups), reverse=True)


def test_star_groups_do_not_chain():
    # a chain 0-1-2-3: 1 is the best keeper, takes 0 and 2; 3 is left alone
    i, j, d = np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([2, 1, 3])
    priority = np.array([0, 3, 1, 2])
    groups = grouping.star_groups(4, i, j, d, priority)
    assert [(m.tolist(), dist.tolist()) for m, dist in groups] == [([1, 2, 0], [0, 1, 2])]
    # with 2 ranked first it takes 1 and 3 (nearest first), and 0 is left alone
    groups = grouping.star_groups(4, i, j, d, np.array([0, 1, 3, 2]))
    assert [(m.tolist(), dist.tolist()) for m, dist in groups] == [([2, 1, 3], [0, 1, 3])]


def test_star_groups_members_are_neighbours_of_the_keeper():
    bits = random_bits(90, seed=5)
    codes = grouping.pack_bits(bits)
    i, j, d = grouping.neighbour_pairs(codes, 6, grouping.variant_pairs(4))
    priority = np.random.default_rng(1).permutation(90)
    groups = grouping.star_groups(90, i, j, d, priority)
    seen = set()
    for members, dist in groups:
        keeper = members[0]
        assert priority[keeper] == priority[members].max()
        assert not seen & set(members.tolist())
        seen |= set(members.tolist())
        for m, dm in zip(members[1:].tolist(), dist[1:].tolist()):
            assert dm == naive_distance(bits[keeper], bits[m], grouping.variant_pairs(4)) <= 6
        assert dist.tolist() == sorted(dist.tolist())


def test_colours_agree():
    colour = np.array([[20.0, -10.0], [30.0, -15.0], [-10.0, -20.0], [0.5, 0.5], [1.0, -1.5]])
    i = np.array([0, 0, 0, 2])
    j = np.array([1, 2, 3, 4])
    # brighter/saturated: same direction; another hue: no; nearly gray: always
    assert grouping.colours_agree(colour, i, j).tolist() == [True, False, True, True]


def test_variant_pairs():
    assert grouping.variant_pairs(4) == [(0, 0), (0, 1), (0, 2), (0, 3)]
    assert grouping.variant_pairs(4, mirror=False) == [(0, 0), (0, 2), (0, 3)]


def test_duplicate_pairs_applies_mirror_colour_and_verification():
    rng = np.random.default_rng(7)
    v = 18
    bits = rng.integers(0, 2, size=(4, v, 64), dtype=np.uint8)
    fine = rng.integers(0, 2, size=(4, v, 192), dtype=np.uint8)
    fine[..., 144:] = 0
    bits[1, 1], fine[1, 1] = bits[0, 0], fine[0, 0]  # image 1's mirror variant is image 0
    bits[2], fine[2] = bits[0], fine[0]  # image 2 is image 0 with another colour cast
    bits[3, 9] = bits[0, 0]  # image 3's crop 9 looks like image 0 to the coarse hash ...
    fine[3, 9] = fine[0, 0]
    fine[3, 9, :40] ^= 1  # ... but not to the fine one (40 bits of 144 differ)
    codes, fine_codes = grouping.pack_bits(bits), grouping.pack_bits(fine)
    colour = np.array([[20.0, 5.0], [21.0, 5.0], [-20.0, 5.0], [20.0, 5.0]])

    def pairs(*args, **kwargs):
        return sorted(zip(*(x.tolist() for x in grouping.duplicate_pairs(*args, **kwargs)[:2])))

    assert pairs(codes, 0, True, colour) == [(0, 1), (0, 3)]  # coarse only: the crop matches
    assert pairs(codes, 0, True, colour, fine_codes) == [(0, 1)]  # the fine hash drops it
    assert pairs(codes, 0, False, colour, fine_codes) == []
    assert pairs(codes, 0, True, None, fine_codes) == [(0, 1), (0, 2), (1, 2)]
    assert pairs(codes, 0, True, colour, fine_codes, fine_threshold=40) == [(0, 1), (0, 3)]


def test_verify_equals_a_naive_check(monkeypatch):
    monkeypatch.setattr(grouping, "VERIFY_BLOCK", 7)  # several blocks
    rng = np.random.default_rng(11)
    n, v = 30, 6
    bits = rng.integers(0, 2, size=(n, v, 64), dtype=np.uint8)
    fine = rng.integers(0, 2, size=(n, v, 192), dtype=np.uint8)
    for k in range(1, n, 2):  # near copies: some variants of k close to the whole image of k - 1
        bits[k, k % v] = bits[k - 1, 0] ^ (rng.random(64) < 0.03)
        fine[k, k % v] = fine[k - 1, 0] ^ (rng.random(192) < 0.1)
    codes, fine_codes = grouping.pack_bits(bits), grouping.pack_bits(fine)
    i, j = np.array(list(itertools.combinations(range(n), 2))).T
    variants = [0, 2, 3, 4, 5]
    keep, dist = grouping.verify(codes, fine_codes, i, j, 5, variants, fine_threshold=30)
    for a, b, kept, got in zip(i.tolist(), j.tolist(), keep.tolist(), dist.tolist()):
        want = min([int((fine[p, k] != fine[q, 0]).sum()) for p, q in ((a, b), (b, a)) for k in variants
                    if int((bits[p, k] != bits[q, 0]).sum()) <= 5], default=None)
        assert kept == (want is not None and want <= 30)
        if want is not None:
            assert got == want
    planted = [k for k in range(1, n, 2) if k % v in variants]  # variant 1 is not compared here
    assert keep.sum() >= len(planted) - 2 >= 6  # the planted copies (up to noise) pass
