"""Embedding kinds: the built-in "pixels" one and an optional CLIP model, if installed locally.

Nothing here downloads anything: a CLIP model is used only when its package is importable and
its weights are already on disk (Hugging Face hub offline mode). Heavy packages are imported
only when the CLIP embedding is actually computed.
"""

from __future__ import annotations

import enum
import importlib.util
import os
from collections.abc import Sequence
from typing import Any

CLIP_MODEL = "clip-ViT-B-32"  # sentence-transformers name of OpenAI's CLIP ViT-B/32
OPEN_CLIP_MODEL = ("ViT-B-32", "openai")  # open_clip architecture and pretrained tag
CLIP_PACKAGES = ("sentence_transformers", "open_clip")  # tried in this order
INSTALL_HINT = (
    "The 'clip' embedding needs a CLIP model package and its weights on this machine, and "
    "lightplug never downloads models. Install one into lightplug's environment, e.g. "
    "`pip install sentence-transformers`, fetch the weights once with "
    f"`python -c \"from sentence_transformers import SentenceTransformer as S; S('{CLIP_MODEL}')\"`, "
    "then run again; or use --model pixels (no model needed)."
)


class EmbeddingModel(str, enum.Enum):
    """Which embedding to compare images with."""

    pixels = "pixels"
    clip = "clip"


def clip_package() -> str | None:
    """The first importable CLIP package of ``CLIP_PACKAGES``, or None (nothing is imported)."""
    for name in CLIP_PACKAGES:
        try:
            if importlib.util.find_spec(name) is not None:
                return name
        except (ImportError, ValueError):
            continue
    return None


_loaded: dict[str, Any] = {}


def _load(package: str) -> Any:
    """Load the CLIP model of ``package`` from local files only (cached per process)."""
    if package in _loaded:
        return _loaded[package]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach the network for weights
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if package == "sentence_transformers":
        from sentence_transformers import SentenceTransformer

        model: Any = SentenceTransformer(CLIP_MODEL, local_files_only=True)
    else:
        import open_clip

        arch, pretrained = OPEN_CLIP_MODEL
        net, _, preprocess = open_clip.create_model_and_transforms(arch, pretrained=pretrained)
        net.eval()
        model = (net, preprocess)
    _loaded[package] = model
    return model


def load_clip(package: str) -> str | None:
    """Load the model now; returns an error message (weights missing, broken install) or None."""
    try:
        _load(package)
    except Exception as exc:  # noqa: BLE001 - any failure to load becomes a clear message
        return (f"the CLIP model could not be loaded from local files with {package} "
                f"({type(exc).__name__}: {exc}). " + INSTALL_HINT)
    return None


def embed_files_clip(paths: Sequence[str], package: str) -> tuple[Any, list[str | None]]:
    """CLIP image embeddings of ``paths`` (L2-normalised float32) and one error per path."""
    import numpy as np
    from PIL import Image

    model = _load(package)
    images: list[Any] = []
    errors: list[str | None] = [None] * len(paths)
    for i, path in enumerate(paths):
        try:
            with Image.open(path) as im:
                images.append(im.convert("RGB"))
        except (OSError, ValueError, SyntaxError) as exc:
            errors[i] = f"{type(exc).__name__}: {exc}"
            images.append(Image.new("RGB", (224, 224)))
    if package == "sentence_transformers":
        out = np.asarray(model.encode(images, batch_size=32, convert_to_numpy=True), dtype=np.float32)
    else:
        import torch

        net, preprocess = model
        with torch.no_grad():
            out = net.encode_image(torch.stack([preprocess(im) for im in images])).float().numpy()
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)
    out[[e is not None for e in errors]] = 0.0
    return out, errors


def embed_paths_clip(paths: Sequence[str], package: str) -> list[tuple[Any, str | None]]:
    """``map_images`` worker: ``(vector, None)`` or ``(None, error)`` per path (``embed_files_clip``)."""
    vectors, errors = embed_files_clip(paths, package)
    return [(None, e) if e is not None else (v, None) for v, e in zip(vectors, errors)]
