"""The compute layer: ``map_images`` caching and resuming, executors by name, the worker pools.

A plugin defined in this module (``plugin_class`` and a ``register_executors`` hook) is added
to the host the way tests/conftest.py adds the documentation examples, and driven through the
real command line against real PNG files and a real project database. The worker function is
top level here, so spawned worker processes import it from this module.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lightplug import ActionContext, ActionResult, APlugin, hookimpl, map_images
from lightplug.compute import PoolMapper, pools
from lightplug.compute.executors import THREAD, UnknownExecutor, get_mapper

N_IMAGES = 40  # above the 32-image limit under which work stays on threads
BATCH = 8
FIRST = "img_00.png"
USED: list[str] = []  # names of the plugin executor's chunks, appended when it runs


# -- the worker function and the probe plugin ----------------------------------------------------
def probe_paths(paths: list[str], only_chunk_starting: str = "") -> list[tuple[Any, str | None]]:
    """``[pid, mean grey level]`` per readable image, the decode error otherwise.

    With ``only_chunk_starting``, every chunk that does not start with that file name waits a
    little and raises: the chunk that does is stored, the others are not.
    """
    from PIL import Image, ImageStat

    if only_chunk_starting and Path(paths[0]).name != only_chunk_starting:
        time.sleep(0.5)
        raise RuntimeError("stopped on purpose")
    out: list[tuple[Any, str | None]] = []
    for path in paths:
        try:
            with Image.open(path) as im:
                out.append(([os.getpid(), ImageStat.Stat(im.convert("L")).mean[0]], None))
        except OSError as exc:
            out.append((None, f"{type(exc).__name__}: {exc}"))
    return out


class ComputeProbe(APlugin):
    """Computes ``probe_paths`` vectors of the selection with ``map_images``."""

    def __init__(self, project: Any, plugin_path: str, name: str) -> None:
        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.add_action_easy(self.probe, ["vector"])

    async def probe(self, context: ActionContext, stop_after_first: bool = False,
                    force: bool = False) -> ActionResult:
        """Compute probe vectors of the selection.

        :param stop_after_first: every chunk but the first raises
        :param force: recompute stored vectors
        """
        types = self.vector_types or [await self.project.add_vector_type(
            self.project.create_vector_type({"probe": 1}))]
        instances = sorted(await self.project.get_instances(ids=context.instance_ids), key=lambda i: i.url)
        out = await map_images(self.project, types[0].id, probe_paths, instances,
                               extra_args=(FIRST if stop_after_first else "",), batch_size=BATCH,
                               force=force)
        return ActionResult(value={"computed": out.computed, "cached": out.cached, "failed": out.failed,
                                   "vectors": len(out.vectors), "main_pid": os.getpid(),
                                   "pids": sorted({int(v[0]) for v in out.vectors.values()})})


plugin_class = ComputeProbe


class RecordingMapper(PoolMapper):
    """The shared thread pool, recording each chunk it is given in ``USED``."""

    def map(self, function, chunks, extra_args=()):
        USED.extend(Path(c[0]).name for c in chunks)
        return super().map(function, chunks, extra_args)


@hookimpl
def register_executors(register):
    register("probe-threads", lambda: RecordingMapper("probe-threads", pools.thread_pool, lambda: 2))


# -- fixtures -------------------------------------------------------------------------------------
class Cli:
    """The real Typer app with a fresh host per call, this module added to it as ``computeprobe``."""

    def __call__(self, *args: Any) -> Any:
        from typer.testing import CliRunner

        from lightplug.cli import app
        from lightplug.host import PluginInfo, get_host, reset_host

        reset_host()
        host = get_host()
        if "computeprobe" not in host.plugins:
            host.add(sys.modules[__name__], PluginInfo(name="computeprobe", distribution="test", version="0"))
        return CliRunner().invoke(app, [str(a) for a in args])

    def json(self, *args: Any, code: int = 0) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == code, result.output
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``N_IMAGES`` distinct noise PNGs."""
    import numpy as np
    from PIL import Image

    folder = tmp_path_factory.mktemp("compute_images")
    rng = np.random.default_rng(7)
    for i in range(N_IMAGES):
        pixels = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"img_{i:02d}.png")
    return folder


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch):
    """Only the probe plugin loads; two workers; pools started fresh and killed afterwards."""
    monkeypatch.setenv("LIGHTPLUG_PLUGINS", "computeprobe")
    monkeypatch.setenv("LIGHTPLUG_WORKERS", "2")
    monkeypatch.delenv("LIGHTPLUG_EXECUTOR", raising=False)
    pools.terminate_workers()
    USED.clear()
    yield monkeypatch
    pools.terminate_workers()


@pytest.fixture
def probe(env, tmp_path: Path, images: Path):
    """``probe(*args, code=0)``: ``run computeprobe.probe`` on a project of ``images``, parsed."""
    cli = Cli()
    root = tmp_path / "project"
    assert cli("init", root).exit_code == 0
    result = cli("-C", root, "import", images)
    assert result.exit_code == 0, result.output

    def run(*args: str, code: int = 0) -> dict:
        return cli.json("-C", root, "run", "computeprobe.probe", "--no-input", *args, code=code)

    run.root = root
    return run


