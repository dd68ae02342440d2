"""The ``quality`` plugin: CleanVision's image-quality issues, scored and cached per image.

Entry-point module: only light imports here (numpy and Pillow load when an action runs).
"""

from __future__ import annotations

from .plugin import QualityPlugin

plugin_class = QualityPlugin

__all__ = ["QualityPlugin", "plugin_class"]
