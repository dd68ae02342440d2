"""LightlyStudio's embedding API: generators, the embedding manager, and the embedding resolvers.

An embedding model is a lightplug vector type (source ``lightly_studio``, ``params`` naming the
model), so its embeddings are ordinary vectors, cached per image content and listed by
``lightplug status``; ``embedding_model_id`` is that vector type's id. A generator is registered
with ``set_default_embedding_model`` (a plugin does it when imported) or named by the environment
variable ``LIGHTPLUG_EMBEDDING_MODEL`` (``module:name``); LightlyStudio's built-in models (picked
by ``LIGHTLY_STUDIO_EMBEDDINGS_MODEL_TYPE``) are not part of lightplug, so without either
``load_or_get_default_model`` returns None. When a collection's default
model is loaded, the collection's images that lack an embedding are embedded, as LightlyStudio
does when it loads a dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, runtime_checkable

SOURCE = "lightly_studio"
MODEL_ENV = "LIGHTPLUG_EMBEDDING_MODEL"  # module:name of the default generator, like LightlyStudio's env setting
EMBED_BATCH = 256  # images embedded (and stored) per call of the generator


@dataclass
class EmbeddingModelCreate:
    """What a generator says about its model (``get_embedding_model_input``)."""

    name: str
    embedding_dimension: int
    parameter_count_in_mb: int | None = None
    embedding_model_hash: str = ""
    collection_id: Any = None


@dataclass
class EmbeddingModelTable(EmbeddingModelCreate):
    """A registered embedding model; ``embedding_model_id`` is its vector type's id."""

    embedding_model_id: int = 0


@dataclass(frozen=True)
class EmbeddingResult:
    """Embeddings (float32, one row per kept input) and the input positions they cover."""

    embeddings: Any
    kept_indices: list[int] = field(default_factory=list)


@dataclass
class TextEmbedQuery:
    """A text to embed, with the model to use (None: the collection's default)."""

    text: str
    embedding_model_id: Any = None


class SampleEmbeddingRow(NamedTuple):
    """One sample's embedding (a float32 array)."""

    sample_id: int
    embedding: Any


@runtime_checkable
class EmbeddingGenerator(Protocol):
    """What every embedding generator provides: its model's description and text embeddings."""

    def get_embedding_model_input(self, collection_id: Any) -> EmbeddingModelCreate: ...

    def embed_text(self, text: str) -> list[float]: ...


@runtime_checkable
class ImageEmbeddingGenerator(EmbeddingGenerator, Protocol):
    """A generator that also embeds image files (in the same space as its texts)."""

    def embed_images(self, filepaths: list[str], show_progress: bool = True) -> EmbeddingResult: ...


def _session_db(session: Any) -> Any:
    from .resolvers import db_of

    return db_of(session)


class _EmbeddingModelResolver:
    """``embedding_model_resolver``: embedding models as vector types."""

    def get_or_create(self, *, session: Any, embedding_model: EmbeddingModelCreate) -> EmbeddingModelTable:
        """The model with this name and hash, registered if new."""
        from ...db import store

        params = {"model": embedding_model.name, "hash": embedding_model.embedding_model_hash,
                  "dimension": int(embedding_model.embedding_dimension)}
        vector_type = store.add_vector_type(_session_db(session), SOURCE, params)  # found or made
        return EmbeddingModelTable(embedding_model.name, int(embedding_model.embedding_dimension),
                                   embedding_model.parameter_count_in_mb, embedding_model.embedding_model_hash,
                                   embedding_model.collection_id, embedding_model_id=vector_type.id)

    def get_by_id(self, *, session: Any, embedding_model_id: Any) -> EmbeddingModelTable | None:
        """One model, or None."""
        for model in self.get_all_by_collection_id(session=session):
            if model.embedding_model_id == int(embedding_model_id):
                return model
        return None

    def get_all_by_collection_id(self, *, session: Any, collection_id: Any = None) -> list[EmbeddingModelTable]:
        """Every registered model (the project has one image collection)."""
        from ...db import store

        return [EmbeddingModelTable(t.params.get("model", ""), int(t.params.get("dimension", 0)), None,
                                    t.params.get("hash", ""), collection_id, embedding_model_id=t.id)
                for t in store.get_vector_types(_session_db(session), SOURCE)]


