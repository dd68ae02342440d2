"""The benchmark's outputs: the tables of ``docs/performance.md`` and a plot (PNG, drawn with Pillow)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

START, END = "<!-- bench:{mode}:start -->", "<!-- bench:{mode}:end -->"


def _s(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f} s" if x >= 1 else f"{x * 1000:.0f} ms"


def _r(x: float | None) -> str:
    return "—" if x is None else f"**{x:.1f}×**"


def _feature_floor(imp: dict[str, Any], files: int, dedup: dict[str, Any]) -> str:
    """The floor at the decode size the features need, and the most any pipeline that decodes
    every file at that size could be faster than imagededup."""
    if "feature_floor_files_s" not in imp:
        return ""
    text = (f"; at the features' decode size ({imp['feature_decode_size']} px): "
            f"{imp['feature_floor_files_s']:.0f} files/s")
    if dedup.get("imagededup_s"):
        bound = dedup["imagededup_s"] / (files / imp["feature_floor_files_s"])
        text += f", so decoding alone caps duplicates end to end at {bound:.1f}× imagededup"
    return text


def tables(results: dict[str, Any], plot_name: str) -> str:
    """The measured section of ``docs/performance.md`` for one mode."""
    lines = [f"Measured by `make bench{'-quick' if results['mode'] == 'quick' else ''}` "
             f"({results['machine']['cores']} cores, Python {results['machine']['python']}, "
             f"{results['seconds'] / 60:.1f} min). Ratios are peer time / lightplug time, both measured "
             "in this run (medians, runs alternated).", "",
             "| corpus | work | lightplug | peer (same run) | ratio |", "|---|---|---|---|---|"]
    for row in results["sizes"]:
        c = f"{row['files']:,} files"
        d, q, inc, imp = row["dedup"], row["quality"], row["incremental"], row["import"]
        lines.append(f"| {c} | duplicates end to end (init + import + find, all plugins) | {_s(d['lightplug_s'])} "
                     f"(import {_s(d['import_s'])}, find {_s(d['find_s'])}) | imagededup PHash: "
                     f"{_s(d.get('imagededup_s'))} | {_r(d.get('ratio'))} |")
        if "imagehash_s" in d:
            lines.append(f"| {c} | hashing every file | (inside the import) | imagehash phash, one process: "
                         f"{_s(d['imagehash_s'])} | {_r(d['imagehash_s'] / d['lightplug_s'])} (vs end to end) |")
        lines.append(f"| {c} | quality end to end (only the quality plugin) | {_s(q['lightplug_s'])} | "
                     f"CleanVision find_issues: {_s(q.get('cleanvision_s'))} | {_r(q.get('ratio'))} |")
        lines.append(f"| {c} | duplicates again, nothing changed | {_s(inc['unchanged_s'])} = "
                     f"{inc['unchanged_share']:.1%} of the cold run ({inc['unchanged_hashed']} images hashed) | — | — |")
        lines.append(f"| {c} | import 100 more + duplicates again | {_s(inc['added_100_s'])} = "
                     f"{inc['added_100_share']:.1%} of the cold run | — | — |")
        inner = (f"; {imp['files_s_inner']:.0f} files/s = {imp['inner_share_of_floor']:.0%} without the "
                 "command's start-up" if "files_s_inner" in imp else "")
        lines.append(f"| {c} | import throughput | {imp['files_s']:.0f} files/s = {imp['share_of_floor']:.0%} of "
                     f"the floor{inner} | floor (read + sha1 + draft decode, all cores, between the runs): "
                     f"{imp['floor_files_s']:.0f} files/s{_feature_floor(imp, row['files'], d)} | — |")
        lines.append(f"| {c} | import peak memory (largest process) | {imp['peak_rss_mib']:.0f} MiB | — | — |")
    lines += ["", "Duplicate accuracy (pairwise, against `ground_truth.json`):", "",
              "| corpus | tool | precision | recall | by kind found |", "|---|---|---|---|---|"]

    def kinds(acc: dict) -> str:
        return ", ".join(f"{k[6:]} {v}" for k, v in acc.items() if k.startswith("found_"))

    for row in results["sizes"]:
        d = row["dedup"]
        lines.append(f"| seed {row['seed']}, {row['files']:,} files | lightplug dedup | {d['accuracy']['precision']:.3f} | "
                     f"{d['accuracy']['recall']:.3f} | {kinds(d['accuracy'])} |")
        if "imagededup_accuracy" in d:
            a = d["imagededup_accuracy"]
            lines.append(f"| seed {row['seed']}, {row['files']:,} files | imagededup | {a['precision']:.3f} | "
                         f"{a['recall']:.3f} | {kinds(a)} |")
    for acc in results.get("accuracy_other_seeds", []):
        lines.append(f"| seed {acc['seed']}, {acc['files']:,} files | lightplug dedup | {acc['precision']:.3f} | "
                     f"{acc['recall']:.3f} | {kinds(acc)} |")
    agree = [(row["files"], row["quality"]["agreement"]) for row in results["sizes"] if "agreement" in row["quality"]]
    if agree:
        lines += ["", "Quality flags agreeing with CleanVision (share of images, per issue type): " + "; ".join(
            f"{files:,} files: " + ", ".join(f"{k} {v:.1%}" for k, v in a.items()) for files, a in agree)]
    lines += ["", "All pairs within Hamming distance 4 among n 64-bit hashes (read from the project "
              "database, indexed, searched; a fresh process each):", "",
              "| n | stored | read | index + search | peak memory | pairs found (planted) |", "|---|---|---|---|---|---|"]
    for h in results["hashes"]:
        lines.append(f"| {h['n']:,} | {'yes' if h['stored'] else 'no (in memory)'} | {_s(h['read_s'])} | "
                     f"{_s(h['search_s'])} | {h['peak_rss_mib']:.0f} MiB | {h['pairs']:,} ({h['planted']:,}) |")
    st = results["startup"]
    lines += ["", f"Start-up: `lightplug --help` {_s(st['help'])} = {st['help'] / st['baseline']:.2f}× and a warm "
              f"`ops list` {_s(st['ops_list'])} = {st['ops_list'] / st['baseline']:.2f}× `python -c \"import typer, "
              f"pluggy\"` ({_s(st['baseline'])}){_typer_app(st)}; heavy modules imported: --help "
              f"{', '.join(st['help_imports']) or 'none'}, ops list {', '.join(st['ops_list_imports']) or 'none'}.",
              "", f"![time against corpus size](../bench/results/{plot_name})"]
    return "\n".join(lines)


def _typer_app(st: dict[str, Any]) -> str:
    """What a minimal Typer app costs in the same run, for scale."""
    if "typer_help" not in st:
        return ""
    return (f"; a two-command Typer app takes {_s(st['typer_help'])} for `--help` "
            f"({st['typer_help'] / st['baseline']:.2f}×) and {_s(st['typer_command'])} to run a command "
            f"with two options ({st['typer_command'] / st['baseline']:.2f}×)")


def write(results: dict[str, Any], png: Path, markdown: Path) -> None:
    """Write the plot and replace this mode's section of ``markdown`` (appended if missing)."""
    plot(results, png)
    mode = results["mode"]
    start, end = START.format(mode=mode), END.format(mode=mode)
    block = f"{start}\n{tables(results, png.name)}\n{end}"
    text = markdown.read_text() if markdown.is_file() else "# Performance\n"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    markdown.write_text(text)


