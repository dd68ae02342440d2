"""Per-image work on a Dask or Ray cluster gives the local results, with clear errors (issue 13).

The clusters are real and started once per module: a Dask ``LocalCluster`` (2 single-threaded
worker processes) and a local Ray head (2 CPUs, ``ray start``). Every command is the installed
``lightplug`` in a subprocess with ``LIGHTPLUG_EXECUTOR`` set, on photo-like files made by
``lightplug.sample``; what the import stored (hashes, hue vectors, quality measures, pixel
embeddings) and what the operators found (duplicate groups, quality issues, hue groups,
near duplicates, clusters) is compared with the process pool's. ``scaleout_probe`` (a test
plugin) is slow or kills its worker on demand. The fast tests at the end need no cluster; the
engine-neutral part has its own: tests/test_remote_mapper.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import procs

BIN = Path(sys.executable).parent
HAVE_DASK = all(importlib.util.find_spec(m) for m in ("distributed", "lightplug_dask"))
HAVE_RAY = all(importlib.util.find_spec(m) for m in ("ray", "lightplug_ray"))


def engine(name: str, available: bool, what: str):
    """Marks of a test that needs engine ``name``: slow, the engine's marker, skipped without it."""
    def mark(test):
        for marker in (pytest.mark.slow, getattr(pytest.mark, name),
                       pytest.mark.skipif(not available, reason=f"{what} not installed (make test installs them)")):
            test = marker(test)
        return test
    return mark


dask_test = engine("dask", HAVE_DASK, "dask.distributed or lightplug-dask")
ray_test = engine("ray", HAVE_RAY, "ray or lightplug-ray")

# plugin switches that turn the import-time features off, so that the operators compute everything
NO_IMPORT_FEATURES = [("hue", "compute_on_import=false"), ("dedup", "hash_on_import=false"),
                      ("quality", "measure_on_import=false"), ("similarity", "compute_on_import=false")]
OPERATIONS = [["dedup.find_duplicates"], ["quality.find_issues"], ["hue.hue_groups", "--nb-groups", "3"],
              ["similarity.near_duplicates"]]


# -- helpers --------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stored(root: Path) -> dict[str, list]:
    """What a project stored per file and per content: images, instances, vectors (by type)."""
    with sqlite3.connect(root / ".lightplug" / "project.db") as db:
        types = {i: (src, params) for i, src, params in db.execute("select id, source, params from vector_types")}
        return {"images": sorted(db.execute("select * from images")),
                "instances": sorted(db.execute("select id, name, sha1, url, width, height, ahash from instances")),
                "vectors": sorted((types[t], s, bytes(d)) for t, s, d in db.execute("select * from vectors"))}


def comparable(result: dict) -> dict:
    """A run's result without what differs from run to run (times, run ids)."""
    return {"status": result["status"], "message": result["message"], "value": result["value"],
            "groups": [(g["name"], g["ids"], g["paths"], g["scores"], g["score"]) for g in result["groups"]]}


class Lightplug:
    """The installed ``lightplug`` in subprocesses, with one executor and the probe plugin."""

    def __init__(self, site: Path, executor: str, **extra: str) -> None:
        self.env = procs.environment([site], LIGHTPLUG_WORKERS="2", LIGHTPLUG_EXECUTOR=executor, **extra)

    def __call__(self, *args: Any, code: int = 0, timeout: float = 300) -> subprocess.CompletedProcess:
        result = procs.run(*args, env=self.env, timeout=timeout)
        assert result.returncode == code, result.stderr[-3000:]
        return result

    def json(self, *args: Any, code: int = 0) -> Any:
        return json.loads(self(*args, "--json", code=code).stdout)

    def imported(self, root: Path, photos: Path, features: bool = True) -> Path:
        """A new project at ``root`` with ``photos`` imported (import-time features off if not ``features``)."""
        shutil.rmtree(root, ignore_errors=True)
        self("init", root)
        for plugin, setting in ([] if features else NO_IMPORT_FEATURES):
            self("-C", root, "plugins", "config", plugin, setting)
        self.json("-C", root, "import", photos)
        return root

    def analysed(self, root: Path) -> list[dict]:
        """Every built-in operator of ``OPERATIONS`` run in ``root``, comparable results."""
        return [comparable(self.json("-C", root, "run", *op, "--no-input")) for op in OPERATIONS]


