"""``lightplug plugins new``: a plugin package that installs, lists and passes its own tests as made.

The package has a pyproject with the entry point, the module (a LightlyStudio-style operator or a
Panoptic-style plugin), a README and tests that use ``lightplug.testing`` on generated images.
"""

from __future__ import annotations

import re
from pathlib import Path

DIALECTS = ("lightly", "panoptic")


class ScaffoldError(ValueError):
    """The plugin cannot be created (bad name, folder exists)."""


def names(name: str) -> tuple[str, str, str]:
    """``(distribution, package, entry point)`` for ``name``: ``my-tool`` ->
    ``lightplug-my-tool``, ``lightplug_my_tool``, ``my_tool``."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,40}", name):
        raise ScaffoldError(f"{name!r} is not a plugin name: use letters, digits, - and _ (starting with a letter)")
    entry = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return f"lightplug-{entry.replace('_', '-')}", f"lightplug_{entry}", entry


_PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "A lightplug plugin: {entry}."
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["lightplug"]

[project.optional-dependencies]
test = ["pytest"]

[project.entry-points.lightplug]
{entry} = "{package}"

[tool.setuptools.packages.find]
include = ["{package}*"]
'''

_LIGHTLY = '''"""{entry}: a LightlyStudio-style operator for lightplug."""

from dataclasses import dataclass

from lightplug import (BaseOperator, ExecutionContext, IntParameter, OperatorResult, OperatorScope,
                       hookimpl, image_resolver)


@dataclass
class CountImages(BaseOperator):
    """Count the images of the project or of the selection (at most LIMIT of them are named)."""

    name: str = "count_images"
    description: str = "Count the selected images and name the first ones."

    @property
    def parameters(self):
        return [IntParameter(name="limit", description="how many names to show", default=3, min=1)]

    @property
    def supported_scopes(self):
        return [OperatorScope.ROOT, OperatorScope.IMAGE]

    def execute(self, *, session, context: ExecutionContext, parameters: dict) -> OperatorResult:
        found = image_resolver.get_all_by_collection_id(
            session=session, collection_id=context.collection_id, filters=context.context_filter)
        samples = list(getattr(found, "samples", found))
        shown = ", ".join(s.file_name for s in samples[: parameters["limit"]])
        return OperatorResult(success=True, message=f"{{len(samples)}} image(s): {{shown}}")


@hookimpl
def register_operators(register):
    register(CountImages())
'''

_PANOPTIC = '''"""{entry}: a Panoptic-style plugin for lightplug."""

from lightplug import ActionContext, ActionResult, APlugin, Group, Notif, NotifType


class {cls}(APlugin):
    """Groups the images of the project (or of the selection) by file extension."""

    def __init__(self, project, plugin_path, name):
        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.add_action_easy(self.by_extension, ["group"])

    async def by_extension(self, context: ActionContext, smallest: int = 1):
        """Group images by file extension; groups smaller than SMALLEST are left out.

        :param smallest: the smallest group to show
        """
        instances = await self.project.get_instances(context.instance_ids)
        groups: dict[str, list[int]] = {{}}
        for instance in instances:
            groups.setdefault(instance.extension or "?", []).append(instance.id)
        kept = [Group(ids=ids, name=ext) for ext, ids in sorted(groups.items()) if len(ids) >= smallest]
        notif = Notif(NotifType.INFO, name="by_extension", message=f"{{len(kept)}} group(s)")
        return ActionResult(groups=kept, notifs=[notif])


plugin_class = {cls}
'''

_TEST_LIGHTLY = '''"""Tests of {entry} through the real command line (run with: pytest)."""

from lightplug.sample import make_sample
from lightplug.testing import PluginCli


def test_count_images(tmp_path):
    make_sample(tmp_path / "photos", count=4)
    cli = PluginCli(plugins="{entry}")
    root = cli.init(tmp_path / "project")
    assert cli("-C", root, "import", tmp_path / "photos").exit_code == 0
    everything = cli.run(root, "{entry}.count_images")
    assert everything["success"] and everything["message"].startswith(str(len(cli.stems(root))))
    two = cli.run(root, "{entry}.count_images", "--ids", "1,2", "--limit", "1")
    assert two["message"].startswith("2 image(s): ")
'''

_TEST_PANOPTIC = '''"""Tests of {entry} through the real command line (run with: pytest)."""

from lightplug.sample import make_sample
from lightplug.testing import PluginCli


def test_by_extension(tmp_path):
    make_sample(tmp_path / "photos", count=4)
    cli = PluginCli(plugins="{entry}")
    root = cli.init(tmp_path / "project")
    assert cli("-C", root, "import", tmp_path / "photos").exit_code == 0
    result = cli.run(root, "{entry}.by_extension")
    assert result["success"] and sum(g["size"] for g in result["groups"]) == len(cli.stems(root))
    assert {{g["name"] for g in result["groups"]}} <= {{"jpg", "png", "jpeg"}}
'''

_README = '''# {dist}

A [lightplug](https://pypi.org/project/lightplug/) plugin ({dialect} style), made with
`lightplug plugins new {entry}`.

```console
pip install -e ".[test]"        # into the environment lightplug runs in
lightplug ops list              # shows {example}
lightplug run {example}
pytest                          # its tests, on generated images
```

Edit `{package}/__init__.py`; the plugin guide of lightplug explains every name it uses.
'''


def create(name: str, dialect: str, parent: Path) -> Path:
    """Write the package for plugin ``name`` in ``dialect`` under ``parent``; returns its folder."""
    if dialect not in DIALECTS:
        raise ScaffoldError(f"unknown dialect {dialect!r}; use one of: {', '.join(DIALECTS)}")
    dist, package, entry = names(name)
    root = parent / dist
    if root.exists():
        raise ScaffoldError(f"{root} exists already; choose another name or folder")
    cls = "".join(part.capitalize() for part in entry.split("_")) + "Plugin"
    fields = {"dist": dist, "package": package, "entry": entry, "cls": cls, "dialect": dialect,
              "example": f"{entry}.count_images" if dialect == "lightly" else f"{entry}.by_extension"}
    files = {
        "pyproject.toml": _PYPROJECT,
        "README.md": _README,
        f"{package}/__init__.py": _LIGHTLY if dialect == "lightly" else _PANOPTIC,
        f"tests/test_{entry}.py": _TEST_LIGHTLY if dialect == "lightly" else _TEST_PANOPTIC,
    }
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**fields), encoding="utf-8")
    return root
