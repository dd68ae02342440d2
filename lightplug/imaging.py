"""Decoding an image once, at the reduced size its consumers need: ``DecodedImage``.

Runs in worker processes (the importer's and the compute layer's). Pillow and numpy are
imported inside the functions, so importing this module costs nothing.

* JPEGs are decoded with ``Image.draft`` at the smallest 1/2, 1/4 or 1/8 scale that keeps both
  sides at least ``size`` pixels; other formats are decoded in full and then shrunk with
  ``Image.reduce`` to the same bound, so that a chunk of decoded images stays small.
* ``size=None`` (a consumer that needs full resolution) decodes at full resolution.
* Limits, checked before anything is decoded: a path is read with ``scan.read_regular`` (regular
  files only, at most ``scan.max_file_bytes()`` bytes) and an image whose header declares more
  than ``scan.max_pixels()`` pixels raises ``TooManyPixels``. Memory: one decoded image holds at
  most 4 bytes per allowed pixel while it is decoded, and about
  ``4 * max(size, w / 8) * max(size, h / 8)`` bytes once reduced.
* EXIF orientation: ``width``/``height`` are the upright sizes, and ``rgb()`` (what features
  see) is upright. HEIC/HEIF files are read when ``pillow-heif`` is installed (registered the
  first time such a file is met); otherwise ``unidentified_reason`` names it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .scan import Refused

if TYPE_CHECKING:
    from PIL.Image import Image

#: the EXIF tag of the orientation
ORIENTATION = 0x0112
#: the square that the built-in features and the host's average hash start from
SQUARE = 64
#: modes with more than 8 bits per sample, scaled to 8-bit ``L`` by ``DecodedImage.rgb``
WIDE_MODES = ("I", "I;16", "I;16B", "I;16L", "F")
#: EXIF orientation -> the ``Image.Transpose`` value that makes the image upright (as ``ImageOps.exif_transpose``)
TRANSPOSE = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270",
             7: "TRANSVERSE", 8: "ROTATE_90"}
#: ISO base media brands (``ftyp``) of HEIC/HEIF and of AVIF files
HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1")
AVIF_BRANDS = (b"avif", b"avis")

_heif_registered: bool | None = None  # None: not tried yet in this process


class TooManyPixels(Refused):
    """The image declares more pixels than the limit (``scan.max_pixels()``); nothing was decoded."""


@dataclass
class DecodedImage:
    """One image decoded once, shared by every feature function of a chunk.

    ``native`` is the image as Pillow decodes it (the file's own mode, no EXIF rotation),
    reduced unless full resolution was asked for; ``width``/``height``/``format``/``mode``
    describe the file itself, ``width``/``height`` upright (``orientation``, EXIF's, applied).
    ``scale`` is how many file pixels one ``native`` pixel stands for (1 at full resolution).
    ``rgb()`` gives the image upright in ``RGB``, or ``RGBA`` when it has transparency,
    computed once. Treat both as read-only.
    """

    path: str
    native: Image
    width: int
    height: int
    format: str
    mode: str
    orientation: int = 1
    _rgb: Image | None = field(default=None, repr=False)
    _resized: dict = field(default_factory=dict, repr=False)

    @property
    def scale(self) -> float:
        """How many file pixels one decoded pixel stands for, along the width."""
        across = self.native.height if self.orientation in (5, 6, 7, 8) else self.native.width
        return self.width / max(1, across)

    @property
    def has_alpha(self) -> bool:
        """Whether the image has transparency (alpha band or a transparent palette colour)."""
        return self.native.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in self.native.info

    def rgb(self) -> Image:
        """The image upright, in ``RGB`` (``RGBA`` with transparency); computed on first use."""
        if self._rgb is None:
            from PIL import Image as PILImage

            im = self.native
            if self.orientation in TRANSPOSE:
                im = im.transpose(PILImage.Transpose[TRANSPOSE[self.orientation]])
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


def decode_image(source: str | bytes, size: int | None = SQUARE, path: str = "",
                 max_pixels: int | None = None) -> DecodedImage:
    """Decode ``source`` (a path, or the file's bytes) so that both sides are >= ``size`` pixels.

    ``size=None`` decodes at full resolution. ``TooManyPixels`` when the header declares more
    than ``max_pixels`` (``scan.max_pixels()``) pixels; ``scan.Refused`` for a path that is not a
    regular file or is too large. Raises what Pillow raises for files it cannot read
    (``UnidentifiedImageError``, ``OSError``, ``SyntaxError``, ``ValueError``, ...).
    """
    from PIL import Image

    from .scan import max_pixels as pixel_limit, read_regular

    if isinstance(source, str):
        path = path or source
        source = read_regular(source)
    limit = pixel_limit() if max_pixels is None else max_pixels
    try:
        im: Any = _open_image(source, limit)  # in memory: nothing to close
    except Image.DecompressionBombError as exc:  # Pillow's own check, at twice its limit
        raise TooManyPixels(f"image too large: {exc} (limit: {limit / 1e6:g} megapixels; "
                            "import --max-pixels, LIGHTPLUG_MAX_PIXELS)") from None
    fmt, mode, (width, height) = im.format or "", im.mode, im.size
    if width * height > limit:
        raise TooManyPixels(f"image too large: {width} x {height} = {width * height / 1e6:.1f} megapixels, "
                            f"over the limit of {limit / 1e6:g} megapixels (import --max-pixels, LIGHTPLUG_MAX_PIXELS)")
    if size and fmt == "JPEG":
        im.draft(im.mode, (size, size))
    im.load()
    orientation = _orientation(im)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    if size:
        factor = min(im.width // size, im.height // size)
        if factor >= 2:
            try:
                im = im.reduce(factor)
            except ValueError:  # modes reduce() does not support (P, 1, ...) stay as decoded
                pass
    return DecodedImage(path=path, native=im, width=width, height=height, format=fmt, mode=mode,
                        orientation=orientation)


def _open_image(data: bytes, limit: int) -> Any:
    """``Image.open`` on ``data`` (headers only), the caller checking the size against ``limit``:
    Pillow's own check (a warning, an error at twice its limit) neither speaks nor refuses what
    ``limit`` allows. HEIC/HEIF files use ``pillow-heif`` when it is installed."""
    import warnings

    from PIL import Image

    if Image.MAX_IMAGE_PIXELS is not None and limit > 2 * Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = -(-limit // 2)  # Pillow refuses twice its limit: only ever raised, on request
    if _brand(data) in HEIF_BRANDS:
        _register_heif()
    with warnings.catch_warnings():  # the size is checked against our own limit right after
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def _orientation(im: Any) -> int:
    """The EXIF orientation (1-8) of an opened image, 1 when it has none or a bad one."""
    try:
        value = im.getexif().get(ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block only loses the orientation
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _brand(data: bytes) -> bytes | None:
    """The major brand of an ISO base media file (HEIC, AVIF, ...), None for anything else."""
    return data[8:12] if len(data) >= 12 and data[4:8] == b"ftyp" else None


def _register_heif() -> bool:
    """Register ``pillow-heif``'s opener once per process; whether it is available."""
    global _heif_registered
    if _heif_registered is None:
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_registered = True
        except Exception:  # noqa: BLE001 - not installed or broken: Pillow alone, with a hint
            _heif_registered = False
    return _heif_registered


def unidentified_reason(data: bytes) -> str:
    """Why Pillow could not identify ``data``: ``not an image ...``, naming what would read it."""
    brand = _brand(data)
    if brand in HEIF_BRANDS:
        if _register_heif():
            return "corrupt or truncated image: a HEIC/HEIF file that pillow-heif cannot read"
        return ("not an image lightplug can read: HEIC/HEIF needs a plugin "
                "(pip install pillow-heif; lightplug uses it once installed)")
    if brand in AVIF_BRANDS:
        return "not an image lightplug can read: this Pillow has no AVIF support (pip install --upgrade pillow)"
    return "not an image (format not recognised)"


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

    if isinstance(image, DecodedImage):
        return average_hashes([image])[0]
    small = np.asarray(image.convert("L").resize((8, 8), PILImage.Resampling.BOX), dtype=np.float32)
    bits = np.packbits(small.ravel() > small.mean())
    return bits.tobytes().hex()


def average_hashes(images: Sequence[DecodedImage]) -> list[str]:
    """``average_hash`` of each decoded image, computed for all of them at once: the luma of the
    shared square, its 8 x 8 block means, each compared with their mean."""
    import numpy as np

    if not images:
        return []
    rgb, _ = square_stack(images, SQUARE)
    luma = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    block = SQUARE // 8
    small = luma.reshape(len(images), 8, block, 8, block).mean(axis=(2, 4)).reshape(len(images), 64)
    bits = np.packbits(small > small.mean(axis=1, keepdims=True), axis=1)
    return [row.tobytes().hex() for row in bits]
