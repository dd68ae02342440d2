"""Fixtures: the real CLI (export plugin plus a tiny grouping plugin), a project of real images."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner, Result

from lightplug import ActionContext, ActionResult, APlugin, Group, Score, ScoreList

Cli = Callable[..., Result]


class GrouperPlugin(APlugin):
    """Makes known groups: instances with odd / even ids, or one group of image SHA-1s."""

    def __init__(self, project, plugin_path, name):  # type: ignore[no-untyped-def]
        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.add_action_easy(self.make_groups, ["group"])

    async def make_groups(self, context: ActionContext, by_sha1: bool = False) -> ActionResult:
        """Odd and even instance ids (or one group of SHA-1s).

        :param by_sha1: one group of image SHA-1s instead
        """
        instances = await self.project.get_instances(ids=context.instance_ids)
        if by_sha1:
            sha1s = sorted({i.sha1 for i in instances})
            return ActionResult(groups=[Group(sha1s=sha1s, name="by content",
                                              scores=ScoreList(values=[0.5] * len(sha1s)))])
        odd = [i.id for i in instances if i.id % 2]
        even = [i.id for i in instances if not i.id % 2]
        return ActionResult(groups=[
            Group(ids=odd, name="odd", score=Score(value=1.0), scores=ScoreList(values=[float(i) for i in odd],
                                                                                 min=0, max=100)),
            Group(ids=even, name="even", score=Score(value=2.0))])


def photo(seed: int, size: tuple[int, int] = (160, 120), gray: bool = False) -> Image.Image:
    """A smooth random photo-like image (colour or grayscale)."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = rng.uniform(40, 200, 3) + (x / w)[..., None] * rng.uniform(-60, 60, 3)
    img = img + np.sin(y / rng.uniform(5, 20))[..., None] * rng.uniform(0, 40, 3)
    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    return out.convert("L") if gray else out


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """Invoke the real ``lightplug`` CLI with the export plugin and the grouping test plugin."""
    from lightplug.cli import app
    from lightplug.host import PluginInfo, get_host, reset_host

    monkeypatch.setenv("LIGHTPLUG_PLUGINS", "export")
    reset_host()
    get_host().add(GrouperPlugin, PluginInfo(name="grouper"))
    runner = CliRunner()

    def invoke(*args: str | pathlib.Path) -> Result:
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    yield invoke
    reset_host()


@pytest.fixture
def images(tmp_path: pathlib.Path) -> pathlib.Path:
    """Six images in two sub-folders (cats/, dogs/), one grayscale PNG among them."""
    root = tmp_path / "images"
    for k in range(6):
        folder = root / ("cats" if k < 3 else "dogs")
        folder.mkdir(parents=True, exist_ok=True)
        if k == 5:
            photo(k, gray=True).save(folder / f"img{k}.png")
        else:
            photo(k, size=(160 + 10 * k, 120)).save(folder / f"img{k}.jpg", quality=90)
    return root


@pytest.fixture
def project(tmp_path: pathlib.Path, cli: Cli, images: pathlib.Path) -> pathlib.Path:
    """A project with the six images imported (instance ids 1-6, in file order)."""
    root = tmp_path / "project"
    assert cli("init", root).exit_code == 0
    result = cli("-C", root, "import", images)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def run(cli: Cli) -> Callable[..., dict]:
    """``run(project, ACTION, *ARGS, code=0)``: ``lightplug -C project run ... --json`` parsed."""

    def invoke(project: pathlib.Path, *args: str | pathlib.Path, code: int = 0) -> dict:
        result = cli("-C", project, "run", *args, "--json", "--no-input")
        assert result.exit_code == code, result.output
        return json.loads(result.stdout)

    return invoke