def compare_with_local(cli: Lightplug, local: dict, work: Path, photos: Path) -> None:
    """The import and the operators on ``cli``'s executor store and find what they do locally."""
    assert stored(cli.imported(work / "import", photos)) == local["import"]
    runtime = cli.imported(work / "runtime", photos, features=False)
    assert cli.analysed(runtime) == local["runs"]
    assert stored(runtime) == local["runtime"]


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The probe plugin installed as a real entry point (a dist-info folder on the path)."""
    return procs.plugin_path(tmp_path_factory.mktemp("site"), "scaleoutprobe", "scaleout_probe",
                             procs.FIXTURES / "scaleout_probe")


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from lightplug.sample import make_sample

    folder = tmp_path_factory.mktemp("scaleout") / "photos"
    make_sample(folder, count=24)  # 34 files: photos, near and exact duplicates, dark, gray, broken
    return folder


@pytest.fixture(scope="module")
def local(site: Path, photos: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What the process pool stores and finds: the reference."""
    cli = Lightplug(site, "process")
    work = tmp_path_factory.mktemp("local")
    runtime = cli.imported(work / "runtime", photos, features=False)
    out = {"import": stored(cli.imported(work / "import", photos)), "runs": cli.analysed(runtime),
           "runtime": stored(runtime)}
    assert out["import"]["vectors"] and all(r["status"] == "success" for r in out["runs"])
    assert any(r["groups"] for r in out["runs"])
    return out


@pytest.fixture(scope="module")
def dask_cluster(site: Path):
    """A real ``LocalCluster``: 2 single-threaded worker processes that can import the probe plugin."""
    if not HAVE_DASK:
        pytest.skip("dask.distributed or lightplug-dask not installed")
    from distributed import Client, LocalCluster

    sys.path.insert(0, str(site))  # workers, also those restarted after a death, start with this path
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                           scheduler_kwargs={"dashboard": False})
    client = Client(cluster)
    yield cluster, client
    client.close()
    cluster.close()
    sys.path.remove(str(site))


