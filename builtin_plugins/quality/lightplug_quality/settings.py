"""Settings of the quality plugin (``lightplug plugins config quality KEY=VALUE``)."""

from __future__ import annotations

from pydantic import BaseModel


class QualityParams(BaseModel):
    """Persisted per project."""

    measure_on_import: bool = False
    """Measure images at import. Off by default: CleanVision's checks need full resolution, so
    when on, the import decodes every image at full size for all plugins (slower)."""
