"""Perceptual hashes and colour signatures of image files, computed in batches with numpy.

Every file is decoded once, at a reduced size, into a small grayscale array and the mean
colour (``decode``); the hashes of a whole batch are then computed together with matrix
products (``hash_variants``). A hash is 64 bits, kept as ``uint8`` 0/1 values.

Each image gets four *variants* of a hash (``VARIANTS``): the whole image, its mirror
image, the centre region (``CENTRE_MARGIN`` cut from every side) and the mirrored centre.
Comparing one image's whole-image hash with another's centre hash catches crops of a few
percent, which move every pixel and defeat whole-image hashes.

Hash kinds (``HASH_KINDS``):

* ``phash``: the DCT hash of imagededup / pHash: 32x32 image, top-left 8x8 DCT-II
  coefficients, each compared with the median of the 63 non-DC coefficients.
* ``dhash``: 9x8 image, each pixel compared with its left neighbour.
* ``ahash``: 8x8 image, each pixel compared with the mean.
* ``whash``: the Haar wavelet hash with the overall mean removed. For Haar, the level-5
  approximation of a 256x256 image is its 8x8 block sums, so this is the 8x8 area average
  compared with its median (computed from the decoded array directly).
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np
from PIL import Image

HASH_KINDS: tuple[str, ...] = ("phash", "dhash", "ahash", "whash")
HASH_BITS = 64
VARIANTS: tuple[str, ...] = ("image", "mirror", "centre", "centre_mirror")
#: fraction of the width and height cut from each side for the "centre" variants
CENTRE_MARGIN = 0.05
#: side of the square grayscale array every image is reduced to
GRAY_SIZE = 64
#: size requested from the JPEG decoder (``Image.draft``); the decoder keeps at least this
DRAFT_SIZE = 64
#: ITU-R BT.601 weights, the ones Pillow uses for "L" and JPEG uses for Y, Cb, Cr
_RGB_TO_YCC = np.array([[0.299, 0.587, 0.114],
                        [-0.168736, -0.331264, 0.5],
                        [0.5, -0.418688, -0.081312]], dtype=np.float32)



def gray_and_colour(rgb: Image.Image, size: int = GRAY_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """``(gray (size, size) float32, mean chroma (Cb, Cr))`` of an upright RGB(A) image (area average)."""
    small = rgb if rgb.size == (size, size) else rgb.resize((size, size), Image.Resampling.BOX)
    small = small if small.mode == "RGB" else small.convert("RGB")
    ycc = np.asarray(small, dtype=np.float32) @ _RGB_TO_YCC.T
    return np.ascontiguousarray(ycc[..., 0]), ycc[..., 1:].mean(axis=(0, 1))


def packed_features(images: Sequence, kind: str = "phash") -> list[np.ndarray]:
    """Feature function: per decoded image (``lightplug.compute.DecodedImage``), 40 bytes as
    10 ``uint32``: the four ``VARIANTS`` hashes packed in 64-bit words, then the colour (2 float32)."""
    from lightplug.imaging import square_stack

    n = len(images)
    if not n:
        return []
    rgb, _ = square_stack(images, GRAY_SIZE)  # alpha dropped, as convert("RGB") does
    ycc = rgb.astype(np.float32) @ _RGB_TO_YCC.T
    gray = np.ascontiguousarray(ycc[..., 0])
    colour = np.ascontiguousarray(ycc[..., 1:].mean(axis=(1, 2)), dtype=np.float32)
    bits = hash_variants(gray, kind).astype(bool)  # (n, 4, 64)
    words = np.packbits(bits, axis=-1).reshape(n, 32)  # big-endian bit order, 8 bytes a variant
    packed = np.concatenate([words, colour.view(np.uint8).reshape(n, 8)], axis=1)
    return list(np.ascontiguousarray(packed).view(np.uint32))


def unpack_features(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``packed_features`` rows ``(m, 10)`` uint32 as ``(codes (m, 4, 1) uint64, colour (m, 2))``."""
    raw = np.ascontiguousarray(rows, dtype=np.uint32).view(np.uint8).reshape(len(rows), 40)
    codes = np.ascontiguousarray(raw[:, :32]).view(np.uint64).reshape(len(rows), len(VARIANTS), 1)
    colour = np.ascontiguousarray(raw[:, 32:]).view(np.float32).reshape(len(rows), 2)
    return codes, colour


def decode(path: str | os.PathLike, size: int = GRAY_SIZE,
           draft_size: int = DRAFT_SIZE) -> tuple[np.ndarray, np.ndarray] | None:
    """Decode ``path`` as the host decodes images for features (``lightplug.imaging``):
    ``(gray (size, size) float32, mean chroma (Cb, Cr) float32)``, or None when it cannot be decoded.

    JPEGs are decoded at a reduced scale no smaller than ``draft_size``; EXIF orientation is
    applied and alpha dropped; the reduction is an area average.
    """
    from lightplug.imaging import decode_image

    try:
        decoded = decode_image(str(path), draft_size)
        return gray_and_colour(decoded.resized(size, size), size)
    except Exception:  # noqa: BLE001 - any decoder error means "no hash for this file"
        return None


