"""Perceptual hashes and colour signatures of decoded images, computed in batches with numpy.

Every image is reduced once to a 64 x 64 grayscale square and its mean colour; the hashes of
a whole chunk are then computed together with matrix products. A hash is kept as ``uint8``
0/1 values here and packed into 64-bit words for storage (``pack``).

Each image gets 18 *variants* (``VARIANTS``): the whole image, its mirror image, and 16
crops that cut 3% or 6% (``CROP_CUTS``) from each side independently. Another image's
whole-image hash close to one of them catches a horizontal flip or a crop of a few percent,
which moves every pixel and defeats whole-image hashes. Every variant has two hashes:

* a *coarse* 64-bit hash of the chosen kind (``HASH_KINDS``), searched through an index;
* a *fine* 144-bit DCT hash (``FINE_SIDE`` x ``FINE_SIDE`` coefficients, each compared
  with the median of the 143 non-DC ones) that verifies the candidates the coarse one finds.

Hash kinds:

* ``phash``: the DCT hash of imagededup / pHash: 32x32 image, top-left 8x8 DCT-II
  coefficients, each compared with the median of the 63 non-DC coefficients (the top-left
  of the fine hash's 12x12 block, so both come from one product).
* ``dhash``: 9x8 image, each pixel compared with its left neighbour.
* ``ahash``: 8x8 image, each pixel compared with the mean.
* ``whash``: the Haar wavelet hash with the overall mean removed. For Haar, the level-5
  approximation of a 256x256 image is its 8x8 block sums, so this is the 8x8 area average
  compared with its median (computed from the decoded array directly).
"""
from __future__ import annotations

import itertools
import os
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:  # Pillow is imported where images are handled: finding duplicates decodes nothing
    from PIL import Image

HASH_KINDS: tuple[str, ...] = ("phash", "dhash", "ahash", "whash")
HASH_BITS = 64
#: fractions of the width or height that the crop variants cut from each side
CROP_CUTS: tuple[float, ...] = (0.03, 0.06)
#: ``(left, top, right, bottom)`` cut by each crop variant: every combination of ``CROP_CUTS``
CROPS: tuple[tuple[float, float, float, float], ...] = tuple(
    (l, t, r, b) for l, t, r, b in itertools.product(CROP_CUTS, repeat=4))
VARIANTS: tuple[str, ...] = ("image", "mirror", *(
    "crop_l{}_t{}_r{}_b{}".format(*(round(c * 100) for c in cut)) for cut in CROPS))
