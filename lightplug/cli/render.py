"""Showing a run's result to people: message, notifications, groups, value, suggestions."""

from __future__ import annotations

import json
import os
from typing import Any

from .common import esc, stderr, stdout

_COLOURS = {"debug": "dim", "info": "cyan", "warning": "yellow", "error": "bold red"}
MAX_MEMBERS = 20
MAX_GROUPS = 50  # groups a run's human output shows (`lightplug show RUN` lists all)
MAX_VALUE_LINES = 4  # a longer value is cut (all of it: --json or `runs show RUN --json`)
MAX_COMMAND = 240  # characters of a suggested command shown; longer id lists are cut


def id_ranges(ids: list[int]) -> str:
    """``[5, 1, 2, 3, 9]`` -> ``"1-3,5,9"``."""
    runs: list[list[int]] = []
    for value in sorted(set(ids)):
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return ",".join(str(a) if a == b else (f"{a},{b}" if b == a + 1 else f"{a}-{b}") for a, b in runs)


def short_command(command: str, run_id: Any = None) -> str:
    """A suggested command with its ``--ids`` list as ranges, cut when still too long."""
    import re

    def ranges(match: re.Match[str]) -> str:
        return "--ids " + id_ranges([int(i) for i in match.group(1).split(",")])

    command = re.sub(r"--ids ([0-9]+(?:,[0-9]+)*)", ranges, command)
    if len(command) <= MAX_COMMAND:
        return command
    where = f"lightplug runs show {run_id} --json" if run_id else "--json"
    return command[:MAX_COMMAND] + f"… (cut; the whole command: {where})"


def _score(score: dict | None) -> str:
    if not score:
        return "-"
    return f"{score['value']:.4g}" + (f" ({score['description']})" if score.get("description") else "")


def render_result(result: dict[str, Any], verbose: bool = False) -> None:
    """Print ``result`` (the JSON of a run) for a person."""
    from rich.table import Table

    out, hints = stdout(), stderr()
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
            hints.print(f"  suggested: {esc(f['message'] or f['function'])}\n    "
                        f"[bold]{esc(short_command(f['command'], result.get('run_id')))}[/]", soft_wrap=True)
    if result["groups"]:
        groups = result["groups"][:MAX_GROUPS]
        table = Table("#", "Group", "Size", "Score", title=f"{len(result['groups'])} group(s)")
        for g in groups:
            table.add_row(str(g["index"]), esc(g["name"]), str(g["size"]), esc(_score(g["score"])))
        out.print(table)
        if len(result["groups"]) > MAX_GROUPS:
            hints.print(f"[dim]… and {len(result['groups']) - MAX_GROUPS} more group(s): "
                        f"lightplug show {result['run_id']} lists them all[/]", soft_wrap=True)
        for g in groups:
            paths = g.get("paths") or []
            members = ([os.path.basename(p) if p else f"id {i}" for i, p in zip(g["ids"] or [], paths)]
                       if len(paths) == len(g["ids"] or []) and not g["sha1s"] else
                       [f"id {i}" for i in g["ids"] or []] + [s[:12] for s in g["sha1s"] or []])
            scores = (g.get("scores") or {}).get("values") or []
            shown = [esc(m) + (f" ({scores[k]:.4g})" if k < len(scores) else "") for k, m in enumerate(members[:MAX_MEMBERS])]
            more = f" … and {len(members) - MAX_MEMBERS} more" if len(members) > MAX_MEMBERS else ""
            out.print(f"[bold]{g['index']}. {esc(g['name'])}[/]: " + ", ".join(shown) + more, soft_wrap=True)
        hints.print(f"[dim]Files of each group: lightplug show {result['run_id']}; thumbnails: lightplug report "
                    f"{result['run_id']} --html report.html. Select a group in the next run with "
                    f"--from-run {result['run_id']}:GROUP[/]", soft_wrap=True)
    if result.get("value") is not None:
        value = result["value"]
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        limit = MAX_VALUE_LINES * max(40, min(out.width, 200))
        out.print("value: " + esc(text[:limit] + ("…" if len(text) > limit else "")), soft_wrap=True)
        if len(text) > limit:
            where = f"lightplug runs show {result['run_id']} --json" if result.get("run_id") else "--json"
            hints.print(f"[dim]value cut at {limit:,} of {len(text):,} characters; all of it: {esc(where)}[/]",
                        soft_wrap=True)
