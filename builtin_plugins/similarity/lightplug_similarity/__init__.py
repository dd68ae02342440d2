"""lightplug-similarity: similar images, k-means clusters and near duplicates from image embeddings.

The entry point of the ``lightplug`` group; only light modules are imported here.
"""

from .plugin import SimilarityPlugin

plugin_class = SimilarityPlugin

__all__ = ["SimilarityPlugin", "plugin_class"]
