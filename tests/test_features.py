"""Image features: the host decodes each image once at import and hands it to every feature.

A Panoptic-style plugin defined in this module (``plugin_class``) registers features and is
driven through the real command line against real image files and a real project database.
The feature functions are top level here, so worker processes could import them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from lightplug import ActionContext, ActionResult, APlugin
from lightplug.compute import ImageFeature, features_of, map_feature, register_feature
from lightplug.compute.features import decode_size

BIG = (1024, 768)  # a JPEG of this size is decoded at 1/8 scale for 64-pixel features
ALL_ONES = (1 << 64) - 1


def native_size(images: list) -> list:
    """Feature: the size of the pixels the host decoded, and of the file."""
    return [[im.native.width, im.native.height, im.width, im.height] for im in images]


def mean_red(images: list) -> list:
    """Feature: mean red of the shared 64 x 64 square; None for images named 'none_*'."""
    import numpy as np

    return [None if Path(im.path).name.startswith("none_") else
            [float(np.asarray(im.resized(64, 64))[..., 0].mean())] for im in images]


def raw_bits(images: list) -> list:
    """Feature: 64-bit values whose bytes are not valid floats (kept bit for bit)."""
    return [[ALL_ONES, 0x7FF0000000000001] for _ in images]


class FeatureProbe(APlugin):
    """Registers three features; ``full`` (a setting) adds one that needs full resolution."""

    def __init__(self, project: Any, plugin_path: str, name: str) -> None:
        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.size = register_feature(self, ImageFeature("size", native_size, {"what": "size"}, size=64,
                                                        dtype="int32"))
        self.red = register_feature(self, ImageFeature("red", mean_red, {"what": "red"}, size=32))
        self.bits = register_feature(self, ImageFeature("bits", raw_bits, {"what": "bits"}, dtype="uint64",
                                                        when=lambda: self.switches["bits"]))
        self.full = register_feature(self, ImageFeature("full", native_size, {"what": "full"}, size=None,
                                                        dtype="int32", when=lambda: self.switches["full"]))
        self.switches = {"bits": True, "full": False}
        self.add_action_easy(self.features, ["execute"])

    async def features(self, context: ActionContext, which: str = "size", force: bool = False) -> ActionResult:
        """Each image's stored (or now computed) value of feature ``which``."""
        instances = await self.project.get_instances(ids=context.instance_ids)
        found = await map_feature(self, getattr(self, which), instances, force=force)
        values = {i.name: found.vectors[i.sha1].tolist() for i in instances if i.sha1 in found.vectors}
        return ActionResult(value={"values": values, "computed": found.computed, "cached": found.cached,
                                   "failed": sorted(Path(u).name for u in found.failed)})


plugin_class = FeatureProbe


