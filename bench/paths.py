"""Where the benchmarks find their inputs and peers: relative to the repository, never one machine.

``../shared`` beside the clone holds the corpus builder and base photos; the reference tools
(imagededup, CleanVision) live in their own virtual environments that ``make bench`` creates
under ``.venv/peers/``; built corpora and outputs go to ``bench/out/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MAKE_CORPUS = SHARED / "corpus" / "make_corpus.py"
CORPUS_BASES = SHARED / "corpus" / "bases"
OUT = REPO / "bench" / "out"
PEERS = REPO / ".venv" / "peers"
IMAGEDEDUP_PYTHON = PEERS / "imagededup" / "bin" / "python"
CLEANVISION_PYTHON = PEERS / "cleanvision" / "bin" / "python"


def corpus(n: int, seed: int) -> Path:
    """``bench/out/corpus-<n>-<seed>`` (``images/`` and ``ground_truth.json``), built with
    ``make_corpus.py`` when missing."""
    out = OUT / f"corpus-{n}-{seed}"
    if not (out / "ground_truth.json").is_file():
        if not MAKE_CORPUS.is_file():
            raise SystemExit(f"{MAKE_CORPUS} not found: ../shared must sit beside the repository")
        print(f"building corpus n={n} seed={seed} ...", flush=True)
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--n", str(n), "--out", str(out), "--seed", str(seed),
                        "--workers", str(os.cpu_count() or 1)], check=True, stdout=subprocess.DEVNULL)
    return out
