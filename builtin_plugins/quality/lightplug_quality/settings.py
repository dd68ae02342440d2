"""Settings of the quality plugin (``lightplug plugins config quality KEY=VALUE``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class QualityParams(BaseModel):
    """Persisted per project."""

    model_config = ConfigDict(defer_build=True)  # quick to load: see "Settings" in docs/plugin-guide.md

    measure_on_import: bool = True
    """Measure images at import, on the pixels the host decodes once for every plugin, so
    ``find_issues`` reads no image (with ``full_resolution``, that decode is then at full size
    for all of them: much slower). Off: the import costs ~0.5 ms less per image, and
    ``find_issues`` decodes the images it has no measures for."""

    full_resolution: bool = False
    """Measure every image at full resolution, exactly as CleanVision does (3-7x slower). Off:
    images are decoded at reduced size (both sides >= 64 px; JPEG draft mode), whose flags agree
    with the full-size ones on >= 99.88% of the benchmark's photos. Scores already stored are
    kept: run ``find_issues --recompute`` after changing this."""
