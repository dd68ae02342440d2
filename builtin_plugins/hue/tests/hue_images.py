"""Synthetic test images: photo-like images of a known dominant hue, and grayscale ones."""

from __future__ import annotations

import pathlib

import numpy as np
from PIL import Image


def hued_photo(hue: float, seed: int, size: tuple[int, int] = (240, 180)) -> Image.Image:
    """A smooth 'photo' whose colourful pixels sit within a few degrees of ``hue``.

    Brightness gradients, saturation blobs and a greyish patch make it less trivial than a
    flat colour; the greyish patch must not pull the dominant hue away.
    """
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    hues = hue + 6.0 * np.sin(x / rng.uniform(10, 30)) + rng.normal(0, 2, (h, w))
    sat = 0.55 + 0.3 * np.cos(y / rng.uniform(15, 40))
    val = 0.45 + 0.4 * (x / w) * rng.uniform(0.5, 1.0) + 0.1 * np.sin(y / 20)
    grey = (x < w * 0.25) & (y < h * 0.4)  # a desaturated corner with some other hue
    hues[grey] += 150
    sat[grey] = 0.05
    hsv = np.stack([(hues % 360) / 360 * 255, np.clip(sat, 0, 1) * 255, np.clip(val, 0, 1) * 255], axis=-1)
    return Image.fromarray(hsv.astype(np.uint8), mode="HSV").convert("RGB")


def gray_photo(seed: int, size: tuple[int, int] = (240, 180), rgb: bool = True) -> Image.Image:
    """A grayscale 'photo' (gradient and blobs), saved as RGB (JPEG chroma noise) or mode L."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = 60 + 120 * (x / w) + 40 * np.sin(y / rng.uniform(8, 25)) + rng.normal(0, 6, (h, w))
    gray = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), mode="L")
    return gray.convert("RGB") if rgb else gray


def make_images(folder: pathlib.Path, hues: dict[str, float | None], seed: int = 0) -> dict[str, pathlib.Path]:
    """Save one image per name: a hued JPEG, or a grayscale one (PNG, mode L) for ``None``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for k, (name, hue) in enumerate(hues.items()):
        if hue is None:
            path = folder / f"{name}.png"
            gray_photo(seed + k, rgb=False).save(path)
        else:
            path = folder / f"{name}.jpg"
            hued_photo(hue, seed + k).save(path, quality=90)
        out[name] = path
    return out
