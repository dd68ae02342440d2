"""Per-image features: functions the host runs on pixels it decoded once, for every plugin.

A plugin describes what it computes from an image with an ``ImageFeature`` and registers it
when it is created::

    from lightplug.compute import ImageFeature, register_feature

    class HuePlugin(APlugin):
        def __init__(self, project, plugin_path, name):
            super().__init__(name=name, project=project, plugin_path=plugin_path)
            self.hue = register_feature(self, ImageFeature(
                name="dominant_hue", function=hues_of_images,       # a top-level function
                params={"model": "dominant_hue", "version": 2},     # its vector type
                size=128, when=lambda: self.params.compute_on_import))

* **At import** the host decodes each new image once, at the smallest size that every
  active feature accepts (``size``: both sides at least that many pixels; JPEGs use draft
  mode; ``size=None`` means full resolution), calls every feature's ``function`` on the same
  ``DecodedImage`` objects, chunk by chunk in the worker processes, and stores the results
  as vectors of the feature's vector type (source: the plugin) in the write that records
  the images. ``when`` (called in the main process) turns a feature off for an import.
* **Later**, ``map_feature(plugin, feature, instances)`` returns the stored vectors and
  computes (and stores) only the missing ones, with the same decoder: use it in actions.

The function's contract: ``function(images: list[DecodedImage], *args) -> list`` with one
entry per image, a 1-D array-like of ``dtype`` or None when the image gives no value. It
must be picklable (a module-level function) and should import numpy/Pillow inside itself
or in a module the plugin loads lazily. Values are stored as raw bytes of ``dtype``
(``float32``, ``uint32``, ``int32``, ``uint64``, ``int64`` or ``float64``), so a 64-bit hash
takes 8 bytes. An image that gives no value is remembered as an empty vector and not tried
again (``force=True`` retries).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from .cached_map import MapResult
from .chunks import iter_chunks

from ..imaging import SQUARE, DecodedImage  # light: Pillow and numpy load inside its functions

if TYPE_CHECKING:
    from ..models import Instance, Vector, VectorType

DTYPES = ("float32", "uint32", "int32", "uint64", "int64", "float64")
_ATTR = "_lightplug_features"
#: images per chunk handed to feature functions (they may vectorise over a chunk)
FEATURE_CHUNK = 32


@dataclass(eq=False)
class ImageFeature:
    """Something a plugin computes from the pixels of each image (see the module docstring).

    ``name`` is unique within the plugin; ``params`` identify its vector type (put a version
    in it and bump it when the values change); ``size`` is the smallest side, in pixels, the
    function needs (None: full resolution); ``args`` are passed after the images; ``when``
    says whether the host computes it at import (default: always).
    """

    name: str
    function: Callable[..., Sequence[Any]]
    params: dict
    size: int | None = 64
    args: tuple = ()
    dtype: str = "float32"
    when: Callable[[], bool] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"ImageFeature {self.name!r}: dtype must be one of {', '.join(DTYPES)}")
        if self.size is not None and self.size < 1:
            raise ValueError(f"ImageFeature {self.name!r}: size must be at least 1 or None")

    def spec(self) -> FeatureSpec:
        """What a worker process needs to compute it (picklable)."""
        return FeatureSpec(self.name, self.function, tuple(self.args), self.size, self.dtype)

    def active(self) -> bool:
        """Whether the host computes it at import now (``when``; a raising ``when`` says no)."""
        if self.when is None:
            return True
        try:
            return bool(self.when())
        except Exception as exc:  # noqa: BLE001 - a broken switch must not break the import
            print(f"lightplug: feature {self.name!r}: its 'when' raised {exc!r}; not computed",
                  file=sys.stderr)
            return False


class FeatureSpec(NamedTuple):
    """The picklable part of an ``ImageFeature``."""

    name: str
    function: Callable[..., Sequence[Any]]
    args: tuple
    size: int | None
    dtype: str


def register_feature(plugin: Any, feature: ImageFeature) -> ImageFeature:
    """Register ``feature`` for ``plugin`` (replacing one of the same name); returns it."""
    if not isinstance(feature, ImageFeature):
        raise TypeError(f"register_feature: expected an ImageFeature, got {type(feature).__name__}")
    registered = vars(plugin).setdefault(_ATTR, {})
    registered[feature.name] = feature
    return feature


def features_of(plugin: Any) -> list[ImageFeature]:
    """The features ``plugin`` registered."""
    return list(vars(plugin).get(_ATTR, {}).values()) if hasattr(plugin, "__dict__") else []


def import_features(plugins: Mapping[str, Any]) -> list[tuple[str, ImageFeature]]:
    """``(plugin name, feature)`` of every feature the host computes at import now."""
    return [(name, f) for name, plugin in plugins.items() for f in features_of(plugin) if f.active()]


def decode_size(specs: Sequence[FeatureSpec]) -> int | None:
    """The decode size that serves every spec: the largest ``size``, None if one needs full resolution."""
    sizes = [s.size for s in specs]
    if not sizes:
        return SQUARE
    if any(s is None for s in sizes):
        return None
    return max(s for s in sizes if s is not None)


def params_key(params: Mapping) -> str:
    """``params`` as canonical JSON, to compare with stored vector types."""
    return json.dumps(params, sort_keys=True, default=str)


# ------------------------------------------------------------------------------ worker side


def run_features(images: Sequence[DecodedImage | None], specs: Sequence[FeatureSpec]
                 ) -> tuple[list[dict[str, bytes | None]], dict[str, str]]:
    """Every spec on the decoded ``images`` (None: not decodable); per image ``{name: bytes or None}``.

    ``bytes`` are the raw value in the spec's dtype (b"" when the function gave None). A
    feature whose function raises gives no entry for any image of the chunk (it is computed
    again later) and its error is returned in the second dict.
    """
    import numpy as np

    out: list[dict[str, bytes | None]] = [{} for _ in images]
    errors: dict[str, str] = {}
    rows = [k for k, im in enumerate(images) if im is not None]
    decoded = [images[k] for k in rows]
    if not decoded:
        return out, errors
    for spec in specs:
        try:
            values = list(spec.function(decoded, *spec.args))
            if len(values) != len(decoded):
                raise ValueError(f"returned {len(values)} value(s) for {len(decoded)} image(s)")
            encoded = [b"" if v is None else np.ascontiguousarray(v, dtype=spec.dtype).reshape(-1).tobytes()
                       for v in values]
        except Exception as exc:  # noqa: BLE001 - reported; the plugin computes it again later
            errors[spec.name] = f"{type(exc).__name__}: {exc}"
            continue
        for k, data in zip(rows, encoded):
            out[k][spec.name] = data
    return out, errors


def feature_files(paths: Sequence[str], spec: FeatureSpec) -> list[tuple[bytes | None, str | None]]:
    """Worker of ``map_feature``: decode each file once and compute one feature; ``(bytes, error)``."""
    from ..imaging import decode_image

    images: list[DecodedImage | None] = []
    problems: list[str | None] = []
    for path in paths:
        try:
            images.append(decode_image(path, spec.size))
            problems.append(None)
        except Exception as exc:  # noqa: BLE001 - any decoder failure means "no value"
            images.append(None)
            problems.append(f"{type(exc).__name__}: {exc}")
    values, errors = run_features(images, [spec])
    if spec.name in errors:
        raise RuntimeError(f"feature {spec.name!r}: {errors[spec.name]}")
    out: list[tuple[bytes | None, str | None]] = []
    for value, problem in zip(values, problems):
        data = value.get(spec.name)
        if problem is not None or not data:
            out.append((None, problem or "gave no value"))
        else:
            out.append((data, None))
    return out


# ------------------------------------------------------------------------------ plugin side


class FeatureProject(Protocol):
    """What ``map_feature`` needs of a plugin's project (a ``PluginProjectInterface`` is one)."""

    async def get_vector_types(self, source: str | None = None) -> list[VectorType]: ...

    async def add_vector_type(self, vector_type: VectorType) -> VectorType: ...

    def create_vector_type(self, params: dict) -> VectorType: ...

    async def get_vectors(self, type_id: int, sha1s: Sequence[str] | None = None) -> list[Vector]: ...

    async def add_vectors(self, vectors: Sequence[Vector]) -> None: ...


