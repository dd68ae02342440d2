"""LightlyStudio's high-level script API: ``ImageDataset``, its samples, ``start_gui``, and an
offline ``download_example_dataset``. A registration script runs with ``import lightly_studio as ls``
changed to ``import lightplug as ls``; ``ls.start_gui()`` hands over to the command line."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

EXAMPLE_FOLDER = "coco_subset_128_images/images"


def download_example_dataset(download_dir: str | os.PathLike = "dataset_examples",
                             force_redownload: bool = False) -> str:
    """Offline stand-in: writes generated photos to ``<download_dir>/coco_subset_128_images/images``
    (LightlyStudio's folder layout) unless present, says so on stderr, returns ``download_dir``."""
    from ...sample import make_sample

    target = Path(download_dir).expanduser().resolve()
    images = target / EXAMPLE_FOLDER
    if force_redownload or not images.is_dir():
        make_sample(images, count=16)
        print(f"lightplug: no download (offline): generated example photos in {images}", file=sys.stderr)
    return str(target)


def start_gui(args: list[str] | None = None) -> None:
    """Hand over to the ``lightplug`` command line (``python main.py run OP ...``)."""
    import lightplug

    lightplug.start_cli(args)


class ImageSample:
    """One image of an ``ImageDataset``: file, size, tags, metadata, captions, annotations."""

    def __init__(self, dataset: ImageDataset | None = None, sample: Any = None, *, inner: Any = None) -> None:
        """``ImageSample(dataset, sample)``, or ``ImageSample(inner=row)`` around a resolver's row
        (LightlyStudio's form; its tags, metadata and captions are then read from the current project)."""
        sample = sample if inner is None else inner
        if sample is None:
            raise TypeError("ImageSample needs a sample: ImageSample(inner=row) or ImageSample(dataset, row)")
        self._dataset_given, self._sample = dataset, sample
        self.sample_id: int = sample.sample_id
        self.file_name: str = sample.file_name
        self.file_path_abs: str = sample.file_path_abs
        self.width: int = sample.width
        self.height: int = sample.height

    def __repr__(self) -> str:
        return f"ImageSample(sample_id={self.sample_id}, file_name={self.file_name!r})"

    @property
    def _dataset(self) -> ImageDataset:
        if self._dataset_given is None:
            self._dataset_given = ImageDataset.load()
        return self._dataset_given

    @property
    def inner(self) -> Any:
        """The resolver row this sample wraps."""
        return self._sample

    @property
    def tags(self) -> set[str]:
        """The names of this sample's tags."""
        from .more_resolvers import tag_resolver

        with self._dataset.session() as s:
            return {t.name for t in tag_resolver.get_tags_by_sample(session=s, sample_id=self.sample_id)}

    @tags.setter
    def tags(self, names: Iterable[str]) -> None:
        wanted = set(names)
        have = self.tags
        for name in have - wanted:
            self.remove_tag(name)
        for name in wanted - have:
            self.add_tag(name)

    def add_tag(self, name: str) -> None:
        """Tag this sample (the tag is created if needed)."""
        from .more_resolvers import tag_resolver

        with self._dataset.session() as s:
            tag = tag_resolver.get_or_create_sample_tag_by_name(session=s, tag_name=name)
            tag_resolver.add_sample_ids_to_tag_id(session=s, tag_id=tag.tag_id, sample_ids=[self.sample_id])

    def remove_tag(self, name: str) -> None:
        """Untag this sample (nothing happens if it lacks the tag)."""
        from .more_resolvers import tag_resolver

        with self._dataset.session() as s:
            tag = tag_resolver.get_by_name(session=s, tag_name=name)
            if tag is not None:
                tag_resolver.remove_sample_ids_from_tag_id(session=s, tag_id=tag.tag_id, sample_ids=[self.sample_id])

    @property
    def metadata(self) -> SampleMetadata:
        """Dict-like metadata of this sample (``sample.metadata["key"] = value``)."""
        return SampleMetadata(self)

    @property
    def captions(self) -> list[str]:
        """The texts of this sample's captions, oldest first."""
        from .more_resolvers import caption_resolver

        with self._dataset.session() as s:
            return [c.text for c in caption_resolver.get_all_by_parent_sample_ids(
                session=s, parent_sample_ids=[self.sample_id])]

    def add_caption(self, text: str) -> None:
        """Add a caption."""
        from .more_resolvers import caption_resolver
        from .records import CaptionCreate

        with self._dataset.session() as s:
            caption_resolver.create_many(session=s, captions=[CaptionCreate(self.sample_id, text)])

    @property
    def annotations(self) -> list[Any]:
        """This sample's annotations."""
        from .resolvers import annotation_resolver

        with self._dataset.session() as s:
            return annotation_resolver.get_all_by_parent_sample_ids(session=s, parent_sample_ids=[self.sample_id])


class SampleMetadata:
    """``sample.metadata``: get and set values by key."""

    def __init__(self, sample: ImageSample) -> None:
        self._sample = sample

    def __getitem__(self, key: str) -> Any:
        from .more_resolvers import metadata_resolver

        with self._sample._dataset.session() as s:
            return metadata_resolver.get_value_for_sample(session=s, sample_id=self._sample.sample_id, key=key)

    def __setitem__(self, key: str, value: Any) -> None:
        from .more_resolvers import metadata_resolver

        with self._sample._dataset.session() as s:
            metadata_resolver.set_value_for_sample(session=s, sample_id=self._sample.sample_id, key=key, value=value)

    def get(self, key: str, default: Any = None) -> Any:
        value = self[key]
        return default if value is None else value

    def update(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            self[key] = value

    def items(self) -> list[tuple[str, Any]]:
        from .more_resolvers import metadata_resolver

        with self._sample._dataset.session() as s:
            return list(metadata_resolver.get_by_sample_id(session=s, sample_id=self._sample.sample_id).items())


class ImageDataset:
    """The project's images as LightlyStudio's ``ImageDataset``. The project is the one found like
    the command line finds it (``LIGHTPLUG_PROJECT``, the working directory or a parent); ``create``
    makes one in the working directory when there is none. ``name`` is accepted and not used."""

    def __init__(self, root: Path, name: str | None = None) -> None:
        self.root = root
        self.name = name or "default"

    @classmethod
    def create(cls, name: str | None = None) -> ImageDataset:
        """The current project, created in the working directory if there is none."""
        from ...api import init_project
        from ...project import ProjectNotFound, resolve_root

        try:
            return cls(resolve_root(None), name)
        except ProjectNotFound:
            return cls(init_project(Path.cwd()), name)

    @classmethod
    def load(cls, name: str | None = None) -> ImageDataset:
        """The current project; ``ProjectNotFound`` if there is none."""
        from ...project import resolve_root

        return cls(resolve_root(None), name)

    load_or_create = create

    @contextlib.contextmanager
    def session(self) -> Iterator[Any]:
        """A ``Session`` of the project, open for the ``with`` block."""
        from ...api import open_project
        from .session import Session

        with open_project(self.root, plugins=False) as project:
            yield Session(project)

    def add_images_from_path(self, path: str | os.PathLike, allowed_extensions: Iterable[str] | None = None,
                             embed: bool = True, tag_depth: int = 0, limit: int | None = None) -> None:
        """Import the images under ``path`` in place (``embed`` is ignored; ``tag_depth``, ``limit``
        and ``allowed_extensions`` other than the defaults raise ``UnsupportedFilter``)."""
        from ...api import import_paths, open_project
        from .filters import UnsupportedFilter

        if tag_depth or limit is not None or allowed_extensions is not None:
            raise UnsupportedFilter("add_images_from_path: tag_depth, limit and allowed_extensions are "
                                    "not supported by lightplug")
        with open_project(self.root) as project:
            summary = import_paths(project, [path])
        print(f"lightplug: imported {len(summary.instances)} new image(s) from {path}", file=sys.stderr)

    def __iter__(self) -> Iterator[ImageSample]:
        from .resolvers import image_resolver

        with self.session() as s:
            samples = image_resolver.get_all_by_collection_id(session=s).samples
        return iter([ImageSample(self, x) for x in samples])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def get_sample(self, sample_id: Any) -> ImageSample:
        """One sample by id; ``IndexError`` if there is none."""
        for sample in self:
            if sample.sample_id == int(sample_id):
                return sample
        raise IndexError(f"no sample with id {sample_id}")
