#!/usr/bin/env python3
"""`make bench-scaleout`: the import on the process pool, a Dask LocalCluster and local Ray, in one run.

On a photo corpus from ``../shared/corpus/make_corpus.py`` (``--n`` images; ``--quick`` is 200),
each executor imports the corpus into a new project with every built-in plugin at its defaults,
through the installed command line, alternating executors, ``--repeats`` times (medians).
An import of a quarter of the files is timed the same way, so each executor's time splits into
a fixed cost (start-up: interpreter, plugins, cluster) and a cost per image; the ratios compare
throughput. The projects must store the same rows. Also measured, for the plan in
docs/scale-out.md:

* the time per image of the shared decode and of each import-time feature, in one process;
* the bytes a project stores per image (database file, and vectors by plugin);
* what the single SQLite writer sustains: the importer's own batch write (``importer._record``,
  500 files with their vectors per transaction) into a project growing to ``--writer-rows``
  files, plain batched vector inserts, and the batch write with larger transactions and a
  larger page cache (what would change it).

Writes ``bench/results/scaleout.json`` and prints the tables. Needs lightplug-dask and
lightplug-ray (``make bench-scaleout`` installs them); an engine that is missing is skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import paths  # noqa: E402
from paths import OUT  # noqa: E402

LIGHTPLUG = str(Path(sys.executable).parent / "lightplug")
SMALL = 4  # the small import, which measures the fixed cost, has a SMALL-th of the files
BATCH = 500  # files per write transaction, as the importer records them


def corpus(n: int, seed: int) -> Path:
    """``bench/out/corpus-<n>-<seed>/images`` (shared with bench/compare.py), built when missing."""
    return paths.corpus(n, seed) / "images"


def executors() -> list[str]:
    found = ["process"]
    if importlib.util.find_spec("lightplug_dask") and importlib.util.find_spec("distributed"):
        found.append("dask://local")
    if importlib.util.find_spec("lightplug_ray") and importlib.util.find_spec("ray"):
        found.append("ray://local")
    return found


def imported(images: Path, project: Path, executor: str) -> tuple[float, dict]:
    """``init`` + ``import --json`` of ``images`` into a new ``project``: the import's wall time and JSON."""
    shutil.rmtree(project, ignore_errors=True)
    env = {**os.environ, "LIGHTPLUG_EXECUTOR": executor}
    subprocess.run([LIGHTPLUG, "init", str(project)], check=True, capture_output=True, env=env)
    started = time.perf_counter()
    done = subprocess.run([LIGHTPLUG, "-C", str(project), "import", str(images), "--json"], capture_output=True,
                          text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"import with {executor} failed:\n{done.stderr[-2000:]}")
    return seconds, json.loads(done.stdout)


def stored(project: Path) -> list:
    with sqlite3.connect(project / ".lightplug" / "project.db") as db:
        types = {i: (s, p) for i, s, p in db.execute("select id, source, params from vector_types")}
        return [sorted(db.execute("select id, sha1, url from instances")),
                sorted((types[t], s, bytes(d)) for t, s, d in db.execute("select * from vectors"))]


def throughput(images: Path, small: Path, work: Path, repeats: int) -> dict[str, Any]:
    """Every executor's import times (full and small corpus), fixed and per-image costs, ratios."""
    names = executors()
    times: dict[str, dict[str, list[float]]] = {e: {"full": [], "small": [], "inner": []} for e in names}
    for repeat in range(repeats):
        reference = None  # each repeat's process-pool import (the plugins' code may change between repeats)
        for executor in names:  # alternating, so that drifts of the machine hit every executor alike
            project = work / f"import-{executor.split(':')[0]}"
            seconds, summary = imported(images, project, executor)
            times[executor]["full"].append(seconds)
            times[executor]["inner"].append(summary["seconds"])
            rows = stored(project)
            reference = reference or rows
            if rows != reference:
                (work / "mismatch.json").write_text(json.dumps([[repr(r) for r in part] for part in (*reference, *rows)]))
                raise SystemExit(f"{executor} stored other rows than {names[0]} did first: results differ "
                                 f"(instances {rows[0] == reference[0]}, vectors {rows[1] == reference[1]}; "
                                 f"both in {work / 'mismatch.json'})")
            times[executor]["small"].append(imported(small, work / "small", executor)[0])
            print(f"   {executor:14s} repeat {repeat + 1}: {seconds:.1f} s", flush=True)
    files, few = len(os.listdir(images)), len(os.listdir(small))
    out: dict[str, Any] = {"files": files, "small_files": few, "repeats": repeats, "executors": {}}
    for executor in names:
        full, part = statistics.median(times[executor]["full"]), statistics.median(times[executor]["small"])
        per_image = (full - part) / (files - few)
        out["executors"][executor] = {"seconds": full, "small_seconds": part, "files_s": files / full,
                                      "inner_s": statistics.median(times[executor]["inner"]),
                                      "ms_per_image": 1000 * per_image, "fixed_s": part - per_image * few}
    base = out["executors"]["process"]
    for row in out["executors"].values():
        row["throughput_ratio"] = base["ms_per_image"] / row["ms_per_image"]
        row["overhead_ms_per_image"] = row["ms_per_image"] - base["ms_per_image"]
        row["wall_ratio"] = base["seconds"] / row["seconds"]
    return out


