"""The record of runs: a row written as ``running`` when a run starts and closed when it ends.

A run whose process died (killed, machine rebooted) is still ``running`` in the database; any
later command that lists runs or starts one closes it as ``interrupted`` and reverts the
commits and annotations it made, as if it had raised.
"""

from __future__ import annotations

import datetime as _dt
import os
import socket
from typing import TYPE_CHECKING, Any

from . import rows

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .tx import Target

RUNNING = "running"
FINAL_STATUSES = ("success", "failure", "error", "interrupted")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat()


def start_run(db: Target, *, operator: str, plugin: str | None, parameters: dict,
              selection: dict, started: _dt.datetime, executor: str | None = None) -> int:
    """Record a run as ``running`` (visible to other processes at once) and return its id;
    ``executor`` names where its per-image work goes."""
    from .tx import raw, write

    record = {"operator": operator, "plugin": plugin, "parameters": rows.dumps(parameters),
              "selection": rows.dumps(selection), "started": started.isoformat(), "duration": None,
              "status": RUNNING, "result": None, "pid": os.getpid(), "host": socket.gethostname(),
              "executor": executor}
    with write(db):
        return int(raw(db).execute(f"insert into runs ({', '.join(record)}) values "
                                   f"({', '.join('?' * len(record))}) returning id", list(record.values())).fetchone()[0])


def finish_run(db: Target, run_id: int, *, status: str, duration: float, result: Any) -> None:
    """Close run ``run_id`` with its final ``status`` and result."""
    from .tx import write

    with write(db):
        db.execute("update runs set status = ?, duration = ?, result = ?, finished = ? where id = ?",
                   [status, round(duration, 4), rows.dumps(result), _now(), run_id])


def revert_run(db: Database, run_id: int) -> dict[str, int]:
    """Undo what run ``run_id`` changed for users: its commits (newest first) and annotations.

    Returns how many commits and annotations were reverted. Cached results (vectors, vector
    types, image infos) are kept: they are correct whatever became of the run.
    """
    from .commits import apply_commit, commit_from_json
    from .tx import write

    with write(db):
        made = list(db.query("select id, inverse from commits where run_id = ? and state in ('done', 'applied') "
                             "order by id desc", [run_id]))
        for row in made:
            apply_commit(db, commit_from_json(row["inverse"]))
        db.execute("update commits set state = 'reverted' where run_id = ? and state in ('done', 'applied')",
                   [run_id])
        annotations = db.execute("delete from annotations where run_id = ?", [run_id]).rowcount
        if "maps" in db.table_names():
            from . import maps

            maps.delete_run_maps(db, run_id)
    return {"commits": len(made), "annotations": max(annotations, 0)}


def _alive(pid: int | None, host: str | None) -> bool:
    if pid is None or host != socket.gethostname():
        return True  # another machine's run: assume it is still going
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) is dead too
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def close_dead_runs(db: Database) -> list[int]:
    """Close runs left ``running`` by a process that no longer exists; returns their ids."""
    from .tx import write

    candidates = list(db.query("select id, pid, host, started from runs where status = ?", [RUNNING]))
    dead = [r for r in candidates if not _alive(r["pid"], r["host"])]
    closed = []
    for r in dead:
        with write(db):
            still = list(db.query("select status from runs where id = ?", [r["id"]]))
            if not still or still[0]["status"] != RUNNING:
                continue  # another process closed it first
            reverted = revert_run(db, r["id"])
            message = (f"the process running it (pid {r['pid']}) ended without closing the run; "
                       f"reverted {reverted['commits']} commit(s) and {reverted['annotations']} annotation(s)")
            db.execute("update runs set status = 'interrupted', finished = ?, result = ? where id = ?",
                       [_now(), rows.dumps({"success": False, "status": "interrupted", "message": message,
                                            "notifs": [], "groups": [], "value": None,
                                            "reverted": reverted}), r["id"]])
        closed.append(r["id"])
    return closed


def get_runs(db: Database, limit: int | None = None) -> list[dict]:
    """Recorded runs, newest first (runs of dead processes closed first)."""
    close_dead_runs(db)
    sql = "select * from runs order by id desc" + (f" limit {int(limit)}" if limit else "")
    return [_run(r) for r in db.query(sql)]


def get_run(db: Database, run_id: int) -> dict | None:
    """One recorded run, or None."""
    close_dead_runs(db)
    found = list(db.query("select * from runs where id = ?", [run_id]))
    return _run(found[0]) if found else None


def _run(r: dict) -> dict:
    return {**r, "parameters": rows.loads(r["parameters"]), "selection": rows.loads(r["selection"]),
            "result": rows.loads(r["result"])}
