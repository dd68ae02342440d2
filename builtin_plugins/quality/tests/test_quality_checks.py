"""Unit tests of lightplug_quality.checks against a literal port of CleanVision's formulas."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageStat

from lightplug_quality import checks

RNG = np.random.default_rng(7)


# ---------------------------------------------------------------- CleanVision 0.3.x, ported as is


def cv_percentiles(img: Image.Image, percentiles: list[float]) -> np.ndarray:
    imarr = np.asarray(img)
    if len(imarr.shape) == 3:
        r, g, b = (imarr[:, :, i].astype("int") for i in range(3))
        bright = np.sqrt(0.241 * (r * r) + 0.691 * (g * g) + 0.068 * (b * b)) / 255
    else:
        bright = imarr / 255.0
    return np.percentile(bright, percentiles)


def cv_blur(image: Image.Image) -> tuple[float, float]:
    ratio = max(image.width, image.height) / 64
    if ratio > 1:
        image = image.resize(
            (max(int(image.width // ratio), 1), max(int(image.height // ratio), 1))
        )
    gray = image.convert("L")
    edges = gray.filter(ImageFilter.FIND_EDGES)
    return math.sqrt(ImageStat.Stat(edges).var[0]), float(np.std(gray.histogram()))


# ---------------------------------------------------------------- images


def photo_like(w: int = 320, h: int = 240) -> Image.Image:
    """Smooth random colour field with some edges: photo-ish statistics."""
    small = RNG.integers(0, 256, (h // 16 + 1, w // 16 + 1, 3), dtype=np.uint8)
    im = Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)
    noise = RNG.normal(0, 12, (h, w, 3))
    return Image.fromarray((np.asarray(im) + noise).clip(0, 255).astype(np.uint8))


MODES = ["RGB", "RGBA", "CMYK", "L", "1", "P", "I;16", "I", "F"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (320, 240)])
def test_brightness_percentiles_match_cleanvision(mode: str, size: tuple[int, int]) -> None:
    img = photo_like(*size) if size[0] > 16 else Image.fromarray(
        RNG.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    img = img.convert(mode)
    pcts = [1, 5, 10, 50, 95, 99]
    ours = checks.brightness_percentiles(np.asarray(img), pcts)
    assert np.allclose(ours, cv_percentiles(img, pcts), rtol=0, atol=1e-12)


def test_brightness_two_band_image_uses_first_band() -> None:
    img = photo_like(64, 48).convert("LA")
    p5, p99 = checks.brightness_percentiles(np.asarray(img))
    ref = np.percentile(np.asarray(img)[..., 0] / 255.0, [5, 99])
    assert np.allclose([p5, p99], ref)


def test_linear_percentiles_is_numpy_percentile() -> None:
    data = np.sort(RNG.normal(size=1001))
    pcts = [0, 0.5, 5, 33.3, 50, 99, 100]
    ours = checks._linear_percentiles(lambda r: data[r], data.size, pcts)
    assert ours == list(np.percentile(data, pcts))


def test_int_order_stats_is_sorting() -> None:
    key = RNG.integers(0, 65_025_000, 50_000).astype(np.int32)
    key[:20_000] = 12_345  # a crowded bin
    ranks = np.array([0, 1, 2_500, 19_999, 20_000, 49_998, 49_999])
    assert list(checks._int_order_stats(key, ranks)) == list(np.sort(key)[ranks])


@pytest.mark.parametrize("ranks", [[0], [4], [0, 1, 2, 3, 4], [1, 2], [3, 4], [0, 4], [2, 2, 0]])
def test_partitioned_is_sorting(ranks: list[int]) -> None:
    values = np.array([7, 3, 3, 9, 1], dtype=np.int32)
    assert list(checks._partitioned(values, np.array(ranks))) == list(np.sort(values)[ranks])
    big = RNG.integers(0, 1000, 20_000).astype(np.int32)
    ranks_big = [999, 1000, 19_798, 19_799, 19_999]
    assert list(checks._partitioned(big, np.array(ranks_big))) == list(np.sort(big)[ranks_big])


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "1"])
@pytest.mark.parametrize("size", [(40, 30), (300, 200), (97, 641)])
def test_blur_measures_match_cleanvision(mode: str, size: tuple[int, int]) -> None:
    img = photo_like(*size).convert(mode)
    assert checks.blur_measures(img) == pytest.approx(cv_blur(img), rel=1e-12, abs=1e-12)


def test_measure_file_reads_and_reports_unreadable(tmp_path: Path) -> None:
    good = tmp_path / "a.jpg"
    photo_like().save(good)
    bad = tmp_path / "b.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    text = tmp_path / "c.png"
    text.write_text("not an image")
    m = checks.measure_file(str(good))
    assert isinstance(m, checks.Measures)
    assert (m.width, m.height, m.mode) == (320, 240, "RGB")
    assert isinstance(checks.measure_file(str(bad)), str)
    assert isinstance(checks.measure_file(str(text)), str)
    assert isinstance(checks.measure_file(str(tmp_path / "missing.jpg")), str)
    out = checks.measure_files([str(good), str(bad)])
    assert isinstance(out[0], dict) and out[0]["width"] == 320 and isinstance(out[1], str)


def flagged(img: Image.Image) -> set[str]:
    scores = checks.image_scores(checks.measure_image(img))
    return {k for k, v in checks.flags(scores, checks.DEFAULT_THRESHOLDS).items() if v}


def test_a_normal_photo_has_no_issue() -> None:
    assert flagged(photo_like()) == set()


def test_dark_light_grayscale_aspect() -> None:
    arr = np.asarray(photo_like()).astype(float)
    assert "dark" in flagged(Image.fromarray((arr * 0.2).astype(np.uint8)))
    light = 245 + arr * 10 / 255
    assert "light" in flagged(Image.fromarray(light.astype(np.uint8)))
    assert "grayscale" in flagged(photo_like().convert("L"))
    # CleanVision only calls mode "L" grayscale, not RGB with equal bands
    assert "grayscale" not in flagged(photo_like().convert("L").convert("RGB"))
    assert "odd_aspect_ratio" in flagged(photo_like(400, 100))


def checkers(w: int = 640, h: int = 480) -> Image.Image:
    """A mid-grey ramp under 40 px checkers: sharp edges, moderate contrast."""
    yy, xx = np.mgrid[0:h, 0:w]
    arr = np.linspace(60, 120, w)[None, :] + ((yy // 40 + xx // 40) % 2) * 50
    return Image.fromarray(arr.astype(np.uint8)).convert("RGB")


def test_blurry_and_low_information() -> None:
    # CleanVision's FIND_EDGES keeps the border pixels, and a flat histogram (a too narrow one is not called blurry)
    assert "blurry" in flagged(checkers().filter(ImageFilter.GaussianBlur(10)))
    assert "blurry" not in flagged(checkers())
    # entropy over the 768-bin RGB histogram: 2 grey levels -> log2(6) = 2.58 < 3
    few_levels = Image.fromarray(np.repeat(np.arange(2, dtype=np.uint8) * 120, 160 * 240)
                                 .reshape(240, 320))
    assert "low_information" in flagged(few_levels.convert("RGB"))


def test_scores_are_in_unit_range() -> None:
    for img in (photo_like(), photo_like().convert("L"), Image.new("RGB", (5, 500))):
        for v in checks.image_scores(checks.measure_image(img)).values():
            assert 0.0 <= v <= 1.0


def test_odd_size_flags_outliers() -> None:
    w = [600 + 10 * i for i in range(12)] + [60, 6000]
    h = [450 + 10 * i for i in range(12)] + [45, 4500]
    scores, thr = checks.odd_size_scores(w, h)
    assert thr == 0.5
    assert [bool(s < thr) for s in scores] == [False] * 12 + [True, True]


def test_odd_size_zero_iqr_flags_every_other_size() -> None:
    scores, thr = checks.odd_size_scores([640] * 9 + [641], [480] * 10)
    assert thr == 1.0
    assert [bool(s < thr) for s in scores] == [False] * 9 + [True]


def test_odd_size_empty() -> None:
    scores, _ = checks.odd_size_scores([], [])
    assert scores.size == 0


def test_reduced_measures_flag_what_full_size_flags(tmp_path) -> None:
    """Measures of a JPEG decoded at reduced size (draft mode, as the plugin does by default) keep
    the full width and height and flag the same issues as the full-size measures."""
    from lightplug.imaging import decode_image

    arr = np.asarray(photo_like()).astype(float)
    cases = {"normal": photo_like(), "dark": Image.fromarray((arr * 0.2).astype(np.uint8)),
             "light": Image.fromarray((245 + arr * 10 / 255).astype(np.uint8)),
             "gray": photo_like().convert("L"), "wide": photo_like(1200, 300),
             "blurry": checkers().filter(ImageFilter.GaussianBlur(10)), "sharp": checkers()}
    for name, img in cases.items():
        path = tmp_path / f"{name}.jpg"
        img.save(path, quality=92)
        with Image.open(path) as full:
            exact = checks.measure_image(full)
        decoded = decode_image(str(path), 64)
        assert decoded.native.size[0] < exact.width  # really decoded smaller
        reduced = checks.measure_reduced(decoded.native, (decoded.width, decoded.height))
        assert (reduced.width, reduced.height, reduced.mode) == (exact.width, exact.height, exact.mode)
        want = checks.flags(checks.image_scores(exact), checks.DEFAULT_THRESHOLDS)
        assert checks.flags(checks.image_scores(reduced), checks.DEFAULT_THRESHOLDS) == want, name


def test_a_larger_shared_decode_is_measured_at_the_quality_size(tmp_path) -> None:
    """When another plugin makes the host decode larger (dedup: both sides >= 128), the measures
    are taken on the image halved back to about the size the quality plugin alone gets."""
    from lightplug.imaging import decode_image
    from lightplug_quality.plugin import _at_measure_size, measure_reduced_feature

    path = tmp_path / "photo.jpg"
    photo_like(640, 480).save(path, quality=92)
    alone, shared = decode_image(str(path), 64), decode_image(str(path), 128)
    assert alone.native.size == (160, 120) and shared.native.size == (320, 240)
    assert _at_measure_size(shared.native).size == alone.native.size
    a, b = measure_reduced_feature([alone, shared])
    assert list(a[:3]) == list(b[:3]) == [640, 480, 0.0]  # width, height, mode "L"
    assert abs(a[4] - b[4]) < 0.02 and abs(a[5] - b[5]) < 0.1  # 99th brightness percentile, entropy
