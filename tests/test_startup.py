"""What the commands paid on every call import: no numpy or Pillow for ``--help``, usage errors and a
warm ``ops list``, no rich help machinery (its markdown and syntax modules) for help and errors,
and no sqlite-utils for opening an up-to-date project.

Each case is the installed console script in a fresh process with ``PYTHONPROFILEIMPORTTIME``
(``-X importtime``), with every installed plugin (the built-in ones in the project's venv).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from installed_cli import LIGHTPLUG

HEAVY = {"numpy", "PIL"}
RICH_HELP = {"typer.rich_utils", "rich.markdown", "rich.syntax", "markdown_it", "pygments"}


def imported(*args: str, cwd: Path, cache: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTPLUG")}
    env.update(LIGHTPLUG_CACHE_DIR=str(cache), PYTHONPROFILEIMPORTTIME="1")
    done = subprocess.run([str(LIGHTPLUG), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return done, names


def tops(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    subprocess.run([str(LIGHTPLUG), "init", str(tmp_path / "p")], check=True,
                   capture_output=True, env={**os.environ, "LIGHTPLUG_CACHE_DIR": str(tmp_path / "cache")})
    return tmp_path / "p"


def test_help_and_usage_errors_import_neither_numpy_nor_rich_help(tmp_path: Path) -> None:
    done, names = imported("--help", cwd=tmp_path, cache=tmp_path / "cache")
    assert done.returncode == 0 and "Usage: lightplug [OPTIONS] COMMAND" in done.stdout
    assert "Commands:" in done.stdout and "import" in done.stdout
    assert not tops(names) & HEAVY and not names & RICH_HELP, sorted(names & (HEAVY | RICH_HELP))

    done, names = imported("imprt", cwd=tmp_path, cache=tmp_path / "cache")
    assert done.returncode == 2
    assert "Error: No such command 'imprt'. Did you mean 'import'?" in done.stderr
    assert "Try 'lightplug -h' for help." in done.stderr
    assert not tops(names) & HEAVY and not names & RICH_HELP

    done, names = imported("import", "--no-such-option", cwd=tmp_path, cache=tmp_path / "cache")
    assert done.returncode == 2 and "No such option: --no-such-option" in done.stderr
    assert not tops(names) & HEAVY and not names & RICH_HELP


def test_warm_ops_list_imports_no_plugin_and_no_numpy(project: Path, tmp_path: Path) -> None:
    cold, _ = imported("ops", "list", cwd=project, cache=tmp_path / "cache")  # fills the metadata cache
    assert cold.returncode == 0, cold.stderr
    warm, names = imported("ops", "list", cwd=project, cache=tmp_path / "cache")
    assert warm.returncode == 0 and warm.stdout == cold.stdout
    assert "dedup.find_duplicates" in warm.stdout  # the built-in plugins are listed from the cache
    assert not tops(names) & HEAVY and not {n for n in names if n.startswith("lightplug_")}, sorted(names)
    # an up-to-date project opens on plain sqlite3: sqlite-utils (~70 ms) is for commands that write
    assert "sqlite_utils" not in tops(names) and "lightplug.models" not in names
    assert "rich" not in tops(names)  # a pipe gets the listing's plain text: nothing to draw


def test_schema_steps_name_the_migrations() -> None:
    from lightplug.db.compat import SCHEMA_STEPS
    from lightplug.db.schema import migrations

    assert tuple(m.name for m in migrations._migrations) == SCHEMA_STEPS


def help_text(found: object) -> str:
    """The help Typer gives the command made from ``found``: a Typer app's ``help`` or its
    callback's docstring, a function's docstring."""
    import inspect

    import typer

    if isinstance(found, typer.Typer):
        text = found.info.help
        if not isinstance(text, str):  # not given: Typer's placeholder
            callback = found.registered_callback.callback if found.registered_callback else None
            text = inspect.getdoc(callback) if callback else None
        return inspect.cleandoc(text) if text else ""
    return inspect.getdoc(found) or ""


def test_help_lists_each_command_by_the_help_it_has_when_built() -> None:
    """``lightplug --help`` shows stand-ins made from the summaries in ``COMMANDS``; they must say
    what the real commands say, and each summary is the first paragraph of the command's help."""
    from typer.core import TyperCommand

    from lightplug.cli.commands import COMMANDS, build, target

    for name, (where, summary) in COMMANDS.items():
        assert summary == " ".join(help_text(target(where)).split("\n\n")[0].split()), name
        stand_in = TyperCommand(name, help=summary)
        real = build(name, where)
        assert real.name == name
        for limit in (30, 60, 200):
            assert stand_in.get_short_help_str(limit) == real.get_short_help_str(limit), name