#: variant positions: the whole image and its mirror image; the crops follow
IMAGE, MIRROR = 0, 1
#: the fine hash: the top-left ``FINE_SIDE`` x ``FINE_SIDE`` DCT coefficients, one bit each
FINE_SIDE = 12
FINE_BITS = FINE_SIDE * FINE_SIDE
#: 64-bit words per fine hash (144 bits used of 192)
FINE_WORDS = -(-FINE_BITS // 64)
#: 64-bit words stored per image: a coarse hash and a fine hash per variant, then the colour
FEATURE_WORDS = len(VARIANTS) * (1 + FINE_WORDS) + 1
#: side of the square grayscale array every image is reduced to
GRAY_SIZE = 64
#: images per vectorised pass of ``packed_features``: the chunk's working arrays stay in a
#: core's L2 cache (measured alone, a chunk of 32 at once took ~1.35x as long per image)
BLOCK = 16
#: side of the area-averaged square the DCT hashes start from
DCT_SIZE = 32
#: ITU-R BT.601 weights, the ones Pillow uses for "L" and JPEG uses for Y, Cb, Cr
_RGB_TO_YCC = np.array([[0.299, 0.587, 0.114],
                        [-0.168736, -0.331264, 0.5],
                        [0.5, -0.418688, -0.081312]], dtype=np.float32)

Cut = tuple[float, float, float, float]
NO_CUT: Cut = (0.0, 0.0, 0.0, 0.0)


def variant_cuts() -> list[tuple[Cut, bool]]:
    """``(cut (left, top, right, bottom), mirrored)`` of each of ``VARIANTS``."""
    return [(NO_CUT, False), (NO_CUT, True), *((cut, False) for cut in CROPS)]


def gray_and_colour(rgb: Image.Image, size: int = GRAY_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """``(gray (size, size) float32, mean chroma (Cb, Cr))`` of an upright RGB(A) image (area average)."""
    from PIL import Image

    small = rgb if rgb.size == (size, size) else rgb.resize((size, size), Image.Resampling.BOX)
    small = small if small.mode == "RGB" else small.convert("RGB")
    ycc = np.asarray(small, dtype=np.float32) @ _RGB_TO_YCC.T
    return np.ascontiguousarray(ycc[..., 0]), ycc[..., 1:].mean(axis=(0, 1))


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


def resample(batch: np.ndarray, rows: int, cols: int, cut: Cut = NO_CUT) -> np.ndarray:
    """Area-average ``(b, h, w)`` arrays to ``(b, rows, cols)``, first cutting ``cut``
    (fractions of the width and height: left, top, right, bottom)."""
    _, h, w = batch.shape
    left, top, right, bottom = cut
    if (h, w) == (rows, cols) and cut == NO_CUT:
        return batch
    return area_matrix(h, rows, top, 1.0 - bottom) @ batch @ area_matrix(w, cols, left, 1.0 - right).T


def _median_bits(values: np.ndarray, skip_first: bool = False) -> np.ndarray:
    """Each value >= the median of its row (of the row without its first value): 0/1 ``uint8``."""
    flat = values.reshape(*values.shape[:-2], -1) if values.ndim > 2 else values
    rest = flat[..., 1:] if skip_first else flat
    half = rest.shape[-1] // 2
    if rest.shape[-1] % 2:  # an odd count: the median is the middle value (a partition is cheaper)
        med = np.partition(rest, half, axis=-1)[..., half:half + 1]
    else:
        med = np.median(rest, axis=-1, keepdims=True)
    return (flat >= med).astype(np.uint8)


def hash_gray(batch: np.ndarray, kind: str = "phash", cut: Cut = NO_CUT) -> np.ndarray:
    """64-bit hashes ``(b, 64)`` (uint8 0/1) of grayscale arrays ``(b, h, w)``, of the region
    left after ``cut``."""
    batch = np.asarray(batch, dtype=np.float32)
    if kind == "phash":
        d = dct_matrix(DCT_SIZE, 8)
        return _median_bits(d @ resample(batch, DCT_SIZE, DCT_SIZE, cut) @ d.T, skip_first=True)
    if kind == "dhash":
        small = resample(batch, 8, 9, cut)
        return (small[:, :, 1:] > small[:, :, :-1]).reshape(len(batch), -1).astype(np.uint8)
    if kind == "ahash":
        flat = resample(batch, 8, 8, cut).reshape(len(batch), -1)
        return (flat > flat.mean(axis=1, keepdims=True)).astype(np.uint8)
    if kind == "whash":
        return _median_bits(resample(batch, 8, 8, cut))
    raise ValueError(f"unknown hash kind {kind!r}; expected one of {', '.join(HASH_KINDS)}")


@lru_cache(maxsize=4)
def _dct_plan(size: int) -> tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
    """The DCT of every variant folded into its area matrices: ``(rows, plan)`` where ``rows``
    stacks the distinct ``(FINE_SIDE, size)`` row matrices and ``plan`` gives, per variant,
    the index of its row matrix and its ``(FINE_SIDE, size)`` column matrix."""
    d = dct_matrix(DCT_SIZE, FINE_SIDE)
    spans: list[tuple[float, float]] = []
    plan = []
    for (left, top, right, bottom), mirrored in variant_cuts():
        if (top, bottom) not in spans:
            spans.append((top, bottom))
        cols = d @ area_matrix(size, DCT_SIZE, left, 1.0 - right)
        plan.append((spans.index((top, bottom)), np.ascontiguousarray(cols[:, ::-1] if mirrored else cols)))
    rows = np.concatenate([d @ area_matrix(size, DCT_SIZE, t, 1.0 - b) for t, b in spans])
    return rows, plan


def dct_variants(batch: np.ndarray) -> np.ndarray:
    """The top-left ``FINE_SIDE`` x ``FINE_SIDE`` DCT-II coefficients of each variant's 32x32
    area average: ``(b, len(VARIANTS), FINE_SIDE, FINE_SIDE)`` float32."""
    batch = np.asarray(batch, dtype=np.float32)
    rows, plan = _dct_plan(batch.shape[-1])
    across = (rows @ batch).reshape(len(batch), -1, FINE_SIDE, batch.shape[-1])  # (b, spans, 12, w)
    return np.stack([across[:, r] @ cols.T for r, cols in plan], axis=1)


def hash_variants(batch: np.ndarray, kind: str = "phash") -> tuple[np.ndarray, np.ndarray]:
    """The ``VARIANTS`` hashes of grayscale squares ``(b, h, w)``: coarse ``(b, V, 64)`` and
    fine ``(b, V, FINE_BITS)``, uint8 0/1."""
    batch = np.asarray(batch, dtype=np.float32)
    coef = dct_variants(batch)
    fine = _median_bits(coef, skip_first=True)
    if kind == "phash":
        coarse = _median_bits(np.ascontiguousarray(coef[..., :8, :8]), skip_first=True)
    else:
        mirrored = batch[:, :, ::-1]
        coarse = np.stack([hash_gray(mirrored if flip else batch, kind, cut)
                           for cut, flip in variant_cuts()], axis=1)
    return coarse, fine


def pack(coarse: np.ndarray, fine: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Bits ``(n, V, 64)`` and ``(n, V, FINE_BITS)`` and colours ``(n, 2)`` as ``(n, FEATURE_WORDS)``
    uint64 rows: the coarse hashes, the fine ones (``FINE_WORDS`` words each), the colour."""
    n, v = coarse.shape[:2]
    padded = np.zeros((n, v, FINE_WORDS * 64), dtype=bool)
    padded[..., :FINE_BITS] = fine
    parts = [np.packbits(coarse.astype(bool), axis=-1).reshape(n, -1),
             np.packbits(padded, axis=-1).reshape(n, -1),
             np.ascontiguousarray(colour, dtype=np.float32).view(np.uint8).reshape(n, 8)]
    return np.ascontiguousarray(np.concatenate(parts, axis=1)).view(np.uint64)


def unpack(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``pack`` rows ``(m, FEATURE_WORDS)`` as ``(coarse (m, V, 1), fine (m, V, FINE_WORDS)`` uint64,
    ``colour (m, 2)`` float32)."""
    rows = np.ascontiguousarray(rows, dtype=np.uint64).reshape(len(rows), FEATURE_WORDS)
    v = len(VARIANTS)
    coarse = np.ascontiguousarray(rows[:, :v]).reshape(len(rows), v, 1)
    fine = np.ascontiguousarray(rows[:, v:v * (1 + FINE_WORDS)]).reshape(len(rows), v, FINE_WORDS)
    colour = np.ascontiguousarray(rows[:, -1:]).view(np.float32).reshape(len(rows), 2)
    return coarse, fine, colour


def gray_stack(images: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """``(gray (n, 64, 64), mean chroma (n, 2))`` float32 of decoded images
    (``lightplug.compute.DecodedImage``), from the square the host shares between features."""
    from lightplug.imaging import square_stack

    rgb, _ = square_stack(images, GRAY_SIZE)  # alpha dropped, as convert("RGB") does
    ycc = rgb.astype(np.float32) @ _RGB_TO_YCC.T
    gray = np.ascontiguousarray(ycc[..., 0])
    colour = np.ascontiguousarray(ycc[..., 1:].mean(axis=(1, 2)), dtype=np.float32)
    return gray, colour


def packed_features(images: Sequence, kind: str = "phash") -> list[np.ndarray]:
    """Feature function: per decoded image, ``FEATURE_WORDS`` uint64 words (``pack``): the 18
    coarse variant hashes, their fine hashes, then the mean colour (Cb, Cr as 2 float32)."""
    out: list[np.ndarray] = []
    for start in range(0, len(images), BLOCK):
        gray, colour = gray_stack(images[start:start + BLOCK])
        out += list(pack(*hash_variants(gray, kind), colour))
    return out


def compute_features(paths: Sequence[str | os.PathLike], kind: str = "phash",
                     size: int = GRAY_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Decode ``paths`` as the host does (``lightplug.imaging.decode_image`` at ``size``) and hash
    them: ``(rows (n, FEATURE_WORDS) uint64, ok (n,))``; undecodable files get ``ok[i] = False``
    and zeros. A top-level function, so it can run in a worker process."""
    from lightplug.imaging import decode_image

    decoded, ok = [], np.zeros(len(paths), dtype=bool)
    for k, path in enumerate(paths):
        try:
            decoded.append(decode_image(str(path), size))
            ok[k] = True
        except Exception:  # noqa: BLE001 - any decoder error means "no hash for this file"
            pass
    rows = np.zeros((len(paths), FEATURE_WORDS), dtype=np.uint64)
    if decoded:
        rows[ok] = np.stack(packed_features(decoded, kind))
    return rows, ok
