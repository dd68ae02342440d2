"""The "pixels" image embedding: computed from pixels with numpy and Pillow, no model.

Each image becomes a 32x32 RGB thumbnail (JPEGs are decoded at reduced size), then three
blocks that are each invariant to horizontal flips and to brightness changes:

* structure: the low-frequency 2-D DCT of the luminance, standardised to mean 0 and
  standard deviation 1 (brightness and contrast drop out); coefficients of odd horizontal
  frequency change sign under a mirror, so their absolute value is kept;
* colour layout: low-frequency DCT of two opponent colour channels divided by the mean
  luminance (a brightness factor cancels), odd horizontal frequencies as absolute values;
* colour distribution: a 12-bin hue histogram weighted by chroma, square-rooted.

The concatenation is L2-normalised, so the dot product of two vectors is their cosine
similarity. Variants of one photo (resized, re-encoded, cropped 2-8%, brightened,
mirrored) land close together; see bench/similarity_accuracy.py for the measured recall.
Change ``EMBEDDING_VERSION`` whenever the output changes: it is part of the vector type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from lightplug.imaging import DecodedImage

EMBEDDING_VERSION = 2  # 2: computed on the pixels the host decodes once (lightplug.compute features)
THUMB = 32  # thumbnail side in pixels
GRAY_FREQS = 8  # luminance DCT coefficients with u + v < GRAY_FREQS (DC dropped)
COLOR_FREQS = 4  # opponent-colour DCT coefficients with u + v < COLOR_FREQS (DC kept)
HUE_BINS = 12
#: images per vectorised pass of ``embed_images``: the working arrays stay in a core's L2 cache
#: (measured alone, a chunk of 32 at once took ~1.4x as long per image)
BLOCK = 16
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _dct_matrix(n: int) -> np.ndarray:
    """Orthonormal DCT-II matrix: ``D @ x`` is the DCT of the column vector ``x``."""
    k = np.arange(n)[:, None]
    x = np.arange(n)[None, :]
    d = np.cos(np.pi * (2 * x + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    d[0] /= np.sqrt(2.0)
    return d.astype(np.float32)


def _low_freqs(limit: int, keep_dc: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row (vertical) and column (horizontal) frequencies with ``u + v < limit``."""
    v, u = np.nonzero(np.add.outer(np.arange(THUMB), np.arange(THUMB)) < limit)
    if not keep_dc:
        v, u = v[1:], u[1:]  # np.nonzero is row-major: (0, 0) comes first
    return v, u


_DCT = _dct_matrix(THUMB)
_GRAY_V, _GRAY_U = _low_freqs(GRAY_FREQS, keep_dc=False)
_COLOR_V, _COLOR_U = _low_freqs(COLOR_FREQS, keep_dc=True)
DIM = len(_GRAY_U) + 2 * len(_COLOR_U) + HUE_BINS


#: the embedding's input: both sides of the decoded image at least this many pixels
DECODE_SIZE = 2 * THUMB


def halved(rgb: np.ndarray) -> np.ndarray:
    """``(..., 2*THUMB, 2*THUMB, 3)`` uint8 squares as ``(..., THUMB, THUMB, 3)`` float32 thumbnails:
    the mean of each 2 x 2 block, rounded half up. Four strided adds (exact on integers), not
    ``mean`` over two axes, which is several times slower on such small arrays."""
    f = rgb.astype(np.float32)
    quads = f[..., 0::2, 0::2, :] + f[..., 1::2, 0::2, :] + f[..., 0::2, 1::2, :] + f[..., 1::2, 1::2, :]
    return np.floor(quads * np.float32(0.25) + np.float32(0.5))


def thumbnail(image: DecodedImage) -> np.ndarray:
    """A (THUMB, THUMB, 3) float32 RGB array (0..255) of a decoded image (alpha dropped): the
    host's shared 2*THUMB square, halved."""
    return halved(image.array(2 * THUMB)[..., :3])


def load_thumbnail(path: str) -> np.ndarray:
    """Decode ``path`` into a (THUMB, THUMB, 3) float32 RGB array (0..255).

    Decoded as the host decodes images for features (``lightplug.imaging``): JPEGs at reduced
    size, EXIF orientation applied; transparency is dropped. Raises ``OSError``/``ValueError``
    for unreadable files.
    """
    from lightplug.imaging import decode_image

    return thumbnail(decode_image(path, DECODE_SIZE))