# -- map_images through the command line ---------------------------------------------------------
def test_second_run_computes_nothing(probe):
    first = probe()
    assert (first["value"]["computed"], first["value"]["cached"]) == (N_IMAGES, 0)
    again = probe()
    assert (again["value"]["computed"], again["value"]["cached"]) == (0, N_IMAGES)
    assert again["value"]["vectors"] == N_IMAGES
    assert probe("--force")["value"]["computed"] == N_IMAGES


def test_batches_are_stored_as_they_arrive_and_a_rerun_resumes(probe):
    stopped = probe("--stop-after-first", code=1)
    assert stopped["status"] == "error" and "stopped on purpose" in stopped["message"]
    resumed = probe()
    assert (resumed["value"]["computed"], resumed["value"]["cached"]) == (N_IMAGES - BATCH, BATCH)


def test_process_executor_uses_worker_processes(probe):
    value = probe()["value"]
    assert value["pids"] and value["main_pid"] not in value["pids"]


def test_one_worker_uses_threads(probe, env):
    env.setenv("LIGHTPLUG_WORKERS", "1")
    value = probe()["value"]
    assert value["pids"] == [value["main_pid"]]


def test_executor_is_chosen_by_environment(probe, env):
    env.setenv("LIGHTPLUG_EXECUTOR", "thread")
    value = probe()["value"]
    assert value["pids"] == [value["main_pid"]]


def test_unknown_executor_is_a_clear_error(probe, env):
    env.setenv("LIGHTPLUG_EXECUTOR", "nope")
    out = probe(code=1)
    assert out["status"] == "error"
    assert "unknown executor 'nope' (from LIGHTPLUG_EXECUTOR); available: process, thread, probe-threads" \
        in out["message"]


def test_plugin_registered_executor_is_used(probe, env):
    env.setenv("LIGHTPLUG_EXECUTOR", "probe-threads")
    value = probe()["value"]
    assert value["computed"] == N_IMAGES and value["pids"] == [value["main_pid"]]
    assert sorted(USED) == [f"img_{i:02d}.png" for i in range(0, N_IMAGES, BATCH)]


def small_project(tmp_path: Path, images: Path, count: int = 3) -> tuple[Cli, Path, list[Path]]:
    """A project of copies of the first ``count`` images (so that tests may damage them)."""
    import shutil

    folder = tmp_path / "few"
    folder.mkdir()
    files = [Path(shutil.copy(images / f"img_{i:02d}.png", folder)) for i in range(count)]
    cli = Cli()
    root = tmp_path / "small"
    assert cli("init", root).exit_code == 0
    assert cli("-C", root, "import", folder).exit_code == 0
    return cli, root, files


def test_unreadable_file_is_reported_and_tried_again(env, tmp_path, images):
    cli, root, files = small_project(tmp_path, images)
    saved = files[1].read_bytes()
    files[1].write_bytes(b"no longer a png")
    run = ["-C", root, "run", "computeprobe.probe", "--no-input"]
    value = cli.json(*run)["value"]
    assert value["computed"] == 2 and list(value["failed"]) == [str(files[1])]
    assert "UnidentifiedImageError" in value["failed"][str(files[1])]
    files[1].write_bytes(saved)
    value = cli.json(*run)["value"]
    assert (value["computed"], value["cached"], value["failed"]) == (1, 2, {})


def two_vectors(paths: list[str]) -> list[tuple[Any, str | None]]:
    """Two vectors per image from one decode: its size, and its mean colour."""
    from PIL import Image, ImageStat

    out: list[tuple[Any, str | None]] = []
    for path in paths:
        try:
            with Image.open(path) as im:
                out.append(((im.size, ImageStat.Stat(im.convert("RGB")).mean), None))
        except OSError as exc:
            out.append((None, str(exc)))
    return out


def test_several_vector_types_and_remembered_failures(env, tmp_path, images):
    from lightplug.project import Project

    _, root, files = small_project(tmp_path, images)
    files[2].write_bytes(b"broken")
    project = Project(root)
    iface = project.interface()

    async def compute(force: bool = False):
        size = await iface.add_vector_type(iface.create_vector_type({"what": "size"}))
        colour = await iface.add_vector_type(iface.create_vector_type({"what": "colour"}))
        instances = await iface.get_instances()
        out = await map_images(iface, [size.id, colour.id], two_vectors, instances,
                               remember_failures=True, force=force)
        return out, [await iface.get_vectors(t) for t in (size.id, colour.id)]

    try:
        out, stored = project.run(compute())
        assert (out.computed, out.cached, list(out.failed)) == (2, 0, [str(files[2])])
        size, colour = out.vectors[next(iter(out.vectors))]
        assert size.tolist() == [32.0, 24.0] and colour.shape == (3,) and colour.dtype.name == "float32"
        assert [sorted(len(v.data) for v in vs) for vs in stored] == [[0, 2, 2], [0, 3, 3]]
        again, _ = project.run(compute())
        assert (again.computed, again.cached, list(again.failed)) == (0, 3, [str(files[2])])
        assert "remembered" in again.failed[str(files[2])]
        forced, _ = project.run(compute(force=True))
        assert (forced.computed, forced.cached, len(forced.failed)) == (2, 0, 1)
    finally:
        project.close()


