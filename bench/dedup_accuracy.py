#!/usr/bin/env python3
"""Duplicate-finding accuracy: the ``dedup`` plugin against imagededup's PHash, side by side.

Builds (or reuses) corpora with ``../shared/corpus/make_corpus.py`` and measures pairwise
precision and recall against their ``ground_truth.json``:

* imagededup: ``PHash().find_duplicates(image_dir=..., max_distance_threshold=10)``, its
  defaults, run with the Python of a separate venv (``--imagededup-python``) that has
  imagededup installed with ``--no-deps`` (its package ``__init__`` files import torch, so
  this script loads ``imagededup.methods.hashing`` without them). Its answer is a list of
  neighbours per file; every listed neighbour is a predicted pair.
* dedup: the plugin's algorithm (``lightplug_dedup.hashing`` + ``grouping``, files decoded
  as the host decodes them, at ``--decode-size``) at its defaults, or through the real
  command line with ``--via-cli`` (``lightplug init``, ``import``, ``run find_duplicates
  --json``). Its answer is groups; every two members of a group are a predicted pair.

Besides pairwise precision and recall it prints the share of each kind of near duplicate
found (``transform`` in ``ground_truth.json``: crop, hflip, resize, ...).

Usage (from the repository root)::

    .venv/bin/python bench/dedup_accuracy.py --seed 1 --seed 2 --n 1000
    .venv/bin/python bench/dedup_accuracy.py --corpus bench/out/c1 --sweep

This is a benchmark: it needs ``../shared`` beside the clone (or ``--make-corpus``) and is not a test.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
from paths import IMAGEDEDUP_PYTHON as DEFAULT_IMAGEDEDUP_PYTHON, MAKE_CORPUS as DEFAULT_MAKE_CORPUS, OUT  # noqa: E402

try:
    from lightplug_dedup import grouping, hashing
    from lightplug_dedup.plugin import DECODE_SIZE, DEFAULT_THRESHOLD
except ImportError:  # not installed: use the source tree
    sys.path.insert(0, str(REPO / "builtin_plugins" / "dedup"))
    from lightplug_dedup import grouping, hashing
    from lightplug_dedup.plugin import DECODE_SIZE, DEFAULT_THRESHOLD

from peers import IMAGEDEDUP as IMAGEDEDUP_SCRIPT  # noqa: E402 - the same script as the comparison


def build_corpus(make_corpus: Path, n: int, seed: int, out: Path) -> Path:
    """``out`` holding a corpus of ``n`` distinct images for ``seed`` (built if missing)."""
    if not (out / "ground_truth.json").is_file():
        subprocess.run([sys.executable, str(make_corpus), "--n", str(n), "--out", str(out),
                        "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    return out


def truth_pairs(corpus: Path) -> tuple[list[str], set[tuple[str, str]]]:
    """File names of the corpus and its ground-truth duplicate pairs (sorted name pairs)."""
    names, by_kind = truth_kinds(corpus)
    return names, set().union(*by_kind.values())


def truth_kinds(corpus: Path) -> tuple[list[str], dict[str, set[tuple[str, str]]]]:
    """File names and the ground-truth pairs of each kind (the edit that made one of the two,
    ``exact`` for byte copies)."""
    truth = json.loads((corpus / "ground_truth.json").read_text())
    files = truth["files"]
    names = sorted(os.listdir(corpus / "images"))
    by_kind: dict[str, set[tuple[str, str]]] = {}
    for g in truth["groups"]:
        for a, b in itertools.combinations(g, 2):
            kind = files[b].get("transform") or files[a].get("transform") or "exact"
            by_kind.setdefault(kind, set()).add((min(a, b), max(a, b)))
    return names, by_kind


def found_by_kind(predicted: set, by_kind: dict[str, set]) -> str:
    """``crop 180/206, hflip 206/207, ...``: the true pairs of each kind that were predicted."""
    return ", ".join(f"{k} {len(v & predicted)}/{len(v)}" for k, v in sorted(by_kind.items()))


def score(predicted: set, truth: set) -> tuple[float, float, int]:
    """Pairwise ``(precision, recall, predicted pairs)``."""
    hits = len(predicted & truth)
    return hits / max(1, len(predicted)), hits / max(1, len(truth)), len(predicted)


def pairs_of_groups(groups: list[list[str]]) -> set[tuple[str, str]]:
    """Every two members of every group, as sorted name pairs."""
    return {(min(a, b), max(a, b)) for g in groups for a, b in itertools.combinations(g, 2)}


def run_imagededup(python: Path, corpus: Path) -> tuple[set, float]:
    """imagededup's predicted pairs and its run time."""
    started = time.perf_counter()
    out = subprocess.run([str(python), "-c", IMAGEDEDUP_SCRIPT, str(corpus / "images")],
                         check=True, capture_output=True, text=True).stdout
    found = json.loads(out)
    pairs = {tuple(sorted((a, b))) for a, others in found.items() for b in others}
    return pairs, time.perf_counter() - started