def embed_images(images: Sequence) -> list[np.ndarray]:
    """Feature function: the embedding of each decoded image (``lightplug.compute.DecodedImage``)."""
    from lightplug.imaging import square_stack

    out: list[np.ndarray] = []
    for start in range(0, len(images), BLOCK):  # the shared square, halved by 2 x 2 means
        rgb, _ = square_stack(images[start:start + BLOCK], 2 * THUMB)
        out += list(embed_thumbnails(halved(rgb)))
    return out


def _flip_invariant(coefs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Absolute value of the coefficients whose horizontal frequency is odd."""
    odd = u % 2 == 1
    coefs[:, odd] = np.abs(coefs[:, odd])
    return coefs


def _hue_histogram(rgb: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Chroma-weighted hue histograms with linear binning, (b, HUE_BINS)."""
    b = rgb.shape[0]
    r, g, bl = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    hue = np.arctan2((np.sqrt(3.0) / 2) * (g - bl), r - 0.5 * (g + bl))  # -pi..pi
    chroma = (np.maximum(np.maximum(r, g), bl) - np.minimum(np.minimum(r, g), bl)) / scale  # not .max(-1): slow on 3
    pos = (hue + np.pi) * (HUE_BINS / (2 * np.pi))
    lo = np.floor(pos)
    frac = (pos - lo).reshape(b, -1)
    lo = lo.astype(np.int64).reshape(b, -1) % HUE_BINS
    hi = (lo + 1) % HUE_BINS
    w = chroma.reshape(b, -1)
    rows = np.arange(b)[:, None] * HUE_BINS
    hist = np.bincount((rows + lo).ravel(), (w * (1 - frac)).ravel(), minlength=b * HUE_BINS)
    hist += np.bincount((rows + hi).ravel(), (w * frac).ravel(), minlength=b * HUE_BINS)
    return np.sqrt(hist.reshape(b, HUE_BINS) / (THUMB * THUMB)).astype(np.float32)


def embed_thumbnails(thumbs: np.ndarray) -> np.ndarray:
    """Embed a stack of thumbnails (b, THUMB, THUMB, 3) into L2-normalised (b, DIM) vectors.

    A flat grey image (no structure, no colour) gives the zero vector: similar to nothing.
    """
    t = np.asarray(thumbs, dtype=np.float32)
    if t.ndim != 4 or t.shape[1:] != (THUMB, THUMB, 3):
        raise ValueError(f"expected (b, {THUMB}, {THUMB}, 3) thumbnails, got {t.shape}")
    lum = t @ _LUMA
    mean = lum.mean(axis=(1, 2), keepdims=True)
    std = lum.std(axis=(1, 2), keepdims=True)
    gray = _DCT @ ((lum - mean) / (std + 1e-3)) @ _DCT.T
    gray = _flip_invariant(gray[:, _GRAY_V, _GRAY_U], _GRAY_U)
    gray /= np.linalg.norm(gray, axis=1, keepdims=True) + 1e-8
    scale = mean + 1.0  # brightness factor cancels in colour / mean luminance
    r, g, b = t[..., 0], t[..., 1], t[..., 2]
    opponents = np.stack([(r - g) / scale, (r + g - 2 * b) / (2 * scale)], axis=1)
    color = (_DCT @ opponents @ _DCT.T)[:, :, _COLOR_V, _COLOR_U] / THUMB
    color = _flip_invariant(color.reshape(len(t), -1), np.tile(_COLOR_U, 2))
    hist = _hue_histogram(t, scale)
    out = np.concatenate([gray, color, hist], axis=1)
    out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-8
    return out.astype(np.float32)


def embed_files(paths: Sequence[str]) -> tuple[np.ndarray, list[str | None]]:
    """Embed image files; returns (len(paths), DIM) vectors and one error per path (or None).

    Rows of unreadable files are zero. Top-level and picklable, for a process pool.
    """
    thumbs = np.zeros((len(paths), THUMB, THUMB, 3), dtype=np.float32)
    errors: list[str | None] = [None] * len(paths)
    for i, path in enumerate(paths):
        try:
            thumbs[i] = load_thumbnail(path)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            errors[i] = f"{type(exc).__name__}: {exc}"
    vectors = embed_thumbnails(thumbs) if len(paths) else np.zeros((0, DIM), np.float32)
    vectors[[e is not None for e in errors]] = 0.0
    return vectors, errors


def embed_paths(paths: Sequence[str]) -> list[tuple[np.ndarray | None, str | None]]:
    """``map_images`` worker: ``(vector, None)`` or ``(None, error)`` per path (``embed_files``)."""
    vectors, errors = embed_files(paths)
    return [(None, e) if e is not None else (v, None) for v, e in zip(vectors, errors)]
