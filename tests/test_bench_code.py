"""The benchmark's own code keeps working with the library it measures (``make bench`` is not
run by the tests, so a renamed function would otherwise surface only there): the hash-scale
measurement stores, reads and searches a small set of hashes in a fresh process."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_hash_scale_measures_a_small_stored_set(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    sys.modules.pop("hash_scale", None)
    import hash_scale

    result = hash_scale.measure(2000, 4)
    assert result["stored"] and result["pairs"] >= result["planted"] == 200, result
    assert result["read_s"] >= 0 and result["search_s"] >= 0 and result["store_s"] > 0
