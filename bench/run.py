"""`make bench`: core figures as ratios against baselines measured in the same run.

- start-up: `lightplug --help` against a bare `python -c pass`;
- import: files/s of `lightplug import` with 1 worker and with all cores, against a plain
  serial Pillow full decode of the same files;
- plugin loading: `run hello.greet` and a warm `ops list` with a 3 s-import plugin installed,
  against the same without it (bench/slow_plugin.py);
- then each plugin benchmark in bench/ that exists (they may need ../shared).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def timed(argv: list[str], env: dict | None = None, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env={**os.environ, **(env or {})})
        best = min(best, time.perf_counter() - start)
    return best


def make_files(directory: Path, count: int) -> list[Path]:
    from lightplug.sample import photo

    paths = []
    for i in range(count):
        path = directory / f"img_{i:05d}.jpg"
        photo(i, size=(640, 480)).save(path, quality=90)
        paths.append(path)
    return paths


def decode_all(paths: list[Path]) -> float:
    from PIL import Image

    start = time.perf_counter()
    for p in paths:
        with Image.open(p) as im:
            im.load()
    return time.perf_counter() - start


def main() -> None:
    count = int(os.environ.get("BENCH_FILES", "1500"))
    base = timed([sys.executable, "-c", "pass"])
    cli = timed([str(BIN / "lightplug"), "--help"])
    print(f"start-up: lightplug --help {cli * 1000:.0f} ms = {cli / base:.1f}x bare python ({base * 1000:.0f} ms)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "imgs").mkdir()
        files = make_files(tmp / "imgs", count)
        serial = decode_all(files)
        print(f"baseline: Pillow full decode, one core: {count / serial:.0f} files/s")
        for workers in ("1", str(os.cpu_count() or 1)):
            proj = tmp / f"p{workers}"
            subprocess.run([str(BIN / "lightplug"), "init", str(proj)], check=True, capture_output=True)
            seconds = timed([str(BIN / "lightplug"), "-C", str(proj), "import", str(tmp / "imgs")],
                            env={"LIGHTPLUG_WORKERS": workers, "LIGHTPLUG_PLUGINS": ""}, repeat=1)
            print(f"import ({workers} worker(s), no plugins): {count / seconds:.0f} files/s "
                  f"= {serial / seconds:.2f}x the baseline")
    print("\n== slow_plugin.py", flush=True)
    subprocess.run([sys.executable, str(HERE / "slow_plugin.py")], check=False)
    if os.environ.get("BENCH_CORE_ONLY"):
        return
    # Plugin benchmarks: accuracy against the reference tools, on corpora with known duplicates
    # built by ../shared/corpus/make_corpus.py. Each says what it needs when it is missing.
    n = os.environ.get("BENCH_CORPUS_N", "300")
    for script, args in (("dedup_accuracy.py", ["--seed", "1", "--n", n]),
                         ("similarity_accuracy.py", ["--seeds", "1", "--n", n]),
                         ("quality_agreement.py", [str(HERE.parent / "demo" / "sample")])):
        print(f"\n== {script} {' '.join(args)}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *args], check=False)

if __name__ == "__main__":
    main()
