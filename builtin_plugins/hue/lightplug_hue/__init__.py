"""lightplug's ``hue`` plugin: the dominant hue of each image, and groups of similar hue.

Actions: ``compute_hue`` (vector hook) and ``hue_groups`` (group hook). The entry module only
imports the plugin class; numpy and Pillow load when an action or import task needs them.
"""

from __future__ import annotations

from .plugin import HuePlugin

plugin_class = HuePlugin

__all__ = ["HuePlugin", "plugin_class"]
