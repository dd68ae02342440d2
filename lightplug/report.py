"""Results people can look at: a self-contained HTML page of a run's groups, and a PNG contact sheet.

The page embeds a JPEG thumbnail of every member (no file next to it is needed), with its name, its
score and a link to the file; the image to keep of a duplicates group is marked KEEP. Thumbnails
are decoded at reduced size (JPEG draft mode), turned upright by their EXIF orientation, and made
in worker threads.
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from PIL import Image

    from .groups import GroupView

THUMB = 160  # pixels, the longer side
MAX_PER_GROUP = 200  # members shown per group; the page says how many more there are


def thumbnail(path: str | None, size: int = THUMB) -> Image.Image | None:
    """An upright RGB thumbnail of the image at ``path``, or None if it cannot be read."""
    from PIL import Image

    from .imaging import decode_image

    if path is None:
        return None
    try:  # read as the import reads: regular files only, size and pixel limits, EXIF orientation
        upright = decode_image(path, size).rgb()
        upright.thumbnail((size, size))
        return upright.convert("RGB")
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None


def _data_uri(image: Image.Image | None) -> str | None:
    if image is None:
        return None
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _thumbnails(paths: Iterable[str | None], size: int) -> list[Image.Image | None]:
    """Thumbnails of ``paths`` (None where one cannot be read), made in worker threads."""
    from .compute.pools import thread_pool

    return list(thread_pool().map(lambda path: thumbnail(path, size), list(paths)))


def _score_text(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


_STYLE = """
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin: 1.4em 0 .3em; }
.meta { color: #555; } .score { color: #555; font-weight: normal; }
.row { display: flex; flex-wrap: wrap; gap: 10px; }
figure { margin: 0; width: 170px; border: 2px solid #ddd; border-radius: 6px; padding: 4px; }
figure.keep { border-color: #2a7; }
figure img { display: block; max-width: 160px; max-height: 160px; margin: auto; }
figure .missing { height: 120px; display: flex; align-items: center; justify-content: center; color: #a00; }
figcaption { font-size: 12px; word-break: break-all; margin-top: 4px; }
.badge { background: #2a7; color: white; border-radius: 3px; padding: 0 4px; font-weight: bold; }
.more { color: #555; align-self: center; }
"""


def html_page(record: dict[str, Any], groups: list[GroupView], size: int = THUMB,
              limit: int = MAX_PER_GROUP) -> str:
    """The HTML page of ``record``'s ``groups`` (from ``groups.run_groups``), self-contained."""
    e = _escape
    title = f"Run {record['id']}: {record['operator']}"
    result = record.get("result") or {}
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>",
             f"<style>{_STYLE}</style></head><body>", f"<h1>{e(title)}</h1>",
             f"<p class='meta'>status {e(str(record['status']))}, started {e(str(record['started'])[:19])}, "
             f"parameters {e(str(record.get('parameters') or {}))}, {len(groups)} group(s)</p>"]
    if result.get("message"):
        parts.append(f"<p class='message'>{e(str(result['message']))}</p>")
    for group in groups:
        shown = group.members[:limit]
        score = group.score or {}
        label = f" <span class='score'>score {_score_text(score.get('value'))}</span>" if score else ""
        parts.append(f"<section class='group' data-index='{group.index}' data-size='{len(group.members)}'>"
                     f"<h2>{group.index}. {e(group.name)}{label}</h2>")
        if group.score_label:
            parts.append(f"<p class='meta'>member scores: {e(group.score_label)}</p>")
        parts.append("<div class='row'>")
        for member, thumb in zip(shown, _thumbnails([m.path for m in shown], size)):
            uri = _data_uri(thumb)
            picture = (f"<img src='{uri}' alt='{e(member.name)}'>" if uri else
                       "<div class='missing'>cannot be shown</div>")
            if member.path:
                picture = f"<a href='{e(_file_url(member.path))}'>{picture}</a>"
            badge = "<span class='badge'>KEEP</span> " if member.keep else ""
            score_text = f"<br><span class='score'>{_score_text(member.score)}</span>" if member.score is not None else ""
            parts.append(f"<figure class='member{' keep' if member.keep else ''}' data-id='{member.id}'>"
                         f"{picture}<figcaption>{badge}{e(member.name)}{score_text}</figcaption></figure>")
        if len(group.members) > len(shown):
            parts.append(f"<span class='more'>… and {len(group.members) - len(shown)} more</span>")
        parts.append("</div></section>")
    if not groups:
        parts.append("<p>This run has no groups.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _escape(text: str) -> str:
    """``text`` for HTML; bytes of a file name that are not UTF-8 shown as ``\\xNN``."""
    return html.escape(text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def _file_url(path: str) -> str:
    from pathlib import Path

    try:
        return Path(path).as_uri()
    except ValueError:
        return path


def contact_sheet(groups: list[GroupView], size: int = 128, columns: int = 8,
                  limit: int = MAX_PER_GROUP) -> Image.Image:
    """One PNG-ready picture: a labelled band per group, its members' thumbnails in rows of ``columns``."""
    from PIL import Image, ImageDraw

    label_height, caption, pad = 22, 14, 4
    cell_w, cell_h = size + pad, size + caption + pad
    bands = []
    for group in groups:
        shown = group.members[:limit]
        rows = max(1, -(-len(shown) // columns))
        band = Image.new("RGB", (columns * cell_w + pad, label_height + rows * cell_h + pad), "white")
        draw = ImageDraw.Draw(band)
        more = f" (+{len(group.members) - len(shown)} more)" if len(group.members) > len(shown) else ""
        draw.text((pad, 4), f"{group.index}. {group.name}{more}"[:150], fill="black")
        for n, (member, thumb) in enumerate(zip(shown, _thumbnails([m.path for m in shown], size))):
            x, y = pad + (n % columns) * cell_w, label_height + (n // columns) * cell_h
            if thumb is None:
                draw.rectangle([x, y, x + size - 1, y + size - 1], outline="red")
            else:
                band.paste(thumb, (x + (size - thumb.width) // 2, y + (size - thumb.height) // 2))
            if member.keep:
                draw.rectangle([x, y, x + size - 1, y + size - 1], outline=(34, 170, 119), width=3)
            name = ("KEEP " if member.keep else "") + member.name
            draw.text((x, y + size + 1), name if len(name) <= size // 6 else name[: size // 6 - 1] + "…",
                      fill="black")
        bands.append(band)
    width = max([b.width for b in bands] or [columns * cell_w + pad])
    sheet = Image.new("RGB", (width, sum(b.height for b in bands) or label_height), "white")
    y = 0
    for band in bands:
        sheet.paste(band, (0, y))
        y += band.height
    return sheet


def map_points(db: Any, point_map: Any) -> list[dict[str, Any]]:
    """The points of a ``Map`` with their image: ``{key, x, y, id, path, name}`` (id/path None if gone)."""
    from .db import store

    data = list(point_map.data or [])
    points = [{"key": data[i], "x": float(data[i + 1]), "y": float(data[i + 2])} for i in range(0, len(data) - 2, 3)]
    keys = [p["key"] for p in points]
    if point_map.key == "sha1":
        found: dict[Any, Any] = {}
        for candidate in store.get_instances(db, sha1s=[str(k) for k in keys]) if keys else []:
            found.setdefault(candidate.sha1, candidate)
    else:
        found = {i.id: i for i in store.get_instances(db, ids=[int(k) for k in keys])} if keys else {}
    for p in points:
        instance = found.get(p["key"] if point_map.key == "sha1" else int(p["key"]))
        p.update(id=instance.id if instance else None, path=instance.url if instance else None,
                 name=instance.name if instance else f"(gone: {p['key']})")
    return points


def _scaled(points: list[dict[str, Any]], size: int, margin: int) -> list[tuple[float, float]]:
    xs, ys = [p["x"] for p in points] or [0.0], [p["y"] for p in points] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    inner = size - 2 * margin
    return [(margin + (p["x"] - min(xs)) / span * inner, margin + (max(ys) - p["y"]) / span * inner) for p in points]


def map_png(title: str, points: list[dict[str, Any]], size: int = 1000, thumb: int = 40) -> Image.Image:
    """The map as a picture: every point drawn as its image's thumbnail (a dot when it cannot be read)."""
    from PIL import Image, ImageDraw

    canvas = Image.new("RGB", (size, size + 24), "white")
    draw = ImageDraw.Draw(canvas)
    draw.text((8, 6), title[:160], fill="black")
    places = _scaled(points, size, thumb)
    for (x, y), image in zip(places, _thumbnails([p.get("path") for p in points], thumb)):
        if image is None:
            draw.ellipse([x - 3, y + 24 - 3, x + 3, y + 24 + 3], fill=(200, 40, 40))
        else:
            canvas.paste(image, (int(x - image.width / 2), int(y + 24 - image.height / 2)))
    return canvas


def map_html(title: str, points: list[dict[str, Any]], size: int = 800) -> str:
    """A self-contained page: the map as an SVG scatter plot whose points link to their files."""
    e = _escape
    circles = []
    for p, (x, y) in zip(points, _scaled(points, size, 12)):
        dot = (f"<circle cx='{x:.1f}' cy='{y:.1f}' r='5' data-id='{p['id']}'>"
               f"<title>{e(p['name'])} ({p['x']:.3g}, {p['y']:.3g})</title></circle>")
        circles.append(f"<a href='{e(_file_url(p['path']))}'>{dot}</a>" if p.get("path") else dot)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
            "<style>body{font:14px system-ui,sans-serif;margin:1.5em} circle{fill:#2a7;opacity:.75}"
            "circle:hover{fill:#c33;opacity:1}</style></head><body>"
            f"<h1>{e(title)}</h1><p>{len(points)} point(s); hover for the file name, click to open it.</p>"
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{size}' height='{size}' "
            f"style='border:1px solid #ddd'>{''.join(circles)}</svg></body></html>")
