"""A stand-in for the ``lightly_train`` package (no weights to download here).

Its "detector" finds the bounding box of the strongly saturated pixels of an image and calls it
by the colour family of their median hue. Enough for the auto-labeling example to write real,
image-dependent annotations.
"""

from __future__ import annotations

import numpy as np

CLASSES = {0: "red thing", 1: "green thing", 2: "blue thing"}
KNOWN_MODELS = {"dinov3/convnext-tiny-ltdetr-coco", "standin/saturation-detector"}


class _Model:
    classes = CLASSES

    def predict(self, image, threshold: float = 0.5) -> dict:
        hsv = np.asarray(image.convert("HSV"), dtype=np.float32)
        mask = hsv[..., 1] > 120
        if mask.sum() < 0.01 * mask.size:
            return {"labels": [], "bboxes": [], "scores": []}
        ys, xs = np.nonzero(mask)
        score = float(min(1.0, 0.5 + mask.mean()))
        if score < threshold:
            return {"labels": [], "bboxes": [], "scores": []}
        hue = float(np.median(hsv[..., 0][mask])) * 360 / 255
        label = 0 if hue < 45 or hue >= 300 else (1 if hue < 180 else 2)
        box = [float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)]
        return {"labels": [label], "bboxes": [box], "scores": [score]}


def load_model(name: str) -> _Model:
    """Return the stand-in model; unknown names raise ``ValueError`` like the real package."""
    if name not in KNOWN_MODELS:
        raise ValueError(f"unknown model {name!r}; known: {sorted(KNOWN_MODELS)}")
    return _Model()
