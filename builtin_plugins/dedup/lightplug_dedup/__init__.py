"""lightplug-dedup: exact and near-duplicate images for lightplug (a built-in plugin).

``lightplug run find_duplicates`` groups files with the same content (same SHA-1) and
near duplicates (perceptual hashes within a Hamming distance, mirror-invariant by default);
each group starts with the image to keep. ``lightplug run tag_duplicates`` tags the others.
Hashes are computed at import time and cached per SHA-1 as vectors.
"""

from .plugin import DedupParams, DedupPlugin, HashMethod

plugin_class = DedupPlugin

__all__ = ["DedupParams", "DedupPlugin", "HashMethod", "plugin_class"]
