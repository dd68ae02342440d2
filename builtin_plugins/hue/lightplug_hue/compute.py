"""Dominant hue of an image: a chroma-weighted, circularly smoothed hue histogram (numpy).

Runs in worker processes (``hues_of_files`` is a picklable top-level function), so this module
may import numpy and Pillow at its top: the plugin's entry module only loads it on use.

Rules, in the order they apply to the pixels of an image decoded at about ``SIZE`` pixels:

* each pixel's hue is the HSV hue in degrees [0, 360); its weight is its chroma
  (max(R,G,B) - min(R,G,B), in [0, 1]) times its alpha, so grey, black and white pixels,
  whose hue is meaningless, count little or not at all;
* an image in which less than ``MIN_COLOURED_FRACTION`` of the (alpha-weighted) pixels have
  a chroma of at least ``COLOURED_CHROMA`` has no dominant hue: it is *grayscale* and its hue
  is ``GRAYSCALE`` (-1);
* otherwise the weighted histogram (1-degree bins) is smoothed with a circular Gaussian of
  ``SMOOTH_DEGREES``; the dominant hue is the circular weighted mean of the pixels within
  ``PEAK_WINDOW`` degrees of its highest peak (so 359 and 1 average to 0, not 180).

Changing these rules means bumping ``plugin.VERSION``, so that stored hues are recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from lightplug.imaging import DecodedImage

SIZE = 128
FEATURE_SIZE = 64  # the square the host's decoded images are reduced to for features
GRAYSCALE = -1.0
COLOURED_CHROMA = 0.08  # about 20 of 255 levels: above JPEG chroma noise on grey images
MIN_COLOURED_FRACTION = 0.02
SMOOTH_DEGREES = 6.0
PEAK_WINDOW = 30.0
#: images per vectorised pass of ``hues_of_images``: their float32 planes (128 KB each) stay in
#: a core's L2 cache (measured alone, a chunk of 32 at once took twice as long per image)
BLOCK = 8

HueResult = tuple[float, str | None]  # (hue or GRAYSCALE or NaN, error message)


def rgb_to_hue_chroma(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """HSV hue in degrees [0, 360) and chroma in [0, 1] of ``rgb`` (..., 3), uint8 or floats in [0, 1]."""
    rgb = np.asarray(rgb)
    shape = rgb.shape[:-1]
    scale = np.float32(1 / 255) if rgb.dtype == np.uint8 else np.float32(1)
    r, g, b = np.ascontiguousarray(rgb.reshape(-1, 3).T, dtype=np.float32) * scale  # one plane per channel
    high = np.maximum(np.maximum(r, g), b)
    chroma = high - np.minimum(np.minimum(r, g), b)
    safe = np.where(chroma > 0, chroma, np.float32(1))
    hue = np.where(high == r, (g - b) / safe, np.where(high == g, (b - r) / safe + 2, (r - g) / safe + 4))
    hue *= np.float32(60)
    hue[hue < 0] += np.float32(360)
    return hue.reshape(shape), chroma.reshape(shape)


def _gaussian_kernel(sigma: float) -> np.ndarray:
    radius = int(np.ceil(3 * sigma))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def dominant_hue(rgb: np.ndarray, alpha: np.ndarray | None = None) -> float:
    """The dominant hue (degrees) of an RGB pixel array, or ``GRAYSCALE`` when it has none."""
    hue, chroma = rgb_to_hue_chroma(rgb)
    hue, chroma = hue.reshape(-1), chroma.reshape(-1)
    cover = np.ones_like(chroma) if alpha is None else np.asarray(alpha, np.float32).reshape(-1) / 255.0
    total = float(cover.sum())
    if total <= 0:
        return GRAYSCALE
    if float(cover[chroma >= COLOURED_CHROMA].sum()) / total < MIN_COLOURED_FRACTION:
        return GRAYSCALE
    weight = chroma * cover
    bins = np.minimum(hue.astype(np.int64), 359)
    hist = np.bincount(bins, weights=weight, minlength=360)
    kernel = _gaussian_kernel(SMOOTH_DEGREES)
    pad = len(kernel) // 2
    smooth = np.convolve(np.concatenate([hist[-pad:], hist, hist[:pad]]), kernel, mode="valid")
    peak = float(np.argmax(smooth)) + 0.5
    offset = hue - np.float32(peak)
    offset[offset > 180] -= np.float32(360)
    offset[offset < -180] += np.float32(360)
    near = np.abs(offset) <= PEAK_WINDOW
    w = weight[near]
    if float(w.sum()) <= 0:
        return peak % 360.0
    return float((peak + float((offset[near] * w).sum(dtype=np.float64) / w.sum(dtype=np.float64))) % 360.0)


def load_pixels(path: str, size: int = SIZE) -> tuple[np.ndarray, np.ndarray | None]:
    """RGB pixels (h, w, 3) of ``path`` decoded at about ``size`` pixels, and its alpha or None."""
    with Image.open(path) as image:
        scale = size / max(image.size)
        if scale < 1:  # JPEG: decode at 1/2, 1/4 or 1/8 scale, keeping the long side >= size
            image.draft("RGB", (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        image.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=None)
        pixels = np.asarray(image)
    if has_alpha:
        return pixels[..., :3], pixels[..., 3]
    return pixels, None


def pixels_of(image: DecodedImage, size: int = FEATURE_SIZE) -> tuple[np.ndarray, np.ndarray | None]:
    """RGB pixels of an image the host decoded, area-averaged to ``size`` x ``size`` (the square
    shared with the other features: a hue histogram does not need the aspect ratio), and its alpha."""
    pixels = np.asarray(image.resized(size, size))
    if pixels.shape[-1] == 4:
        return pixels[..., :3], pixels[..., 3]
    return pixels, None


def _circulant(sigma: float) -> np.ndarray:
    """``(360, 360)`` matrix: ``hist @ M`` is the circular Gaussian smoothing of ``hist``."""
    kernel = _gaussian_kernel(sigma)
    pad = len(kernel) // 2
    m = np.zeros((360, 360))
    for offset, weight in zip(range(-pad, pad + 1), kernel):
        m[(np.arange(360) + offset) % 360, np.arange(360)] += weight
    return m


_SMOOTH = _circulant(SMOOTH_DEGREES)


def dominant_hues(rgb: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    """``dominant_hue`` of a batch ``(n, h, w, 3)`` (alpha ``(n, h, w)`` or None) at once: ``(n,)``."""
    n = len(rgb)
    hue, chroma = rgb_to_hue_chroma(np.asarray(rgb).reshape(n, -1, 3))
    cover = (np.ones_like(chroma) if alpha is None
             else np.asarray(alpha, np.float32).reshape(n, -1) / np.float32(255))
    total = cover.sum(axis=1)
    coloured = (cover * (chroma >= COLOURED_CHROMA)).sum(axis=1)
    weight = chroma * cover
    bins = np.minimum(hue.astype(np.int64), 359) + 360 * np.arange(n)[:, None]
    hist = np.bincount(bins.ravel(), weights=weight.ravel(), minlength=360 * n).reshape(n, 360)
    peak = np.argmax(hist @ _SMOOTH, axis=1).astype(np.float32) + np.float32(0.5)
    offset = hue - peak[:, None]
    offset[offset > 180] -= np.float32(360)
    offset[offset < -180] += np.float32(360)
    w = np.where(np.abs(offset) <= PEAK_WINDOW, weight, np.float32(0)).astype(np.float64)
    sums = w.sum(axis=1)
    shift = (offset * w).sum(axis=1) / np.where(sums > 0, sums, 1.0)
    out = (peak + shift) % 360.0
    gray = (total <= 0) | (coloured < MIN_COLOURED_FRACTION * np.where(total > 0, total, 1))
    return np.where(gray, GRAYSCALE, out)


def hues_of_images(images: Sequence[DecodedImage], size: int = FEATURE_SIZE) -> list[np.ndarray]:
    """Feature function: the dominant hue of each decoded image (all at once), a 1-value vector each."""
    from lightplug.imaging import square_stack

    out: list[np.ndarray] = []
    for start in range(0, len(images), BLOCK):
        rgb, alpha = square_stack(images[start:start + BLOCK], size)
        out += list(dominant_hues(rgb, alpha).astype(np.float32).reshape(-1, 1))
    return out


def hue_of_file(path: str, size: int = FEATURE_SIZE) -> HueResult:
    """``(hue, None)`` for a readable image, ``(nan, reason)`` for a file that cannot be decoded.

    Decoded as the host decodes images for features, so the value is the one stored at import.
    """
    from lightplug.imaging import decode_image

    try:
        rgb, alpha = pixels_of(decode_image(path, size), size)
    except Exception as exc:  # noqa: BLE001 - any decoding problem is reported, not raised
        return float("nan"), f"{type(exc).__name__}: {exc}"
    return dominant_hue(rgb, alpha), None


def hues_of_files(paths: Sequence[str], size: int = FEATURE_SIZE) -> list[HueResult]:
    """``hue_of_file`` for each of ``paths`` (one call per worker chunk)."""
    return [hue_of_file(p, size) for p in paths]