@pytest.fixture(scope="module")
def ray_head(site: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real local Ray head (2 CPUs) started with ``ray start``, its workers able to import the probe;
    the environment a command needs to join it."""
    if not HAVE_RAY:
        pytest.skip("ray or lightplug-ray not installed")
    import secrets

    port = free_port()
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}  # Ray's token auth, kept on
    env = {**os.environ, "PYTHONPATH": str(site), **auth}
    log = tmp_path_factory.mktemp("ray") / "head.log"
    with open(log, "w") as out:
        head = subprocess.Popen([str(BIN / "ray"), "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
                                 "--include-dashboard=false", "--disable-usage-stats"],
                                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        procs.wait_for(lambda: "Ray runtime started" in log.read_text() or head.poll() is not None, timeout=120)
        assert head.poll() is None, log.read_text()[-3000:]
        yield {"RAY_ADDRESS": f"127.0.0.1:{port}", **auth}  # what a command needs to join it (ray://auto)
    finally:
        family = [head.pid, *procs.descendants(head.pid)]
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for pid in family:
            if procs.alive(pid):
                os.kill(pid, signal.SIGKILL)
        head.wait(15)


def started_and_gone(cli: Lightplug, *args: Any) -> subprocess.CompletedProcess:
    """Run ``lightplug ARGS``; fail unless every process it started is gone when it has ended."""
    process = procs.start(*args, env=cli.env)
    seen: set[int] = set()
    while process.poll() is None:
        seen |= set(procs.descendants(process.pid))
        time.sleep(0.1)
    out, err = process.communicate()
    assert process.returncode == 0, err[-3000:]
    procs.wait_for(lambda: not any(procs.alive(p) for p in seen), timeout=120)
    assert seen, "the command started no worker"
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def poisoned(cli: Lightplug, root: Path, photos: Path) -> tuple[str, str]:
    """A file name whose probe chunk kills its worker (one of the last), and the first path of
    the task that holds that chunk (2 workers)."""
    from lightplug.compute.remote import task_groups

    urls: dict[str, str] = {}
    for _, _, sha1, url, *_ in sorted(stored(root)["instances"], key=lambda r: r[3]):
        urls.setdefault(sha1, url)
    todo = list(urls.values())  # what the probe computes, in its order, four per chunk
    chunks = [todo[k:k + 4] for k in range(0, len(todo), 4)]
    poison = todo[len(todo) - 6]
    task = next(g for g in task_groups(chunks, 2) if any(poison in chunks[i] for i in g))
    return Path(poison).name, chunks[task[0]][0]


def workers_dying(cli: Lightplug, root: Path, photos: Path) -> None:
    """A chunk that kills every worker that runs it stops the run with ``WorkerLost``; the chunks
    finished before it stay stored and the next run computes only the rest."""
    images = len(stored(root)["images"])
    poison, first = poisoned(cli, root, photos)
    out = cli.json("-C", root, "run", "scaleoutprobe.probe", "--poison", poison, "--no-input", code=1)
    assert out["status"] == "error" and "WorkerLost" in out["message"], out["message"]
    # the engine also fails the tasks that shared the dying worker: then the message names them all
    named = re.search(r"died running a task \(the one starting with ([^)]*)\)|"
                      r"The engine failed \d+ tasks \(those starting with ([^)]*)\)", out["message"])
    assert named and first in (named[1] or named[2]).split(", "), out["message"]
    assert "Every chunk finished before was kept" in out["message"]
    again = cli.json("-C", root, "run", "scaleoutprobe.probe", "--no-input")["value"]
    assert again["cached"] >= 4 and again["computed"] >= 4 and again["cached"] + again["computed"] == images


def missing_package(executor: str, photos: Path, tmp_path: Path, **extra: str) -> None:
    """A plugin installed here but not on the workers: the run says what to install."""
    source = tmp_path / "src"
    shutil.copytree(procs.FIXTURES / "scaleout_probe" / "scaleout_probe", source / "scaleout_absent")
    cli = Lightplug(procs.plugin_path(tmp_path, "scaleoutabsent", "scaleout_absent", source), executor, **extra)
    root = cli.imported(tmp_path / "p", photos)
    out = cli.json("-C", root, "run", "scaleoutabsent.probe", "--no-input", code=1)
    assert "MissingOnWorker" in out["message"] and "No module named 'scaleout_absent'" in out["message"]
    assert "install the package that provides 'scaleout_absent' on every worker" in out["message"]


class SilentListener:
    """A TCP port that accepts connections and never answers (a wrong or hung address)."""

    def __enter__(self) -> int:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        return self.socket.getsockname()[1]

    def __exit__(self, *exc: Any) -> None:
        self.socket.close()


def no_answer(cli: Lightplug, photos: Path, root: Path, address: str) -> None:
    """The import stops within seconds with one clear line naming the address."""
    cli("init", root)
    started = time.monotonic()
    err = cli("-C", root, "import", photos, code=1).stderr
    assert time.monotonic() - started < 40
    assert err.startswith("Error: ") and address in err, err
    assert "did not answer within 2 s" in err or "cannot reach" in err, err
    assert stored(root)["instances"] == []


# -- Dask --------------------------------------------------------------------------------------------
@dask_test
def test_dask_cluster_gives_the_local_results(dask_cluster, site, photos, local, tmp_path):
    address = f"dask://{dask_cluster[0].scheduler_address}"
    cli = Lightplug(site, address)
    compare_with_local(cli, local, tmp_path, photos)
    assert cli.json("-C", tmp_path / "runtime", "runs", "show", "1")["executor"] == address
    assert f"executor {address}" in cli("-C", tmp_path / "runtime", "runs", "show", "1").stdout


@dask_test
def test_the_commands_limits_apply_on_the_workers(dask_cluster, site, photos, tmp_path):
    """``LIGHTPLUG_MAX_PIXELS`` (``import --max-pixels``) of the command, not of the workers."""
    small = {"LIGHTPLUG_MAX_PIXELS": "50000"}  # the photos have 76,800 pixels; a few are smaller
    summaries = []
    for executor in ("process", f"dask://{dask_cluster[0].scheduler_address}"):
        cli = Lightplug(site, executor, **small)
        cli("init", tmp_path / executor.split(":")[0])
        summaries.append(cli.json("-C", tmp_path / executor.split(":")[0], "import", photos))
    assert summaries[0]["skipped"] and summaries[1]["skipped"] == summaries[0]["skipped"]
    assert summaries[1]["imported"] == summaries[0]["imported"]


@dask_test
def test_dask_local_cluster_lives_as_long_as_the_command(site, photos, local, tmp_path):
    cli = Lightplug(site, "dask://local")
    cli("init", tmp_path / "p")
    started_and_gone(cli, "-C", tmp_path / "p", "import", photos)
    assert stored(tmp_path / "p") == local["import"]


@dask_test
def test_dask_worker_killed_mid_run_loses_nothing(dask_cluster, site, photos, tmp_path):
    cluster, client = dask_cluster
    cli = Lightplug(site, f"dask://{cluster.scheduler_address}")
    root = cli.imported(tmp_path / "p", photos)
    expected = Lightplug(site, "process").json("-C", root, "run", "scaleoutprobe.probe", "--no-input")["value"]
    run = procs.start("-C", root, "run", "scaleoutprobe.probe", "--force", "--delay", "0.1", "--no-input", "--json",
                      env=cli.env)
    procs.wait_for(lambda: any(client.processing().values()), timeout=60, every=0.02)
    os.kill(next(iter(client.run(os.getpid).values())), signal.SIGKILL)  # the engine runs its tasks again
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, (out + err)[-3000:]
    value = json.loads(out)["value"]
    assert value["computed"] == len(expected["vectors"]) and value["vectors"] == expected["vectors"]


@dask_test
def test_dask_workers_dying_stop_the_run_and_keep_finished_chunks(dask_cluster, site, photos, tmp_path):
    cli = Lightplug(site, f"dask://{dask_cluster[0].scheduler_address}")
    workers_dying(cli, cli.imported(tmp_path / "p", photos), photos)


@dask_test
def test_ctrl_c_cancels_the_cluster_work(dask_cluster, site, photos, tmp_path):
    cluster, client = dask_cluster
    cli = Lightplug(site, f"dask://{cluster.scheduler_address}")
    root = cli.imported(tmp_path / "p", photos)
    run = procs.start("-C", root, "run", "scaleoutprobe.probe", "--delay", "1", "--no-input", env=cli.env)
    procs.wait_for(lambda: any(client.processing().values()), timeout=60, every=0.02)
    time.sleep(5)  # a task (4 images) takes 4 s: the first two finish, six are left (12 s of work)
    run.send_signal(signal.SIGINT)  # a terminal's Ctrl-C reaches the command; the cluster is elsewhere
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130 and "Interrupted:" in err, err[-3000:]
    ours = lambda: client.run_on_scheduler(  # noqa: E731
        lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks if "lightplug-chunk" in str(k)])
    procs.wait_for(lambda: not ours(), timeout=5)  # cancelled: the rest would take 7 s or more
    value = cli.json("-C", root, "run", "scaleoutprobe.probe", "--no-input")["value"]
    assert value["cached"] > 0 and value["computed"] > 0  # what finished before Ctrl-C was kept


@dask_test
def test_dask_worker_without_the_plugins_package(dask_cluster, photos, tmp_path):
    missing_package(f"dask://{dask_cluster[0].scheduler_address}", photos, tmp_path)


@dask_test
def test_paths_the_workers_cannot_see(dask_cluster, site, photos, local, tmp_path):
    address = f"dask://{dask_cluster[0].scheduler_address}"
    elsewhere = f"{photos}=/nonexistent/cluster/photos"
    cli = Lightplug(site, address, LIGHTPLUG_PATH_MAP=elsewhere)
    cli("init", tmp_path / "p")
    err = cli("-C", tmp_path / "p", "import", photos, code=1).stderr
    assert err.startswith(f"Error: a worker of {address} (") and "cannot see " + str(photos) in err, err
    assert "(sent as /nonexistent/cluster/photos/" in err
    assert "LIGHTPLUG_PATH_MAP=/local/prefix=/cluster/prefix" in err and "LIGHTPLUG_SHIP_BYTES=1" in err
    assert stored(tmp_path / "p")["instances"] == []
    shipped = Lightplug(site, address, LIGHTPLUG_PATH_MAP=elsewhere, LIGHTPLUG_SHIP_BYTES="1")
    assert stored(shipped.imported(tmp_path / "shipped", photos)) == local["import"]
    copy = tmp_path / "copy"
    shutil.copytree(photos, copy)
    mapped = Lightplug(site, address, LIGHTPLUG_PATH_MAP=f"{photos}={copy}")
    assert stored(mapped.imported(tmp_path / "mapped", photos)) == local["import"]


def _can_unshare() -> bool:
    try:
        return subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs none /mnt"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@dask_test
@pytest.mark.skipif(not _can_unshare(), reason="needs unshare -m and mount (root in a Linux mount namespace)")
def test_a_worker_that_really_cannot_see_the_files(site, photos, local, tmp_path):
    """A worker whose mount namespace hides the photos folder, as on a machine without the share."""
    from distributed import Client

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(site)}
    started = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                 "--no-dashboard"], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    started.append(subprocess.Popen(
        ["unshare", "-m", "sh", "-c", 'mount -t tmpfs none "$1" && exec "$2" worker "$3" --nworkers 1 --nthreads 2 '
         "--no-dashboard", "sh", str(photos), str(BIN / "dask"), f"tcp://127.0.0.1:{port}"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        with Client(f"tcp://127.0.0.1:{port}", timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
        address = f"dask://127.0.0.1:{port}"
        cli = Lightplug(site, address)
        cli("init", tmp_path / "p")
        err = cli("-C", tmp_path / "p", "import", photos, code=1).stderr
        assert err.startswith(f"Error: a worker of {address} (") and f"cannot see {photos}/" in err, err
        shipped = Lightplug(site, address, LIGHTPLUG_SHIP_BYTES="1")
        assert stored(shipped.imported(tmp_path / "shipped", photos)) == local["import"]
    finally:
        for process in started:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)


@dask_test
def test_dask_address_that_does_not_answer(site, photos, tmp_path):
    with SilentListener() as port:
        no_answer(Lightplug(site, f"dask://127.0.0.1:{port}", LIGHTPLUG_CONNECT_TIMEOUT="2"), photos,
                  tmp_path / "p", f"127.0.0.1:{port}")


# -- Ray ---------------------------------------------------------------------------------------------
@ray_test
def test_ray_cluster_gives_the_local_results(ray_head, site, photos, local, tmp_path):
    cli = Lightplug(site, "ray://auto", **ray_head)
    compare_with_local(cli, local, tmp_path, photos)
    assert cli.json("-C", tmp_path / "runtime", "runs", "show", "1")["executor"] == "ray://auto"


@ray_test
def test_ray_local_lives_as_long_as_the_command(site, photos, local, tmp_path):
    cli = Lightplug(site, "ray://local")
    cli("init", tmp_path / "p")
    started_and_gone(cli, "-C", tmp_path / "p", "import", photos)
    assert stored(tmp_path / "p") == local["import"]


@ray_test
def test_ray_workers_dying_stop_the_run_and_keep_finished_chunks(ray_head, site, photos, tmp_path):
    cli = Lightplug(site, "ray://auto", **ray_head)
    workers_dying(cli, cli.imported(tmp_path / "p", photos), photos)


@ray_test
def test_ray_worker_without_the_plugins_package(ray_head, photos, tmp_path):
    missing_package("ray://auto", photos, tmp_path, **ray_head)


@ray_test
def test_ray_client_address_that_does_not_answer(site, photos, tmp_path):
    with SilentListener() as port:
        no_answer(Lightplug(site, f"ray://127.0.0.1:{port}", LIGHTPLUG_CONNECT_TIMEOUT="2"), photos,
                  tmp_path / "p", f"127.0.0.1:{port}")


# -- without a cluster ------------------------------------------------------------------------------------
def test_the_core_imports_neither_dask_nor_ray():
    import ast

    package = Path(__file__).resolve().parent.parent / "lightplug"
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            bad = [n for n in names if n.split(".")[0] in ("dask", "distributed", "ray")]
            assert not bad, f"{path.relative_to(package)} imports {bad}: only the executor plugins may"


def test_unknown_schemes_and_missing_plugins_are_usage_errors(lightplug_images, tmp_path, monkeypatch):
    from lightplug.testing import PluginCli

    cli = PluginCli(plugins="hue")
    root = cli.init(tmp_path / "p")
    monkeypatch.setenv("LIGHTPLUG_EXECUTOR", "spark://somewhere:7077")
    result = cli("-C", root, "import", lightplug_images)
    assert result.exit_code == 2
    assert "Error: unknown executor 'spark://somewhere:7077' (from LIGHTPLUG_EXECUTOR); available: process, " \
           "thread" in result.stderr
    monkeypatch.setenv("LIGHTPLUG_EXECUTOR", "dask://local")
    result = cli("-C", root, "import", lightplug_images)
    assert result.exit_code == 2
    assert "executor 'dask://local' (from LIGHTPLUG_EXECUTOR) needs the plugin lightplug-dask, which is not " \
           "installed or is left out by LIGHTPLUG_PLUGINS='hue'" in result.stderr
    assert "pip install lightplug-dask" in result.stderr
    assert stored(root)["instances"] == []


def test_thread_executor_imports_like_the_process_pool(tmp_path, monkeypatch):
    """Any executor but the process pool goes through the mapper, in order: same rows, same ids."""
    from lightplug.sample import make_sample
    from lightplug.testing import PluginCli

    make_sample(tmp_path / "photos", count=44)  # more files than the importer inspects in-process
    cli = PluginCli(plugins="hue,dedup")
    monkeypatch.setenv("LIGHTPLUG_WORKERS", "2")
    runs = {}
    for executor in ("process", "thread"):
        monkeypatch.setenv("LIGHTPLUG_EXECUTOR", executor)
        root = cli.init(tmp_path / executor)
        assert cli("-C", root, "import", tmp_path / "photos").exit_code == 0
        runs[executor] = stored(root)
    assert len(runs["thread"]["instances"]) > 50 and runs["thread"] == runs["process"]
