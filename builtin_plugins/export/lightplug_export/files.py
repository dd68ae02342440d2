"""Writing an export: nothing half-written (a temporary file renamed into place), CSV and JSON."""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

LIST_SEPARATOR = "|"  # how a list (e.g. several tags) is written in one CSV cell


class ExportError(Exception):
    """An export or import that cannot be done; the message tells the user what to change."""


def check_output(output: Path, project_dir: Path | None = None) -> Path:
    """``output`` as an absolute path, or ``ExportError`` when it cannot be a file we write: a
    folder, a missing folder, or anything inside the project's ``project_dir`` (``.lightplug/``,
    where the live database is), through links too."""
    path = Path(output).expanduser().absolute()
    if project_dir is not None:
        inside = Path(project_dir).resolve()
        if path.resolve() == inside or inside in path.resolve().parents:
            raise ExportError(f"{path} is inside the project's {inside.name} folder (its database and "
                              "plugin data); write the export somewhere else")
    if path.is_dir():
        raise ExportError(f"{path} is a directory; give a file name, e.g. {path / 'export.csv'}")
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: directory {path.parent} does not exist")
    return path


def _mode_for(path: Path) -> int:
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, write: Callable[[IO[str]], None]) -> None:
    """Call ``write(handle)`` on a temporary file next to ``path``, then rename it to ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        # a file name that is not valid UTF-8 is written as its own bytes (CSV) or escaped (JSON)
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cell(value: Any) -> Any:
    """A value as one CSV cell: lists joined with ``|``, None empty, dicts as JSON."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join("" if v is None else str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def csv_writer(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Callable[[IO[str]], None]:
    """A ``write`` function for ``write_atomic`` producing a CSV with a header row."""

    def write(handle: IO[str]) -> None:
        out = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        out.writeheader()
        for row in rows:
            out.writerow({k: cell(row.get(k)) for k in columns})

    return write


def finite(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by None (they are not valid JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes of a file name that are not UTF-8 (surrogateescape)


def json_writer(document: Any) -> Callable[[IO[str]], None]:
    """A ``write`` function for ``write_atomic`` producing indented UTF-8 JSON."""

    def write(handle: IO[str]) -> None:
        text = json.dumps(finite(document), indent=2, ensure_ascii=False, allow_nan=False, default=str)
        handle.write(_UNDECODABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")

    return write
