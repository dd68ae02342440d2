"""``lightplug undo|redo|history`` and ``lightplug runs list|show``."""

from __future__ import annotations

import typer

from .common import esc, fail, open_project, print_json, stderr, stdout


def _summary(row: dict) -> str:
    from ..db.commits import commit_from_json, summarize

    return summarize(commit_from_json(row["forward"]))


def _step(ctx: typer.Context, as_json: bool, verb: str) -> None:
    from .. import api

    project = open_project(ctx, plugins=False)
    row = (api.undo if verb == "undo" else api.redo)(project)
    if row is None:
        fail(f"nothing to {verb}", code=1)
    if as_json:
        print_json({f"{verb}ne": row["id"], "source": row["source"], "changes": _summary(row)})
    else:
        past = {"undo": "Undid", "redo": "Redid"}[verb]
        stderr().print(f"{past} commit {row['id']} ({esc(row['source'])}): {esc(_summary(row))}")


def undo(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Revert the latest commit (also one made by an earlier command)."""
    _step(ctx, as_json, "undo")


def redo(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Re-apply the commit undone last."""
    _step(ctx, as_json, "redo")


def history(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Undoable commits, newest first, with their state (done or undone)."""
    project = open_project(ctx, plugins=False)
    from ..db.commits import history as commit_history

    rows = commit_history(project.db)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table("Commit", "When", "By", "State", "Changes")
    for r in rows:
        table.add_row(str(r["id"]), r["created"][:19], esc(r["source"] or "-"), r["state"], esc(r["changes"]))
    stdout().print(table)


runs_app = typer.Typer(help="The record of operator runs.", no_args_is_help=True)


@runs_app.command("list")
def runs_list(ctx: typer.Context, limit: int = typer.Option(50, "--limit", min=1, help="How many, newest first."),
              as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Recent runs: operator, status, start, duration and result size."""
    from .. import api

    project = open_project(ctx, plugins=False)
    runs = api.runs(project, limit)
    if as_json:
        print_json([{k: v for k, v in r.items() if k != "result"} for r in runs])
        return
    from rich.table import Table

    wide = stdout().width >= 100
    table = Table()  # ids and times are never cut; the message wraps
    table.add_column("Run", no_wrap=True)
    table.add_column("Operator", overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Started", no_wrap=True)
    table.add_column("Seconds", no_wrap=True, justify="right")
    table.add_column("Groups", no_wrap=True, justify="right")
    table.add_column("Message", overflow="fold", ratio=1, min_width=8)
    for r in runs:
        result = r["result"] or {}
        table.add_row(str(r["id"]), esc(r["operator"]), r["status"], r["started"][:16].replace("T", " ") if wide else r["started"][5:16].replace("T", " "),
                      _seconds(r), str(len(result.get("groups") or [])), esc(str(result.get("message") or "")[:60]))
    stdout().print(table)


def _seconds(record: dict) -> str:
    """The run's duration, or for a run still going, the time since it started (``12.3…``)."""
    if record["duration"] is not None:
        return f"{record['duration']:.2f}"
    import datetime as dt

    elapsed = dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(record["started"])
    return f"{elapsed.total_seconds():.1f}…"


@runs_app.command("show")
def runs_show(ctx: typer.Context, run_id: int = typer.Argument(..., help="Run id."),
              as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """One run in full: parameters, selection and result."""
    from .. import api
    from .render import render_result

    project = open_project(ctx, plugins=False)
    record = api.get_run(project, run_id)
    if record is None:
        fail(f"no run {run_id}; see `lightplug runs list`")
    if as_json:
        print_json(record)
        return

    stdout().print(esc(f"Run {run_id}: {record['operator']} [{record['status']}] started {record['started'][:19]}, "
                          f"{_seconds(record)}s, parameters {record['parameters']}, "
                          f"selection {record['selection'] or 'all'}, "
                          f"executor {record.get('executor') or 'not recorded'}"), soft_wrap=True)
    if record["result"] is None:
        stdout().print(f"Still running (process {record['pid']} on {esc(str(record['host']))}).")
        return
    render_result({**record["result"], "run_id": run_id})