def test_help_imports_no_command_module(tmp_path: Path) -> None:
    done, names = imported("--help", cwd=tmp_path, cache=tmp_path / "cache")
    assert done.returncode == 0
    assert not {n for n in names if n.startswith("lightplug.cli.") and n.endswith(("_cmds", "_cmd"))}, sorted(names)


def test_the_database_is_built_once_when_threads_first_ask_together(project: Path) -> None:
    import threading

    from lightplug.project import Project

    opened = Project(project)
    try:
        barrier = threading.Barrier(8)
        seen: list[object] = []

        def ask() -> None:
            barrier.wait()
            seen.append(opened.db)

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(seen) == 8 and all(db is seen[0] for db in seen)
        assert seen[0].conn is opened.conn  # type: ignore[attr-defined]
        assert opened.db["images"].count == 0  # a working sqlite-utils Database over the same connection
    finally:
        opened.close()


def test_a_run_that_only_reads_imports_no_sqlite_utils_console_or_pillow(tmp_path: Path, sample_dir: Path) -> None:
    """Finding duplicates again (hashes stored) reads the project and records the run on plain
    sqlite3, makes no rich console (no tasks to show), decodes nothing (no Pillow), starts no
    process pool (no multiprocessing) and builds no pydantic validator for the plugin's settings
    (no search for pydantic's own plugins through importlib.metadata)."""
    import json

    env = {**os.environ, "LIGHTPLUG_CACHE_DIR": str(tmp_path / "cache")}
    root = tmp_path / "p"
    for args in (["init", str(root)], ["-C", str(root), "import", str(sample_dir)]):
        subprocess.run([str(LIGHTPLUG), *args], check=True, capture_output=True, env=env, stdin=subprocess.DEVNULL)
    first, _ = imported("run", "dedup.find_duplicates", "--json", cwd=root, cache=tmp_path / "cache")
    again, names = imported("run", "dedup.find_duplicates", "--json", cwd=root, cache=tmp_path / "cache")
    assert again.returncode == 0, again.stderr[-2000:]
    out = json.loads(again.stdout)
    assert out["status"] == "success" and out["value"]["hashed"] == 0 and out["run_id"] == json.loads(first.stdout)["run_id"] + 1
    unwanted = {"sqlite_utils", "rich.console", "PIL", "multiprocessing", "concurrent.futures.process",
                "pydantic.plugin._loader", "importlib.metadata"}
    assert not (names | tops(names)) & unwanted, sorted((names | tops(names)) & unwanted)
    listed = subprocess.run([str(LIGHTPLUG), "-C", str(root), "runs", "list", "--json"], capture_output=True,
                            text=True, env=env, check=True)
    assert [r["status"] for r in json.loads(listed.stdout)[:2]] == ["success", "success"]


def test_the_exit_skips_the_collectors_pass_but_runs_exit_handlers(project: Path, tmp_path: Path) -> None:
    """After the command (project closed, output written) the objects still alive are frozen, so
    the interpreter's exit does not walk them all (~70-100 ms after a run over 11,000 images);
    ``atexit`` handlers still run and see that."""
    probe = ("import atexit, gc, sys\n"
             "atexit.register(lambda: sys.stderr.write(f'frozen at exit: {gc.get_freeze_count() > 0}\\n'))\n"
             "from lightplug.cli import main\n"
             "sys.argv = ['lightplug', 'images', 'list', '--json']\n"
             "main()\n")
    env = {**os.environ, "LIGHTPLUG_CACHE_DIR": str(tmp_path / "cache")}
    import sys

    done = subprocess.run([sys.executable, "-c", probe], cwd=project, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
    assert "frozen at exit: True" in done.stderr
