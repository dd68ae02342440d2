"""Accuracy through the real CLI on generated photos: crops of 2-8% per side and mirror images are
found, distinct photos that share a large region are not, and the stored feature has its size."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from dedup_images import crop, jpeg_bytes, photo

#: (left, top, right, bottom) cut from each cropped photo: 2-8% of the side, drawn as make_corpus.py draws them
CROPS = [tuple(cut) for cut in np.random.default_rng(0).uniform(0.02, 0.08, size=(10, 4)).round(3).tolist()]
FLIPS = [30, 31, 32, 33]
#: two crops of one bigger photo, (x, y) offsets of the second: the two share 48%, 44% and 33% of their union
OVERLAPS = [(0.35, 0.0), (0.0, 0.39), (0.2, 0.2)]
SIZE = (640, 480)


def iou(dx: float, dy: float) -> float:
    """Intersection over union of two same-size boxes offset by fractions ``dx``, ``dy`` of their size."""
    inter = (1 - dx) * (1 - dy)
    return inter / (2 - inter)


def decoded(im: Image.Image) -> Image.Image:
    return Image.open(io.BytesIO(jpeg_bytes(im))).convert("RGB")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Originals with a crop or a mirror image each, and pairs of overlapping crops (distinct photos)."""
    folder = tmp_path_factory.mktemp("accuracy")
    for k, cut in enumerate(CROPS):
        original = decoded(photo(100 + k, SIZE))
        (folder / f"c{k}.jpg").write_bytes(jpeg_bytes(original))
        (folder / f"c{k}_crop.jpg").write_bytes(jpeg_bytes(crop(original, cut), 85))
    for seed in FLIPS:
        original = decoded(photo(seed, SIZE))
        (folder / f"f{seed}.jpg").write_bytes(jpeg_bytes(original))
        (folder / f"f{seed}_hflip.jpg").write_bytes(jpeg_bytes(ImageOps.mirror(original), 85))
    w, h = SIZE
    for k, (dx, dy) in enumerate(OVERLAPS):
        assert iou(dx, dy) < 0.5
        big = photo(200 + k, (round(w * (1 + dx)), round(h * (1 + dy))))
        x, y = round(w * dx), round(h * dy)
        (folder / f"o{k}_a.jpg").write_bytes(jpeg_bytes(big.crop((0, 0, w, h))))
        (folder / f"o{k}_b.jpg").write_bytes(jpeg_bytes(big.crop((x, y, x + w, y + h))))
    return folder


@pytest.fixture(scope="module")
def found(corpus, tmp_path_factory) -> tuple[list[set[str]], dict, dict]:
    """``find_duplicates`` at its defaults on the corpus: groups as stems, its value, the vector types."""
    from lightplug.testing import PluginCli

    cli = PluginCli(plugins="dedup")
    project = cli.init(tmp_path_factory.mktemp("project") / "p")
    assert cli("-C", project, "import", corpus).exit_code == 0
    out = cli.run(project, "find_duplicates")
    stems = cli.stems(project)
    vectors = json.loads(cli("-C", project, "vectors", "list", "--json").stdout)
    return [{stems[i] for i in g["ids"]} for g in out["groups"]], out["value"], vectors


def test_crops_of_2_to_8_percent_per_side_are_found(found):
    """The issue's target: at least 80% (the hash variants reach cuts of 3-6%, beyond that the
    residue grows: a crop of 8% on every side is not always found)."""
    groups, _, _ = found
    missed = [CROPS[k] for k in range(len(CROPS)) if {f"c{k}", f"c{k}_crop"} not in groups]
    assert len(missed) <= 0.2 * len(CROPS), missed


@pytest.mark.parametrize("seed", FLIPS)
def test_a_mirror_image_is_found(found, seed):
    groups, _, _ = found
    assert {f"f{seed}", f"f{seed}_hflip"} in groups


def test_photos_sharing_a_large_region_are_not_grouped(found):
    """Overlapping crops of one photo (IoU < 0.5) are different photos; and no group mixes families."""
    groups, value, _ = found
    assert not any(g & {f"o{k}_a", f"o{k}_b"} for g in groups for k in range(len(OVERLAPS))), groups
    assert all(len({name.split("_")[0] for name in g}) == 1 for g in groups), groups
    assert value["verify"] is True


def test_the_fine_hash_rejects_what_a_loose_coarse_threshold_lets_through(corpus, tmp_path):
    """At threshold 28 the coarse hashes alone pair overlapping crops; verification drops them."""
    from lightplug.testing import PluginCli

    cli = PluginCli(plugins="dedup")
    project = cli.init(tmp_path / "p")
    assert cli("-C", project, "import", corpus).exit_code == 0
    stems = cli.stems(project)

    def groups(*args: str) -> list[set[str]]:
        return [{stems[i] for i in g["ids"]} for g in cli.run(project, "find_duplicates", "--threshold", "28",
                                                               *args)["groups"]]

    overlapping = [{f"o{k}_a", f"o{k}_b"} for k in range(len(OVERLAPS))]
    assert any(o <= g for g in groups("--no-verify") for o in overlapping)
    assert not any(o <= g for g in groups() for o in overlapping)


def test_the_stored_feature_is_584_bytes_per_image(found, corpus):
    _, _, vectors = found
    [row] = [r for r in vectors if r["source"] == "dedup"]
    params = row["params"]
    assert (params["dedup"], params["version"], len(params["variants"]), params["fine_bits"]) == ("phash", 3, 18, 144)
    assert row["vectors"] == len(list(corpus.iterdir()))
    assert row["dimensions"] * 4 == 584  # `dimensions` counts 4-byte values: 18 x 8 + 18 x 24 + 8 bytes
