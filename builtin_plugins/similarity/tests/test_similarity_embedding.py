"""The pixel embedding: shape, normalisation, invariances, failures."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from lightplug_similarity import embedding
from similarity_images import synthetic_photo, variants, write_photos


def _embed(images: list[Image.Image], tmp_path) -> np.ndarray:
    paths = []
    for i, im in enumerate(images):
        path = tmp_path / f"im{i}.jpg"
        im.save(path, quality=92)
        paths.append(str(path))
    vectors, errors = embedding.embed_files(paths)
    assert errors == [None] * len(paths)
    return vectors


def test_vectors_are_unit_length_float32(tmp_path):
    vectors = _embed([synthetic_photo(s) for s in range(3)], tmp_path)
    assert vectors.shape == (3, embedding.DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_mirror_image_has_the_same_vector():
    im = synthetic_photo(7, (64, 64)).resize((embedding.THUMB, embedding.THUMB))
    a = np.asarray(im, np.float32)[None]
    b = np.asarray(ImageOps.mirror(im), np.float32)[None]
    np.testing.assert_allclose(embedding.embed_thumbnails(a), embedding.embed_thumbnails(b), atol=1e-5)


def test_brightness_scaling_barely_moves_the_vector():
    t = np.asarray(synthetic_photo(3).resize((32, 32)), np.float32)[None] * 0.7
    a, b = embedding.embed_thumbnails(t), embedding.embed_thumbnails(t * 1.3)
    assert float((a @ b.T)[0, 0]) > 0.999


def test_variants_are_closer_than_other_photos(tmp_path):
    base = synthetic_photo(1)
    others = [synthetic_photo(s) for s in range(2, 12)]
    edits = list(variants(base).values())
    vectors = _embed([base, *edits, *others], tmp_path)
    sims = vectors[1:] @ vectors[0]
    variant_sims, other_sims = sims[:len(edits)], sims[len(edits):]
    assert variant_sims.min() > other_sims.max()
    assert variant_sims.min() > 0.9


def test_unreadable_and_odd_files(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    gray = tmp_path / "gray.png"
    synthetic_photo(4).convert("L").save(gray)
    rgba = tmp_path / "rgba.png"
    synthetic_photo(5).convert("RGBA").save(rgba)
    flat = tmp_path / "flat.png"
    Image.new("RGB", (50, 40), (0, 0, 0)).save(flat)
    vectors, errors = embedding.embed_files([str(bad), str(gray), str(rgba), str(flat), str(tmp_path / "gone.jpg")])
    assert errors[0] is not None and errors[4] is not None
    assert errors[1:4] == [None, None, None]
    assert not vectors[0].any() and not vectors[3].any() and not vectors[4].any()
    np.testing.assert_allclose(np.linalg.norm(vectors[1:3], axis=1), 1.0, atol=1e-5)


def test_empty_and_bad_shapes():
    vectors, errors = embedding.embed_files([])
    assert vectors.shape == (0, embedding.DIM) and errors == []
    with pytest.raises(ValueError):
        embedding.embed_thumbnails(np.zeros((2, 16, 16, 3)))


def test_fixture_writer_makes_jpegs(tmp_path):
    paths = write_photos(tmp_path / "x", [1], with_variants=True)
    assert len(paths) == 5 and all(p.suffix == ".jpg" for p in paths)


def test_the_vector_type_names_the_embedding_version_and_size() -> None:
    from lightplug_similarity import vectors
    from lightplug_similarity.models import EmbeddingModel

    assert vectors.type_params(EmbeddingModel.pixels) == {
        "model": "pixels", "version": embedding.EMBEDDING_VERSION, "dim": embedding.DIM}
