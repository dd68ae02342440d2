"""LightlyStudio's embedding manager over lightplug's vectors: a generator named by
``LIGHTPLUG_EMBEDDING_MODEL`` is loaded, the collection's images are embedded once (cached per
content), and bad settings say what to give."""

from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

from lightplug import api
from lightplug.dialects.lightly.embeddings import EmbeddingManager, TextEmbedQuery, sample_embedding_resolver
from lightplug.dialects.lightly.session import Session

MODEL = textwrap.dedent('''
    import numpy as np
    from PIL import Image
    from lightplug import EmbeddingModelCreate, EmbeddingResult
    CALLS = []
    class Mean:
        def get_embedding_model_input(self, collection_id):
            return EmbeddingModelCreate(name="mean", embedding_dimension=3, embedding_model_hash="v1")
        def embed_text(self, text):
            return [1.0, 0.0, 0.0] if "red" in text else [0.0, 0.0, 1.0]
        def embed_images(self, filepaths, show_progress=True):
            CALLS.append(len(filepaths))
            rows = [np.asarray(Image.open(p).convert("RGB"), dtype=np.float32).mean(axis=(0, 1)) for p in filepaths]
            return EmbeddingResult(embeddings=np.array(rows, dtype=np.float32), kept_indices=list(range(len(rows))))
''')


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "mean_model.py").write_text(MODEL)
    monkeypatch.syspath_prepend(str(tmp_path / "mods"))
    photos = tmp_path / "photos"
    photos.mkdir()
    for name, rgb in (("red", (230, 10, 10)), ("blue", (10, 10, 230)), ("red_copy", (230, 10, 10))):
        Image.new("RGB", (24, 16), rgb).save(photos / f"{name}.png")
    root = api.init_project(tmp_path / "p")
    with api.open_project(root, plugins=False) as opened:
        api.import_paths(opened, [photos])
        yield opened
    sys.modules.pop("mean_model", None)


def test_generator_from_the_environment_embeds_each_content_once(project, monkeypatch):
    session = Session(project)
    assert EmbeddingManager().load_or_get_default_model(session=session, collection_id="default") is None
    monkeypatch.setenv("LIGHTPLUG_EMBEDDING_MODEL", "mean_model:Mean")
    manager = EmbeddingManager()
    model_id = manager.load_or_get_default_model(session=session, collection_id="default")
    import mean_model

    assert mean_model.CALLS == [2]  # three images, two contents
    rows = sample_embedding_resolver.get_all_by_collection_id(session=session, collection_id="default",
                                                             embedding_model_id=model_id)
    assert len(rows) == 3 and all(r.embedding.dtype == np.float32 and r.embedding.shape == (3,) for r in rows)
    assert manager.embed_text(collection_id="default", text_query=TextEmbedQuery("a red car")) == [1.0, 0.0, 0.0]
    again = EmbeddingManager().load_or_get_default_model(session=session, collection_id="default")
    assert again == model_id and mean_model.CALLS == [2]  # cached vectors: nothing embedded again


@pytest.mark.parametrize("setting, message", [
    ("no_such_module:X", "cannot load it"), ("mean_model:Nope", "cannot load it"),
    ("json:dumps", "calling it without arguments failed"), ("json:JSONDecoder", "is not an ImageEmbeddingGenerator")])
def test_bad_model_setting_says_what_to_give(project, monkeypatch, setting, message):
    monkeypatch.setenv("LIGHTPLUG_EMBEDDING_MODEL", setting)
    with pytest.raises(ValueError, match=message):
        EmbeddingManager().load_or_get_default_model(session=Session(project), collection_id="default")
