"""Persisted settings of the similarity plugin (imported when a project loads the plugin)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SimilarityParams(BaseModel):
    """Settings kept in the project database."""

    model_config = ConfigDict(defer_build=True)  # quick to load: see "Settings" in docs/plugin-guide.md

    compute_on_import: bool = Field(
        True, description="Compute the pixel embedding of new images while importing them.")
