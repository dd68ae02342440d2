#!/usr/bin/env python3
"""Agreement of the `quality` plugin's checks with CleanVision, per issue type.

Runs CleanVision (in its own venv, ``--cv-python``; it is not a lightplug dependency) and
``lightplug_quality.checks`` on the same files and prints, per issue type, how many images
each flags and the share of images on which both agree.

    .venv/bin/python bench/quality_agreement.py ../shared/corpora/mixed bench/out/q500
    .venv/bin/python bench/quality_agreement.py --make-synthetic bench/out/qsyn --seed 1
    .venv/bin/python bench/quality_agreement.py bench/out/qsyn --json bench/out/qsyn.json

The file list is CleanVision's (its extensions, recursive). CleanVision raises on a file
Pillow cannot open, so unreadable files are only reported (the plugin flags them as
"unreadable"); both sides score the readable ones. Odd size is relative to each folder.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import time
from multiprocessing import Pool
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "builtin_plugins", "quality"))

from lightplug_quality import checks  # noqa: E402
from paths import CLEANVISION_PYTHON, CORPUS_BASES  # noqa: E402

CV_EXTENSIONS = ["jpg", "JPG", "jpeg", "JPEG", "gif", "GIF", "jp2", "JP2", "png", "PNG",
                 "tiff", "TIFF", "webp", "WebP", "WEBP"]  # cleanvision.utils.constants

CV_SCRIPT = r"""
import json, sys, time
from cleanvision import Imagelab
files = json.load(sys.stdin)
types = ["dark", "light", "odd_aspect_ratio", "low_information", "blurry", "grayscale",
         "odd_size"]
t = time.perf_counter()
lab = Imagelab(filepaths=files, verbose=False)
lab.find_issues({k: {} for k in types}, n_jobs=int(sys.argv[1]), verbose=False)
elapsed = time.perf_counter() - t
out = {"elapsed": elapsed, "issues": {}}
for path, row in lab.issues.iterrows():
    out["issues"][path] = {k: [float(row[k + "_score"]), bool(row["is_" + k + "_issue"])]
                           for k in types}
json.dump(out, sys.stdout)
"""


def cv_files(folder: str) -> list[str]:
    """The files CleanVision's Imagelab(data_path=folder) would read (absolute, sorted)."""
    root = os.path.abspath(folder)
    found: set[str] = set()
    for ext in CV_EXTENSIONS:
        found.update(glob.glob(os.path.join(root, "**", "*." + ext), recursive=True))
    return sorted(found)