def feature_costs(images: Path, project: Path, count: int = 200) -> dict[str, float]:
    """Milliseconds per image, in one process: read + sha1 + decode at each size a feature asks
    for, then each registered feature on images of its size (``(at import)``: computed by the
    import at the plugins' defaults, on one shared decode at the largest of their sizes)."""
    import hashlib

    from lightplug import api
    from lightplug.compute.features import decode_size, features_of, import_features
    from lightplug.imaging import decode_image

    paths = sorted(str(p) for p in images.iterdir())[:count]
    with api.open_project(project) as opened:
        active = {id(f) for _, f in import_features(opened.plugins)}
        features = [(f"{name}/{f.name}" + (" (at import)" if id(f) in active else ""), f.spec())
                    for name, plugin in opened.plugins.items() for f in features_of(plugin)]
    at_import = decode_size([spec for label, spec in features if label.endswith("(at import)")])
    out: dict[str, float] = {}
    for size in dict.fromkeys([at_import, *(spec.size for _, spec in features)]):
        started = time.perf_counter()
        decoded = []
        for path in paths:
            data = Path(path).read_bytes()
            hashlib.sha1(data).hexdigest()
            decoded.append(decode_image(data, size, path=path))
        out[f"read + sha1 + decode ({size or 'full'} px)"] = 1000 * (time.perf_counter() - started) / len(paths)
        for label, spec in features:
            if (at_import if label.endswith("(at import)") else spec.size) != size:
                continue
            started = time.perf_counter()
            for k in range(0, len(decoded), 32):  # in import chunks
                spec.function(decoded[k:k + 32], *spec.args)
            out[label] = 1000 * (time.perf_counter() - started) / len(decoded)
    return out


def storage(project: Path, files: int) -> dict[str, Any]:
    """Bytes per image of the project database, and of each plugin's vectors."""
    db_file = project / ".lightplug" / "project.db"
    with sqlite3.connect(db_file) as db:
        db.execute("pragma wal_checkpoint(truncate)")
        rows = db.execute("select t.source, count(*), sum(length(v.data)) from vectors v "
                          "join vector_types t on t.id = v.type_id group by t.source").fetchall()
        images = db.execute("select count(*) from images").fetchone()[0]
    return {"db_bytes_per_file": db_file.stat().st_size / files, "images": images,
            "vector_bytes_per_image": {src: total / count for src, count, total in rows}}


WRITER_VARIANTS = {  # what would change the writer's rate, each measured on a smaller project
    "batches of 5,000": (5000, []),
    "batches of 5,000, 512 MiB page cache, checkpoints every 400 MB": (
        5000, ["cache_size = -524288", "wal_autocheckpoint = 100000"]),
}


