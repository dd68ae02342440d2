"""Persisted settings of the similarity plugin (imported when a project loads the plugin)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SimilarityParams(BaseModel):
    """Settings kept in the project database."""

    compute_on_import: bool = Field(
        True, description="Compute the pixel embedding of new images while importing them.")
