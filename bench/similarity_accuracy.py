#!/usr/bin/env python3
"""Accuracy and speed of the `similarity` plugin's pixel embedding on make_corpus.py corpora.

For every near-duplicate variant (hflip, crop, resize, jpeg, brightness) it checks whether
the variant is among its source's 5 nearest neighbours, and the source among the variant's
(exact byte copies count as neighbours too), per transform. It also prints the pairwise
precision/recall of the near-duplicate action at several cosine thresholds, and timings
(embedding on one core and over a process pool, all-pairs 5-NN, thresholded pairs, k-means).

    .venv/bin/python bench/similarity_accuracy.py --seeds 5,1,2 --n 1000 --work bench/out/simbench
    .venv/bin/python bench/similarity_accuracy.py --corpus bench/out/s1 --corpus bench/out/s2

``--seeds`` builds each corpus with ../shared/corpus/make_corpus.py (``--make-corpus``)
unless ``<work>/seed<N>/ground_truth.json`` already exists with that seed and size.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "builtin_plugins", "similarity"))

import numpy as np  # noqa: E402

from lightplug_similarity import embedding, kmeans, knn  # noqa: E402
from lightplug_similarity.plugin import SimilarityPlugin  # noqa: E402

from paths import MAKE_CORPUS, OUT  # noqa: E402
THRESHOLDS = (0.93, 0.94, 0.95, 0.96, 0.97, 0.98)
DEFAULT = inspect.signature(SimilarityPlugin.near_duplicates).parameters["threshold"].default
CHUNK = 128


def ensure_corpus(work: str, seed: int, n: int, script: str) -> str:
    """Path of a corpus for ``seed``, building it with make_corpus.py if missing."""
    out = os.path.join(work, f"seed{seed}")
    gt_path = os.path.join(out, "ground_truth.json")
    if os.path.exists(gt_path):
        with open(gt_path) as f:
            gt = json.load(f)
        if gt.get("seed") == seed and gt.get("n_distinct") == n:
            return out
    subprocess.run([sys.executable, script, "--n", str(n), "--out", out, "--seed", str(seed)],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def embed_corpus(paths: list[str], workers: int) -> tuple[np.ndarray, float]:
    """Vectors of ``paths`` (chunks over a process pool) and the wall time taken."""
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    start = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(embedding.embed_files, chunks))
    else:
        parts = [embedding.embed_files(c) for c in chunks]
    elapsed = time.perf_counter() - start
    bad = [e for _, errs in parts for e in errs if e]
    if bad:
        print(f"  {len(bad)} unreadable files, e.g. {bad[0]}", file=sys.stderr)
    return np.concatenate([v for v, _ in parts]), elapsed


def top5_recall(gt: dict, index: dict[str, int], nn: np.ndarray) -> dict[str, list[int]]:
    """Per transform: [hits source->variant, hits variant->source, number of variants]."""
    stats: dict[str, list[int]] = {}
    for name, meta in gt["files"].items():
        if meta["kind"] != "near":
            continue
        src, var = index[meta["source"]], index[name]
        row = stats.setdefault(meta["transform"], [0, 0, 0])
        row[0] += int(var in nn[src])
        row[1] += int(src in nn[var])
        row[2] += 1
    return stats


def pair_scores(gt: dict, names: list[str], vectors: np.ndarray, threshold: float) -> tuple[float, float]:
    """Precision and recall of near-duplicate pairs found at ``threshold`` (byte copies excluded)."""
    index = {n: i for i, n in enumerate(names)}
    group = np.arange(len(names))
    for members in gt["groups"]:
        group[[index[m] for m in members]] = index[members[0]]
    sha1 = np.array([gt["files"][n]["sha1"] for n in names])
    i, j, _ = knn.similar_pairs(vectors, threshold)
    keep = sha1[i] != sha1[j]
    i, j = i[keep], j[keep]
    true_pos = int((group[i] == group[j]).sum())
    sizes = np.bincount(group)
    all_pos = int((sizes * (sizes - 1) // 2).sum())
    same_sha = sum(c * (c - 1) // 2 for c in np.unique(sha1, return_counts=True)[1])
    all_pos -= int(same_sha)
    return true_pos / max(len(i), 1), true_pos / max(all_pos, 1)


def time_kmeans(vectors: np.ndarray, k: int) -> tuple[float, float]:
    """Seconds taken by k-means with ``k`` clusters, and the mean cluster cohesion."""
    start = time.perf_counter()
    res = kmeans.kmeans(vectors, k, seed=0)
    elapsed = time.perf_counter() - start
    return elapsed, float(kmeans.cohesion(vectors, res.labels, k)[1].mean())


def run(corpus: str, workers: int) -> dict:
    """Measure one corpus; prints a report and returns the numbers."""
    with open(os.path.join(corpus, "ground_truth.json")) as f:
        gt = json.load(f)
    names = sorted(gt["files"])
    paths = [os.path.join(corpus, "images", n) for n in names]
    vectors, t_embed = embed_corpus(paths, workers)
    _, t_embed_1 = embed_corpus(paths[:256], 1)
    start = time.perf_counter()
    nn, _ = knn.neighbours(vectors, 5)
    t_knn = time.perf_counter() - start
    stats = top5_recall(gt, {n: i for i, n in enumerate(names)}, nn)
    hits = sum(s[0] for s in stats.values())
    hits_back = sum(s[1] for s in stats.values())
    total = sum(s[2] for s in stats.values())
    start = time.perf_counter()
    pairs = {t: pair_scores(gt, names, vectors, t) for t in THRESHOLDS}
    t_pairs = (time.perf_counter() - start) / len(THRESHOLDS)
    t_kmeans, mean_cohesion = time_kmeans(vectors, 50)
    print(f"corpus {corpus} (seed {gt['seed']}): {len(names)} files, {total} near variants")
    print(f"  top-5 recall, variant in source's top 5: {hits / total:.3f}   "
          f"source in variant's top 5: {hits_back / total:.3f}")
    for kind, (a, b, c) in sorted(stats.items()):
        print(f"    {kind:<11} {a / c:.3f}  {b / c:.3f}  (n={c})")
    print(f"  near-duplicate pairs (threshold: precision / recall; action default {DEFAULT}): " +
          "  ".join(f"{t}: {p:.3f}/{r:.3f}" for t, (p, r) in pairs.items()))
    print(f"  k-means k=50: mean cluster cohesion {mean_cohesion:.3f}")
    print(f"  time: embed {t_embed:.2f}s ({len(names) / t_embed:.0f} files/s, {workers} workers; "
          f"{256 / t_embed_1:.0f} files/s on 1 core), all 5-NN {t_knn:.3f}s, "
          f"pairs {t_pairs:.3f}s, k-means k=50 {t_kmeans:.2f}s")
    return {"seed": gt["seed"], "recall": hits / total, "recall_back": hits_back / total,
            "per_transform": {k: v[0] / v[2] for k, v in stats.items()},
            "pairs": {str(t): v for t, v in pairs.items()}, "kmeans_cohesion": mean_cohesion,
            "files_per_s": len(names) / t_embed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", default=[], help="a make_corpus.py output folder")
    ap.add_argument("--seeds", default="", help="comma-separated seeds to build corpora for")
    ap.add_argument("--n", type=int, default=1000, help="distinct images per built corpus")
    ap.add_argument("--work", default=str(OUT / "simbench"), help="where built corpora go")
    ap.add_argument("--make-corpus", default=str(MAKE_CORPUS), help="path of make_corpus.py")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args()
    corpora = list(args.corpus)
    for seed in filter(None, args.seeds.split(",")):
        corpora.append(ensure_corpus(args.work, int(seed), args.n, args.make_corpus))
    if not corpora:
        ap.error("give --corpus DIR or --seeds 5,1,2")
    results = [run(c, args.workers) for c in corpora]
    worst = min(r["recall"] for r in results)
    print(f"worst top-5 recall over {len(results)} corpora: {worst:.3f} (target >= 0.90)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
