"""Settings of the hue plugin (``lightplug plugins config hue KEY=VALUE``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class HueParams(BaseModel):
    """Persisted per project."""

    model_config = ConfigDict(defer_build=True)  # quick to load: see "Settings" in docs/plugin-guide.md

    compute_on_import: bool = True
    """Queue hue computation for newly imported images."""
