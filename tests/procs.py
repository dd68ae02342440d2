"""Real processes of the installed ``lightplug`` against one project, with plugins found through
real entry points (a ``.dist-info`` folder on ``PYTHONPATH``, as pip would write it)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def plugin_path(tmp: Path, name: str, package: str, source: Path) -> Path:
    """A folder holding ``package`` (copied from ``source/package``) and a dist-info declaring entry point ``name``."""
    site = tmp / f"site-{name}"
    if not site.exists():
        shutil.copytree(source / package, site / package)
        info = site / f"{package}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n")
        (info / "entry_points.txt").write_text(f"[lightplug]\n{name} = {package}\n")
    return site


def environment(paths: list[Path] | None = None, **extra: str) -> dict[str, str]:
    """The test process's environment without LIGHTPLUG_* settings, plus ``paths`` and ``extra``."""
    import tempfile

    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTPLUG")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths or [])
    env["LIGHTPLUG_CACHE_DIR"] = tempfile.mkdtemp(prefix="lightplug-cache-")
    env.update(extra)
    return env


def command(*args: Any) -> list[str]:
    return [sys.executable, "-m", "lightplug", *map(str, args)]


def run(*args: Any, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """``lightplug ARGS`` to completion, output captured, no standard input."""
    return subprocess.run(command(*args), capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env=env, timeout=timeout)


def start(*args: Any, env: dict[str, str]) -> subprocess.Popen:
    """``lightplug ARGS`` started in the background."""
    return subprocess.Popen(command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, env=env)


def json_of(*args: Any, env: dict[str, str]) -> Any:
    result = run(*args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def wait_for(predicate, timeout: float = 60, every: float = 0.1) -> Any:
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"still waiting after {timeout} s")


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    """Pids of the living processes whose parent chain leads to ``pid``."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        frontier += children
    return found


def interrupt(process: subprocess.Popen) -> None:
    """Send Ctrl-C (SIGINT) to ``process`` and its workers, as a terminal does to its process group."""
    for pid in [process.pid, *descendants(process.pid)]:
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            pass


def make_images(folder: Path, count: int, start: int = 0, size: int = 48) -> list[Path]:
    """``count`` distinct small PNG files in ``folder``."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + count):
        rng = np.random.default_rng(i)
        pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
        path = folder / f"img_{i:05d}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths
