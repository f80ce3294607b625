"""Charts as inline SVG, drawn on the server: no script, no build step."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

__all__ = ["columns", "rows"]

INK, BAR = "#445", "#2b5fd9"


def columns(points: list[tuple[str, float]], width: int = 520, height: int = 180) -> Markup:
    """A column chart: one column per (label, value), labels under the first, middle and last."""
    if not points:
        return Markup('<p class="meta">No data yet.</p>')
    top = max(v for _, v in points) or 1
    plot, base = height - 30, height - 18
    step = width / len(points)
    shapes = []
    for i, (label, value) in enumerate(points):
        h = plot * value / top
        x = i * step + 1
        shapes.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{escape(label)}: {value:g}</title></rect>'
        )
    last = len(points) - 1
    for i, anchor in sorted({0: "start", last // 2: "middle", last: "end"}.items()):
        x = {"start": 0, "middle": i * step + step / 2, "end": width}[anchor]
        label = escape(points[i][0])
        shapes.append(f'<text x="{x:.1f}" y="{height - 4}" text-anchor="{anchor}">{label}</text>')
    shapes.append(f'<text x="2" y="10">max {top:g}</text>')
    return _svg(width, height, shapes)


def rows(points: list[tuple[str, float]], width: int = 520, row: int = 22) -> Markup:
    """A bar chart with one labelled horizontal bar per (label, value)."""
    if not points:
        return Markup('<p class="meta">No data yet.</p>')
    top = max(v for _, v in points) or 1
    label_w, room = 200, width - 240
    shapes = []
    for i, (label, value) in enumerate(points):
        y = i * row
        short = label if len(label) <= 34 else label[:33] + "…"
        shapes.append(
            f'<text x="0" y="{y + 15}">{escape(short)}<title>{escape(label)}</title></text>'
        )
        shapes.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{max(room * value / top, 1):.1f}" '
            f'height="{row - 8}" fill="{BAR}"/>'
        )
        shapes.append(
            f'<text x="{label_w + room * value / top + 4:.1f}" y="{y + 15}">{value:g}</text>'
        )
    return _svg(width, row * len(points), shapes)


def _svg(width: int, height: int, shapes: list[str]) -> Markup:
    body = "".join(shapes)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'style="width: 100%; max-width: {width}px" role="img">{body}</svg>'
    )