class Cli:
    """The real Typer app with a fresh host per call, this module added to it as ``featureprobe``."""

    def __call__(self, *args: Any) -> Any:
        from typer.testing import CliRunner

        from lightplug.cli import app
        from lightplug.host import PluginInfo, get_host, reset_host

        reset_host()
        host = get_host()
        if "featureprobe" not in host.plugins:
            host.add(sys.modules[__name__], PluginInfo(name="featureprobe", distribution="test", version="0"))
        return CliRunner().invoke(app, [str(a) for a in args])

    def run(self, root: Path, *args: str) -> dict:
        result = self("-C", root, "run", "featureprobe.features", "--no-input", "--json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["value"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch):
    from lightplug.compute import pools

    monkeypatch.setenv("LIGHTPLUG_PLUGINS", "featureprobe")
    monkeypatch.setenv("LIGHTPLUG_WORKERS", "1")  # this process: decodes can be counted
    pools.terminate_workers()
    yield monkeypatch
    pools.terminate_workers()


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """A big JPEG, a small PNG, a PNG whose 'red' feature gives no value, and a broken file."""
    import numpy as np
    from PIL import Image

    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(3)
    big = np.zeros((BIG[1], BIG[0], 3), np.uint8)
    big[..., 0] = 200
    big[..., 1:] = rng.integers(0, 60, size=(BIG[1], BIG[0], 2), dtype=np.uint8)
    Image.fromarray(big).save(folder / "big.jpg", quality=92)
    Image.fromarray(rng.integers(0, 256, size=(40, 50, 3), dtype=np.uint8)).save(folder / "small.png")
    Image.fromarray(np.full((30, 30, 3), 10, np.uint8)).save(folder / "none_flat.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    return folder


def imported(cli: Cli, tmp_path: Path, photos: Path) -> Path:
    root = tmp_path / "project"
    assert cli("init", root).exit_code == 0
    result = cli("-C", root, "import", photos)
    assert result.exit_code == 0, result.output
    return root


def test_import_decodes_each_image_once_for_every_feature(env, tmp_path, photos):
    import lightplug.imaging as imaging

    calls: list[str] = []
    original = imaging.decode_image

    def counting(source, size=64, path=""):  # type: ignore[no-untyped-def]
        calls.append(Path(path).name)
        return original(source, size, path)

    env.setattr(imaging, "decode_image", counting)
    cli = Cli()
    root = imported(cli, tmp_path, photos)
    assert sorted(calls) == ["big.jpg", "broken.jpg", "none_flat.png", "small.png"]  # once each
    calls.clear()
    sizes = cli.run(root, "--which", "size")
    assert (sizes["computed"], sizes["cached"]) == (0, 3) and calls == []  # read, not decoded
    # the JPEG was decoded at 1/8 scale: both sides still >= 64 (the largest size asked for)
    assert sizes["values"]["big.jpg"] == [BIG[0] // 8, BIG[1] // 8, *BIG]
    assert sizes["values"]["small.png"] == [50, 40, 50, 40]
    red = cli.run(root, "--which", "red")
    assert red["cached"] == 3 and red["values"]["big.jpg"][0] == pytest.approx(200, abs=4)
    assert red["failed"] == ["none_flat.png"]  # remembered: no value, not tried again
    bits = cli.run(root, "--which", "bits")
    assert bits["values"]["small.png"] == [ALL_ONES, 0x7FF0000000000001]  # bit for bit


def test_a_feature_switched_off_is_computed_on_demand_and_then_cached(env, tmp_path, photos):
    env.setattr(FeatureProbe, "switches", {"bits": False, "full": False}, raising=False)
    original = FeatureProbe.__init__

    def init(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        self.switches = {"bits": False, "full": False}

    env.setattr(FeatureProbe, "__init__", init)
    cli = Cli()
    root = imported(cli, tmp_path, photos)
    first = cli.run(root, "--which", "bits")
    assert (first["computed"], first["cached"], first["failed"]) == (3, 0, [])
    again = cli.run(root, "--which", "bits")
    assert (again["computed"], again["cached"]) == (0, 3)
    forced = cli.run(root, "--which", "bits", "--force")
    assert forced["computed"] == 3


def test_a_full_resolution_feature_makes_the_host_decode_at_full_size(env, tmp_path, photos):
    original = FeatureProbe.__init__

    def init(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        self.switches = {"bits": True, "full": True}

    env.setattr(FeatureProbe, "__init__", init)
    cli = Cli()
    root = imported(cli, tmp_path, photos)
    full = cli.run(root, "--which", "full")
    assert full["cached"] == 3 and full["values"]["big.jpg"] == [*BIG, *BIG]
    assert cli.run(root, "--which", "size")["values"]["big.jpg"] == [*BIG, *BIG]  # the same pixels


def test_features_are_listed_per_plugin_and_the_decode_size_serves_them_all():
    class Holder:
        pass

    holder = Holder()
    a = register_feature(holder, ImageFeature("a", native_size, {}, size=32))
    b = register_feature(holder, ImageFeature("b", native_size, {}, size=96))
    assert features_of(holder) == [a, b]
    assert decode_size([a.spec(), b.spec()]) == 96
    assert decode_size([a.spec(), ImageFeature("c", native_size, {}, size=None).spec()]) is None
    with pytest.raises(ValueError):
        ImageFeature("d", native_size, {}, dtype="uint8")
    with pytest.raises(TypeError):
        register_feature(holder, "not a feature")  # type: ignore[arg-type]


def test_known_contents_are_looked_up_by_their_sha1_keys():
    """``sha1_keys`` (the contents a project has, sent to the import's workers) are sorted and
    distinct; ``inspect_chunk`` skips the features of exactly those contents."""
    import hashlib

    from lightplug.importer import _is_known, sha1_keys

    sha1s = [hashlib.sha1(str(k).encode()).hexdigest() for k in range(50)]
    keys = sha1_keys(sha1s + sha1s[:10])  # repeated contents: one key each
    assert len(keys) == 50 and list(keys) == sorted(keys)
    assert all(_is_known(s, keys) for s in sha1s)
    assert not _is_known(hashlib.sha1(b"new").hexdigest(), keys)
    assert len(sha1_keys([])) == 0 and not _is_known(sha1s[0], sha1_keys([]))


def test_builtin_features_give_an_image_the_same_value_in_any_chunk():
    """The built-in plugins' features vectorise over a chunk in cache-sized blocks: the value an
    image gets does not depend on the chunk it came in, nor on its place in it."""
    import io

    import numpy as np
    from PIL import Image

    from lightplug.imaging import decode_image
    from lightplug_dedup.hashing import packed_features
    from lightplug_hue.compute import hues_of_images
    from lightplug_quality.plugin import measure_reduced_feature
    from lightplug_similarity.embedding import embed_images

    rng = np.random.default_rng(7)
    images = []
    for k in range(37):  # more than two blocks of every feature, and not a multiple of one
        base = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)  # blocky colours, scaled up smoothly
        picture = Image.fromarray(base).resize((320 + 8 * k, 240), Image.Resampling.BICUBIC)
        data = io.BytesIO()
        picture.save(data, "JPEG", quality=90)
        images.append(decode_image(data.getvalue(), 128))
    for feature in (hues_of_images, packed_features, embed_images, measure_reduced_feature):
        together = np.stack(feature(images))
        alone = np.stack([feature([image])[0] for image in images])
        shuffled = np.stack(feature(images[::-1])[::-1])
        assert len(together) == len(images) and len({row.tobytes() for row in together}) == len(images)
        if feature is embed_images:  # float32 matrix products: batches of other sizes round differently
            assert np.allclose(together, alone, rtol=1e-5, atol=1e-6) and np.allclose(together, shuffled)
        else:
            assert together.tobytes() == alone.tobytes() == shuffled.tobytes(), feature.__name__
