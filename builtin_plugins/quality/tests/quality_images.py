"""Images for the quality plugin's tests, made with numpy and Pillow (no files needed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter


def photo_like(w: int, h: int, seed: int) -> Image.Image:
    """A smooth random colour field with noise: photo-like statistics, no quality issue."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 16 + 1, w // 16 + 1, 3), dtype=np.uint8)
    im = Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)
    noise = rng.normal(0, 12, (h, w, 3))
    return Image.fromarray((np.asarray(im) + noise).clip(0, 255).astype(np.uint8))


def checkers(w: int, h: int) -> Image.Image:
    """A mid-grey ramp under checkers: sharp edges that a blur removes."""
    yy, xx = np.mgrid[0:h, 0:w]
    arr = np.linspace(60, 120, w)[None, :] + ((yy // (w // 16) + xx // (w // 16)) % 2) * 50
    return Image.fromarray(arr.astype(np.uint8)).convert("RGB")


def write_dataset(folder: Path) -> dict[str, set[str]]:
    """Twelve ordinary photos plus one image per issue; returns the files expected per issue."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(12):
        w = 300 + 10 * i
        photo_like(w, w * 3 // 4, seed=i).save(folder / f"photo_{i:02d}.jpg", quality=92)
    arr = np.asarray(photo_like(320, 240, seed=100)).astype(float)
    Image.fromarray((arr * 0.2).astype(np.uint8)).save(folder / "dark.jpg", quality=92)
    shutil.copy(folder / "dark.jpg", folder / "dark_copy.jpg")  # same content, same sha1
    Image.fromarray((245 + arr * 10 / 255).astype(np.uint8)).save(folder / "light.jpg")
    checkers(360, 270).filter(ImageFilter.GaussianBlur(6)).save(folder / "blurry.png")
    photo_like(320, 240, seed=101).convert("L").save(folder / "gray.jpg", quality=92)
    photo_like(400, 100, seed=102).save(folder / "strip.png")
    photo_like(24, 18, seed=103).save(folder / "tiny.png")
    return {
        "dark": {"dark.jpg", "dark_copy.jpg"},
        "light": {"light.jpg"},
        "odd_aspect_ratio": {"strip.png"},
        "low_information": set(),
        "blurry": {"blurry.png"},
        "grayscale": {"gray.jpg"},
        "odd_size": {"tiny.png"},
        "unreadable": set(),
    }