embedding_model_resolver = _EmbeddingModelResolver()


class _SampleEmbeddingResolver:
    """``sample_embedding_resolver``: the stored embeddings of samples."""

    def get_all_by_collection_id(self, *, session: Any, collection_id: Any, embedding_model_id: Any,
                                 filters: Any = None) -> list[SampleEmbeddingRow]:
        """The embeddings of the collection's samples (narrowed by a ``SampleFilter``), by sample id."""
        from .resolvers import image_resolver

        samples = image_resolver.get_all_by_collection_id(session=session, collection_id=collection_id,
                                                          filters=filters).samples
        return self._rows(session, samples, embedding_model_id)

    def get_by_sample_ids(self, *, session: Any, sample_ids: Sequence[Any],
                          embedding_model_id: Any) -> list[SampleEmbeddingRow]:
        """The embeddings of ``sample_ids`` that have one, in the order given."""
        from .resolvers import image_resolver

        return self._rows(session, image_resolver.get_many_by_id(session=session, sample_ids=list(sample_ids)),
                          embedding_model_id)

    def get_embedding_count(self, *, session: Any, collection_id: Any, embedding_model_id: Any) -> int:
        """How many of the collection's samples have an embedding of this model."""
        return len(self.get_all_by_collection_id(session=session, collection_id=collection_id,
                                                 embedding_model_id=embedding_model_id))

    @staticmethod
    def _rows(session: Any, samples: Sequence[Any], embedding_model_id: Any) -> list[SampleEmbeddingRow]:
        from ...compute.features import as_vector_data
        from ...db import store

        stored = dict(store.get_vector_bytes(_session_db(session), int(embedding_model_id),
                                             sorted({s.sha1 for s in samples})))
        return [SampleEmbeddingRow(s.sample_id, as_vector_data(stored[s.sha1]).copy())
                for s in samples if s.sha1 in stored]


sample_embedding_resolver = _SampleEmbeddingResolver()