def _features_chunk(paths: list[str], kind: str, size: int) -> np.ndarray:
    return hashing.compute_features(paths, kind, size)[0]


def features(corpus: Path, names: list[str], kind: str, workers: int, size: int = DECODE_SIZE
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Coarse codes ``(n, V, 1)``, fine codes ``(n, V, 3)`` and colours ``(n, 2)`` of every file
    (decoded at ``size`` as the host does), computed in parallel, and the time it took."""
    started = time.perf_counter()
    paths = [str(corpus / "images" / n) for n in names]
    chunks = [paths[i:i + 128] for i in range(0, len(paths), 128)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_features_chunk, chunks, [kind] * len(chunks), [size] * len(chunks)))
    codes, fine, colour = hashing.unpack(np.concatenate(parts))
    return codes, fine, colour, time.perf_counter() - started


def keep_priority(corpus: Path, names: list[str]) -> np.ndarray:
    """Rank of each file as the one to keep: more pixels first, then the larger file."""
    from PIL import Image

    pixels, sizes = [], []
    for name in names:
        path = corpus / "images" / name
        with Image.open(path) as im:
            pixels.append(im.width * im.height)
        sizes.append(path.stat().st_size)
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.lexsort((sizes, pixels))] = np.arange(len(names))
    return rank


def dedup_groups(names: list[str], codes: np.ndarray, colour: np.ndarray | None,
                 threshold: int, mirror: bool, priority: np.ndarray,
                 chain: bool = False, fine: np.ndarray | None = None,
                 fine_threshold: int = grouping.FINE_THRESHOLD) -> list[list[str]]:
    """The plugin's grouping over files (same content means same codes, so distance 0).

    ``fine`` verifies candidates (None: no verification); ``chain`` groups connected
    components instead of stars around keepers (for comparison).
    """
    i, j, d = grouping.duplicate_pairs(codes, threshold, mirror, colour, fine, fine_threshold)
    if chain:
        labels = grouping.components(len(names), i, j)
        return [[names[k] for k in g] for g in grouping.group_members(labels)]
    return [[names[k] for k in members] for members, _ in grouping.star_groups(len(names), i, j, d, priority)]


def run_cli(corpus: Path, extra: list[str]) -> tuple[list[list[str]], float]:
    """Groups (as file names) from the real command line: init, import, find_duplicates."""
    from typer.testing import CliRunner

    from lightplug.cli import app

    runner = CliRunner()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as project:
        for args in (["init", project], ["-C", project, "import", str(corpus / "images")]):
            result = runner.invoke(app, args)
            assert result.exit_code == 0, result.output
        result = runner.invoke(app, ["-C", project, "run", "find_duplicates", "--json", *extra])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        ids = {g for group in data["groups"] for g in group["ids"]}
        listing = json.loads(runner.invoke(app, ["-C", project, "images", "list", "--json"]).stdout)
    name_of = {row["id"]: row["name"] for row in listing if row["id"] in ids}
    groups = [[name_of[i] for i in g["ids"]] for g in data["groups"]]
    return groups, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", default=[],
                        help="an existing corpus directory (images/ + ground_truth.json); repeatable")
    parser.add_argument("--seed", type=int, action="append", default=[],
                        help="build (or reuse) a corpus for this seed; repeatable")
    parser.add_argument("--n", type=int, default=1000, help="distinct images per built corpus")
    parser.add_argument("--corpus-root", type=Path, default=OUT,
                        help="where built corpora go (dedup-bench-N-SEED)")
    parser.add_argument("--make-corpus", type=Path, default=DEFAULT_MAKE_CORPUS)
    parser.add_argument("--imagededup-python", type=Path, default=DEFAULT_IMAGEDEDUP_PYTHON)
    parser.add_argument("--method", default="phash", choices=hashing.HASH_KINDS)
    parser.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD)
    parser.add_argument("--no-mirror", dest="mirror", action="store_false")
    parser.add_argument("--no-colour-check", dest="colour_check", action="store_false")
    parser.add_argument("--no-verify", dest="verify", action="store_false", help="no fine-hash verification")
    parser.add_argument("--fine-threshold", type=int, default=grouping.FINE_THRESHOLD)
    parser.add_argument("--decode-size", type=int, action="append", default=[],
                        help=f"decode size of the algorithm's run (repeatable; default {DECODE_SIZE}, the plugin's)")
    parser.add_argument("--sweep", action="store_true", help="also print thresholds 2..12 with and without "
                        "mirror and colour check, and with connected components instead of stars")
    parser.add_argument("--via-cli", action="store_true", help="also run the real plugin through the CLI")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    corpora = list(args.corpus) + [
        build_corpus(args.make_corpus, args.n, s, args.corpus_root / f"dedup-bench-{args.n}-{s}")
        for s in args.seed]
    if not corpora:
        parser.error("give --corpus DIR or --seed N")
    settings = f"{args.method}, threshold {args.threshold}, mirror {'on' if args.mirror else 'off'}, " \
               f"colour check {'on' if args.colour_check else 'off'}, " \
               f"verify {'<= ' + str(args.fine_threshold) if args.verify else 'off'}"
    sizes = args.decode_size or [DECODE_SIZE]
    print(f"{'corpus':<28} {'files':>6} {'pairs':>6} | {'imagededup PHash (t=10)':>26} | "
          f"{'dedup (' + settings + ')':>26}")
    for corpus in corpora:
        names, by_kind = truth_kinds(corpus)
        truth = set().union(*by_kind.values())
        if args.imagededup_python.exists():
            theirs, their_s = run_imagededup(args.imagededup_python, corpus)
            p1, r1, n1 = score(theirs, truth)
            left = f"P {p1:.3f} R {r1:.3f} ({n1:4d}, {their_s:5.1f}s)"
        else:
            left = "(no imagededup venv)"
        priority = keep_priority(corpus, names)
        print(f"{str(corpus):<28} {len(names):>6} {len(truth):>6} | {left:>26} |")
        for size in sizes:
            codes, fine, colour, feat_s = features(corpus, names, args.method, args.workers, size)
            started = time.perf_counter()
            groups = dedup_groups(names, codes, colour if args.colour_check else None, args.threshold,
                                  args.mirror, priority, fine=fine if args.verify else None,
                                  fine_threshold=args.fine_threshold)
            group_s = time.perf_counter() - started
            predicted = pairs_of_groups(groups)
            p2, r2, n2 = score(predicted, truth)
            print(f"  decode {size:<4} P {p2:.3f} R {r2:.3f} ({n2:4d} pairs, hash {feat_s:4.1f}s + group "
                  f"{group_s:4.2f}s): {found_by_kind(predicted, by_kind)}")
            if args.sweep:
                for chain, mirror, check, verify in itertools.product((False, True), repeat=4):
                    row = []
                    for t in range(2, 13, 2):
                        p, r, _ = score(pairs_of_groups(dedup_groups(
                            names, codes, colour if check else None, t, mirror, priority, chain,
                            fine if verify else None, args.fine_threshold)), truth)
                        row.append(f"t{t:<2} {p:.3f}/{r:.3f}")
                    print(f"    {'chain' if chain else 'star':<5} mirror={mirror!s:<5} colour={check!s:<5} "
                          f"verify={verify!s:<5} " + "  ".join(row))
        if args.via_cli:
            extra = ["--method", args.method, "--threshold", str(args.threshold),
                     "--mirror" if args.mirror else "--no-mirror",
                     "--colour-check" if args.colour_check else "--no-colour-check",
                     "--verify" if args.verify else "--no-verify"]
            groups, cli_s = run_cli(corpus, extra)
            predicted = pairs_of_groups(groups)
            p3, r3, n3 = score(predicted, truth)
            print(f"  via the CLI (decode {DECODE_SIZE}) P {p3:.3f} R {r3:.3f} ({n3:4d} pairs, {cli_s:5.1f}s "
                  f"incl. import): {found_by_kind(predicted, by_kind)}")


if __name__ == "__main__":
    main()
