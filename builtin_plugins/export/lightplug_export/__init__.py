"""lightplug's ``export`` plugin: groups, tags, property values and annotations to CSV, JSON or COCO.

Actions: ``export`` (``--what``, ``--format``, ``--output``, ``--run-id``) and ``import_coco``
(``--coco-file``, ``--match``). The entry module imports nothing heavy.
"""

from __future__ import annotations

from .plugin import CocoMatch, ExportFormat, ExportKind, ExportPlugin

plugin_class = ExportPlugin

__all__ = ["CocoMatch", "ExportFormat", "ExportKind", "ExportPlugin", "plugin_class"]
