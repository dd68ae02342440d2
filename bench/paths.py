"""Where the benchmarks find their inputs and peers: relative to the repository, never one machine.

``../shared`` beside the clone holds the corpus builder and base photos; the reference tools
(imagededup, CleanVision) live in their own virtual environments that ``make bench`` creates
under ``.venv/peers/``; built corpora and outputs go to ``bench/out/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MAKE_CORPUS = SHARED / "corpus" / "make_corpus.py"
CORPUS_BASES = SHARED / "corpus" / "bases"
OUT = REPO / "bench" / "out"
PEERS = REPO / ".venv" / "peers"
IMAGEDEDUP_PYTHON = PEERS / "imagededup" / "bin" / "python"
CLEANVISION_PYTHON = PEERS / "cleanvision" / "bin" / "python"
