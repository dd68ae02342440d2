"""Synthetic photos and their near-duplicate variants, made on the fly (no shared data)."""

from __future__ import annotations

import pathlib

import numpy as np
from PIL import Image, ImageEnhance, ImageOps


def synthetic_photo(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A smooth random 'photo': a few coloured blobs and gradients over a tinted background."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[:] = rng.uniform(40, 200, 3)
    img += (x / w)[..., None] * rng.uniform(-60, 60, 3) + (y / h)[..., None] * rng.uniform(-60, 60, 3)
    for _ in range(6):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.05, 0.3) * w
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
        img += blob[..., None] * rng.uniform(-120, 120, 3)
    stripes = np.sin(x / rng.uniform(4, 20) + y / rng.uniform(4, 20))
    img += stripes[..., None] * rng.uniform(0, 25)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def variants(im: Image.Image) -> dict[str, Image.Image]:
    """The near-duplicate edits the corpus uses: flip, crop, resize, brightness."""
    w, h = im.size
    return {
        "hflip": ImageOps.mirror(im),
        "crop": im.crop((int(w * 0.05), int(h * 0.04), w - int(w * 0.06), h - int(h * 0.03))),
        "resize": im.resize((w // 2, h // 2), Image.Resampling.LANCZOS),
        "brightness": ImageEnhance.Brightness(im).enhance(0.8),
    }


def write_photos(folder: pathlib.Path, seeds: list[int], with_variants: bool = False) -> list[pathlib.Path]:
    """Save one JPEG per seed (and optionally its variants) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in seeds:
        im = synthetic_photo(seed)
        path = folder / f"photo_{seed:03d}.jpg"
        im.save(path, quality=90)
        paths.append(path)
        if with_variants:
            for kind, v in variants(im).items():
                vpath = folder / f"photo_{seed:03d}_{kind}.jpg"
                v.save(vpath, quality=90)
                paths.append(vpath)
    return paths
