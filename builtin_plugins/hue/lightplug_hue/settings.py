"""Settings of the hue plugin (``lightplug plugins config hue KEY=VALUE``)."""

from __future__ import annotations

from pydantic import BaseModel


class HueParams(BaseModel):
    """Persisted per project."""

    compute_on_import: bool = True
    """Queue hue computation for newly imported images."""