class EmbeddingManager:
    """Registered generators, each collection's default model, and embedding images and texts."""

    def __init__(self) -> None:
        self._models: dict[int, EmbeddingGenerator] = {}
        self._defaults: dict[str, int] = {}
        self._override: EmbeddingGenerator | None = None

    def set_default_embedding_model(self, embedding_generator: EmbeddingGenerator) -> None:
        """Use ``embedding_generator`` for every collection whose default model is not loaded yet."""
        if not isinstance(embedding_generator, ImageEmbeddingGenerator):
            raise TypeError("embedding_generator must implement ImageEmbeddingGenerator "
                            "(lightplug has no videos, so VideoEmbeddingGenerator is out of scope)")
        self._override = embedding_generator

    def register_embedding_model(self, session: Any, collection_id: Any, embedding_generator: EmbeddingGenerator,
                                 set_as_default: bool = False) -> EmbeddingModelTable:
        """Register the generator's model (a vector type); the first one of a collection is its default."""
        model = embedding_model_resolver.get_or_create(
            session=session, embedding_model=embedding_generator.get_embedding_model_input(collection_id=collection_id))
        self._models[model.embedding_model_id] = embedding_generator
        if set_as_default or str(collection_id) not in self._defaults:
            self._defaults[str(collection_id)] = model.embedding_model_id
        return model

    def load_or_get_default_model(self, session: Any, collection_id: Any) -> int | None:
        """The collection's default model (loaded, and the images lacking an embedding embedded,
        on first use); None when no generator is registered."""
        from .resolvers import collection_resolver

        if str(collection_id) in self._defaults:
            return self._defaults[str(collection_id)]
        if collection_resolver.get_by_id(session=session, collection_id=collection_id) is None:
            raise ValueError("Provided collection_id could not be found.")
        generator = self._override or generator_from_env()
        if generator is None:
            return None
        model = self.register_embedding_model(session, collection_id, generator, set_as_default=True)
        self._embed_missing(session, collection_id, model.embedding_model_id)
        return model.embedding_model_id

    def embed_text(self, collection_id: Any, text_query: TextEmbedQuery) -> list[float]:
        """The embedding of ``text_query.text`` by its model (default: the collection's)."""
        return self._model(collection_id, text_query.embedding_model_id).embed_text(text_query.text)

    def embed_images(self, session: Any, collection_id: Any, sample_ids: list[Any],
                     embedding_model_id: Any = None) -> None:
        """Embed the images ``sample_ids`` and store their embeddings."""
        from .resolvers import image_resolver

        model_id = self._model_id(collection_id, embedding_model_id)
        samples = image_resolver.get_many_by_id(session=session, sample_ids=list(sample_ids))
        self._embed(session, samples, model_id)

    def _embed_missing(self, session: Any, collection_id: Any, model_id: int) -> None:
        from .resolvers import image_resolver

        samples = image_resolver.get_all_by_collection_id(session=session, collection_id=collection_id).samples
        have = {r.sample_id for r in sample_embedding_resolver._rows(session, samples, model_id)}
        self._embed(session, [s for s in samples if s.sample_id not in have], model_id)

    def _embed(self, session: Any, samples: Sequence[Any], model_id: int) -> None:
        import numpy as np

        from ...db import store
        from ...db.tx import write

        model = self._models[model_id]
        if not isinstance(model, ImageEmbeddingGenerator):
            raise ValueError("Embedding model not compatible with images.")
        unique = list({s.sha1: s for s in samples}.values())  # one embedding per image content
        for start in range(0, len(unique), EMBED_BATCH):
            batch = unique[start:start + EMBED_BATCH]
            result = model.embed_images(filepaths=[s.file_path_abs for s in batch], show_progress=False)
            rows = np.asarray(result.embeddings, dtype=np.float32)
            db = _session_db(session)
            with write(db):  # a cache: kept whatever happens to the run
                store.put_vector_bytes(db, [(model_id, batch[i].sha1, rows[k].tobytes())
                                            for k, i in enumerate(result.kept_indices)])

    def _model_id(self, collection_id: Any, embedding_model_id: Any) -> int:
        if embedding_model_id is None:
            found = self._defaults.get(str(collection_id))
            if found is None:
                raise ValueError("No embedding_model_id provided and no default embedding model registered.")
            return found
        if int(embedding_model_id) not in self._models:
            raise ValueError(f"No embedding model found with ID {embedding_model_id}")
        return int(embedding_model_id)

    def _model(self, collection_id: Any, embedding_model_id: Any) -> EmbeddingGenerator:
        return self._models[self._model_id(collection_id, embedding_model_id)]


def generator_from_env() -> EmbeddingGenerator | None:
    """The generator named by ``LIGHTPLUG_EMBEDDING_MODEL`` (``module:name``, an object or a class or
    function to call without arguments), or None when the variable is not set."""
    import importlib
    import os

    spec = os.environ.get(MODEL_ENV, "").strip()
    if not spec:
        return None
    module_name, _, attr = spec.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
        for part in filter(None, attr.split(".")):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"{MODEL_ENV}={spec!r}: cannot load it ({exc}); give module:name of an "
                         "ImageEmbeddingGenerator, or of a class or function returning one") from None
    if isinstance(found, type) or (callable(found) and not isinstance(found, ImageEmbeddingGenerator)):
        try:  # a class (a class object passes the protocol check too) or a factory
            found = found()
        except TypeError as exc:
            raise ValueError(f"{MODEL_ENV}={spec!r}: calling it without arguments failed ({exc}); give "
                             "module:name of an ImageEmbeddingGenerator, or of a class or function returning one") from None
    generator = found
    if not isinstance(generator, ImageEmbeddingGenerator):
        raise ValueError(f"{MODEL_ENV}={spec!r} gives {type(generator).__name__}, which is not an "
                         "ImageEmbeddingGenerator (get_embedding_model_input, embed_text, embed_images)")
    return generator


class EmbeddingManagerProvider:
    """Holds the process's ``EmbeddingManager``."""

    _instance: EmbeddingManager | None = None

    @classmethod
    def get_embedding_manager(cls) -> EmbeddingManager:
        """The one ``EmbeddingManager`` of this process."""
        if cls._instance is None:
            cls._instance = EmbeddingManager()
        return cls._instance


def set_default_embedding_model(embedding_generator: EmbeddingGenerator) -> None:
    """Use ``embedding_generator`` as every collection's default embedding model."""
    EmbeddingManagerProvider.get_embedding_manager().set_default_embedding_model(embedding_generator)
