"""Telling an original file name from a copy's: ``copy_x``, ``Copy of x``, ``x copy``, ``x_copy``,
``x - Copy``, ``x copy 2``, ``x (1)``, ``x(1)``."""
from __future__ import annotations

import os
import re

_COPY = re.compile(
    r"^copy(?:[ _-]?of)?[ _-]"  # copy_x, copy of x, Copy of x
    r"|[ _-]copy(?:[ _-]?\(?\d+\)?)?$"  # x copy, x_copy, x - Copy, x copy 2, x copy (2)
    r"|\s*\(\d+\)$",  # x (1), x(1)
    re.IGNORECASE)


def looks_like_copy(path: str) -> bool:
    """Whether the file name of ``path`` (without its extension) is named like a copy."""
    stem = os.path.splitext(os.path.basename(path))[0].strip()
    lowered = stem.lower()
    if "copy" not in lowered and not lowered.endswith(")"):  # every form has one or the other
        return False
    return bool(_COPY.search(stem))


def original_first(path: str, instance_id: int) -> tuple[bool, int, int]:
    """Sort key among copies of one content: original names, then shorter paths, then older ids."""
    return looks_like_copy(path), len(path), instance_id
