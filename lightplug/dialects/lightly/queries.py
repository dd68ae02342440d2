"""Filters turned into SQL over the project database (samples are instances)."""

from __future__ import annotations

from typing import Any

from .filters import AnnotationsFilter, ImageFilter, SampleFilter, UnsupportedFilter, check_supported

_TAGGED = ("(exists (select 1 from instance_values iv, json_each(iv.value) j "
           "where iv.instance_id = instances.id and j.value = ?) or exists (select 1 from image_values gv, "
           "json_each(gv.value) j where gv.sha1 = instances.sha1 and j.value = ?))")


def _marks(values: list[Any]) -> str:
    return ", ".join("?" for _ in values)


def annotation_where(flt: AnnotationsFilter | None, alias: str = "a") -> tuple[list[str], list[Any]]:
    """SQL conditions (on annotations ``alias``) and their arguments for ``flt``."""
    where: list[str] = []
    args: list[Any] = []
    if flt is None:
        return where, args
    check_supported(flt)
    for attr, column, convert in (("annotation_types", "type", lambda v: getattr(v, "value", v)),
                                  ("collection_ids", "collection_id", str),
                                  ("annotation_label_ids", "label_id", int), ("sample_ids", "id", int)):
        values = getattr(flt, attr)
        if values:
            where.append(f"{alias}.{column} in ({_marks(values)})")
            args += [convert(v) for v in values]
    return where, args


def sample_where(flt: Any) -> tuple[list[str], list[Any]]:
    """SQL conditions on ``instances`` for a ``SampleFilter`` or ``ImageFilter`` (None: none)."""
    where: list[str] = []
    args: list[Any] = []
    if flt is None:
        return where, args
    if not isinstance(flt, (SampleFilter, ImageFilter)):
        raise UnsupportedFilter(f"expected an ImageFilter or SampleFilter, got {type(flt).__name__}")
    check_supported(flt)
    if isinstance(flt, ImageFilter):
        for column, dims in (("width", flt.width), ("height", flt.height)):
            if dims is not None and dims.min is not None:
                where.append(f"instances.{column} >= ?")
                args.append(dims.min)
            if dims is not None and dims.max is not None:
                where.append(f"instances.{column} <= ?")
                args.append(dims.max)
        inner, inner_args = sample_where(flt.sample_filter)
        return where + inner, args + inner_args
    if flt.sample_ids:
        where.append(f"instances.id in ({_marks(flt.sample_ids)})")
        args += [int(i) for i in flt.sample_ids]
    for tag in flt.tag_ids or []:
        where.append(_TAGGED)
        args += [int(tag), int(tag)]
    if flt.has_captions is not None:
        where.append(("" if flt.has_captions else "not ")
                     + "exists (select 1 from captions c where c.sample_id = instances.id)")
    if flt.annotations_filter is not None:
        cond, cond_args = annotation_where(flt.annotations_filter)
        where.append("exists (select 1 from annotations a where a.sample_id = instances.id"
                     + "".join(" and " + c for c in cond) + ")")
        args += cond_args
    return where, args


def instance_rows(db: Any, flt: Any, pagination: Any = None) -> list[dict[str, Any]]:
    """The instance rows ``flt`` selects, by id; ``pagination`` (offset/limit) applied."""
    where, args = sample_where(flt)
    sql = "select * from instances" + (" where " + " and ".join(where) if where else "") + " order by id"
    if pagination is not None:
        sql += " limit ? offset ?"
        args += [int(pagination.limit), int(pagination.offset)]
    return list(db.query(sql, args))
