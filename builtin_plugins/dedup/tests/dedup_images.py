"""Photo-like test images (1/f noise, shapes, colour) and the edits that make near duplicates."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps


def photo(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A colour image with the statistics of a photo: 1/f spectrum, objects, colour casts."""
    rng = np.random.default_rng(seed)
    w, h = size
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    falloff = np.hypot(fx, fy)
    falloff[0, 0] = 1.0
    channels = []
    for _ in range(3):
        noise = rng.standard_normal(falloff.shape) + 1j * rng.standard_normal(falloff.shape)
        spectrum = noise / falloff ** 1.1
        field = np.fft.irfft2(spectrum, s=(h, w))
        channels.append((field - field.min()) / (np.ptp(field) or 1.0))
    mix = rng.uniform(0.2, 1.0, size=(3, 3)) * np.array([1.0, 0.35, 0.35])[:, None]
    rgb = np.tensordot(np.stack(channels, -1), mix, axes=([2], [0]))
    rgb = 255 * (rgb - rgb.min()) / (np.ptp(rgb) or 1.0)
    im = Image.fromarray(rgb.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(3, 7))):
        x0, y0 = rng.integers(0, w - 40), rng.integers(0, h - 40)
        x1, y1 = x0 + rng.integers(25, w // 2), y0 + rng.integers(25, h // 2)
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x0, y0, x1, y1), fill=colour)
    return im


def jpeg_bytes(im: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def crop(im: Image.Image, frac: tuple[float, float, float, float] = (0.05, 0.04, 0.05, 0.05)) -> Image.Image:
    """Cut the fractions (left, top, right, bottom) of the width/height off."""
    w, h = im.size
    l, t, r, b = frac
    return im.crop((round(w * l), round(h * t), w - round(w * r), h - round(h * b)))


EDITS = {
    "resize": lambda im: im.resize((im.width * 3 // 5, im.height * 3 // 5), Image.Resampling.LANCZOS),
    "hflip": ImageOps.mirror,
    "crop": crop,
    "bright": lambda im: ImageEnhance.Brightness(im).enhance(1.15),
}


def write_set(folder: Path, seeds: list[int], edits: dict[int, list[str]] | None = None,
              copies: list[int] | None = None, size: tuple[int, int] = (320, 240)) -> dict[str, Path]:
    """Write ``photo(seed)`` for every seed as ``p<seed>.jpg``, with near duplicates
    ``p<seed>_<edit>.jpg`` (``edits``), ``p<seed>_q30.jpg`` for edit "q30", and byte-identical
    ``p<seed>_copy.jpg`` (``copies``). Returns name stem -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for seed in seeds:
        im = photo(seed, size)
        data = jpeg_bytes(im)
        out[f"p{seed}"] = folder / f"p{seed}.jpg"
        out[f"p{seed}"].write_bytes(data)
        decoded = Image.open(io.BytesIO(data)).convert("RGB")
        for edit in (edits or {}).get(seed, []):
            path = folder / f"p{seed}_{edit}.jpg"
            path.write_bytes(jpeg_bytes(decoded, 30) if edit == "q30" else jpeg_bytes(EDITS[edit](decoded)))
            out[path.stem] = path
        if seed in (copies or []):
            path = folder / f"p{seed}_copy.jpg"
            path.write_bytes(data)
            out[path.stem] = path
    return out
