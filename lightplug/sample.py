"""Build a small sample image folder (no downloads): photo-like images with known variants.

``python -m lightplug.sample DIR [--count N] [--seed S]`` writes it; tests and the demo use it.
Besides distinct images it writes near duplicates (resized, mirrored, brighter, re-encoded), an
exact copy, grayscale, dark and blurry images, a truncated JPEG and a text file, and returns a
description of each file.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

HUES = [0, 30, 60, 120, 180, 220, 270, 320]


def photo(seed: int, size: tuple[int, int] = (320, 240)):
    """A photo-like RGB image: sky-to-ground gradient, blobs and texture dominated by one hue."""
    import colorsys

    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(seed)
    w, h = size
    hue = HUES[seed % len(HUES)] / 360 + rng.uniform(-0.02, 0.02)
    base = np.array(colorsys.hsv_to_rgb(hue % 1, 0.75, 0.85)) * 255
    other = np.array(colorsys.hsv_to_rgb((hue + 0.5) % 1, 0.4, 0.5)) * 255
    t = np.linspace(0, 1, h)[:, None, None]
    img = base * (1 - 0.5 * t) + other * 0.5 * t
    img = np.broadcast_to(img, (h, w, 3)).copy()
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(6):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(10, 60)
        colour = rng.uniform(0, 255, 3) * 0.4 + base * 0.6
        mask = (xx - cx) ** 2 + (yy - cy) ** 2 < r ** 2
        img[mask] = colour
    img += rng.normal(0, 8, img.shape)
    image = Image.fromarray(np.clip(img, 0, 255).astype("uint8"))
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        draw.line([(x0, y0), (x0 + rng.uniform(-80, 80), y0 + rng.uniform(-80, 80))],
                  fill=tuple(int(v) for v in rng.uniform(0, 255, 3)), width=3)
    return image.filter(ImageFilter.SMOOTH)


def make_sample(directory: str | Path, count: int = 12, seed: int = 0) -> dict[str, str]:
    """Write the sample into ``directory``; returns ``{file name: what it is}``."""
    from PIL import Image, ImageEnhance, ImageFilter, ImageOps

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / "more").mkdir(exist_ok=True)
    what: dict[str, str] = {}
    for i in range(count):
        name = f"photo_{i:03d}.jpg" if i % 3 else f"photo_{i:03d}.png"
        photo(seed * 1000 + i).save(out / name, quality=90)
        what[name] = "distinct"
    first = photo(seed * 1000)
    variants = {
        "more/photo_000_small.jpg": first.resize((160, 120)),
        "more/photo_000_mirror.jpg": ImageOps.mirror(first),
        "more/photo_000_bright.jpg": ImageEnhance.Brightness(first).enhance(1.2),
    }
    for name, image in variants.items():
        image.save(out / name, quality=85)
        what[name] = "near duplicate of photo_000.png"
    photo(seed * 1000 + 1).save(out / "more/photo_001_q30.jpg", quality=30)
    what["more/photo_001_q30.jpg"] = "near duplicate of photo_001.jpg (re-encoded)"
    shutil.copyfile(out / "photo_002.jpg", out / "more/photo_002_copy.jpg")
    what["more/photo_002_copy.jpg"] = "exact copy of photo_002.jpg"
    ImageOps.grayscale(photo(seed * 1000 + 50)).save(out / "gray.jpg")
    what["gray.jpg"] = "grayscale"
    ImageEnhance.Brightness(photo(seed * 1000 + 51)).enhance(0.12).save(out / "dark.jpg")
    what["dark.jpg"] = "dark"
    photo(seed * 1000 + 52).filter(ImageFilter.GaussianBlur(6)).save(out / "blurry.jpg")
    what["blurry.jpg"] = "blurry"
    data = (out / "photo_001.jpg").read_bytes()
    (out / "broken.jpg").write_bytes(data[: len(data) // 3])
    what["broken.jpg"] = "truncated JPEG (not importable)"
    (out / "notes.txt").write_text("not an image\n")
    what["notes.txt"] = "text file (not importable)"
    return what


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(make_sample(args.directory, args.count, args.seed), indent=2))


if __name__ == "__main__":
    main()
