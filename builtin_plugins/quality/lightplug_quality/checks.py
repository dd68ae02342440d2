"""Image-quality checks compatible with CleanVision's image-property issues.

Pure functions, no lightplug imports: the plugin runs :func:`measure_files` in worker
processes and keeps the per-image scores; :func:`odd_size_scores` is the one check that
needs the whole dataset.

The algorithms follow CleanVision 0.3.x (``cleanvision/issue_managers/image_property.py``)
step by step, on the image exactly as Pillow decodes it (native mode, no EXIF rotation):

* dark: 99th percentile of per-pixel brightness
  ``sqrt(.241 R² + .691 G² + .068 B²) / 255`` (one-band images: value / 255); issue if < 0.32.
* light: ``1 -`` 5th percentile of the same brightness; issue if < 0.05.
* odd aspect ratio: ``min(w/h, h/w)``; issue if < 0.35.
* low information: ``min(0.1 * Image.entropy(), 1)``; issue if < 0.3.
* blurry: the image shrunk to at most 64 px (bicubic) and made grey; ``1 - exp(-0.01 * s)``
  of the std of its FIND_EDGES image, plus the same transform of the std of its 256-bin
  histogram when that exceeds 0.18 (a flat image is not called blurry); capped at 1;
  issue if < 0.29.
* grayscale: issue when Pillow decodes the file in mode ``"L"`` (as CleanVision does; an RGB
  file with equal channels is not flagged).
* odd size: ``sqrt(w) * sqrt(h)`` against the dataset's quartiles ± 3 IQR (see
  :func:`odd_size_scores`).

Every score is in [0, 1], higher is better, and an image has the issue when its score is
below the threshold.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

ISSUE_TYPES: tuple[str, ...] = (
    "dark",
    "light",
    "odd_aspect_ratio",
    "low_information",
    "blurry",
    "grayscale",
    "odd_size",
)
"""CleanVision's image-property issue types, in CleanVision's order."""

PER_IMAGE_ISSUES: tuple[str, ...] = ISSUE_TYPES[:-1]
"""Issue types whose score depends on the image alone (odd size needs the dataset)."""

DEFAULT_THRESHOLDS: dict[str, float] = {
    "dark": 0.32,
    "light": 0.05,
    "odd_aspect_ratio": 0.35,
    "low_information": 0.3,
    "blurry": 0.29,
    "grayscale": 0.5,  # scores are 0 (mode "L") or 1
    "odd_size": 0.5,  # 1.0 when the size IQR is 0, see odd_size_scores
}
"""CleanVision's default thresholds: an image has the issue when ``score < threshold``."""

ENTROPY_NORMALIZING_FACTOR = 0.1
BLUR_NORMALIZING_FACTOR = 0.01
BLUR_COLOR_THRESHOLD = 0.18
BLUR_MAX_RESOLUTION = 64
ODD_SIZE_IQR_FACTOR = 3.0

# Integer brightness key: 241 R² + 691 G² + 68 B² orders pixels like CleanVision's float
# brightness sqrt(.241 R² + .691 G² + .068 B²) / 255 and fits in int32 for 8-bit channels.
_KEY_SHIFT = 12  # coarse histogram of key >> 12: 15,876 bins
_DIRECT_PARTITION = 65_536  # up to this many pixels, np.partition beats the histogram