async def feature_type(plugin: Any, feature: ImageFeature) -> VectorType:
    """The vector type holding ``feature`` for ``plugin`` (created on first use)."""
    project: FeatureProject = plugin.project
    key = params_key(feature.params)
    for vt in await project.get_vector_types(plugin.name):
        if params_key(vt.params) == key:
            return vt
    return await project.add_vector_type(project.create_vector_type(dict(feature.params)))


def as_vector_data(data: bytes) -> Any:
    """Raw feature bytes as the float32 array a ``Vector`` holds (the same bytes)."""
    import numpy as np

    return np.frombuffer(data, dtype=np.float32)


async def _stored(project: Any, type_id: int, sha1s: list[str]) -> list[tuple[str, bytes]]:
    """``(sha1, raw bytes)`` of stored vectors: in bulk when the project offers
    ``get_vector_bytes(type_id, sha1s)``, else through ``get_vectors``."""
    bulk = getattr(project, "get_vector_bytes", None)
    if bulk is not None:
        return list(await bulk(type_id, sha1s))
    import numpy as np

    return [(v.sha1, np.asarray(v.data, dtype=np.float32).tobytes()) for v in await project.get_vectors(type_id, sha1s)]


async def map_feature(plugin: Any, feature: ImageFeature, instances: Sequence[Instance], *,
                      force: bool = False, progress: str | None = None,
                      executor: str | None = None, batch_size: int | None = None,
                      remember_failures: bool = True) -> MapResult:
    """``feature`` of the distinct images of ``instances``: stored values, the missing ones computed.

    ``result.vectors[sha1]`` is a 1-D array of ``feature.dtype``. Images computed at import
    are read, not decoded; the others are decoded once each (in chunks on the executor, as
    ``map_images``) and stored as each chunk finishes. Images that give no value are in
    ``result.failed`` (by url) and, with ``remember_failures``, remembered as empty vectors
    and not tried again; ``force`` computes everything again.
    """
    import numpy as np

    from ..models import Vector

    project: FeatureProject = plugin.project
    type_id = (await feature_type(plugin, feature)).id
    urls: dict[str, str] = {}
    for inst in instances:
        urls.setdefault(inst.sha1, inst.url)
    result = MapResult()
    if not force and urls:
        for sha1, data in await _stored(project, type_id, list(urls)):
            if sha1 not in urls:
                continue
            if not data:
                result.failed[urls[sha1]] = "could not be read (remembered; use force to try again)"
            else:
                result.vectors[sha1] = np.frombuffer(data, dtype=feature.dtype)
            result.cached += 1
    todo = [s for s in urls if s not in result.vectors and urls[s] not in result.failed]
    if not todo:
        return result
    chunks = iter_chunks(feature_files, [urls[s] for s in todo], extra_args=(feature.spec(),),
                         batch_size=batch_size or FEATURE_CHUNK, progress=progress, executor=executor)
    async with aclosing(chunks):
        async for start, _, outputs in chunks:
            rows = []
            for sha1, (data, error) in zip(todo[start:start + len(outputs)], outputs):
                if data is None:
                    result.failed[urls[sha1]] = str(error)
                    if remember_failures:
                        rows.append(Vector(type_id, sha1, as_vector_data(b"")))
                else:
                    result.vectors[sha1] = np.frombuffer(data, dtype=feature.dtype)
                    result.computed += 1
                    rows.append(Vector(type_id, sha1, as_vector_data(data)))
            if rows:
                await project.add_vectors(rows)
    return result
