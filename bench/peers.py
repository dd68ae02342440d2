"""The reference tools, each run in its own virtual environment (``make bench`` creates them).

* imagededup: ``PHash().find_duplicates(image_dir=...)`` at its defaults (max distance 10);
  its package ``__init__`` files import torch, which its hashing does not need, so they are
  skipped (the venv has imagededup installed with ``--no-deps``).
* imagehash: ``imagehash.phash`` of every file, one process (the usual script).
* CleanVision: ``Imagelab(filepaths=...).find_issues(...)`` for the issue types the quality
  plugin covers, with its default thresholds and ``n_jobs`` (every core).

Each returns its wall time (interpreter start included, as for lightplug's command line)
and its answer.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from paths import CLEANVISION_PYTHON, IMAGEDEDUP_PYTHON

IMAGEDEDUP = r"""
import importlib.util, json, os, sys, types
root = os.path.dirname(importlib.util.find_spec("imagededup").origin)
for sub in ("methods", "utils"):  # their __init__ files import torch; hashing does not need it
    module = types.ModuleType("imagededup." + sub)
    module.__path__ = [os.path.join(root, sub)]
    sys.modules["imagededup." + sub] = module
from imagededup.methods.hashing import PHash
found = PHash(verbose=False).find_duplicates(image_dir=sys.argv[1], max_distance_threshold=10)
json.dump(found, sys.stdout)
"""

IMAGEHASH = r"""
import json, os, sys
import imagehash
from PIL import Image
out = {}
for name in sorted(os.listdir(sys.argv[1])):
    try:
        with Image.open(os.path.join(sys.argv[1], name)) as im:
            out[name] = str(imagehash.phash(im))
    except Exception:
        pass
json.dump(out, sys.stdout)
"""

CLEANVISION = r"""
import json, os, sys
from cleanvision import Imagelab
folder = sys.argv[1]
files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
types = ["dark", "light", "odd_aspect_ratio", "low_information", "blurry", "grayscale", "odd_size"]
lab = Imagelab(filepaths=files, verbose=False)
lab.find_issues({k: {} for k in types}, verbose=False)
out = {os.path.basename(p): [k for k in types if bool(row["is_" + k + "_issue"])]
       for p, row in lab.issues.iterrows()}
json.dump(out, sys.stdout)
"""


def available() -> dict[str, bool]:
    """Which peers are installed."""
    def has(python: Path, module: str) -> bool:
        if not python.is_file():
            return False
        check = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
        return subprocess.run([str(python), "-c", check], capture_output=True).returncode == 0

    return {"imagededup": has(IMAGEDEDUP_PYTHON, "imagededup"), "imagehash": has(IMAGEDEDUP_PYTHON, "imagehash"),
            "cleanvision": has(CLEANVISION_PYTHON, "cleanvision")}


def _run(python: Path, script: str, *args: str) -> tuple[float, Any]:
    started = time.perf_counter()
    proc = subprocess.run([str(python), "-c", script, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{python} failed:\n{proc.stderr[-2000:]}")
    return seconds, json.loads(proc.stdout)


def imagededup(images: Path) -> tuple[float, set[tuple[str, str]]]:
    """imagededup's time and predicted pairs (every listed neighbour)."""
    seconds, found = _run(IMAGEDEDUP_PYTHON, IMAGEDEDUP, str(images))
    return seconds, {tuple(sorted((a, b))) for a, others in found.items() for b in others}  # type: ignore[misc]


def imagehash(images: Path) -> tuple[float, int]:
    """imagehash's time to hash every file, and how many it hashed."""
    seconds, found = _run(IMAGEDEDUP_PYTHON, IMAGEHASH, str(images))
    return seconds, len(found)


def cleanvision(images: Path) -> tuple[float, dict[str, list[str]]]:
    """CleanVision's time and the issue types flagged per file name."""
    return _run(CLEANVISION_PYTHON, CLEANVISION, str(images))
