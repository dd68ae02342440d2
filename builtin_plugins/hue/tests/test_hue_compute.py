"""The hue computation and the grouping helpers, on arrays and real image files."""

from __future__ import annotations

import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from hue_images import gray_photo, hued_photo
from PIL import Image

from lightplug_hue.compute import GRAYSCALE, dominant_hue, hue_of_file, hues_of_files, rgb_to_hue_chroma
from lightplug_hue.grouping import circular_mean, colour_name, hue_range_label, split_equal


def angle_diff(a: float, b: float) -> float:
    return abs((a - b + 180) % 360 - 180)


def flat(rgb: tuple[int, int, int], size: int = 32) -> np.ndarray:
    return np.tile(np.array(rgb, np.uint8), (size, size, 1))


@pytest.mark.parametrize("rgb, hue", [((255, 0, 0), 0), ((255, 128, 0), 30), ((0, 255, 0), 120),
                                      ((0, 255, 255), 180), ((0, 0, 255), 240), ((255, 0, 255), 300)])
def test_hue_of_primaries(rgb: tuple[int, int, int], hue: float) -> None:
    got, chroma = rgb_to_hue_chroma(np.array([rgb], np.uint8))
    assert angle_diff(float(got[0]), hue) < 1
    assert chroma[0] == pytest.approx(1.0)
    assert angle_diff(dominant_hue(flat(rgb)), hue) < 1


def test_majority_colour_wins_over_the_mean() -> None:
    """70% red and 30% blue is red, not the purple a plain mean would give."""
    img = flat((220, 20, 20))
    img[:10] = (20, 20, 220)
    assert angle_diff(dominant_hue(img), 0) < 3


def test_hues_either_side_of_zero_average_to_red() -> None:
    img = flat((255, 0, 20))  # ~355
    img[:16] = (255, 20, 0)  # ~5
    assert angle_diff(dominant_hue(img), 0) < 4


def test_grayscale_and_nearly_grayscale() -> None:
    assert dominant_hue(flat((128, 128, 128))) == GRAYSCALE
    assert dominant_hue(np.asarray(gray_photo(3))) == GRAYSCALE
    noisy = np.asarray(gray_photo(4)).astype(np.int16) + np.random.default_rng(0).integers(-4, 5, (180, 240, 3))
    assert dominant_hue(np.clip(noisy, 0, 255).astype(np.uint8)) == GRAYSCALE


def test_small_colourful_subject_on_grey_gives_its_hue() -> None:
    img = flat((120, 120, 120), size=100)
    img[40:50, 40:50] = (0, 160, 0)  # 1% green: below the threshold -> grayscale
    assert dominant_hue(img) == GRAYSCALE
    img[30:60, 30:60] = (0, 160, 0)  # 9% green
    assert angle_diff(dominant_hue(img), 120) < 2


def test_transparent_pixels_do_not_count() -> None:
    img = flat((0, 0, 255))
    img[:24] = (255, 0, 0)
    alpha = np.full(img.shape[:2], 255, np.uint8)
    alpha[:24] = 0
    assert angle_diff(dominant_hue(img, alpha), 240) < 2
    assert dominant_hue(img, np.zeros_like(alpha)) == GRAYSCALE


@pytest.mark.parametrize("hue", [0, 25, 60, 140, 210, 275, 340])
def test_photo_like_images(tmp_path: pathlib.Path, hue: float) -> None:
    path = tmp_path / "photo.jpg"
    hued_photo(hue, seed=int(hue)).save(path, quality=85)
    got, error = hue_of_file(str(path))
    assert error is None
    assert angle_diff(got, hue) < 5


def test_files_of_every_kind(tmp_path: pathlib.Path) -> None:
    big = tmp_path / "big.jpg"
    hued_photo(200, 1, size=(2400, 1600)).save(big, quality=85)  # decoded at 1/8 through draft
    rgba = tmp_path / "alpha.png"
    im = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    im.paste((0, 200, 0, 255), (0, 0, 64, 32))
    im.save(rgba)
    gray = tmp_path / "gray.png"
    gray_photo(2, rgb=False).save(gray)
    palette = tmp_path / "palette.gif"
    hued_photo(60, 2).convert("P").save(palette)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    results = hues_of_files([str(p) for p in (big, rgba, gray, palette, broken, tmp_path / "missing.png")])
    assert angle_diff(results[0][0], 200) < 5
    assert angle_diff(results[1][0], 120) < 2
    assert results[2] == (GRAYSCALE, None)
    assert angle_diff(results[3][0], 60) < 6
    for hue, error in results[4:]:
        assert math.isnan(hue) and error


def test_split_equal_keeps_reds_together() -> None:
    hues = np.array([358, 2, 120, 118, 240, 244, 5, 122, 236], dtype=float)
    parts = split_equal(hues, 3)
    assert sorted(sorted(hues[p].tolist()) for p in parts) == [[2, 5, 358], [118, 120, 122], [236, 240, 244]]
    labels = {hue_range_label(hues[p]) for p in parts}
    assert labels == {"Hue 358-5 (red)", "Hue 118-122 (green)", "Hue 236-244 (blue)"}
    assert [len(p) for p in split_equal(np.arange(10.0) * 30, 3)] == [4, 3, 3]
    assert len(split_equal(np.array([10.0, 20.0]), 5)) == 2
    assert split_equal(np.array([]), 3) == []
    with pytest.raises(ValueError):
        split_equal(hues, 0)


def test_names_and_means() -> None:
    assert [colour_name(h) for h in (0, 20, 50, 100, 180, 230, 270, 300, 340, 359)] == [
        "red", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta", "pink", "red"]
    assert angle_diff(circular_mean(np.array([350.0, 10.0])), 0) < 1e-6
    assert hue_range_label(np.array([12.4, 30.0, 40.2])) == "Hue 12-40 (orange)"
    assert hue_range_label(np.array([100.0])) == "Hue 100 (green)"


def test_entry_module_does_not_import_numpy_or_pillow() -> None:
    code = ("import sys, lightplug_hue; bad = {'numpy', 'PIL'} & set(sys.modules); "
            "assert not bad, bad; print(lightplug_hue.plugin_class.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "HuePlugin"