def writer(project_dir: Path, total: int, vector_sizes: list[int], batch: int = BATCH,
           pragmas: list[str] | None = None, vector_test: bool = True) -> dict[str, Any]:
    """Files/s of the importer's batch write (files, images, vectors) as the project grows, and
    rows/s of batched vector inserts. ``batch`` and ``pragmas`` (on the writer's connection) vary it."""
    import hashlib

    from lightplug.db import store
    from lightplug.db.tx import write
    from lightplug.importer import ImportSummary, _record
    from lightplug.models import ImageInfo
    from lightplug.project import Project, init_project

    shutil.rmtree(project_dir, ignore_errors=True)
    init_project(project_dir)
    project = Project(project_dir)
    for pragma in pragmas or []:
        project.db.execute(f"PRAGMA {pragma}")
    types = [store.add_vector_type(project.db, "bench", {"n": k}).id for k in range(len(vector_sizes))]
    segments, summary, started, mark = [], ImportSummary(), time.perf_counter(), 0
    step = max(batch, total // 10)
    for start in range(0, total, batch):
        good, vectors = [], []
        for i in range(start, min(total, start + batch)):
            sha1 = hashlib.sha1(str(i).encode()).hexdigest()
            info = ImageInfo(sha1=sha1, width=640, height=480, format="JPEG", mode="RGB", ahash="0" * 16,
                             file_size=60_000)
            good.append((f"/data/photos/{i // 1000:05d}/img_{i:09d}.jpg", info))
            vectors += [(t, sha1, bytes(size)) for t, size in zip(types, vector_sizes)]
        _record(project, good, summary, vectors)
        if (start + batch) % step == 0 or start + batch >= total:
            now = time.perf_counter()
            done = min(total, start + batch)
            segments.append({"files": done, "files_s": (done - mark) / (now - started)})
            started, mark = now, done
            print(f"   recorded {done:>9,} files: {segments[-1]['files_s']:,.0f} files/s", flush=True)
    out = {"segments": segments, "batch": batch, "pragmas": pragmas or [], "vector_sizes": vector_sizes,
           "rows_per_file": 2 + len(vector_sizes)}
    if vector_test:
        rows = [(types[0], hashlib.sha1(f"v{i}".encode()).hexdigest(), bytes(64)) for i in range(200_000)]
        began = time.perf_counter()
        for k in range(0, len(rows), BATCH):
            with write(project.db):
                store.put_vector_bytes(project.db, rows[k:k + BATCH])
        out["vector_rows_s"] = len(rows) / (time.perf_counter() - began)
    project.close()
    out["db_bytes_per_file"] = (project_dir / ".lightplug" / "project.db").stat().st_size / total
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="corpus size (make_corpus --n)")
    parser.add_argument("--quick", action="store_true", help="--n 200, one repeat, a smaller writer test")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--writer-rows", type=int, default=300_000, help="files recorded by the writer test")
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeats, args.writer_rows = 200, 1, 30_000
    os.environ.setdefault("LIGHTPLUG_CACHE_DIR", str(OUT / "scaleout-cache"))
    images = corpus(args.n, args.seed)
    work = OUT / "scaleout"
    small = work / "small-corpus"
    shutil.rmtree(small, ignore_errors=True)
    small.mkdir(parents=True)
    for name in sorted(os.listdir(images))[:len(os.listdir(images)) // SMALL]:
        shutil.copy(images / name, small / name)
    results: dict[str, Any] = {"machine": {"cores": len(os.sched_getaffinity(0)), "python": sys.version.split()[0]},
                               "n": args.n}
    print(f"== import of {len(os.listdir(images))} files on {', '.join(executors())}", flush=True)
    results["import"] = throughput(images, small, work, args.repeats)
    reference = work / "import-process"
    results["features_ms"] = feature_costs(images, reference)
    results["storage"] = storage(reference, results["import"]["files"])
    sizes = [round(b) for b in results["storage"]["vector_bytes_per_image"].values()] or [48, 4, 28]
    print(f"== the single writer: {args.writer_rows:,} files", flush=True)
    results["writer"] = writer(work / "writer", args.writer_rows, sizes)
    results["writer_variants"] = {}
    for name, (batch, pragmas) in WRITER_VARIANTS.items():
        print(f"== the single writer, {name}: {args.writer_rows // 3:,} files", flush=True)
        results["writer_variants"][name] = writer(work / "writer", args.writer_rows // 3, sizes, batch, pragmas,
                                                  vector_test=False)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "scaleout.json").write_text(json.dumps(results, indent=1) + "\n")
    report(results)


def report(results: dict[str, Any]) -> None:
    """The tables of docs/scale-out.md, printed."""
    imp = results["import"]
    print(f"\n| executor | import of {imp['files']} files (s) | files/s | fixed cost (s) | ms per image "
          "| throughput vs process | overhead per image (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, row in imp["executors"].items():
        print(f"| `{name}` | {row['seconds']:.1f} | {row['files_s']:.0f} | {row['fixed_s']:.1f} | "
              f"{row['ms_per_image']:.2f} | {row['throughput_ratio']:.2f} | {row['overhead_ms_per_image']:+.2f} |")
    print("\n| step (one process) | ms per image |\n|---|---:|")
    for name, ms in results["features_ms"].items():
        print(f"| {name} | {ms:.2f} |")
    st = results["storage"]
    print(f"\ndatabase: {st['db_bytes_per_file']:.0f} bytes per file; vectors per image: "
          + ", ".join(f"{k} {v:.0f} B" for k, v in st["vector_bytes_per_image"].items()))
    wr = results["writer"]
    print("\n| files recorded | files/s (importer batches of 500) |\n|---:|---:|")
    for seg in wr["segments"]:
        print(f"| {seg['files']:,} | {seg['files_s']:,.0f} |")
    print(f"\nrows per file: {wr['rows_per_file']}; batched vector inserts: {wr['vector_rows_s']:,.0f} rows/s; "
          f"database {wr['db_bytes_per_file']:.0f} bytes per file")
    for name, variant in results.get("writer_variants", {}).items():
        print(f"{name}: " + ", ".join(f"{s['files']:,} files {s['files_s']:,.0f}/s" for s in variant["segments"]))


if __name__ == "__main__":
    main()
