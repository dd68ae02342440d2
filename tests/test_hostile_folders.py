"""``import`` facing hostile folders (issue 11): FIFOs, sockets, devices behind symlinks, symlink
loops, names that are not UTF-8 or carry terminal escapes, trees deeper than Python's recursion
limit and than PATH_MAX, decompression bombs; ``--strict``, the pixel and size limits, ``_``/``%``
in folder names, HEIC and EXIF orientation. Through the installed console script (a timeout turns
a hang into a failure, ``RLIMIT_AS`` bounds memory) and through Typer's runner."""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import socket
import sqlite3
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from procs import environment, make_images

LIGHTPLUG = Path(sys.executable).with_name("lightplug")  # the console script installed in this venv
MEMORY = 1536 << 20  # address space each lightplug process may use
BAD_FILE = b"bad\xff.png"  # not UTF-8
BAD_DIR = b"dir\xfe"
ANSI = "esc\x1b[31mred.png"
DEEP = 1100  # levels: beyond Python's recursion limit


def _bounded_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def lp(*args: str | bytes | Path, cwd: Path, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
    """The installed ``lightplug ARGS`` (bytes arguments stay bytes), memory-bounded, with a timeout."""
    argv = [a if isinstance(a, bytes) else str(a) for a in args]
    env = environment(**extra)
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")  # e.g. where pillow-heif is, if it is
    return subprocess.run([str(LIGHTPLUG), *argv], cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL,
                          env=env, timeout=timeout, preexec_fn=_bounded_memory)


def text(done: subprocess.CompletedProcess) -> str:
    """stdout + stderr of a human command: must be UTF-8 without a raw terminal escape."""
    out = (done.stdout + done.stderr).decode("utf-8")
    assert "\x1b" not in out, out
    return out


def bomb_png(side: int = 13000) -> bytes:
    """A ~0.5 MB RGB PNG declaring ``side`` x ``side`` black pixels (169 megapixels, ~0.7 GB decoded).

    The zeros are deflated once per 100 rows and the block repeated (a full flush makes blocks
    independent), so building it costs milliseconds.
    """
    row, rows = 1 + 3 * side, 100

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = raw.compress(b"\x00" * (row * rows)) + raw.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    adler = ((row * side) % 65521) << 16 | 1  # the Adler-32 of that many zero bytes
    stream = b"\x78\x9c" + block * (side // rows) + end + struct.pack(">I", adler)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", stream) + chunk(b"IEND", b""))


def deep_tree(top: Path, levels: int, name: str, image: bytes) -> None:
    """``top/name/name/...`` (``levels`` folders) with ``deep.png`` at the bottom, made through
    folder descriptors (the full path may be longer than the system allows)."""
    top.mkdir()
    fd = os.open(top, os.O_RDONLY)
    for _ in range(levels):
        os.mkdir(name, dir_fd=fd)
        below = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
    out = os.open("deep.png", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(out, image)
    os.close(out)
    os.close(fd)


def remove_deep_tree(top: Path, name: str) -> None:
    """Remove what ``deep_tree`` made, bottom up (``shutil.rmtree`` recurses, and fails on it)."""
    fds = [os.open(top, os.O_RDONLY)]
    while name in os.listdir(fds[-1]):
        fds.append(os.open(name, os.O_RDONLY, dir_fd=fds[-1]))
    os.unlink("deep.png", dir_fd=fds[-1])
    while len(fds) > 1:
        os.close(fds.pop())
        os.rmdir(name, dir_fd=fds[-1])
    os.close(fds.pop())
    top.rmdir()


HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)


def png(seed: int, size: int = 48) -> bytes:
    """A distinct small PNG image."""
    import io

    import numpy as np
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (size, size, 3), dtype=np.uint8)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``tmp_path/photos``: 7 good images (one named with a terminal escape, one whose name and one
    whose folder's name are not UTF-8, one 1,100 folders down) among 11 entries that are not."""
    photos = tmp_path / "photos"
    good = make_images(photos, 3)
    (photos / ANSI).write_bytes(png(3))
    os.mkfifo(photos / "fifo.png")
    os.mkfifo(photos / "pipe\x1b[2J.png")  # a FIFO with a terminal escape in its name
    monkeypatch.chdir(photos)  # a socket's path must be short: bind it by name
    server = socket.socket(socket.AF_UNIX)
    server.bind("sock.png")
    server.close()
    monkeypatch.chdir(tmp_path)
    os.symlink("/dev/zero", photos / "zero.png")
    os.symlink("loop_b.png", photos / "loop_a.png")
    os.symlink("loop_a.png", photos / "loop_b.png")
    os.symlink("..", photos / "up")  # a folder loop
    os.symlink("nowhere.png", photos / "dangling.png")
    (photos / "bomb.png").write_bytes(bomb_png())
    (photos / "phone.heic").write_bytes(HEIC_HEADER)
    base = os.fsencode(photos)
    with open(base + b"/" + BAD_FILE, "wb") as handle:
        handle.write(good[0].read_bytes())  # a copy of img_00000.png: a duplicate group for `show`
    os.mkdir(base + b"/" + BAD_DIR)
    with open(base + b"/" + BAD_DIR + b"/inner.png", "wb") as handle:
        handle.write(png(4))
    deep_tree(photos / "deep", DEEP, "d", png(5))  # 1,100 levels, within PATH_MAX
    deep_tree(photos / "long", DEEP, "dddd", png(6))  # 5,500 characters: longer than PATH_MAX
    yield photos
    remove_deep_tree(photos / "deep", "d")
    remove_deep_tree(photos / "long", "dddd")


def reasons_of(data: dict) -> dict[str, str]:
    """``skipped`` of an import's JSON by the last part of each path."""
    return {os.path.basename(s["path"]): s["reason"] for s in data["skipped"]}


@pytest.mark.slow
def test_a_hostile_folder_imports_every_good_file_and_says_why_for_the_rest(hostile: Path, tmp_path: Path):
    assert lp("init", ".", cwd=tmp_path).returncode == 0
    done = lp("import", "photos", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    data = json.loads(done.stdout)
    reasons = reasons_of(data)
    heif = importlib.util.find_spec("pillow_heif") is not None
    expected = {
        "fifo.png": "not a regular file (FIFO)",
        "pipe\x1b[2J.png": "not a regular file (FIFO)",
        "sock.png": "not a regular file (socket)",
        "zero.png": "not a regular file (symlink to a character device)",
        "loop_a.png": "symlink loop",
        "loop_b.png": "symlink loop",
        "up": "symlink to a folder, not followed",
        "dangling.png": "broken symlink",
        "bomb.png": "13000 x 13000 = 169.0 megapixels, over the limit of 100 megapixels",
        "phone.heic": "corrupt" if heif else "pip install pillow-heif",
        "dddd": "path too long for the system",
    }
    assert set(reasons) == set(expected), reasons
    for name, reason in expected.items():
        assert reason in reasons[name], (name, reasons[name])
    assert data["imported"] == 7 and data["files"] == data["imported"] + len(data["skipped"])
    assert data["new_images"] == 6  # bad\xff.png is a copy of img_00000.png

    again = lp("import", "photos", cwd=tmp_path)  # for people: every skip on its own line, escaped
    out = text(again)
    assert again.returncode == 0 and "7 already known, 11 skipped" in out
    assert "skipped " + str(hostile / "pipe\\x1b[2J.png") + ": not a regular file (FIFO)" in out

    strict = lp("import", "photos", "--strict", "--json", cwd=tmp_path)
    assert strict.returncode == 1 and json.loads(strict.stdout)["already_known"] == 7
    assert "Error: 11 file(s) skipped (--strict)" in text(strict)

    with sqlite3.connect(tmp_path / ".lightplug" / "project.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    conn.close()

    rows = json.loads(lp("images", "list", "--json", cwd=tmp_path).stdout)
    by_path = {os.fsencode(r["path"]): r for r in rows}
    base = os.fsencode(hostile)
    bad_file, bad_dir_file = base + b"/" + BAD_FILE, base + b"/" + BAD_DIR + b"/inner.png"
    assert {bad_file, bad_dir_file, os.fsencode(hostile / ANSI)} <= set(by_path)
    assert os.fsencode(by_path[bad_file]["name"]) == BAD_FILE
    with open(os.fsdecode(bad_file), "rb") as handle:  # the path read back opens the same file
        assert handle.read() == (hostile / "img_00000.png").read_bytes()
    assert any(p.endswith(b"/d/deep.png") and p.split(b"/").count(b"d") == DEEP for p in by_path)
    listed = text(lp("images", "list", cwd=tmp_path, COLUMNS="400"))
    assert "bad\\xff.png" in listed and "dir\\xfe/inner.png" in listed and "esc\\x1b[31mred.png" in listed
    assert BAD_FILE in lp("images", "list", "--csv", cwd=tmp_path).stdout  # pipes get the bytes
    in_dir = json.loads(lp("images", "list", "--json", "--folder", base + b"/" + BAD_DIR, cwd=tmp_path).stdout)
    assert [os.fsencode(r["path"]) for r in in_dir] == [bad_dir_file]

    run = lp("run", "dedup.find_duplicates", "--no-input", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    shown = json.loads(lp("show", "last", "--json", cwd=tmp_path).stdout)
    members = [os.fsencode(m["path"]) for g in shown["groups"] for m in g["members"]]
    assert bad_file in members
    assert "bad\\xff.png" in text(lp("show", "last", cwd=tmp_path, COLUMNS="300"))
    sheet = lp("report", "last", "--contact-sheet", tmp_path / "sheet.png", cwd=tmp_path)
    assert sheet.returncode == 0 and (tmp_path / "sheet.png").stat().st_size > 0  # thumbnails read back

    removed = lp("remove-folder", base + b"/" + BAD_DIR, "--json", cwd=tmp_path)
    assert removed.returncode == 0 and json.loads(removed.stdout) == {"folders": 1, "instances": 1}


@pytest.mark.slow
def test_special_files_named_on_the_command_line_are_skipped_not_read(tmp_path: Path):
    os.mkfifo(tmp_path / "named.png")
    os.symlink("/dev/zero", tmp_path / "zero.png")
    make_images(tmp_path / "ok", 1)
    assert lp("init", "proj", cwd=tmp_path).returncode == 0
    done = lp("-C", "proj", "import", "named.png", "zero.png", "ok", "--json", cwd=tmp_path)
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert data["imported"] == 1 and reasons_of(data) == {
        "named.png": "not a regular file (FIFO)", "zero.png": "not a regular file (symlink to a character device)"}
    strict = lp("-C", "proj", "import", "named.png", "--strict", cwd=tmp_path)
    assert strict.returncode == 1 and "Error: 1 file(s) skipped (--strict)" in text(strict)
    assert lp("-C", "proj", "import", "ok", "--strict", cwd=tmp_path).returncode == 0  # nothing skipped


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_folder_is_skipped_with_its_reason(cli, tmp_path: Path):
    make_images(tmp_path / "photos" / "open", 1)
    make_images(tmp_path / "photos" / "closed", 1)
    (tmp_path / "photos" / "closed").chmod(0)
    try:
        cli("init", tmp_path / "p")
        data = cli.json("-C", tmp_path / "p", "import", tmp_path / "photos")
    finally:
        (tmp_path / "photos" / "closed").chmod(0o755)
    assert data["imported"] == 1
    assert reasons_of(data) == {"closed": "unreadable folder: Permission denied"}


def test_underscore_and_percent_in_folder_names_are_literal(cli, tmp_path: Path):
    """Folders ``a_b``, ``a%b`` and ``axb`` (which ``LIKE 'a_b/%'`` would confuse), each with a
    sub-folder imported before it: every folder gets its own parent, removal takes only its own."""
    photos = tmp_path / "photos"
    for n, name in enumerate(["a_b", "a%b", "axb"]):
        make_images(photos / name, 1, start=n)
        make_images(photos / name / "sub", 1, start=10 + n)
    cli("init", tmp_path / "p")
    for name in ["a_b", "a%b", "axb"]:
        cli.json("-C", tmp_path / "p", "import", photos / name / "sub")
    assert cli.json("-C", tmp_path / "p", "import", photos)["imported"] == 3
    with sqlite3.connect(tmp_path / "p" / ".lightplug" / "project.db") as conn:
        folders = dict(conn.execute("select id, path from folders").fetchall())
        parents = {folders[i]: folders.get(p) for i, p in conn.execute("select id, parent from folders")}
    conn.close()
    for name in ["a_b", "a%b", "axb"]:
        assert parents[str(photos / name / "sub")] == str(photos / name)
    listed = cli.json("-C", tmp_path / "p", "images", "list", "--folder", photos / "a_b")
    assert sorted(Path(r["path"]).parent.name for r in listed) == ["a_b", "sub"]
    assert cli.json("-C", tmp_path / "p", "remove-folder", photos / "a_b") == {"folders": 2, "instances": 2}
    left = {str(Path(r["path"]).relative_to(photos)) for r in cli.json("-C", tmp_path / "p", "images", "list")}
    assert left == {"a%b/img_00001.png", "a%b/sub/img_00011.png", "axb/img_00002.png", "axb/sub/img_00012.png"}


def test_pixel_and_file_size_limits(cli, tmp_path: Path):
    make_images(tmp_path / "photos", 2)  # 48 x 48 = 2,304 pixels, ~7 kB each
    cli("init", tmp_path / "p")
    data = cli.json("-C", tmp_path / "p", "import", tmp_path / "photos", "--max-pixels", "2000")
    assert data["imported"] == 0 and all(
        r == "image too large: 48 x 48 = 0.0 megapixels, over the limit of 0.002 megapixels (import --max-pixels, "
             "LIGHTPLUG_MAX_PIXELS)" for r in reasons_of(data).values()), data
    by_env = cli("-C", tmp_path / "p", "import", tmp_path / "photos", "--json", env={"LIGHTPLUG_MAX_PIXELS": "2000"})
    assert by_env.exit_code == 0 and len(json.loads(by_env.stdout)["skipped"]) == 2
    small = cli.json("-C", tmp_path / "p", "import", tmp_path / "photos", "--max-file-bytes", "100")
    assert all(r.startswith("file too large: more than 100 bytes") for r in reasons_of(small).values())
    assert cli("-C", tmp_path / "p", "import", tmp_path / "photos", "--max-pixels", "0").exit_code == 2
    assert cli.json("-C", tmp_path / "p", "import", tmp_path / "photos")["imported"] == 2  # defaults again


@pytest.mark.slow
def test_limits_reach_the_worker_processes(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """More files than are inspected in-process: the limit given for one import is the workers'
    limit for that import only."""
    from lightplug.compute import pools

    monkeypatch.setenv("LIGHTPLUG_WORKERS", "2")
    make_images(tmp_path / "photos", 60)
    cli("init", tmp_path / "p")
    try:
        limited = cli.json("-C", tmp_path / "p", "import", tmp_path / "photos", "--max-pixels", "2000")
        assert limited["imported"] == 0 and len(limited["skipped"]) == 60
        assert all("over the limit" in r for r in reasons_of(limited).values())
        assert cli.json("-C", tmp_path / "p", "import", tmp_path / "photos")["imported"] == 60
    finally:
        pools.terminate_workers()


def test_non_utf8_names_are_stored_exactly(cli, tmp_path: Path):
    """Bytes that are not UTF-8, and a real U+FFFD (the mark of the stored escapes), come back exactly."""
    photos = tmp_path / "photos"
    paths = make_images(photos, 3)
    base = os.fsencode(photos)
    names = [b"bad\xff.png", "real\ufffdab.png".encode(), b"\xc3(\xfe\xfe.png"]
    for path, name in zip(paths, names):
        os.rename(path, base + b"/" + name)
    cli("init", tmp_path / "p")
    assert cli.json("-C", tmp_path / "p", "import", photos)["imported"] == 3
    rows = cli.json("-C", tmp_path / "p", "images", "list")
    assert sorted(os.fsencode(r["name"]) for r in rows) == sorted(names)
    assert sorted(os.fsencode(r["path"]) for r in rows) == sorted(base + b"/" + n for n in names)
    assert cli.json("-C", tmp_path / "p", "import", photos)["already_known"] == 3


def test_names_stored_before_exact_storage_are_migrated(cli, tmp_path: Path):
    """A name with a U+FFFD, stored as is by a lightplug before m007, reads back exactly after it."""
    photos = tmp_path / "photos"
    [path] = make_images(photos, 1)
    path.rename(photos / "real\ufffdab.png")
    cli("init", tmp_path / "p")
    cli.json("-C", tmp_path / "p", "import", photos)
    db = tmp_path / "p" / ".lightplug" / "project.db"
    with sqlite3.connect(db) as conn:  # back to what lightplug stored before m007
        conn.execute("update instances set url = replace(url, char(65533, 65533), char(65533)), "
                     "name = replace(name, char(65533, 65533), char(65533))")
        conn.execute("delete from _sqlite_migrations where name = 'm007_exact_file_names'")
    conn.close()
    [row] = cli.json("-C", tmp_path / "p", "images", "list")
    assert (row["name"], row["path"]) == ("real\ufffdab.png", str(photos / "real\ufffdab.png"))
    assert cli.json("-C", tmp_path / "p", "import", photos)["already_known"] == 1


def test_stored_names_round_trip_and_keep_prefixes():
    from hypothesis import given, strategies as st

    from lightplug.db import paths

    part = st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\x00" not in b)

    @given(st.lists(part, min_size=1, max_size=4), part)
    def check(parts: list[bytes], child: bytes) -> None:
        folder = os.fsdecode(b"/" + b"/".join(parts))
        stored = paths.encode(folder)
        stored.encode("utf-8")  # SQLite text
        assert paths.decode(stored) == folder
        inner = os.fsdecode(os.fsencode(folder) + b"/" + child)
        assert paths.encode(inner).startswith(stored + "/")

    check()


def test_heic_without_pillow_heif_names_it(cli, tmp_path: Path):
    if importlib.util.find_spec("pillow_heif") is not None:
        pytest.skip("pillow-heif is installed here: HEIC files are read")
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "phone.heic").write_bytes(HEIC_HEADER)
    cli("init", tmp_path / "p")
    data = cli.json("-C", tmp_path / "p", "import", tmp_path / "photos")
    assert reasons_of(data) == {"phone.heic": "not an image lightplug can read: HEIC/HEIF needs a plugin "
                                              "(pip install pillow-heif; lightplug uses it once installed)"}


def test_heic_is_read_with_pillow_heif(cli, tmp_path: Path):
    pillow_heif = pytest.importorskip("pillow_heif")
    import numpy as np
    from PIL import Image

    pillow_heif.register_heif_opener()
    (tmp_path / "photos").mkdir()
    pixels = np.random.default_rng(5).integers(0, 255, (30, 50, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "photos" / "phone.heic")
    cli("init", tmp_path / "p")
    assert cli.json("-C", tmp_path / "p", "import", tmp_path / "photos")["imported"] == 1
    [row] = cli.json("-C", tmp_path / "p", "images", "list")
    assert (row["format"], row["width"], row["height"]) == ("HEIF", 50, 30)


def test_exif_orientation_gives_upright_sizes_and_pixels(cli, tmp_path: Path):
    """JPEGs stored sideways (Orientation 6 and 8) are recorded with their upright width and
    height, and features (here the host's average hash) see the upright image."""
    import numpy as np
    from PIL import Image

    from lightplug.imaging import decode_image

    photos = tmp_path / "photos"
    photos.mkdir()
    pixels = np.random.default_rng(7).integers(0, 255, (40, 60, 3), dtype=np.uint8)  # 60 wide, 40 high
    for orientation in (6, 8):
        exif = Image.Exif()
        exif[0x0112] = orientation
        Image.fromarray(pixels).save(photos / f"turned{orientation}.jpg", quality=95, exif=exif.tobytes())
        upright = Image.open(photos / f"turned{orientation}.jpg")
        upright = upright.transpose(Image.Transpose.ROTATE_270 if orientation == 6 else Image.Transpose.ROTATE_90)
        upright.save(photos / f"upright{orientation}.png")
    Image.fromarray(pixels).save(photos / "plain.jpg", quality=95)
    cli("init", tmp_path / "p")
    assert cli.json("-C", tmp_path / "p", "import", photos)["imported"] == 5
    sizes = {r["name"]: (r["width"], r["height"]) for r in cli.json("-C", tmp_path / "p", "images", "list")}
    assert sizes == {"turned6.jpg": (40, 60), "turned8.jpg": (40, 60), "upright6.png": (40, 60),
                     "upright8.png": (40, 60), "plain.jpg": (60, 40)}
    with sqlite3.connect(tmp_path / "p" / ".lightplug" / "project.db") as conn:
        hashes = dict(conn.execute("select name, ahash from instances").fetchall())
    conn.close()
    assert hashes["turned6.jpg"] == hashes["upright6.png"] and hashes["turned8.jpg"] == hashes["upright8.png"]
    decoded = decode_image(str(photos / "turned6.jpg"))
    assert decoded.rgb().size == (40, 60) and decoded.scale == 1


def test_report_and_duplicates_run_on_a_name_that_is_not_utf8(tmp_path: Path):
    """A duplicates group whose copy has a non-UTF-8 name: the HTML report shows the name with
    ``\\xNN`` and links the file by its real bytes; the page is valid UTF-8."""
    from urllib.parse import unquote_to_bytes

    photos = tmp_path / "photos"
    make_images(photos, 1)
    original = next(photos.iterdir())
    raw = os.fsencode(photos) + b"/copy\xe9.png"
    with open(raw, "wb") as handle:
        handle.write(original.read_bytes())
    assert lp("init", tmp_path / "p", cwd=tmp_path).returncode == 0
    assert lp("-C", tmp_path / "p", "import", photos, cwd=tmp_path, LIGHTPLUG_PLUGINS="dedup").returncode == 0
    found = lp("-C", tmp_path / "p", "run", "dedup.find_duplicates", "--no-input", "--json", cwd=tmp_path,
               LIGHTPLUG_PLUGINS="dedup")
    assert found.returncode == 0, found.stderr
    page = tmp_path / "r.html"
    done = lp("-C", tmp_path / "p", "report", "last", "--html", page, cwd=tmp_path, LIGHTPLUG_PLUGINS="dedup")
    assert done.returncode == 0, done.stderr
    html = page.read_bytes().decode("utf-8")
    assert "copy\\xe9.png" in html and html.count("data:image/jpeg;base64,") == 2
    links = [unquote_to_bytes(h.split("'")[0]) for h in html.split("href='file://")[1:]]
    assert raw in links


def test_relink_move_trash_and_undo_keep_names_that_are_not_utf8(tmp_path: Path):
    """Commits that rewrite paths (relink, move, trash, and their undo) store such names exactly."""
    photos = tmp_path / "photos"
    make_images(photos, 1)
    raw = os.fsencode(photos) + b"/b\xe9.png"
    with open(raw, "wb") as handle:
        handle.write(png(3))
    env = {"LIGHTPLUG_PLUGINS": "hello"}
    proj = tmp_path / "p"

    def listed() -> dict[bytes, int]:
        done = lp("-C", proj, "images", "list", "--json", cwd=tmp_path, **env)
        return {os.fsencode(r["path"]): r["id"] for r in json.loads(done.stdout)}

    def paths() -> set[bytes]:
        return set(listed())

    assert lp("init", proj, cwd=tmp_path).returncode == 0
    assert lp("-C", proj, "import", photos, cwd=tmp_path, **env).returncode == 0
    (photos).rename(tmp_path / "moved_by_hand")
    relinked = lp("-C", proj, "relink", photos, tmp_path / "moved_by_hand", cwd=tmp_path, **env)
    assert relinked.returncode == 0, relinked.stderr
    new_raw = os.fsencode(tmp_path / "moved_by_hand") + b"/b\xe9.png"
    assert new_raw in paths()
    moved = lp("-C", proj, "images", "move", "--to", tmp_path / "out", "--ids", str(listed()[new_raw]), cwd=tmp_path,
               **env)
    assert moved.returncode == 0, moved.stderr
    assert os.fsencode(tmp_path / "out") + b"/b\xe9.png" in paths() and os.path.exists(
        os.fsencode(tmp_path / "out") + b"/b\xe9.png")
    assert lp("-C", proj, "undo", cwd=tmp_path, **env).returncode == 0
    assert new_raw in paths() and os.path.exists(new_raw)
    assert lp("-C", proj, "undo", cwd=tmp_path, **env).returncode == 0  # the relink
    assert raw in paths()
    with sqlite3.connect(proj / ".lightplug" / "project.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    conn.close()
