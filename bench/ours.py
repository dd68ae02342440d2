"""lightplug through its installed command line, as a user runs it, plus the decode floor.

Every function returns wall times of whole commands (interpreter start, plugin loading and
worker start-up included) and what the command answered.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
LIGHTPLUG = str(BIN / "lightplug")


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[float, Any]:
    """Run ``lightplug ARGS``; its wall time and its JSON output (or None)."""
    started = time.perf_counter()
    proc = subprocess.run([LIGHTPLUG, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"lightplug {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    try:
        return seconds, json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        return seconds, None


def names_by_id(project: Path) -> dict[int, str]:
    """File name of every instance of ``project``."""
    _, rows = cli("-C", str(project), "images", "list", "--json")
    return {r["id"]: r["name"] for r in rows}


def dedup_end_to_end(images: Path, project: Path) -> dict[str, Any]:
    """``init`` + ``import`` + ``run dedup.find_duplicates`` with every plugin at its defaults."""
    shutil.rmtree(project, ignore_errors=True)
    t_init, _ = cli("init", str(project))
    t_import, summary = cli("-C", str(project), "import", str(images), "--json")
    t_find, found = cli("-C", str(project), "run", "dedup.find_duplicates", "--json", "--no-input")
    names = names_by_id(project)
    groups = [[names[i] for i in g["ids"]] for g in found["groups"]]
    return {"seconds": t_init + t_import + t_find, "init": t_init, "import": t_import, "find": t_find,
            "import_inner": summary["seconds"], "files": summary["files"], "groups": groups,
            "hashed": found["value"]["hashed"]}


def dedup_again(project: Path, extra: Path | None = None) -> dict[str, Any]:
    """Finding duplicates again (after importing ``extra``, when given)."""
    t_import = 0.0
    if extra is not None:
        t_import, _ = cli("-C", str(project), "import", str(extra), "--json")
    t_find, found = cli("-C", str(project), "run", "dedup.find_duplicates", "--json", "--no-input")
    return {"seconds": t_import + t_find, "import": t_import, "find": t_find,
            "hashed": found["value"]["hashed"]}


def quality_end_to_end(images: Path, project: Path) -> dict[str, Any]:
    """``init`` + ``import`` + ``run quality.find_issues`` with only the quality plugin."""
    env = {"LIGHTPLUG_PLUGINS": "quality"}
    shutil.rmtree(project, ignore_errors=True)
    t_init, _ = cli("init", str(project), env=env)
    t_import, _ = cli("-C", str(project), "import", str(images), "--json", env=env)
    t_find, found = cli("-C", str(project), "run", "quality.find_issues", "--json", "--no-input", env=env)
    names = names_by_id(project)
    flags: dict[str, list[str]] = {name: [] for name in names.values()}
    for group in found["groups"]:
        issue = group["name"].split(" (")[0]
        for i in group["ids"]:
            flags[names[i]].append(issue)
    return {"seconds": t_init + t_import + t_find, "init": t_init, "import": t_import,
            "find": t_find, "flags": flags}


def import_memory(images: Path, project: Path) -> float:
    """Peak RSS (MiB) of the largest process of ``lightplug import`` (main or worker)."""
    shutil.rmtree(project, ignore_errors=True)
    cli("init", str(project))
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, LIGHTPLUG, "-C", str(project), "import", str(images)],
                         check=True, capture_output=True, text=True).stdout
    return int(out.strip()) / 1024


def _floor_chunk(paths: list[str], size: int = 64) -> int:
    from PIL import Image

    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        hashlib.sha1(data).hexdigest()
        with Image.open(io.BytesIO(data)) as im:
            im.draft(im.mode, (size, size))
            im.load()
    return len(paths)


def decode_floor(images: Path, workers: int, size: int = 64) -> float:
    """Files/s of reading + sha1 + reduced-size (draft, both sides >= ``size``) decode over
    ``workers`` processes. 64 is the issue's floor; 128 is the size the dedup features need."""
    paths = sorted(str(p) for p in images.iterdir())
    chunks = [paths[i:i + 64] for i in range(0, len(paths), 64)]
    sizes = [size] * len(chunks)
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_floor_chunk, chunks[:2], sizes[:2]))  # workers started and warm
        started = time.perf_counter()
        done = sum(pool.map(_floor_chunk, chunks, sizes))
        return done / (time.perf_counter() - started)


TYPER_APP = """
import pluggy, typer
app = typer.Typer()
@app.command()
def hello(name: str = "world", count: int = 1) -> None:
    print(name * count)
@app.command()
def bye() -> None:
    pass
app()
"""


def startup(repeat: int, project: Path) -> dict[str, Any]:
    """Median wall times of ``--help``, a warm ``ops list`` and ``python -c 'import typer, pluggy'``.

    The commands take turns within each repetition: this VM's speed drifts by tens of percent
    within seconds, and timing each command in a block of its own showed the drift as a ratio.
    """
    import statistics

    commands = {"baseline": [sys.executable, "-c", "import typer, pluggy"],
                "help": [LIGHTPLUG, "--help"],
                "ops_list": [LIGHTPLUG, "-C", str(project), "ops", "list"],
                # what Typer itself costs: a two-command app, its --help and a command with an option
                "typer_help": [sys.executable, "-c", TYPER_APP, "--help"],
                "typer_command": [sys.executable, "-c", TYPER_APP, "hello", "--name", "x"]}
    subprocess.run(commands["ops_list"], check=True, capture_output=True)  # warm
    times: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(repeat):
        for key, argv in commands.items():
            started = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            times[key].append(time.perf_counter() - started)
    out: dict[str, Any] = {key: statistics.median(values) for key, values in times.items()}
    for key, argv in (("help", ["--help"]), ("ops_list", ["-C", str(project), "ops", "list"])):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "lightplug", *argv],
                              capture_output=True, text=True)
        top = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in proc.stderr.splitlines()}
        heavy = sorted(top & {"numpy", "PIL"})
        out[f"{key}_imports"] = heavy
    return out
