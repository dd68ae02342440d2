"""The engine-neutral part of running chunks on a cluster (``lightplug.compute.remote``), without a
cluster: ``RemoteMapper`` over threads that stand in for a cluster's workers (a real engine of the
seam, not a mock: tasks go through ``run_chunk`` with pickled functions and arguments), the path
map, and ``ordered_chunks`` for synchronous callers. The clusters themselves: tests/test_scaleout.py.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest


def test_path_map_and_executor_names(monkeypatch):
    from lightplug.compute.executors import executor_name, split_name
    from lightplug.compute.remote import BadSetting, map_path, path_map

    monkeypatch.setenv("LIGHTPLUG_PATH_MAP", "/mnt/photos=/data/photos; /mnt=/share/ ;/=/cluster")
    pairs = path_map()
    assert pairs == [("/mnt/photos", "/data/photos"), ("/mnt", "/share"), ("/", "/cluster")]
    assert map_path("/mnt/photos/a.jpg", pairs) == "/data/photos/a.jpg"
    assert map_path("/mnt/photosets/a.jpg", pairs) == "/share/photosets/a.jpg"
    assert map_path("/photos/x.png", pairs) == "/cluster/photos/x.png"
    monkeypatch.setenv("LIGHTPLUG_PATH_MAP", "/only-one-side")
    with pytest.raises(BadSetting, match="is not LOCAL_PREFIX=CLUSTER_PREFIX") as bad:
        path_map()
    assert bad.value.exit_code == 2  # lightplug import exits 2: a usage error
    assert split_name(" Dask://Scheduler.Example:8786 ") == ("dask", "Scheduler.Example:8786")
    assert executor_name("RAY://Head:10001") == "ray://Head:10001" and executor_name("Thread") == "thread"


def sleepy_chunk(chunk: list, delays: dict) -> list:
    """Each item after its delay (so chunks finish out of order)."""
    for item in chunk:
        time.sleep(delays.get(item, 0.0))
    return [f"done {item}" for item in chunk]


def sha1_of_files(paths: list) -> list:
    import hashlib

    out = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                out.append(hashlib.sha1(handle.read()).hexdigest())
        except OSError as exc:
            out.append(f"unreadable: {exc.strerror}")
    return out


def dying_chunk(chunk: list, deaths: dict) -> list:
    """Each item, or ``ChildProcessError`` (the thread engine's "its worker died") after the delay
    ``deaths`` gives the item."""
    for item in chunk:
        if item in deaths:
            time.sleep(deaths[item])
            raise ChildProcessError(f"worker running {item} died")
    return [f"done {item}" for item in chunk]


class ThreadEngine:
    """A ``RemoteMapper`` engine whose workers are threads of this process; a task that raises
    ``ChildProcessError`` stands for one whose workers died."""

    def __new__(cls, workers: int = 2):
        from lightplug.compute.remote import RemoteMapper, run_chunk, worker_lost

        class Engine(RemoteMapper):
            name = "threads://test"

            def __init__(self) -> None:
                self.pool = ThreadPoolExecutor(workers)
                self.submitted = 0
                self.handed = 0
                self.peak = 0
                self.cancelled: list[Future] = []

            def workers(self) -> int:
                return workers

            def _submit(self, call, items, args, token):
                self.submitted += 1
                self.peak = max(self.peak, self.submitted - self.handed)
                future = self.pool.submit(run_chunk, call, items, args, token)
                return future, future

            def _cancel(self, handles):
                self.cancelled += handles
                for future in handles:
                    future.cancel()

            def _failure(self, exc, chunk):
                return worker_lost(self.name, [chunk], str(exc)) if isinstance(exc, ChildProcessError) else exc

        return Engine()


def collect(engine: Any, function: Any, chunks: list, extra: tuple = (), ordered: bool = False, stop_after: int = 0):
    async def go() -> list:
        out = []
        stream = engine.map(function, chunks, extra, ordered=ordered)
        async for index, outputs in stream:
            engine.handed += 1
            out.append((index, outputs))
            if stop_after and len(out) == stop_after:
                await stream.aclose()
                break
        return out
    return asyncio.run(go())


def test_remote_mapper_keeps_order_and_a_bounded_window(monkeypatch):
    monkeypatch.setenv("LIGHTPLUG_IN_FLIGHT", "2")
    engine = ThreadEngine(workers=2)
    chunks = [[f"item{k}"] for k in range(24)]
    delays = {"item0": 0.3, "item9": 0.1}
    got = collect(engine, sleepy_chunk, chunks, (delays,), ordered=True)
    assert [i for i, _ in got] == list(range(24)) and got[5][1] == ["done item5"]
    assert engine.submitted == 8  # tasks of 3 chunks: 4 tasks per worker
    assert engine.peak <= 4  # 2 tasks per worker: what the client holds stays bounded
    unordered = collect(ThreadEngine(workers=2), sleepy_chunk, chunks, (delays,))
    assert sorted(unordered) == got and [i for i, _ in unordered] != list(range(24))


def test_remote_mapper_closing_cancels_what_is_in_flight(monkeypatch):
    monkeypatch.setenv("LIGHTPLUG_IN_FLIGHT", "3")
    engine = ThreadEngine(workers=2)
    chunks = [[f"item{k}"] for k in range(40)]
    got = collect(engine, sleepy_chunk, chunks, ({f"item{k}": 0.02 for k in range(40)},), ordered=True, stop_after=3)
    assert len(got) == 3 and engine.cancelled and engine.submitted < 8  # of 8 tasks of 5 chunks


def test_remote_mapper_paths(tmp_path, monkeypatch):
    from lightplug.compute.remote import PathNotVisible

    files = []
    for k in range(6):
        files.append(str(tmp_path / f"f{k}.bin"))
        Path(files[-1]).write_bytes(os.urandom(100 + k))
    local = sha1_of_files(files)
    chunks = [files[:3], files[3:]]
    monkeypatch.setenv("LIGHTPLUG_PATH_MAP", f"{tmp_path}=/nonexistent/cluster")
    # both chunks run at once: whichever fails first is reported, naming its first file both ways
    seen = re.escape(f"cannot see {tmp_path}/") + r"f([03])\.bin \(sent as /nonexistent/cluster/f\1\.bin\)"
    with pytest.raises(PathNotVisible, match=seen):
        collect(ThreadEngine(), sha1_of_files, chunks)
    monkeypatch.setenv("LIGHTPLUG_SHIP_BYTES", "1")  # the bytes travel instead: same results
    assert [o for _, o in collect(ThreadEngine(), sha1_of_files, chunks, ordered=True)] == [local[:3], local[3:]]
    monkeypatch.delenv("LIGHTPLUG_SHIP_BYTES")
    gone = str(tmp_path / "gone.bin")  # missing here too: the function reports it, as it does locally
    assert collect(ThreadEngine(), sha1_of_files, [[gone]]) == [(0, ["unreadable: No such file or directory"])]


def test_workers_lost_name_every_task_lost_with_them(tmp_path):
    """An engine fails every task that shared a dying worker: the error names them all, since
    which one killed it is not known; a task lost alone is named alone."""
    from lightplug.compute.remote import WorkerLost

    photos = tmp_path / "photos"
    photos.mkdir()
    chunks = []  # one chunk per task (2 workers, 4 tasks each)
    for k in range(8):
        (photos / f"{k}.jpg").write_bytes(b"not looked at")
        chunks.append([str(photos / f"{k}.jpg")])
    with pytest.raises(WorkerLost) as alone:
        collect(ThreadEngine(), dying_chunk, chunks, ({chunks[5][0]: 0.0},))
    assert f"died running a task (the one starting with {photos}/5.jpg) more often" in str(alone.value)
    assert f"worker running {photos}/5.jpg died." in str(alone.value) and "The engine failed" not in str(alone.value)
    # the second is lost 0.3 s after the first (within LOST_GRACE): one error names both
    with pytest.raises(WorkerLost) as together:
        collect(ThreadEngine(), dying_chunk, chunks, ({chunks[5][0]: 0.0, chunks[4][0]: 0.3},))
    message = str(together.value)
    starts = re.escape(str(photos)) + r"/[45]\.jpg"
    assert re.search(rf"The engine failed 2 tasks \(those starting with {starts}, {starts}\) "
                     r"that shared the workers that died; one of them is the cause\.", message), message
    assert f"{photos}/4.jpg" in message and f"{photos}/5.jpg" in message and len(together.value.tasks) == 2
    assert message.endswith("then run the command again to compute the rest")


def test_ordered_chunks_for_synchronous_callers():
    from lightplug.compute.blocking import ordered_chunks

    engine = ThreadEngine(workers=2)
    chunks = [[f"item{k}"] for k in range(10)]
    delays = {"item0": 0.2}
    assert [i for i, _ in ordered_chunks(engine, sleepy_chunk, chunks, (delays,))] == list(range(10))
    engine = ThreadEngine(workers=2)
    delays = {f"item{k}": 0.05 for k in range(50)} | {"item1": 0.5}
    stream = ordered_chunks(engine, sleepy_chunk, [[f"item{k}"] for k in range(50)], (delays,))
    assert next(stream)[0] == 0
    stream.close()  # the caller stops: what is in flight is cancelled, nothing more is sent, the thread ends
    assert engine.cancelled and engine.submitted <= engine.window() + 1
    assert not [t for t in threading.enumerate() if t.name == "lightplug-mapper"]
