"""Decoding an image once, at the reduced size its consumers need: ``DecodedImage``.

Runs in worker processes (the importer's and the compute layer's). Pillow and numpy are
imported inside the functions, so importing this module costs nothing.

* JPEGs are decoded with ``Image.draft`` at the smallest 1/2, 1/4 or 1/8 scale that keeps both
  sides at least ``size`` pixels; other formats are decoded in full and then shrunk with
  ``Image.reduce`` to the same bound, so that a chunk of decoded images stays small.
* ``size=None`` (a consumer that needs full resolution) decodes at full resolution.
* Memory: one decoded image holds at most ``Image.MAX_IMAGE_PIXELS`` pixels (Pillow's
  default, about 89 million, refused beyond twice that) while it is decoded, and about
  ``4 * max(size, w / 8) * max(size, h / 8)`` bytes once reduced.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image

#: the EXIF tag of the orientation
ORIENTATION = 0x0112
#: the square that the built-in features and the host's average hash start from
SQUARE = 64
#: modes with more than 8 bits per sample, scaled to 8-bit ``L`` by ``DecodedImage.rgb``
WIDE_MODES = ("I", "I;16", "I;16B", "I;16L", "F")


@dataclass
class DecodedImage:
    """One image decoded once, shared by every feature function of a chunk.

    ``native`` is the image as Pillow decodes it (the file's own mode, no EXIF rotation),
    reduced unless full resolution was asked for; ``width``/``height``/``format``/``mode``
    describe the file itself. ``scale`` is ``width / native.width`` (1 at full resolution).
    ``rgb()`` gives the image upright (EXIF orientation applied) in ``RGB``, or ``RGBA``
    when it has transparency, computed once. Treat both as read-only.
    """

    path: str
    native: Image
    width: int
    height: int
    format: str
    mode: str
    _rgb: Image | None = field(default=None, repr=False)
    _resized: dict = field(default_factory=dict, repr=False)

    @property
    def scale(self) -> float:
        """How many file pixels one decoded pixel stands for, along the width."""
        return self.width / max(1, self.native.width)

    @property
    def has_alpha(self) -> bool:
        """Whether the image has transparency (alpha band or a transparent palette colour)."""
        return self.native.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in self.native.info

    def rgb(self) -> Image:
        """The image upright, in ``RGB`` (``RGBA`` with transparency); computed on first use."""
        if self._rgb is None:
            from PIL import Image as PILImage, ImageOps

            im = self.native
            if im.getexif().get(ORIENTATION, 1) not in (None, 1):
                im = ImageOps.exif_transpose(im)
            if im.mode in WIDE_MODES:
                import numpy as np

                arr = np.asarray(im, dtype=np.float32)
                top = float(arr.max()) or 1.0
                im = PILImage.fromarray((arr * (255.0 / top)).astype(np.uint8), "L")
            wanted = "RGBA" if self.has_alpha else "RGB"
            self._rgb = im if im.mode == wanted else im.convert(wanted)
        return self._rgb

    def resized(self, width: int, height: int) -> Image:
        """``rgb()`` area-averaged (``BOX``) to ``width`` x ``height``; computed once per size.

        Features that share a size share the pixels: the built-in plugins all use 64 x 64.
        """
        key = (width, height)
        if key not in self._resized:
            from PIL import Image as PILImage

            self._resized[key] = self.rgb().resize(key, PILImage.Resampling.BOX)
        return self._resized[key]

    def array(self, size: int = SQUARE) -> Any:
        """``resized(size, size)`` as a read-only uint8 array ``(size, size, 3 or 4)``, computed once."""
        key = ("array", size)
        if key not in self._resized:
            import numpy as np

            arr = np.asarray(self.resized(size, size))
            arr.setflags(write=False)
            self._resized[key] = arr
        return self._resized[key]


def decode_image(source: str | bytes, size: int | None = SQUARE, path: str = "") -> DecodedImage:
    """Decode ``source`` (a path, or the file's bytes) so that both sides are >= ``size`` pixels.

    ``size=None`` decodes at full resolution. Raises what Pillow raises for files it cannot
    read (``UnidentifiedImageError``, ``OSError``, ``SyntaxError``, ``ValueError``, ...).
    """
    from PIL import Image

    if isinstance(source, str):
        path = path or source
        with open(source, "rb") as handle:
            source = handle.read()
    im: Any = Image.open(io.BytesIO(source))  # in memory: nothing to close
    fmt, mode, (width, height) = im.format or "", im.mode, im.size
    if size and fmt == "JPEG":
        im.draft(im.mode, (size, size))
    im.load()
    if size:
        factor = min(im.width // size, im.height // size)
        if factor >= 2:
            try:
                im = im.reduce(factor)
            except ValueError:  # modes reduce() does not support (P, 1, ...) stay as decoded
                pass
    return DecodedImage(path=path, native=im, width=width, height=height, format=fmt, mode=mode)


def square_stack(images: Sequence[DecodedImage], size: int = SQUARE) -> tuple[Any, Any]:
    """The images' shared squares stacked for vectorised features: ``(n, size, size, 3)`` uint8
    RGB, and ``(n, size, size)`` uint8 alpha (255 where an image has none), or None when no image
    has transparency."""
    import numpy as np

    arrays = [im.array(size) for im in images]
    rgb = np.stack([a[..., :3] for a in arrays]) if arrays else np.zeros((0, size, size, 3), np.uint8)
    if not any(a.shape[-1] == 4 for a in arrays):
        return rgb, None
    alpha = np.stack([a[..., 3] if a.shape[-1] == 4 else np.full(a.shape[:2], 255, np.uint8) for a in arrays])
    return rgb, alpha


def average_hash(image: Image | DecodedImage) -> str:
    """64-bit average hash of a Pillow image or a ``DecodedImage``, as 16 hex digits."""
    import numpy as np
    from PIL import Image as PILImage

    if isinstance(image, DecodedImage):  # the shared square, luma, 8 x 8 block means
        rgb = image.array(SQUARE)[..., :3].astype(np.float32)
        luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        small = luma.reshape(8, SQUARE // 8, 8, SQUARE // 8).mean(axis=(1, 3))
    else:
        small = np.asarray(image.convert("L").resize((8, 8), PILImage.Resampling.BOX), dtype=np.float32)
    bits = np.packbits(small.ravel() > small.mean())
    return bits.tobytes().hex()
