"""Bar charts as inline SVG, rendered on the server (no JavaScript, no inline style: the console's CSP).

Every label is HTML-escaped here, so the returned :class:`markupsafe.Markup` can be placed in a
template as is. The numbers are also printed in a table beside each chart by the templates, so
the chart itself is decoration (``aria-hidden`` would hide it; it carries a title instead).
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

from markupsafe import Markup, escape

BAR_COLOUR = "#1f6f8b"
TEXT_COLOUR = "#222222"
AXIS_COLOUR = "#888888"


def _number(value: float) -> str:
    """A value as printed on a chart: integers without decimals, others with up to two."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def bar_chart(title: str, items: Sequence[Tuple[str, float]], width: int = 420, bar_height: int = 18) -> Markup:
    """A horizontal bar chart: one labelled bar per item, its value at the bar's end.

    Args:
        title: What the chart shows (the SVG's accessible title).
        items: (label, value) pairs, drawn top to bottom.
        width: The SVG's width in pixels.
        bar_height: Height of one bar.

    Returns:
        The ``<svg>`` element.
    """
    label_width, gap, value_width = 140, 6, 48
    plot = max(width - label_width - value_width, 10)
    top = max((value for _, value in items), default=0) or 1
    height = max(len(items), 1) * (bar_height + gap) + gap
    parts: List[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(items):
        y = gap + index * (bar_height + gap)
        length = round(plot * max(value, 0) / top, 1)
        short = label if len(label) <= 22 else label[:21] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end" font-size="12" '
            f'fill="{TEXT_COLOUR}">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" fill="{BAR_COLOUR}">'
            f"<title>{escape(label)}: {_number(value)}</title></rect>"
        )
        parts.append(
            f'<text x="{label_width + length + 4}" y="{y + bar_height - 5}" font-size="12" '
            f'fill="{TEXT_COLOUR}">{_number(value)}</text>'
        )
    if not items:
        parts.append(f'<text x="{gap}" y="{bar_height}" font-size="12" fill="{TEXT_COLOUR}">no data</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(title: str, items: Sequence[Tuple[str, float]], height: int = 160, column_width: int = 14) -> Markup:
    """A vertical bar chart for a series over time (e.g. messages per day); first and last labels shown.

    Args:
        title: What the chart shows.
        items: (label, value) pairs, left to right.
        height: The plot's height in pixels (labels add 32).
        column_width: Width of one column.

    Returns:
        The ``<svg>`` element.
    """
    gap, left, bottom = 3, 36, 32
    width = left + max(len(items), 1) * (column_width + gap) + gap
    top = max((value for _, value in items), default=0) or 1
    total = height + bottom
    parts: List[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{total}" '
        f'viewBox="0 0 {width} {total}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{height}" x2="{width}" y2="{height}" stroke="{AXIS_COLOUR}"/>',
        f'<text x="{left - 4}" y="12" text-anchor="end" font-size="11" fill="{TEXT_COLOUR}">{_number(top)}</text>',
        f'<text x="{left - 4}" y="{height}" text-anchor="end" font-size="11" fill="{TEXT_COLOUR}">0</text>',
    ]
    for index, (label, value) in enumerate(items):
        x = left + gap + index * (column_width + gap)
        size = round((height - 4) * max(value, 0) / top, 1)
        parts.append(
            f'<rect x="{x}" y="{round(height - size, 1)}" width="{column_width}" height="{size}" fill="{BAR_COLOUR}">'
            f"<title>{escape(label)}: {_number(value)}</title></rect>"
        )
        if index in (0, len(items) - 1):
            anchor = "start" if index == 0 else "end"
            edge = x if index == 0 else x + column_width
            parts.append(
                f'<text x="{edge}" y="{height + 20}" text-anchor="{anchor}" font-size="11" '
                f'fill="{TEXT_COLOUR}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
