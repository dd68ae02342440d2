"""The layering rules of docs/architecture.md, checked on the source: who may import whom."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lightplug"

# dialect modules: LightlyStudio operators and Panoptic plugins
DIALECT = {"operators", "parameters", "lightly", "registry", "aplugin", "interface", "results"}
# the dialect-neutral core: these import neither a dialect nor the CLI
CORE = ["db", "compute", "selection.py", "aio.py", "specs.py"]


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


@pytest.mark.parametrize("path", _modules(CORE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_imports_no_dialect_and_no_cli(path: Path) -> None:
    bad = {name for name in _imports(path)
           if name.startswith("lightplug.cli") or name.split(".")[1:2] and name.split(".")[1] in DIALECT}
    assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}; the core must not (docs/architecture.md)"


@pytest.mark.parametrize("path", _modules(["cli"]), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_cli_contains_no_sql(path: Path) -> None:
    text = path.read_text()
    sql = re.findall(r"\.(?:query|execute)\(|\b(?:select|insert|update|delete)\s+(?:\*|from|into|\w+\s+set)\b",
                     text, flags=re.IGNORECASE)
    assert not sql, f"{path.relative_to(PACKAGE)} runs SQL ({sql}); put it in lightplug/db/ and call that"
