"""``lightplug ops list|show``: what can be run, with each parameter's type and default.

Both answer from the plugin metadata cache (``lightplug.plugin_cache``): no plugin is imported
when it is warm.
"""

from __future__ import annotations

import os
from typing import TextIO

import typer

from .common import EXIT_FAILED, clean, data_stream, esc, fail, print_json, stderr, stdout, try_open_project

app = typer.Typer(help="Operators and actions that `lightplug run` can execute.", no_args_is_help=True)

REFRESH = typer.Option(False, "--refresh", help="Rebuild the plugin cache first (imports every plugin).")


def _listing(ctx: typer.Context, refresh: bool):
    from ..loading import listing

    return listing(try_open_project(ctx), refresh)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON."),
          refresh: bool = REFRESH) -> None:
    """Every operator and action (actions of Panoptic-style plugins need a project)."""
    found = _listing(ctx, refresh)
    failed = [{"name": f["name"], "id": f["id"], "plugin": f["plugin"], "dialect": f.get("dialect"),
               "status": "failed", "error": f["error"]} for f in found.failed]
    if as_json:
        print_json([{**s.as_json(), "status": "ok"} for s in found.specs] + failed)
        return
    if not found.specs and not failed:
        stderr().print("No operators: install a plugin package (see `lightplug plugins list`).")
        return
    stream = data_stream()
    if not _terminal(stream) and _plain_listing(stream, found.specs, failed):  # no rich (~20 ms)
        return
    from rich.padding import Padding
    from rich.text import Text

    out = stdout()  # one block per operator, like `git help -a`: the id on its own line, never cut

    def indented(text: str, style: str = "") -> None:
        out.print(Padding(Text(clean(text), style=style), (0, 0, 0, 4), expand=False))

    for s in found.specs:
        kind = s.dialect + (" (" + ", ".join(s.hooks) + ")" if s.hooks else "")
        out.print(f"[bold]{esc(s.qualified)}[/]  [dim]{esc(kind)}[/]", soft_wrap=True)
        if s.description:
            indented(s.description)
        if s.params:
            indented(", ".join(p.reachable for p in s.params), "dim")
    for f in failed:
        out.print(f"[bold]{esc(f['id'])}[/]  [red]failed[/]", soft_wrap=True)
        indented(f["error"])


def _terminal(stream: TextIO) -> bool:
    """Whether rich would draw styles on ``stream``: ``TTY_COMPATIBLE`` (0 or 1), else a
    non-empty ``FORCE_COLOR``, else whether it is a terminal (as rich's ``Console.is_terminal``)."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    if os.environ.get("FORCE_COLOR") is not None:
        return os.environ["FORCE_COLOR"] != ""
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False


def _plain_listing(stream: TextIO, specs: list, failed: list[dict]) -> bool:
    """Write the listing as a terminal shows it, without its styles, for a pipe or a file: each
    text wrapped to the width (``COLUMNS``, else 80) under a 4-space indent, as rich wraps it.
    False (nothing written) when a text is not plain ASCII words that fit a line, or the width is
    under 20 columns: rich's own wrapping of tabs, wide characters and long words is then used."""
    import shutil
    import textwrap

    width = shutil.get_terminal_size().columns  # the indent included
    if width < 20:  # a very narrow width: as rich draws it
        return False
    lines: list[str] = []

    def indented(text: str) -> bool:
        text = clean(text)
        if not (text.isascii() and text.isprintable()) or any(len(w) > width - 4 for w in text.split()):
            return False
        lines.extend(textwrap.wrap(text, width, initial_indent="    ", subsequent_indent="    ",
                                   break_on_hyphens=False) or ["    "])
        return True

    for s in specs:
        kind = s.dialect + (" (" + ", ".join(s.hooks) + ")" if s.hooks else "")
        lines.append(f"{clean(s.qualified)}  {clean(kind)}")
        if s.description and not indented(s.description):
            return False
        if s.params and not indented(", ".join(p.reachable for p in s.params)):
            return False
    for f in failed:
        lines.append(f"{clean(f['id'])}  failed")
        if not indented(f["error"]):
            return False
    stream.write("\n".join(lines) + "\n")
    stream.flush()
    return True


@app.command("show")
def show(ctx: typer.Context, name: str = typer.Argument(..., help="Operator name or <plugin>.<name>."),
         as_json: bool = typer.Option(False, "--json", help="Print JSON."), refresh: bool = REFRESH) -> None:
    """One operator's parameters: type, default, required, description, choices and bounds."""
    from ..catalog import LookupFailed, find
    from ..loading import plugin_state_hint

    found = _listing(ctx, refresh)
    for f in found.failed:
        if name in (f["name"], f["id"]):
            fail(f"operator {f['id']!r} failed to load: {f['error']}", EXIT_FAILED)
    try:
        spec = find(found.specs, name)
    except LookupFailed as exc:
        try:
            off = find(found.disabled, name)
        except LookupFailed:
            if refresh:
                fail(str(exc))
            return show(ctx, name, as_json, refresh=True)  # the cache may be stale: rebuild it once
        fail(plugin_state_hint(try_open_project(ctx), off.plugin))
    if as_json:
        print_json(spec.as_json())
        return
    from rich.table import Table

    out = stdout()
    out.print(f"[bold]{esc(spec.name)}[/] ({esc(spec.qualified)}, {esc(spec.dialect)})")
    if spec.description:
        out.print(esc(spec.description))
    if spec.scopes:
        out.print("scopes: " + esc(", ".join(spec.scopes)))
    table = Table("Option", "Type", "Default", "Required", "Choices / bounds", "Description")
    for p in spec.params:
        bounds = ", ".join(p.choices or []) or " ".join(
            x for x in (f"min {p.min}" if p.min is not None else "", f"max {p.max}" if p.max is not None else "") if x)
        table.add_row(esc(p.reachable), esc(p.kind), esc(repr(p.as_json()["default"])), "yes" if p.required else "no",
                      esc(bounds), esc(p.description))
    out.print(table)
