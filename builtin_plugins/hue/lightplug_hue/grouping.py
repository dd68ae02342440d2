"""Equal-size groups of hues on the colour circle, their ranges and colour names (numpy)."""

from __future__ import annotations

import numpy as np

# Upper bounds (degrees, exclusive) of the colour names; hues from 345 wrap to red.
_NAMES = ((15, "red"), (45, "orange"), (70, "yellow"), (160, "green"), (200, "cyan"),
          (255, "blue"), (290, "purple"), (330, "magenta"), (345, "pink"), (360, "red"))


def colour_name(hue: float) -> str:
    """The everyday name of ``hue`` (degrees): red, orange, yellow, green, cyan, blue, ..."""
    hue = float(hue) % 360.0
    return next(name for bound, name in _NAMES if hue < bound)


def circular_mean(hues: np.ndarray) -> float:
    """Mean of angles in degrees, in [0, 360) (the mean of 350 and 10 is 0)."""
    radians = np.deg2rad(np.asarray(hues, dtype=np.float64))
    return float(np.rad2deg(np.arctan2(np.sin(radians).mean(), np.cos(radians).mean())) % 360.0)


def circular_order(hues: np.ndarray) -> np.ndarray:
    """Indices that sort ``hues`` around the circle, starting after its widest empty arc.

    Cutting the circle at the widest gap keeps hues on either side of 0 degrees (reds)
    together instead of sending them to the first and the last group.
    """
    hues = np.asarray(hues, dtype=np.float64) % 360.0
    order = np.argsort(hues, kind="stable")
    if len(order) < 2:
        return order
    sorted_hues = hues[order]
    gaps = np.diff(np.concatenate([sorted_hues, sorted_hues[:1] + 360.0]))
    start = (int(np.argmax(gaps)) + 1) % len(order)
    return np.roll(order, -start)


def split_equal(hues: np.ndarray, nb_groups: int) -> list[np.ndarray]:
    """Indices of ``hues`` in ``min(nb_groups, len(hues))`` groups of equal size (+-1), by hue."""
    if nb_groups < 1:
        raise ValueError(f"nb_groups must be at least 1, got {nb_groups}")
    count = min(nb_groups, len(hues))
    if count == 0:
        return []
    return [part for part in np.array_split(circular_order(hues), count)]


def hue_range_label(hues: np.ndarray) -> str:
    """``"Hue 12-40 (orange)"`` for hues given in circular order (the range may wrap: 350-10)."""
    hues = np.asarray(hues, dtype=np.float64) % 360.0
    low, high = int(round(hues[0])) % 360, int(round(hues[-1])) % 360
    span = f"{low}" if low == high else f"{low}-{high}"
    return f"Hue {span} ({colour_name(circular_mean(hues))})"
