"""Stand-in for ``lightly_train._commands.predict_task_helpers``."""

from __future__ import annotations


def prepare_coco_entries(predictions: dict, image_size: tuple[int, int]) -> list[dict]:
    """COCO-style entries (``bbox`` = x, y, width, height) from the stand-in's predictions."""
    entries = []
    for label, (x0, y0, x1, y1), score in zip(predictions["labels"], predictions["bboxes"], predictions["scores"]):
        entries.append({"category_id": label, "bbox": [x0, y0, x1 - x0, y1 - y0], "score": score})
    return entries
