"""The layering rules of docs/architecture.md, checked on the source: who may import whom."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lightplug"

# the dialect-neutral core: every module but the CLI, the dialects, and the modules above the CLI
# (__init__ maps public names to modules as strings; __main__ and testing start the CLI)
ABOVE = {"__init__.py", "__main__.py", "testing.py"}
CORE = sorted(p.name for p in PACKAGE.iterdir()
              if p.name not in ABOVE | {"cli", "dialects", "__pycache__"} and (p.suffix == ".py" or p.is_dir()))


def _modules(entries: list[str]) -> list[Path]:
    out: list[Path] = []
    for entry in entries:
        path = PACKAGE / entry
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [p for p in out if p.exists()]


def _imports(path: Path) -> set[str]:
    """The ``lightplug`` modules ``path`` imports, as dotted names relative to the package."""
    tree = ast.parse(path.read_text())
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                target = ".".join(base + ([node.module] if node.module else []))
                names = [f"{target}.{a.name}" for a in node.names] + [target]
            else:
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            found |= {n for n in names if n.startswith("lightplug")}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("lightplug")}
    return found


def test_the_core_is_most_of_the_package() -> None:
    assert {"db", "compute", "project.py", "catalog.py", "runner.py", "selection.py", "host.py", "loading.py",
            "plugin_cache.py", "api.py", "dialect.py", "specs.py", "importer.py"} <= set(CORE)


@pytest.mark.parametrize("path", _modules(CORE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_imports_no_dialect_and_no_cli(path: Path) -> None:
    bad = {name for name in _imports(path) if name.startswith(("lightplug.cli", "lightplug.dialects"))}
    assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}; the core must not (docs/architecture.md)"


@pytest.mark.parametrize("path", _modules(["cli"]), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_cli_imports_no_dialect(path: Path) -> None:
    bad = {name for name in _imports(path) if name.startswith("lightplug.dialects")}
    assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}; the CLI must not (docs/architecture.md)"


@pytest.mark.parametrize("path", _modules(["dialects"]), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_dialects_import_no_cli_and_not_each_other(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[1] if len(path.relative_to(PACKAGE).parts) > 2 else None
    bad = {name for name in _imports(path) if name.startswith("lightplug.cli")
           or name.startswith("lightplug.dialects.") and name.split(".")[2] != own}
    assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}; a dialect stands on the core alone"


@pytest.mark.parametrize("path", _modules(["cli"]), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_cli_contains_no_sql(path: Path) -> None:
    text = path.read_text()
    sql = re.findall(r"\.(?:query|execute)\(|\b(?:select|insert|update|delete)\s+(?:\*|from|into|\w+\s+set)\b",
                     text, flags=re.IGNORECASE)
    assert not sql, f"{path.relative_to(PACKAGE)} runs SQL ({sql}); put it in lightplug/db/ and call that"
