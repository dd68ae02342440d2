"""``PluginProjectInterface``: the async API a Panoptic-style plugin uses to reach its project."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from ...db import commits, store
from ...db.tx import write
from ...db import rows, runs
from ...models import (
    DbCommit, DeleteFolderConfirm, Folder, ImageInfo, ImageProperty, ImagePropertyKey, Instance, InstanceProperty,
    InstancePropertyKey, Map, Property, PropertyGroup, PropertyMode, PropertyType, Tag, Vector, VectorType,
)
from ...parallel import in_process, in_thread

if TYPE_CHECKING:
    from .aplugin import APlugin
    from ...project import Project
    from .tasks import Task


class PluginProjectInterface:
    """Reads, commits, vectors, tasks and events of one project, on behalf of one plugin."""

    def __init__(self, project: Project, plugin: APlugin | None = None) -> None:
        self._project = project
        self._plugin = plugin

    @property
    def _source(self) -> str:
        return self._plugin.name if self._plugin else "script"

    @property
    def base_path(self) -> str:
        """The project's root directory."""
        return str(self._project.root)

    # -- reading --------------------------------------------------------------------------
    async def get_instances(self, ids: Sequence[int] | None = None,
                            sha1s: Sequence[str] | None = None) -> list[Instance]:
        """Instances by id or sha1 (either matches); all instances with no filter."""
        return store.get_instances(self._project.conn, ids, sha1s)

    async def get_images(self, sha1s: Sequence[str] | None = None) -> list[ImageInfo]:
        """What is known of image contents: size, format, mode, ahash, file size (lightplug)."""
        return store.get_images(self._project.db, sha1s)

    async def get_folders(self) -> list[Folder]:
        """Every folder of the project."""
        return store.get_folders(self._project.db)

    async def get_properties(self, ids: Sequence[int] | None = None, computed: bool = False) -> list[Property]:
        """Properties by id (all with no filter). ``computed`` is accepted for compatibility."""
        return store.select_where_in(self._project.db, "properties", "id", ids, rows.property_, "order by id")

    async def get_property_groups(self) -> list[PropertyGroup]:
        """Every property group."""
        return [rows.property_group(r) for r in self._project.db.query("select * from property_groups")]

    async def get_tags(self, ids: Sequence[int] | None = None,
                       property_ids: Sequence[int] | None = None) -> list[Tag]:
        """Tags by id or property (either matches); all tags with no filter."""
        return self._either("tags", ("id", ids), ("property_id", property_ids), rows.tag)

    async def get_instance_property_values(self, property_ids: Sequence[int] | None = None,
                                           instance_ids: Sequence[int] | None = None) -> list[InstanceProperty]:
        """Instance values by property or instance (either matches)."""
        return self._either("instance_values", ("property_id", property_ids),
                            ("instance_id", instance_ids), rows.instance_value)

    async def get_image_property_values(self, property_ids: Sequence[int] | None = None,
                                        sha1s: Sequence[str] | None = None) -> list[ImageProperty]:
        """Image values by property or sha1 (either matches)."""
        return self._either("image_values", ("property_id", property_ids), ("sha1", sha1s), rows.image_value)

    def _either(self, table: str, first: tuple, second: tuple, convert: Callable) -> list:
        db = self._project.db
        if first[1] is None and second[1] is None:
            return store.select_where_in(db, table, first[0], None, convert)
        seen: dict[str, Any] = {}
        for column, values in (first, second):
            if values is not None:
                for obj in store.select_where_in(db, table, column, values, convert):
                    seen[repr(vars(obj))] = obj
        return list(seen.values())

    async def get_instance_property_values_from_keys(
            self, keys: Sequence[InstancePropertyKey | InstanceProperty]) -> list[InstanceProperty]:
        """The instance values stored for ``keys`` (property id and instance id each)."""
        wanted = {(k.property_id, k.instance_id) for k in keys}
        found = await self.get_instance_property_values(property_ids=sorted({p for p, _ in wanted}))
        return [v for v in found if (v.property_id, v.instance_id) in wanted]

    async def get_image_property_values_from_keys(
            self, keys: Sequence[ImagePropertyKey | ImageProperty]) -> list[ImageProperty]:
        """The image values stored for ``keys`` (property id and sha1 each)."""
        wanted = {(k.property_id, k.sha1) for k in keys}
        found = await self.get_image_property_values(property_ids=sorted({p for p, _ in wanted}))
        return [v for v in found if (v.property_id, v.sha1) in wanted]

    def get_project(self) -> Project:
        """The project itself (lightplug's ``Project``)."""
        return self._project

    async def get_vectors(self, type_id: int, sha1s: Sequence[str] | None = None) -> list[Vector]:
        """Vectors of one type (optionally only for ``sha1s``); ``data`` is 1-D float32."""
        return store.get_vectors(self._project.db, type_id, sha1s)

    async def get_vector_bytes(self, type_id: int, sha1s: Sequence[str] | None = None) -> list[tuple[str, bytes]]:
        """``(sha1, raw bytes)`` of the stored vectors of ``type_id`` (of ``sha1s``, or all), in bulk."""
        return store.get_vector_bytes(self._project.conn, type_id, sha1s)

    async def vector_exist(self, type_id: int, sha1: str) -> bool:
        """Whether a vector of ``type_id`` is stored for ``sha1``."""
        return store.vector_exist(self._project.db, type_id, sha1)

    async def get_vector_types(self, source: str | None = None) -> list[VectorType]:
        """Vector types, optionally only those of plugin ``source``."""
        return store.get_vector_types(self._project.conn, source)

    async def get_runs(self, limit: int | None = None) -> list[dict]:
        """Recorded runs, newest first (lightplug): operator, parameters, selection, status, result."""
        return runs.get_runs(self._project.db, limit)

    async def get_run(self, run_id: int) -> dict | None:
        """One recorded run (its ``result`` holds the JSON of ``lightplug run --json``), or None."""
        return runs.get_run(self._project.db, run_id)

    # -- creating objects with temporary ids -----------------------------------------------
    def create_instance(self, folder_id: int, name: str, extension: str, sha1: str, url: str,
                        width: int, height: int, ahash: str) -> Instance:
        """A new instance with a negative id, to be written by a commit."""
        return Instance(self._project.next_temp_id(), folder_id, name, extension, sha1, url, width, height, ahash)

    def create_property(self, name: str, type_: PropertyType | str,
                        mode: PropertyMode | str = PropertyMode.id) -> Property:
        """A new property with a negative id."""
        return Property(self._project.next_temp_id(), name, PropertyType(type_), PropertyMode(mode))

    async def get_or_create_property(self, property_name: str, property_type: PropertyType | str | None = None,
                                     property_mode: PropertyMode | str | None = None) -> Property:
        """The property named ``property_name`` (of that type and mode, when given), or a new one
        with a negative id to write with a commit; ``ValueError`` if none exists and type or mode is missing."""
        want_type = PropertyType(property_type) if property_type is not None else None
        want_mode = PropertyMode(property_mode) if property_mode is not None else None
        for prop in await self.get_properties():
            if prop.name == property_name and want_type in (None, prop.type) and want_mode in (None, prop.mode):
                return prop
        if want_type is None or want_mode is None:
            raise ValueError(f"no property named {property_name!r} exists, and no property_type and "
                             "property_mode were given to create one")
        return self.create_property(property_name, want_type, want_mode)

    def create_property_group(self, name: str) -> PropertyGroup:
        """A new property group with a negative id."""
        return PropertyGroup(self._project.next_temp_id(), name)

    def create_tag(self, property_id: int, value: str, parent_ids: list[int] | None = None,
                   color: int = -1) -> Tag:
        """A new tag with a negative id."""
        return Tag(self._project.next_temp_id(), property_id, value, list(parent_ids or []), color)

    def create_vector_type(self, params: dict) -> VectorType:
        """A new vector type of this plugin, to be written with ``add_vector_type``."""
        return VectorType(self._project.next_temp_id(), self._source, dict(params))

    # -- writing --------------------------------------------------------------------------
    async def apply_commit(self, commit: DbCommit) -> DbCommit:
        """Write ``commit`` (not undoable); new objects get their real ids.

        During a run the inverse is kept, so the write is reverted if the run raises.
        """
        db, run_id = self._project.db, self._project.current_run_id
        with write(db):
            inverse = commits.apply_commit(db, commit)
            if run_id is not None:
                commits.record(db, commit, inverse, self._source, run_id=run_id, state="applied")
        return commit

    async def do(self, commit: DbCommit) -> DbCommit:
        """Write ``commit`` and record its inverse, so ``lightplug undo`` can revert it."""
        db = self._project.db
        with write(db):
            inverse = commits.apply_commit(db, commit)
            commits.record(db, commit, inverse, self._source, run_id=self._project.current_run_id)
        return commit

    async def undo(self) -> bool:
        """Revert the latest commit; False when there is nothing to undo."""
        return commits.undo(self._project.db) is not None

    async def redo(self) -> bool:
        """Re-apply the latest undone commit; False when there is none."""
        return commits.redo(self._project.db) is not None

    async def add_vector_type(self, vec: VectorType) -> VectorType:
        """Store a vector type and return it with its real id."""
        stored = store.add_vector_type(self._project.conn, vec.source or self._source, vec.params)
        vec.id = stored.id
        for plugin in self._plugins_of(stored.source):
            await plugin.load_vector_types()
        return stored

    def _plugins_of(self, source: str) -> list[APlugin]:
        from .aplugin import APlugin

        found = [p for p in getattr(self._project, "plugins", {}).values() if isinstance(p, APlugin)]
        if self._plugin is not None and self._plugin not in found:
            found.append(self._plugin)
        return [p for p in found if p.name == source]

    # -- maps -----------------------------------------------------------------------------
    async def create_map(self, name: str, key: str, data: list) -> Map:
        """A new map of this plugin with a negative id; ``data`` is ``[key, x, y, ...]`` and
        ``key`` says what the keys are (``"sha1"`` or ``"id"``). Store it with ``add_map``."""
        return Map(id=self._project.next_temp_id(), source=self._source, name=name, key=key,
                   count=len(data) // 3, data=list(data))

    async def add_map(self, point_map: Map) -> Map:
        """Store ``point_map``; it is returned with its real id (deleted again if the run fails)."""
        from ...db import maps

        if point_map.data is not None and len(point_map.data) % 3:
            raise ValueError(f"map data must be [key, x, y, ...]: {len(point_map.data)} items is not a multiple of 3")
        return maps.add_map(self._project.db, point_map, run_id=self._project.current_run_id)

    async def get_map(self, map_id: int) -> Map | None:
        """The map with its points, or None."""
        from ...db import maps

        return maps.get_map(self._project.db, map_id)

    async def list_maps(self) -> list[Map]:
        """Every map, without its points (``data`` is None)."""
        from ...db import maps

        return maps.list_maps(self._project.db)

    async def delete_map(self, map_id: int) -> None:
        """Delete a map (nothing happens if there is none with that id)."""
        from ...db import maps

        maps.delete_map(self._project.db, map_id)

    async def add_vector(self, vector: Vector) -> Vector:
        """Store one vector (replacing an older one of the same type and sha1)."""
        await self.add_vectors([vector])
        return vector

    async def add_vectors(self, vectors: Sequence[Vector]) -> None:
        """Store many vectors in one short write (kept even if the run fails later)."""
        store.add_vectors(self._project.db, vectors)

    # -- work -----------------------------------------------------------------------------
    async def run_async(self, function: Callable, *args: Any, **kwargs: Any) -> Any:
        """Run blocking ``function(*args, **kwargs)`` in a worker thread."""
        import functools

        return await in_thread(functools.partial(function, *args, **kwargs))

    async def run_in_process(self, function: Callable, *args: Any) -> Any:
        """Run CPU-heavy, picklable ``function(*args)`` in the shared process pool (all cores)."""
        return await in_process(function, *args)

    def add_task(self, task: Task) -> None:
        """Queue a background task; it runs, with a progress bar, before the command ends."""
        from .tasks import Task

        from .tasks import TaskProject

        if not isinstance(task, Task):
            raise TypeError(f"add_task() takes a Task, not {type(task).__name__}")
        if getattr(task, "_project", None) is None:
            task.set_project(TaskProject(self._project))
        self._project.tasks.add(task)

    # -- events ---------------------------------------------------------------------------
    def on_instance_import(self, callback: Callable[[Instance], Awaitable[None]]) -> None:
        """Call ``callback(instance)`` for every newly imported instance."""
        self._project.events.instance_import.append(callback)

    def on_instances_import(self, callback: Callable[[list[Instance]], Awaitable[None]]) -> None:
        """Call ``callback(instances)`` once per import with all new instances (lightplug)."""
        self._project.events.instances_import.append(callback)

    def on_folder_delete(self, callback: Callable[[DeleteFolderConfirm], Awaitable[None]]) -> None:
        """Call ``callback(confirm)`` when a folder and its instances are removed (``callback()``
        if it takes no argument: Panoptic's own listeners may ignore the event)."""
        self._project.events.folder_delete.append(_ignoring_event(callback))


def _ignoring_event(callback: Callable) -> Callable:
    """``callback`` itself, or a wrapper dropping the event when ``callback`` takes no argument."""
    import functools
    import inspect

    try:
        takes_none = not inspect.signature(callback).parameters
    except (TypeError, ValueError):
        return callback
    if not takes_none:
        return callback

    @functools.wraps(callback)
    async def call(_event: Any) -> Any:
        result = callback()
        return await result if inspect.isawaitable(result) else result

    return call