@dataclass(frozen=True)
class Measures:
    """Raw per-image measurements, everything the scores need."""

    width: int
    height: int
    mode: str
    brightness_perc_5: float
    brightness_perc_99: float
    entropy: float
    blurriness: float
    blurriness_grayscale_std: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (picklable, JSON-friendly)."""
        return asdict(self)


# --------------------------------------------------------------------------- brightness


def _linear_percentiles(
    order_stat: Any, n: int, percentiles: Sequence[float]
) -> list[float]:
    """NumPy's default ("linear") percentiles from an order-statistic lookup.

    ``order_stat(ranks)`` returns the values at the given sorted, distinct 0-based ranks
    of the sorted data. Reproduces ``np.percentile`` bit for bit: same virtual index and
    lerp, in Python floats (a few percentiles: cheaper than numpy's small-array calls).
    """
    plan = []
    for p in percentiles:
        virtual = (n - 1) * (p / 100.0)
        lo = math.floor(virtual)
        plan.append((lo, min(lo + 1, n - 1), virtual - lo))
    ranks = sorted({r for lo, hi, _ in plan for r in (lo, hi)})
    values = dict(zip(ranks, (float(v) for v in order_stat(np.array(ranks, dtype=np.intp)))))
    out = []
    for lo, hi, gamma in plan:
        a, b = values[lo], values[hi]
        diff = b - a
        out.append(b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma)
    return out


def _partitioned(values: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Values at ``ranks`` of the sorted ``values``: one single-rank ``np.partition`` per rank,
    highest first, each on the smallest values the previous one left (numpy's partition on
    several ranks at once is several times slower); a rank just below the previous is a max."""
    found: dict[int, Any] = {}
    rest = values
    for rank in sorted({int(r) for r in ranks}, reverse=True):
        if rank == rest.size - 1:  # rest holds the rank + 1 smallest values
            found[rank] = rest.max()
        else:
            rest = np.partition(rest, rank)
            found[rank] = rest[rank]
            rest = rest[:rank]
    return np.array([found[int(r)] for r in ranks], dtype=values.dtype)


def _int_order_stats(key: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Values at ``ranks`` of the sorted non-negative int array ``key``, without sorting it.

    A coarse histogram finds the bin holding each rank; only that bin's values are sorted.
    Small arrays (an image decoded at reduced size) are partitioned directly: cheaper there.
    """
    if key.size <= _DIRECT_PARTITION:
        return _partitioned(key, ranks)
    coarse = np.right_shift(key, _KEY_SHIFT, dtype=np.intp)
    cum = np.cumsum(np.bincount(coarse))
    bins = np.searchsorted(cum, ranks, side="right")
    out = np.empty(len(ranks), dtype=np.int64)
    for b in np.unique(bins):
        members = key[coarse == b]
        before = int(cum[b - 1]) if b > 0 else 0
        sel = bins == b
        local = ranks[sel] - before
        out[sel] = np.partition(members, np.unique(local))[local]
    return out


def brightness_percentiles(
    arr: np.ndarray, percentiles: Sequence[float] = (5, 99)
) -> list[float]:
    """Percentiles of CleanVision's per-pixel brightness of an image array.

    ``arr`` is ``np.asarray(pil_image)``: HxW (one band, brightness = value / 255) or HxWxC
    (the first three bands are R, G, B). 8-bit colour images use an exact integer key and
    ``np.partition`` instead of a float array and a sort.
    """
    if arr.ndim == 3 and arr.shape[2] >= 3 and arr.dtype == np.uint8:
        rgb = arr.reshape(-1, arr.shape[2])[:, :3].astype(np.int32)
        rgb *= rgb
        key = rgb[:, 0] * 241
        key += rgb[:, 1] * 691
        key += rgb[:, 2] * 68
        return _linear_percentiles(
            lambda ranks: [math.sqrt(int(k) / 1000.0) / 255 for k in _int_order_stats(key, ranks)],
            key.size,
            percentiles,
        )
    if arr.ndim == 3 and arr.shape[2] >= 3:
        r, g, b = (arr[..., i].astype(np.float64) for i in range(3))
        flat = (np.sqrt(0.241 * r * r + 0.691 * g * g + 0.068 * b * b) / 255).ravel()
    elif arr.ndim == 3:  # LA / PA: CleanVision fails on these; use the first band
        flat = arr[..., 0].ravel() / 255.0
    elif arr.dtype == np.uint8 or arr.dtype == np.bool_:
        # astype, not view: Pillow's mode "1" arrays are bool with 255 as the stored byte
        counts = np.cumsum(np.bincount(arr.ravel().astype(np.uint8), minlength=256))

        def order_stat(ranks: np.ndarray) -> np.ndarray:
            return np.searchsorted(counts, ranks, side="right") / 255.0

        return _linear_percentiles(order_stat, int(counts[-1]), percentiles)
    else:
        flat = arr.ravel() / 255.0

    def order_stat_float(ranks: np.ndarray) -> np.ndarray:
        return _partitioned(flat, ranks).astype(np.float64)

    return _linear_percentiles(order_stat_float, flat.size, percentiles)


# --------------------------------------------------------------------------- blur


_LEVELS = range(256)
_SQUARES = [v * v for v in _LEVELS]


def _hist_variance(hist: list[int]) -> float:
    """Population variance of the pixel values behind a 256-bin histogram (as ImageStat)."""
    n = sum(hist)
    s = sum(map(operator.mul, hist, _LEVELS))
    s2 = sum(map(operator.mul, hist, _SQUARES))
    return (s2 - (s**2.0) / n) / n


def _counts_std(hist: list[int]) -> float:
    """Population standard deviation of the 256 counts of a histogram (``np.std(hist)``),
    from exact integer sums."""
    n = sum(hist)
    return math.sqrt(len(hist) * sum(map(operator.mul, hist, hist)) - n * n) / len(hist)


def blur_measures(img: Image.Image, size: tuple[int, int] | None = None) -> tuple[float, float]:
    """``(blurriness, blurriness_grayscale_std)`` as CleanVision computes them.

    ``size``: the full size of an image decoded smaller (``measure_reduced``); the image is shrunk
    to the size CleanVision would shrink the full-size one to, made grey first when it is RGB
    (a third of the resampling; the grey levels differ by rounding only).
    """
    w, h = size or img.size
    ratio = max(w, h) / BLUR_MAX_RESOLUTION
    target = (max(int(w // ratio), 1), max(int(h // ratio), 1))
    if ratio <= 1:
        gray = img.convert("L")
    elif img.size != (w, h) and img.mode in ("RGB", "L"):
        gray = img.convert("L").resize(target)
    else:
        gray = img.resize(target).convert("L")
    edges = gray.filter(ImageFilter.FIND_EDGES)
    return math.sqrt(_hist_variance(edges.histogram())), _counts_std(gray.histogram())


# --------------------------------------------------------------------------- per image


def measure_image(img: Image.Image) -> Measures:
    """Measure one decoded Pillow image (in the mode Pillow opened it, not converted)."""
    return measure_reduced(img, img.size)  # at its own size: exactly CleanVision's measures


def measure_reduced(img: Image.Image, size: tuple[int, int]) -> Measures:
    """The measures of an image decoded at reduced size (JPEG draft mode, ``Image.reduce``) whose
    full size is ``size`` (``measure_image`` when ``size`` is its own): the same measures on fewer pixels. Width and height are the full
    ones; the blur measure shrinks to the size CleanVision uses. Flags agree with the full-size
    measures on >= 99.88% of the benchmark's photos (docs/performance.md) at a fraction of the cost.
    """
    img.load()
    p5, p99 = brightness_percentiles(np.asarray(img), (5, 99))
    blurriness, hist_std = blur_measures(img, size)
    return Measures(
        width=size[0],
        height=size[1],
        mode=img.mode,
        brightness_perc_5=p5,
        brightness_perc_99=p99,
        entropy=float(img.entropy()),
        blurriness=blurriness,
        blurriness_grayscale_std=hist_std,
    )


def measures_vector(img: Image.Image, size: tuple[int, int] | None = None) -> np.ndarray:
    """``measure_image`` (or ``measure_reduced`` when the full ``size`` is given) as a float64
    vector in the order of ``plugin.MEASURES`` (mode: 1.0 if "L")."""
    m = measure_image(img) if size is None else measure_reduced(img, size)
    return np.array([m.width, m.height, 1.0 if m.mode == "L" else 0.0, m.brightness_perc_5,
                     m.brightness_perc_99, m.entropy, m.blurriness, m.blurriness_grayscale_std],
                    dtype=np.float64)


def measures_dict(vector: Sequence[float]) -> dict[str, Any]:
    """A ``measures_vector`` back as the dict ``image_scores`` takes."""
    v = [float(x) for x in vector]
    return {"width": int(v[0]), "height": int(v[1]), "mode": "L" if v[2] else "",
            "brightness_perc_5": v[3], "brightness_perc_99": v[4], "entropy": v[5],
            "blurriness": v[6], "blurriness_grayscale_std": v[7]}


def measure_file(path: str) -> Measures | str:
    """Measure one image file; the error message (a ``str``) if it cannot be decoded."""
    try:
        with Image.open(path) as img:
            return measure_image(img)
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "unreadable"
        return f"{type(exc).__name__}: {exc}"


def measure_files(paths: Sequence[str]) -> list[dict[str, Any] | str]:
    """Worker entry point: measures (as dicts) or error strings, one per path."""
    out: list[dict[str, Any] | str] = []
    for path in paths:
        m = measure_file(path)
        out.append(m if isinstance(m, str) else m.to_dict())
    return out


def measure_candidates(
    groups: Sequence[Sequence[str]],
) -> list[tuple[dict[str, Any] | None, list[tuple[str, str]]]]:
    """Worker entry point for images held by several files (same content, same sha1).

    For each group of paths: the measures (as a dict) of the first file that decodes, or
    None, and the ``(path, error)`` of every file tried that did not decode.
    """
    out: list[tuple[dict[str, Any] | None, list[tuple[str, str]]]] = []
    for paths in groups:
        failed: list[tuple[str, str]] = []
        found: dict[str, Any] | None = None
        for path in paths:
            m = measure_file(path)
            if isinstance(m, str):
                failed.append((path, m))
            else:
                found = m.to_dict()
                break
        out.append((found, failed))
    return out


def _exp_score(raw: float, factor: float) -> float:
    return 1.0 - math.exp(-1.0 * raw * factor)


def image_scores(m: Measures | Mapping[str, Any]) -> dict[str, float]:
    """Scores of the per-image issue types (see :data:`PER_IMAGE_ISSUES`), in [0, 1]."""
    d = m.to_dict() if isinstance(m, Measures) else m
    w, h = d["width"], d["height"]
    blur = _exp_score(d["blurriness"], BLUR_NORMALIZING_FACTOR)
    std = _exp_score(d["blurriness_grayscale_std"], BLUR_NORMALIZING_FACTOR)
    if std <= BLUR_COLOR_THRESHOLD:
        std = 0.0
    return {
        "dark": float(d["brightness_perc_99"]),
        "light": 1.0 - float(d["brightness_perc_5"]),
        "odd_aspect_ratio": min(w / h, h / w),
        "low_information": min(ENTROPY_NORMALIZING_FACTOR * float(d["entropy"]), 1.0),
        "blurry": min(blur + std, 1.0),
        "grayscale": 0.0 if d["mode"] == "L" else 1.0,
    }


# --------------------------------------------------------------------------- dataset level


def odd_size_scores(
    widths: Iterable[float], heights: Iterable[float], iqr_factor: float = ODD_SIZE_IQR_FACTOR
) -> tuple[np.ndarray, float]:
    """Odd-size scores of a dataset and the threshold CleanVision uses with them.

    The size of an image is ``sqrt(w) * sqrt(h)``; sizes inside the dataset's quartiles
    ± ``iqr_factor`` × IQR score ≥ 0.5. When the IQR is 0 (most images the same size) the
    threshold is 1.0: every image of another size is odd.
    """
    w = np.asarray(list(widths), dtype=np.float64)
    h = np.asarray(list(heights), dtype=np.float64)
    if w.size == 0:
        return np.zeros(0), DEFAULT_THRESHOLDS["odd_size"]
    size = np.sqrt(w) * np.sqrt(h)
    q1, q3 = np.percentile(size, [25, 75])
    iqr = q3 - q1
    lo, hi = q1 - iqr_factor * iqr, q3 + iqr_factor * iqr
    mid, gap = (lo + hi) / 2, hi - lo
    if gap > 0:
        norm, threshold = gap, 0.5
    else:
        norm, threshold = mid, 1.0
    scores = 1 - np.clip(np.abs(size - mid) / norm, 0, 1)
    return scores, threshold


def flags(scores: Mapping[str, float], thresholds: Mapping[str, float]) -> dict[str, bool]:
    """Which issues an image has: ``score < threshold`` for each scored issue type."""
    return {k: bool(v < thresholds[k]) for k, v in scores.items() if k in thresholds}
