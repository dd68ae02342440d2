#!/usr/bin/env python3
"""`make bench` / `make bench-quick`: lightplug against imagededup, imagehash and CleanVision,
side by side in one run, on corpora from ``../shared/corpus/make_corpus.py``.

For each corpus size, each measurement runs ``repeats`` times, alternating lightplug and the
peer, and the medians are compared (every ratio is peer time / lightplug time, measured in
this run). At 10,000 images the duplicates comparison runs ``dedup_repeats_large`` times (one
sample moved by this VM's noise decided both the ratio and the incremental shares) and the
rest ``repeats_large`` times (CleanVision takes minutes per run). Measured:

* duplicates end to end: ``lightplug init`` + ``import`` + ``run dedup.find_duplicates``
  (every built-in plugin at its defaults) against imagededup's ``PHash().find_duplicates``;
  pairwise precision and recall of both against the corpus's ground truth, and the share of
  crops and horizontal flips found; imagehash hashing every file, for scale;
* finding duplicates again with nothing changed, and after importing 100 more images,
  as a share of the cold run;
* quality end to end (``LIGHTPLUG_PLUGINS=quality``: init + import + ``quality.find_issues``)
  against CleanVision's ``find_issues`` on the same issue types, and how often their flags agree;
* the import against a floor measured on the same files: reading + sha1 + reduced-size decode
  over every core; the import's peak memory per process;
* all pairs within distance 4 among 10^4..10^7 stored 64-bit hashes (``hash_scale.py``);
* start-up: ``lightplug --help`` and a warm ``ops list`` against ``python -c "import typer, pluggy"``.

Writes ``bench/results/<mode>.json``, the tables in ``docs/performance.md`` and
``bench/results/<mode>.png``. Usage: ``python bench/compare.py --quick`` (or ``--full``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import hash_scale  # noqa: E402
import ours  # noqa: E402
import peers  # noqa: E402
import report  # noqa: E402
from lightplug_dedup.plugin import DECODE_SIZE as FEATURE_DECODE_SIZE  # noqa: E402 - the largest feature size
from paths import OUT, corpus  # noqa: E402

MODES = {
    "quick": {"sizes": [300], "seed": 1, "repeats": 2, "accuracy_seeds": [], "hashes": [10_000, 100_000, 1_000_000],
              "hashes_unstored": [], "extra_seed": 2, "startup_repeat": 9},
    "full": {"sizes": [1000, 10000], "seed": 1234, "repeats": 2, "repeats_large": 1, "dedup_repeats_large": 3,
             "accuracy_seeds": [21, 22, 23],
             "hashes": [10_000, 100_000, 1_000_000], "hashes_unstored": [10_000_000], "extra_seed": 99,
             "startup_repeat": 15},
}


def truth(corpus_dir: Path) -> tuple[set[tuple[str, str]], dict[str, set[tuple[str, str]]]]:
    """Ground-truth pairs, and the pairs of each near-duplicate kind (crop, hflip, ...)."""
    import itertools

    data = json.loads((corpus_dir / "ground_truth.json").read_text())
    pairs = {tuple(sorted(p)) for g in data["groups"] for p in itertools.combinations(g, 2)}
    by_kind: dict[str, set[tuple[str, str]]] = {}
    for name, recipe in data.get("files", {}).items():
        kind = recipe.get("transform") if recipe.get("kind") == "near" else recipe.get("kind")
        if kind in (None, "distinct") or recipe.get("source") in (None, name):
            continue
        by_kind.setdefault(str(kind), set()).add(tuple(sorted((name, recipe["source"]))))  # type: ignore[arg-type]
    return pairs, by_kind  # type: ignore[return-value]


def accuracy(predicted: set, corpus_dir: Path) -> dict[str, Any]:
    """Pairwise precision and recall, and the share found of each near-duplicate kind."""
    pairs, by_kind = truth(corpus_dir)
    hits = len(predicted & pairs)
    out: dict[str, Any] = {"precision": hits / max(1, len(predicted)), "recall": hits / max(1, len(pairs)),
                           "predicted": len(predicted), "truth": len(pairs)}
    for kind, wanted in sorted(by_kind.items()):
        out[f"found_{kind}"] = f"{len(wanted & predicted)}/{len(wanted)}"
    return out


def group_pairs(groups: list[list[str]]) -> set[tuple[str, str]]:
    import itertools

    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(g, 2)}  # type: ignore[misc]


def alternate(repeats: int, *runs: Callable[[], Any]) -> list[list[Any]]:
    """Run each of ``runs`` ``repeats`` times, interleaved (a, b, a, b, ...)."""
    results: list[list[Any]] = [[] for _ in runs]
    for _ in range(repeats):
        for k, run in enumerate(runs):
            results[k].append(run())
    return results


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def agreement(ours_flags: dict[str, list[str]], cv_flags: dict[str, list[str]]) -> dict[str, float]:
    """Per issue type, the share of images both flag or both leave alone."""
    names = sorted(set(ours_flags) & set(cv_flags))
    out = {}
    for issue in ("dark", "light", "odd_aspect_ratio", "low_information", "blurry", "grayscale", "odd_size"):
        same = sum((issue in ours_flags[n]) == (issue in cv_flags[n]) for n in names)
        out[issue] = same / max(1, len(names))
    return out


def warm_page_cache(images: Path) -> None:
    """Read every file once, so that no tool pays for the disk: the first one timed on a corpus
    built earlier would otherwise read ~500 MB from it (10 s more at 11,300 files)."""
    for entry in os.scandir(images):
        with open(entry.path, "rb") as handle:
            while handle.read(1 << 20):
                pass


def bench_size(n: int, cfg: dict, work: Path, have: dict[str, bool]) -> dict[str, Any]:
    """Every corpus measurement for one size (``repeats_large`` times for 10,000 images and more)."""
    large = n >= 10_000
    dedup_repeats = cfg.get("dedup_repeats_large", cfg.get("repeats_large", cfg["repeats"])) if large else cfg["repeats"]
    cfg = {**cfg, "repeats": cfg.get("repeats_large", cfg["repeats"]) if large else cfg["repeats"]}
    images = corpus(n, cfg["seed"]) / "images"
    files = len(os.listdir(images))
    row: dict[str, Any] = {"n": n, "files": files, "seed": cfg["seed"], "repeats": cfg["repeats"],
                           "dedup_repeats": dedup_repeats}
    print(f"\n== corpus n={n} ({files} files)", flush=True)
    warm_page_cache(images)
    project = work / f"dedup-{n}"
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    runs = [lambda: ours.dedup_end_to_end(images, project), lambda: ours.decode_floor(images, workers),
            lambda: ours.decode_floor(images, workers, FEATURE_DECODE_SIZE)]
    if have["imagededup"]:
        runs.append(lambda: peers.imagededup(images))
    got = alternate(dedup_repeats, *runs)
    mine, floors, feature_floors = got[0], got[1], got[2]
    got = [mine, *got[3:]]
    row["dedup"] = {"lightplug_s": median([r["seconds"] for r in mine]),
                    "import_s": median([r["import"] for r in mine]), "find_s": median([r["find"] for r in mine]),
                    "accuracy": accuracy(group_pairs(mine[-1]["groups"]), images.parent)}
    if have["imagededup"]:
        row["dedup"]["imagededup_s"] = median([t for t, _ in got[1]])
        row["dedup"]["ratio"] = row["dedup"]["imagededup_s"] / row["dedup"]["lightplug_s"]
        row["dedup"]["imagededup_accuracy"] = accuracy(got[1][-1][1], images.parent)
    if have["imagehash"]:
        row["dedup"]["imagehash_s"] = median([peers.imagehash(images)[0] for _ in range(cfg["repeats"])])
    print("   dedup", json.dumps(row["dedup"]), flush=True)

    cold = row["dedup"]["lightplug_s"]
    again = [ours.dedup_again(project) for _ in range(max(5, cfg["repeats"]))]  # <1 s each: cheap to repeat
    extra = work / f"extra-{n}"
    shutil.rmtree(extra, ignore_errors=True)
    extra.mkdir(parents=True)
    source = corpus(300, cfg["extra_seed"]) / "images"
    for name in sorted(os.listdir(source))[:100]:
        shutil.copy(source / name, extra / f"extra_{name}")
    added = ours.dedup_again(project, extra)
    row["incremental"] = {"unchanged_s": median([a["seconds"] for a in again]),
                          "unchanged_share": median([a["seconds"] for a in again]) / cold,
                          "unchanged_hashed": again[-1]["hashed"],
                          "added_100_s": added["seconds"], "added_100_share": added["seconds"] / cold,
                          "added_100_hashed": added["hashed"]}
    print("   incremental", json.dumps(row["incremental"]), flush=True)

    qproject = work / f"quality-{n}"
    runs = [lambda: ours.quality_end_to_end(images, qproject)]
    if have["cleanvision"]:
        runs.append(lambda: peers.cleanvision(images))
    got = alternate(cfg["repeats"], *runs)
    row["quality"] = {"lightplug_s": median([r["seconds"] for r in got[0]])}
    if have["cleanvision"]:
        row["quality"]["cleanvision_s"] = median([t for t, _ in got[1]])
        row["quality"]["ratio"] = row["quality"]["cleanvision_s"] / row["quality"]["lightplug_s"]
        row["quality"]["agreement"] = agreement(got[0][-1]["flags"], got[1][-1][1])
    print("   quality", json.dumps(row["quality"]), flush=True)

    floor = median(floors)  # measured between lightplug's runs, on the same files
    import_rate = files / row["dedup"]["import_s"]
    inner = files / median([r["import_inner"] for r in mine])
    row["import"] = {"floor_files_s": floor, "files_s": import_rate, "share_of_floor": import_rate / floor,
                     "feature_floor_files_s": median(feature_floors), "feature_decode_size": FEATURE_DECODE_SIZE,
                     "files_s_inner": inner, "inner_share_of_floor": inner / floor,
                     "peak_rss_mib": ours.import_memory(images, work / f"memory-{n}")}
    print("   import", json.dumps(row["import"]), flush=True)
    return row


def accuracy_seeds(cfg: dict, work: Path) -> list[dict[str, Any]]:
    """dedup through the command line on small corpora of seeds never used for tuning."""
    out = []
    for seed in cfg["accuracy_seeds"]:
        images = corpus(1000, seed) / "images"
        result = ours.dedup_end_to_end(images, work / f"acc-{seed}")
        out.append({"seed": seed, "files": result["files"], **accuracy(group_pairs(result["groups"]), images.parent)})
        print("   accuracy", json.dumps(out[-1]), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", dest="mode", action="store_const", const="quick", default="full")
    parser.add_argument("--full", dest="mode", action="store_const", const="full")
    args = parser.parse_args()
    cfg = MODES[args.mode]
    have = peers.available()
    started = time.perf_counter()
    work = OUT / f"work-{args.mode}"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"mode": args.mode, "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                                              "platform": platform.platform()},
                               "peers": have, "sizes": []}
    partial = HERE / "results" / f"{args.mode}.partial.json"
    (HERE / "results").mkdir(exist_ok=True)
    for n in cfg["sizes"]:
        results["sizes"].append(bench_size(n, cfg, work, have))
        partial.write_text(json.dumps(results, indent=1) + "\n")  # kept if a later step fails
    results["accuracy_other_seeds"] = accuracy_seeds(cfg, work)
    print("\n== hashes", flush=True)
    results["hashes"] = []
    for n in [*cfg["hashes"], *cfg["hashes_unstored"]]:
        results["hashes"].append(hash_scale.measure(n, 4, stored=n not in cfg["hashes_unstored"]))
        print("   ", json.dumps(results["hashes"][-1]), flush=True)
    results["startup"] = ours.startup(cfg["startup_repeat"], work / f"dedup-{cfg['sizes'][0]}")
    print("\n== start-up", json.dumps(results["startup"]), flush=True)
    results["seconds"] = time.perf_counter() - started
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"{args.mode}.json").write_text(json.dumps(results, indent=1) + "\n")
    report.write(results, HERE / "results" / f"{args.mode}.png", HERE.parent / "docs" / "performance.md")
    partial.unlink(missing_ok=True)
    print(f"\nwrote bench/results/{args.mode}.json, bench/results/{args.mode}.png and docs/performance.md "
          f"in {results['seconds']:.0f} s")


if __name__ == "__main__":
    main()