def plot(results: dict[str, Any], png: Path) -> None:
    """Seconds against files (log-log) for lightplug and each peer; hash search time against n."""
    from PIL import Image, ImageDraw

    series: dict[str, list[tuple[float, float]]] = {}
    for row in results["sizes"]:
        for label, value in (("lightplug duplicates", row["dedup"]["lightplug_s"]),
                             ("imagededup", row["dedup"].get("imagededup_s")),
                             ("imagehash (hashing only)", row["dedup"].get("imagehash_s")),
                             ("lightplug quality", row["quality"]["lightplug_s"]),
                             ("CleanVision", row["quality"].get("cleanvision_s"))):
            if value:
                series.setdefault(label, []).append((row["files"], value))
    hashes = [(h["n"], h["read_s"] + h["search_s"]) for h in results["hashes"]]
    colours = [(31, 119, 180), (255, 127, 14), (148, 103, 189), (44, 160, 44), (214, 39, 40)]
    image = Image.new("RGB", (1100, 460), "white")
    draw = ImageDraw.Draw(image)
    _panel(draw, (60, 30, 540, 400), series, colours, "seconds vs files (end to end)")
    _panel(draw, (620, 30, 1080, 400), {"lightplug hash pairs (d<=4)": hashes}, [colours[0]],
           "seconds vs stored 64-bit hashes")
    png.parent.mkdir(parents=True, exist_ok=True)
    image.save(png)


def _panel(draw: Any, box: tuple[int, int, int, int], series: dict[str, list[tuple[float, float]]],
           colours: list[tuple[int, int, int]], title: str) -> None:
    x0, y0, x1, y1 = box
    points = [p for values in series.values() for p in values]
    if not points:
        return
    lx = [math.log10(max(x, 1e-9)) for x, _ in points]
    ly = [math.log10(max(y, 1e-3)) for _, y in points]
    ax0, ax1 = math.floor(min(lx)) - 0.2, math.ceil(max(lx)) + 0.2
    ay0, ay1 = math.floor(min(ly)), math.ceil(max(ly)) + (1 if math.ceil(max(ly)) == math.floor(min(ly)) else 0)

    def at(x: float, y: float) -> tuple[float, float]:
        px = x0 + (math.log10(max(x, 1e-9)) - ax0) / (ax1 - ax0) * (x1 - x0)
        py = y1 - (math.log10(max(y, 1e-3)) - ay0) / (ay1 - ay0) * (y1 - y0)
        return px, py

    draw.rectangle(box, outline="black")
    draw.text((x0, y0 - 20), title + " (log-log)", fill="black")
    for e in range(int(ay0), int(ay1) + 1):
        _, py = at(10 ** ax0, 10 ** e)
        draw.line((x0, py, x1, py), fill=(225, 225, 225))
        draw.text((x0 - 45, py - 6), f"{10 ** e:g} s", fill="black")
    for e in range(int(math.ceil(ax0)), int(ax1) + 1):
        px, _ = at(10 ** e, 10 ** ay0)
        draw.line((px, y0, px, y1), fill=(225, 225, 225))
        draw.text((px - 15, y1 + 5), f"{10 ** e:,.0f}", fill="black")
    for k, (label, values) in enumerate(series.items()):
        colour = colours[k % len(colours)]
        pts = [at(x, y) for x, y in sorted(values)]
        if len(pts) > 1:
            draw.line(pts, fill=colour, width=3)
        for px, py in pts:
            draw.ellipse((px - 4, py - 4, px + 4, py + 4), fill=colour)
        draw.text((x0 + 10, y0 + 8 + 16 * k), label, fill=colour)