# -- the executors without the command line ------------------------------------------------------
def test_get_mapper_names(env):
    assert get_mapper("thread").name == THREAD
    assert get_mapper().name == "process"
    env.setenv("LIGHTPLUG_EXECUTOR", "Thread")
    assert get_mapper().name == THREAD
    with pytest.raises(UnknownExecutor, match="available: process, thread"):
        get_mapper("dask-please")


# -- the pools --------------------------------------------------------------------------------------
def sigint_ignored(_: int) -> bool:
    time.sleep(0.05)
    return signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def worker_pid(_: int) -> int:
    time.sleep(0.05)
    return os.getpid()


def test_workers_ignore_sigint_and_are_terminated_at_once(env):
    pool = pools.process_pool()
    assert all(pool.map(sigint_ignored, range(4)))
    assert os.getpid() not in set(pool.map(worker_pid, range(8)))
    workers = list(pool._processes.values())
    for process in workers:
        os.kill(process.pid, signal.SIGINT)
    time.sleep(0.3)
    assert workers and all(p.is_alive() for p in workers)  # Ctrl-C is the main process's business
    assert len(list(pool.map(worker_pid, range(8)))) == 8
    busy = pool.submit(time.sleep, 30)
    time.sleep(0.2)
    workers = list(pool._processes.values())
    started = time.monotonic()
    pools.terminate_workers()
    assert time.monotonic() - started < 5
    # the pool's own thread may reap a worker first (then is_alive() wrongly says True): ask /proc,
    # and give that thread a moment to fail the pending future
    deadline = time.monotonic() + 5
    while (any(pools._running(p.pid) for p in workers) or not busy.done()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(pools._running(p.pid) for p in workers)
    assert busy.done()
    assert pools.process_pool() is not pool  # forgotten: the next use starts fresh workers


class _Cycle:
    """Writes its name to a file when finalized; kept alive by a reference to itself."""

    def __init__(self, path: str) -> None:
        self.path, self.me = path, self

    def __del__(self) -> None:
        Path(self.path).write_text("finalized")


_HELD: list[Any] = []


def hold_a_cycle(folder: str) -> int:
    """In a worker: a cycle with a finalizer held until exit, and an exit handler."""
    import atexit

    _HELD.append(_Cycle(os.path.join(folder, f"cycle-{os.getpid()}")))
    atexit.register(Path(os.path.join(folder, f"atexit-{os.getpid()}")).write_text, "ran")
    time.sleep(0.1)
    return os.getpid()


def test_workers_exit_without_walking_what_they_hold(env, tmp_path):
    """At exit a worker freezes what it holds (the collector's final pass over every module
    and plugin it loaded costs tens of ms, and the import waits for its workers): exit
    handlers still run; a cycle left at exit is not finalized (Python does not promise it)."""
    pools.shutdown()
    pids = set(pools.process_pool().map(hold_a_cycle, [str(tmp_path)] * 4))
    pools.shutdown()  # waits for the workers to exit
    assert pids and os.getpid() not in pids
    for pid in pids:
        assert (tmp_path / f"atexit-{pid}").read_text() == "ran"
        assert not (tmp_path / f"cycle-{pid}").exists()


PROBE_MASK = """
import signal, sys
from multiprocessing import Pipe

from lightplug.compute.spawn import QuietSpawnContext


def report(conn):
    conn.send(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))


if __name__ == "__main__":
    mine, theirs = Pipe()  # a Pipe, not a Queue: nothing has started the resource tracker yet
    worker = QuietSpawnContext().Process(target=report, args=(theirs,))
    worker.start()  # the first process this interpreter spawns: it starts the resource tracker
    print("blocked" if mine.recv() else "not blocked", "here:", signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))
    worker.join()
"""


def test_the_first_worker_also_starts_with_sigint_blocked(tmp_path):
    """multiprocessing starts its resource tracker when the first process is spawned, and unblocks
    SIGINT on the way out: the first worker used to start with Ctrl-C open to it."""
    import subprocess

    script = tmp_path / "probe_mask.py"
    script.write_text(PROBE_MASK)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "blocked here: False"  # blocked in the child, not left blocked here


def test_worker_count_follows_environment_and_affinity(env):
    assert pools.worker_count() == 2
    env.delenv("LIGHTPLUG_WORKERS")
    assert pools.worker_count() == len(os.sched_getaffinity(0))
    env.setenv("LIGHTPLUG_WORKERS", "1")
    assert pools.process_pool() is pools.thread_pool()
