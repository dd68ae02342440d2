"""Showing a run's result to people: message, notifications, groups, value, suggestions."""

from __future__ import annotations

import json
import os
from typing import Any

from .common import esc, stdout

_COLOURS = {"debug": "dim", "info": "cyan", "warning": "yellow", "error": "bold red"}
MAX_MEMBERS = 20


def _score(score: dict | None) -> str:
    if not score:
        return "-"
    return f"{score['value']:.4g}" + (f" ({score['description']})" if score.get("description") else "")


def render_result(result: dict[str, Any], verbose: bool = False) -> None:
    """Print ``result`` (the JSON of a run) for a person."""
    from rich.table import Table

    out = stdout()
    if result.get("message") and result["message"] not in [n.get("message") for n in result["notifs"]]:
        style = "" if result["success"] else "bold red"
        out.print(esc(str(result["message"])), style=style, soft_wrap=True)
    for n in result["notifs"]:
        colour = _COLOURS.get(n["type"], "")
        head = f"[{colour}]{n['type'].upper()}[/]" + (f" {esc(n['name'])}" if n.get("name") else "")
        out.print(head + (f": {esc(str(n['message']))}" if n.get("message") else ""), soft_wrap=True)
        if n.get("data") is not None:
            data = n["data"]
            if isinstance(data, dict) and "traceback" in data and verbose:
                out.print(esc(data["traceback"]), style="dim", soft_wrap=True)
                data = {k: v for k, v in data.items() if k != "traceback"}
            if data:
                out.print(esc(json.dumps(data, indent=2, default=str)), soft_wrap=True)
        for f in n.get("functions") or []:
            out.print(f"  suggested: {esc(f['message'] or f['function'])}\n    [bold]{esc(f['command'])}[/]",
                      soft_wrap=True)
    if result["groups"]:
        table = Table("#", "Group", "Size", "Score", title=f"{len(result['groups'])} group(s)")
        for g in result["groups"]:
            table.add_row(str(g["index"]), esc(g["name"]), str(g["size"]), esc(_score(g["score"])))
        out.print(table)
        for g in result["groups"]:
            paths = g.get("paths") or []
            members = ([os.path.basename(p) if p else f"id {i}" for i, p in zip(g["ids"] or [], paths)]
                       if len(paths) == len(g["ids"] or []) and not g["sha1s"] else
                       [f"id {i}" for i in g["ids"] or []] + [s[:12] for s in g["sha1s"] or []])
            scores = (g.get("scores") or {}).get("values") or []
            shown = [esc(m) + (f" ({scores[k]:.4g})" if k < len(scores) else "") for k, m in enumerate(members[:MAX_MEMBERS])]
            more = f" … and {len(members) - MAX_MEMBERS} more" if len(members) > MAX_MEMBERS else ""
            out.print(f"[bold]{g['index']}. {esc(g['name'])}[/]: " + ", ".join(shown) + more, soft_wrap=True)
        out.print(f"[dim]Files of each group: lightplug show {result['run_id']}; thumbnails: lightplug report "
                  f"{result['run_id']} --html report.html. Select a group in the next run with "
                  f"--from-run {result['run_id']}:GROUP[/]")
    if result.get("value") is not None:
        value = result["value"]
        out.print("value: " + esc(value if isinstance(value, str) else json.dumps(value, default=str)),
                  soft_wrap=True)
