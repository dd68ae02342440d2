#!/usr/bin/env python3
"""All pairs within a Hamming distance among n stored 64-bit hashes: time and memory against n.

For each n: n random 64-bit hashes, 10% of them near duplicates (1-3 bits flipped) of
others, are stored compactly (8 bytes each, as the vectors of a lightplug project), then,
timed in a fresh process: read back from the database, index (``lightplug.compute.hamming``)
and search the whole set against itself at ``--radius`` (the dedup plugin's default, 4).
Prints one JSON object per n: seconds (read, search), peak RSS, pairs found, planted pairs
recovered. Usage::

    .venv/bin/python bench/hash_scale.py 10000 100000 1000000 [--radius 4] [--no-store 10000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
import numpy as np
n, radius, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
started = time.perf_counter()
if path == "-":  # not stored: the same codes, made in memory
    sys.path.insert(0, sys.argv[4])
    from hash_scale import planted_codes
    codes = planted_codes(n)
else:
    from lightplug.db import store
    from lightplug.db.tx import connect_raw
    rows = store.get_vector_bytes(connect_raw(path), 1)
    codes = np.frombuffer(b"".join(d for _, d in rows), dtype=np.uint64)
read = time.perf_counter() - started
from lightplug.compute.hamming import pairs_within
t = time.perf_counter()
i, j, d = pairs_within(codes, radius)
search = time.perf_counter() - t
print(json.dumps({"read_s": read, "search_s": search, "pairs": int(len(i)),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def planted_codes(n: int, seed: int = 0):  # type: ignore[no-untyped-def]
    """n codes; the first n/10 are 1-3 bit variants of the next n/10 (the planted pairs)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, n, dtype=np.uint64)
    m = n // 10
    flips = np.zeros(m, dtype=np.uint64)
    for _ in range(3):
        bit = rng.integers(0, 64, m).astype(np.uint64)
        flips |= np.where(rng.random(m) < 0.7, np.uint64(1) << bit, np.uint64(0))
    codes[:m] = codes[m:2 * m] ^ flips
    return codes


def store_codes(path: Path, codes) -> float:  # type: ignore[no-untyped-def]
    """Write ``codes`` as 8-byte vectors of type 1 into a new project database; seconds taken."""
    from lightplug.db import database, store
    from lightplug.db.schema import migrate
    from lightplug.db.tx import connect_raw, write

    started = time.perf_counter()
    db = database(connect_raw(path))
    migrate(db)
    store.add_vector_type(db, "bench", {"hash": "random64"})
    raw = codes.tobytes()
    step = 200_000
    for start in range(0, len(codes), step):
        with write(db):
            store.put_vector_bytes(db, ((1, f"{k:040x}", raw[8 * k:8 * k + 8])
                                        for k in range(start, min(len(codes), start + step))))
    db.conn.close()
    return time.perf_counter() - started


def measure(n: int, radius: int, stored: bool = True) -> dict:
    """Time and memory of finding all pairs within ``radius`` among ``n`` hashes (fresh process)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "project.db"
        store_s = None
        if stored:
            store_s = store_codes(path, planted_codes(n))
        else:  # the child generates the same codes itself (no database)
            path = Path("-")
        out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(radius), str(path),
                              str(Path(__file__).resolve().parent)],
                             check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    result.update({"n": n, "radius": radius, "stored": stored, "store_s": store_s,
                   "planted": n // 10, "total_s": result["read_s"] + result["search_s"]})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--radius", type=int, default=4)
    parser.add_argument("--no-store", type=int, nargs="*", default=[],
                        help="sizes generated in memory instead of stored in a project database")
    args = parser.parse_args()
    for n in [*args.sizes, *args.no_store]:
        print(json.dumps(measure(n, args.radius, stored=n not in args.no_store)), flush=True)


if __name__ == "__main__":
    main()
