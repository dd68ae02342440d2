"""A plugin whose import takes 3 s must not slow down `run hello.greet` nor a warm `ops list`.

Builds a tiny slow-import plugin package in a temporary directory, installs it for real into a
temporary venv (with lightplug and the hello plugin, from the wheelhouse when there is one),
then times each command with and without it and prints the ratios (target: at most 1.5x).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_SLOW_SECONDS", "3"))
PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"
[project]
name = "bench-slow-plugin"
version = "0.0.1"
[project.entry-points.lightplug]
slowbench = "slowbench"
[tool.setuptools]
py-modules = ["slowbench"]
"""
MODULE = f"import time\ntime.sleep({SECONDS})\n"


def _best(argv: list[str], cwd: Path, env: dict, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "pkg").mkdir()
        (tmp / "pkg" / "pyproject.toml").write_text(PYPROJECT)
        (tmp / "pkg" / "slowbench.py").write_text(MODULE)
        venv.create(tmp / "v", with_pip=True)
        py = str(tmp / "v" / "bin" / "python")
        house = ROOT / ".venv" / "wheelhouse"
        pip = [py, "-m", "pip", "install", "-q", *(["--no-index", "--find-links", str(house)] if house.is_dir() else [])]
        subprocess.run([*pip, str(ROOT), str(ROOT / "builtin_plugins" / "hello")], check=True)
        lightplug = str(tmp / "v" / "bin" / "lightplug")
        env = {**os.environ, "LIGHTPLUG_CACHE_DIR": str(tmp / "cache")}
        env.pop("LIGHTPLUG_PLUGINS", None)
        subprocess.run([lightplug, "init", str(tmp / "proj")], check=True, capture_output=True, env=env)
        commands = {"run hello.greet": ["run", "hello.greet", "--no-input", "--json"],
                    "ops list (warm)": ["ops", "list", "--json"]}

        def measure() -> dict[str, float]:
            subprocess.run([lightplug, "ops", "list"], cwd=tmp / "proj", env=env, check=True, capture_output=True)
            return {k: _best([lightplug, *a], tmp / "proj", env) for k, a in commands.items()}

        without = measure()
        subprocess.run([*pip, str(tmp / "pkg")], check=True)
        with_slow = measure()
        for name in commands:
            ratio = with_slow[name] / without[name]
            print(f"{name}: {without[name] * 1000:.0f} ms without, {with_slow[name] * 1000:.0f} ms with a "
                  f"{SECONDS:.0f} s-import plugin = {ratio:.2f}x ({'ok' if ratio <= 1.5 else 'OVER 1.5x'})")


if __name__ == "__main__":
    main()