def run_cleanvision(files: list[str], cv_python: str, jobs: int) -> dict[str, Any]:
    """CleanVision's scores and flags, keyed by path (run in its own interpreter)."""
    proc = subprocess.run([cv_python, "-c", CV_SCRIPT, str(jobs)], input=json.dumps(files),
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"cleanvision failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def run_ours(files: list[str], jobs: int, chunk: int = 64) -> tuple[dict[str, Any], float]:
    """Our measures (dict) or error message (str) per path, and the wall time."""
    t = time.perf_counter()
    chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
    with Pool(jobs) as pool:
        results = [r for part in pool.map(checks.measure_files, chunks) for r in part]
    return dict(zip(files, results)), time.perf_counter() - t


def our_flags(measures: dict[str, dict[str, Any]]) -> dict[str, dict[str, tuple[float, bool]]]:
    """Scores and flags per path with default thresholds, odd size over these files."""
    paths = list(measures)
    size_scores, size_thr = checks.odd_size_scores(
        [measures[p]["width"] for p in paths], [measures[p]["height"] for p in paths])
    thr = dict(checks.DEFAULT_THRESHOLDS, odd_size=size_thr)
    out: dict[str, dict[str, tuple[float, bool]]] = {}
    for p, s_size in zip(paths, size_scores):
        scores = checks.image_scores(measures[p])
        scores["odd_size"] = float(s_size)
        out[p] = {k: (v, v < thr[k]) for k, v in scores.items()}
    return out


def compare(folder: str, cv_python: str, jobs: int, show: int) -> dict[str, Any]:
    """Run both on one folder, print the table, return the numbers."""
    files = cv_files(folder)
    ours_raw, t_ours = run_ours(files, jobs)
    unreadable = {p: r for p, r in ours_raw.items() if isinstance(r, str)}
    readable = [p for p in files if p not in unreadable]
    cv = run_cleanvision(readable, cv_python, jobs)
    ours = our_flags({p: ours_raw[p] for p in readable})
    n = len(readable)
    print(f"\n== {folder}: {len(files)} files CleanVision lists, {len(unreadable)} unreadable "
          f"(skipped: CleanVision raises on them), {n} compared")
    for p, err in unreadable.items():
        print(f"   unreadable: {os.path.relpath(p, folder)} ({err[:80]})")
    print(f"   time: ours {t_ours:.1f} s (measure, {jobs} procs), CleanVision "
          f"{cv['elapsed']:.1f} s")
    print(f"   {'issue':<17}{'CV':>6}{'ours':>6}{'both':>6}{'agree':>9}  max|Δscore|")
    summary: dict[str, Any] = {"folder": folder, "n": n, "unreadable": len(unreadable),
                               "types": {}}
    for k in checks.ISSUE_TYPES:
        cv_f = {p for p in readable if cv["issues"][p][k][1]}
        our_f = {p for p in readable if ours[p][k][1]}
        agree = sum((p in cv_f) == (p in our_f) for p in readable)
        delta = max((abs(cv["issues"][p][k][0] - ours[p][k][0]) for p in readable),
                    default=0.0)
        pct = 100.0 * agree / n if n else 100.0
        print(f"   {k:<17}{len(cv_f):>6}{len(our_f):>6}{len(cv_f & our_f):>6}"
              f"{pct:>8.2f}%  {delta:.2e}")
        for p in sorted(cv_f ^ our_f)[:show]:
            print(f"      differs: {os.path.relpath(p, folder)} CV {cv['issues'][p][k]} "
                  f"ours {ours[p][k]}")
        summary["types"][k] = {"cv": len(cv_f), "ours": len(our_f), "agree_pct": pct,
                               "max_score_delta": delta}
    return summary


# --------------------------------------------------------------------------- synthetic set


def make_synthetic(out: str, seed: int) -> int:
    """Write dark/light/blurry/grayscale/odd/low-information variants of the base photos.

    Parameters sweep across each default threshold so that agreement is tested where
    it is hard (near the threshold), not only on obvious cases.
    """
    import numpy as np
    from PIL import Image, ImageFilter

    bases_dir = str(CORPUS_BASES)
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    bases = sorted(f for f in os.listdir(bases_dir) if f.endswith(".png"))
    count = 0

    def save(img: Image.Image, name: str, **kw: Any) -> None:
        nonlocal count
        img.save(os.path.join(out, name), **kw)
        count += 1

    for i, name in enumerate(bases):
        im = Image.open(os.path.join(bases_dir, name)).convert("RGB")
        im.thumbnail((640, 640))
        stem = f"{i:02d}_{os.path.splitext(name)[0]}"
        arr = np.asarray(im).astype(np.float64)
        for j, f in enumerate(rng.uniform(0.05, 0.6, 3)):  # dark, around 0.32 at p99
            save(Image.fromarray((arr * f).clip(0, 255).astype(np.uint8)), f"{stem}_dark{j}.jpg")
        for j, lift in enumerate(rng.uniform(215, 254, 3)):  # light: lift the floor
            light = lift + arr * (255 - lift) / 255
            save(Image.fromarray(light.clip(0, 255).astype(np.uint8)), f"{stem}_light{j}.jpg")
        for j, r in enumerate(rng.uniform(1, 25, 3)):  # blurry, around 0.29
            save(im.filter(ImageFilter.GaussianBlur(float(r))), f"{stem}_blur{j}.jpg")
        save(im.convert("L"), f"{stem}_gray.jpg")  # mode L: CleanVision's grayscale
        save(im.convert("L").convert("RGB"), f"{stem}_gray_rgb.png")  # RGB, equal bands
        w, h = im.size
        for j, a in enumerate(rng.uniform(0.15, 0.6, 2)):  # odd aspect, around 0.35
            save(im.crop((0, 0, w, max(1, int(w * a)))), f"{stem}_strip{j}.png")
        for j, s in enumerate((0.08, 3.0)):  # odd size: tiny / huge
            save(im.resize((max(1, int(w * s)), max(1, int(h * s)))), f"{stem}_size{j}.jpg")
        q = int(rng.integers(2, 12))  # low information: few grey levels
        save(im.quantize(q).convert("RGB"), f"{stem}_q{q}.png")
        save(im.convert("P"), f"{stem}_pal.gif")
        rgba = im.copy()
        rgba.putalpha(128)
        save(rgba, f"{stem}_rgba.png")
    for j in range(12):  # flat and nearly flat images
        c = tuple(int(v) for v in rng.integers(0, 256, 3))
        flat = np.full((240, 320, 3), c, dtype=np.uint8)
        flat = (flat + rng.normal(0, j, flat.shape)).clip(0, 255).astype(np.uint8)
        save(Image.fromarray(flat), f"flat_{j:02d}.png")
    grad = np.tile(np.linspace(0, 255, 320), (240, 1)).astype(np.uint8)
    save(Image.fromarray(grad), "gradient_L.png")
    with open(os.path.join(out, "corrupt.jpg"), "wb") as fh:
        fh.write(b"\xff\xd8\xff\xe0 not really a jpeg")
    return count + 1


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="*")
    ap.add_argument("--cv-python", default=str(CLEANVISION_PYTHON))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--show", type=int, default=5, help="disagreements listed per type")
    ap.add_argument("--json", help="write the numbers here")
    ap.add_argument("--make-synthetic", metavar="DIR", help="write the synthetic set and exit")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.make_synthetic:
        print(f"{make_synthetic(args.make_synthetic, args.seed)} files in {args.make_synthetic}")
        return
    if not args.folders:
        ap.error("give at least one folder")
    results = [compare(f, args.cv_python, args.jobs, args.show) for f in args.folders]
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