@lru_cache(maxsize=64)
def area_matrix(n_in: int, n_out: int, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """``(n_out, n_in)`` matrix averaging the span ``[lo, hi]`` (fractions) of ``n_in``
    samples into ``n_out`` equal cells."""
    edges = np.linspace(lo * n_in, hi * n_in, n_out + 1)
    pix = np.arange(n_in)[None, :]
    cover = np.clip(np.minimum(edges[1:, None], pix + 1) - np.maximum(edges[:-1, None], pix), 0.0, None)
    m = (cover / cover.sum(axis=1, keepdims=True)).astype(np.float32)
    m.setflags(write=False)
    return m


@lru_cache(maxsize=8)
def dct_matrix(n: int, k: int) -> np.ndarray:
    """First ``k`` rows of the unnormalised ``n``-point DCT-II (scipy's ``dct`` default)."""
    i = np.arange(n)[None, :]
    f = np.arange(k)[:, None]
    m = (2.0 * np.cos(np.pi * f * (2 * i + 1) / (2 * n))).astype(np.float32)
    m.setflags(write=False)
    return m


def resample(batch: np.ndarray, rows: int, cols: int, margin: float = 0.0) -> np.ndarray:
    """Area-average ``(b, h, w)`` arrays to ``(b, rows, cols)``, first cutting ``margin``
    (a fraction of the height and width) from every side."""
    _, h, w = batch.shape
    if (h, w) == (rows, cols) and not margin:
        return batch
    lo, hi = margin, 1.0 - margin
    return area_matrix(h, rows, lo, hi) @ batch @ area_matrix(w, cols, lo, hi).T


def _median_bits(values: np.ndarray, skip_first: bool = False) -> np.ndarray:
    flat = values.reshape(len(values), -1)
    med = np.median(flat[:, 1:] if skip_first else flat, axis=1, keepdims=True)
    return (flat >= med).astype(np.uint8)


def hash_gray(batch: np.ndarray, kind: str = "phash", margin: float = 0.0) -> np.ndarray:
    """64-bit hashes ``(b, 64)`` (uint8 0/1) of grayscale arrays ``(b, h, w)``."""
    batch = np.asarray(batch, dtype=np.float32)
    if kind == "phash":
        d = dct_matrix(32, 8)
        return _median_bits(d @ resample(batch, 32, 32, margin) @ d.T, skip_first=True)
    if kind == "dhash":
        small = resample(batch, 8, 9, margin)
        return (small[:, :, 1:] > small[:, :, :-1]).reshape(len(batch), -1).astype(np.uint8)
    if kind == "ahash":
        flat = resample(batch, 8, 8, margin).reshape(len(batch), -1)
        return (flat > flat.mean(axis=1, keepdims=True)).astype(np.uint8)
    if kind == "whash":
        return _median_bits(resample(batch, 8, 8, margin))
    raise ValueError(f"unknown hash kind {kind!r}; expected one of {', '.join(HASH_KINDS)}")


def hash_variants(batch: np.ndarray, kind: str = "phash",
                  margin: float = CENTRE_MARGIN) -> np.ndarray:
    """The ``VARIANTS`` hashes of grayscale arrays ``(b, h, w)``: ``(b, 4, 64)`` uint8."""
    batch = np.asarray(batch, dtype=np.float32)
    both = np.concatenate([batch, batch[:, :, ::-1]])
    whole, centre = hash_gray(both, kind), hash_gray(both, kind, margin)
    b = len(batch)
    return np.stack([whole[:b], whole[b:], centre[:b], centre[b:]], axis=1)


def compute_features(paths: Sequence[str | os.PathLike], kinds: Iterable[str] = ("phash",)
                     ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Decode ``paths`` once and hash them: ``({kind: (n, 4, 64) uint8}, colour (n, 2), ok (n,))``.

    ``colour`` is each image's mean chroma (Cb, Cr, centred on 0). Files that cannot be
    decoded get ``ok[i] = False`` and zeros. A top-level function, so it can run in a
    worker process.
    """
    n = len(paths)
    gray = np.zeros((n, GRAY_SIZE, GRAY_SIZE), dtype=np.float32)
    colour = np.zeros((n, 2), dtype=np.float32)
    ok = np.zeros(n, dtype=bool)
    for i, path in enumerate(paths):
        decoded = decode(path)
        if decoded is not None:
            gray[i], colour[i] = decoded
            ok[i] = True
    bits = {kind: hash_variants(gray, kind) * ok[:, None, None].astype(np.uint8) for kind in kinds}
    return bits, colour, ok


def hash_files(paths: Sequence[str | os.PathLike], kind: str = "phash"
               ) -> list[tuple[tuple[np.ndarray, np.ndarray] | None, str | None]]:
    """``map_images`` worker: per path ``((256 hash bits, colour (2,)), None)``, or
    ``(None, reason)`` when the file cannot be decoded. The bits are the ``VARIANTS`` hashes."""
    bits, colour, ok = compute_features(paths, (kind,))
    return [((bits[kind][i].reshape(-1), colour[i]), None) if ok[i] else (None, "cannot be decoded")
            for i in range(len(paths))]
