"""Hashing: the DCT maths, the 18 variants and their fine hashes, the packed layout, robustness to edits, odd files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from lightplug_dedup import grouping, hashing

from dedup_images import EDITS, jpeg_bytes, photo


def naive_phash(gray32: np.ndarray) -> np.ndarray:
    """pHash as imagededup computes it (scipy's unnormalised DCT-II), written out in loops."""
    n = 32
    c = np.zeros((8, 8))
    for u in range(8):
        for v in range(8):
            cu = np.cos(np.pi * u * (2 * np.arange(n) + 1) / (2 * n))
            cv = np.cos(np.pi * v * (2 * np.arange(n) + 1) / (2 * n))
            c[u, v] = 4 * (cu[:, None] * cv[None, :] * gray32).sum()
    return (c >= np.median(c.ravel()[1:])).ravel().astype(np.uint8)


def test_phash_matches_the_reference_definition():
    rng = np.random.default_rng(0)
    batch = rng.uniform(0, 255, size=(5, 32, 32)).astype(np.float32)
    ours = hashing.hash_gray(batch, "phash")
    assert ours.shape == (5, 64)
    for k in range(5):
        assert np.array_equal(ours[k], naive_phash(batch[k].astype(np.float64)))


def test_area_matrix_averages():
    m = hashing.area_matrix(64, 9)
    assert m.shape == (9, 64)
    assert np.allclose(m.sum(axis=1), 1.0)
    ramp = np.arange(64, dtype=np.float32)
    assert np.allclose(hashing.area_matrix(64, 8) @ ramp, ramp.reshape(8, 8).mean(axis=1))
    centre = hashing.area_matrix(100, 10, 0.05, 0.95) @ np.arange(100, dtype=np.float32)
    assert centre[0] == pytest.approx(9.0) and centre[-1] == pytest.approx(90.0)  # pixels 5-13, 86-94


@pytest.mark.parametrize("kind", hashing.HASH_KINDS)
def test_every_kind_gives_64_bits_per_variant_and_a_fine_hash(kind):
    rng = np.random.default_rng(1)
    batch = rng.uniform(0, 255, size=(4, 64, 64)).astype(np.float32)
    bits, fine = hashing.hash_variants(batch, kind)
    assert len(hashing.VARIANTS) == 18 and hashing.VARIANTS[:2] == ("image", "mirror")
    assert bits.shape == (4, 18, 64) and set(np.unique(bits)) <= {0, 1}
    assert fine.shape == (4, 18, 144) and set(np.unique(fine)) <= {0, 1}
    flipped, flipped_fine = hashing.hash_variants(batch[:, :, ::-1], kind)
    assert np.array_equal(flipped[:, 0], bits[:, 1])  # the mirror variant is the flipped image's hash
    assert np.array_equal(flipped_fine[:, 0], fine[:, 1])
    for k, (cut, mirrored) in enumerate(hashing.variant_cuts()):  # each variant: the hash of its region
        assert np.array_equal(bits[:, k], hashing.hash_gray(batch[:, :, ::-1] if mirrored else batch, kind, cut))


def naive_fine(gray: np.ndarray, cut) -> np.ndarray:
    """The fine hash written out: the region left by ``cut`` area-averaged to 32x32, its 12x12 DCT-II,
    each coefficient compared with the median of the 143 non-DC ones."""
    left, top, right, bottom = cut
    small = hashing.area_matrix(64, 32, top, 1 - bottom).astype(np.float64) @ gray \
        @ hashing.area_matrix(64, 32, left, 1 - right).astype(np.float64).T
    d = np.array([[2 * np.cos(np.pi * u * (2 * x + 1) / 64) for x in range(32)] for u in range(12)])
    c = (d @ small @ d.T).ravel()
    return (c >= np.median(c[1:])).astype(np.uint8)


def test_fine_hash_matches_its_definition():
    rng = np.random.default_rng(2)
    batch = rng.uniform(0, 255, size=(3, 64, 64)).astype(np.float32)
    _, fine = hashing.hash_variants(batch)
    for k, (cut, mirrored) in enumerate(hashing.variant_cuts()):
        for b in range(3):
            gray = batch[b, :, ::-1] if mirrored else batch[b]
            assert np.array_equal(fine[b, k], naive_fine(gray.astype(np.float64), cut)), (k, b)


def test_packed_layout_round_trips():
    rng = np.random.default_rng(4)
    coarse = rng.integers(0, 2, size=(5, 18, 64), dtype=np.uint8)
    fine = rng.integers(0, 2, size=(5, 18, 144), dtype=np.uint8)
    colour = rng.normal(size=(5, 2)).astype(np.float32)
    rows = hashing.pack(coarse, fine, colour)
    assert rows.shape == (5, hashing.FEATURE_WORDS) == (5, 73) and rows.nbytes == 5 * 584
    codes, fine_codes, colour_back = hashing.unpack(rows)
    assert np.array_equal(codes, grouping.pack_bits(coarse)) and codes.shape == (5, 18, 1)
    assert fine_codes.shape == (5, 18, 3) and np.array_equal(colour_back, colour)
    padded = np.concatenate([fine, np.zeros((5, 18, 48), np.uint8)], axis=-1)
    assert np.array_equal(fine_codes, grouping.pack_bits(padded))


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown hash kind"):
        hashing.hash_gray(np.zeros((1, 32, 32), np.float32), "md5")


def _codes(tmp_path: Path, images: dict[str, bytes], kind: str = "phash"):
    paths = []
    for name, data in images.items():
        paths.append(tmp_path / f"{name}.jpg")
        paths[-1].write_bytes(data)
    rows, ok = hashing.compute_features([str(p) for p in paths], kind)
    assert ok.all()
    codes, _, colour = hashing.unpack(rows)
    return codes, colour


@pytest.mark.parametrize("kind", ["phash", "dhash", "whash"])
def test_edits_stay_close_and_other_photos_stay_far(tmp_path, kind):
    original = Image.open(io.BytesIO(jpeg_bytes(photo(3)))).convert("RGB")
    images = {"original": jpeg_bytes(original), "q30": jpeg_bytes(original, 30)}
    images |= {name: jpeg_bytes(edit(original)) for name, edit in EDITS.items()}
    images |= {f"other{s}": jpeg_bytes(photo(s)) for s in range(10, 16)}
    codes, _ = _codes(tmp_path, images, kind)
    dist = grouping.distances(codes[:1], codes, grouping.variant_pairs(18))[0]
    near = dict(zip(images, dist.tolist()))
    assert all(near[name] <= 6 for name in ("q30", *EDITS)), near
    assert all(near[f"other{s}"] > 10 for s in range(10, 16)), near


def test_mirror_is_only_matched_through_the_mirror_variants(tmp_path):
    im = photo(4)
    codes, _ = _codes(tmp_path, {"a": jpeg_bytes(im), "b": jpeg_bytes(ImageOps.mirror(im))})
    assert grouping.distances(codes[:1], codes[1:], grouping.variant_pairs(18, mirror=True))[0, 0] <= 2
    assert grouping.distances(codes[:1], codes[1:], grouping.variant_pairs(18, mirror=False))[0, 0] > 10


def test_colour_signature_follows_hue_not_brightness(tmp_path):
    im = photo(5)
    hsv = np.asarray(im.convert("HSV")).copy()
    hsv[..., 0] += 60  # a different colour cast
    images = {"a": jpeg_bytes(im), "bright": jpeg_bytes(EDITS["bright"](im)),
              "hue": jpeg_bytes(Image.fromarray(hsv, "HSV").convert("RGB"))}
    _, colour = _codes(tmp_path, images)
    agree = grouping.colours_agree(colour, np.array([0, 0]), np.array([1, 2]))
    assert agree.tolist() == [True, False]


def test_odd_files(tmp_path):
    """Alpha, grayscale, palette, 16-bit, EXIF-rotated and broken files."""
    base = photo(6, (160, 120))
    files = {}
    rgba = base.convert("RGBA")
    rgba.putalpha(128)
    for name, im, fmt in (("rgba.png", rgba, "PNG"), ("gray.png", base.convert("L"), "PNG"),
                          ("palette.gif", base.convert("P"), "GIF"), ("plain.png", base, "PNG")):
        files[name] = tmp_path / name
        im.save(files[name], fmt)
    deep = (np.asarray(base.convert("L"), dtype=np.uint16) * 257)
    files["deep.png"] = tmp_path / "deep.png"
    Image.fromarray(deep).save(files["deep.png"])
    rotated = base.rotate(90, expand=True)  # stored sideways, EXIF says "rotate back"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    files["exif.jpg"] = tmp_path / "exif.jpg"
    rotated.save(files["exif.jpg"], "JPEG", quality=95, exif=exif.tobytes())
    files["broken.jpg"] = tmp_path / "broken.jpg"
    files["broken.jpg"].write_bytes(jpeg_bytes(base)[:200])
    names = list(files)
    rows, ok = hashing.compute_features([str(files[n]) for n in names])
    assert dict(zip(names, ok.tolist())) == {n: n != "broken.jpg" for n in names}
    codes, _, _ = hashing.unpack(rows)
    dist = dict(zip(names, grouping.distances(codes[names.index("plain.png")][None], codes,
                                              grouping.PLAIN)[0].tolist()))
    readable = ("rgba.png", "gray.png", "palette.gif", "deep.png", "exif.jpg")
    assert all(dist[n] <= 4 for n in readable), str(dist)
    assert not rows[names.index("broken.jpg")].any()
