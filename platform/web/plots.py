"""Small server-side charts as inline SVG strings: no JavaScript, no plotting library.

Every piece of text that reaches the SVG (titles, labels) goes through `html.escape`, so a test name or a
title can never inject markup; numbers are formatted by this module. The callers may therefore mark the
returned string safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

INK = "#1d2330"
MUTED = "#5c6477"
LINE = "#e2e5ec"
ACCENT = "#3b5bdb"
BAD = "#c92a2a"


def _num(value: float) -> str:
    """A coordinate: short, no exponent."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _label(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    safe_title = escape(title, quote=True)
    # Sized by attributes and the style sheet's svg.chart rule: no style attribute (the CSP forbids them).
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{safe_title}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart" '
        f'font-family="system-ui,sans-serif" font-size="11">'
        f"<title>{safe_title}</title>" + "".join(body) + "</svg>"
    )


def histogram_bins(values: Sequence[float], *, max_value: float, bins: int = 10) -> list[int]:
    """Counts of `values` in `bins` equal bins over [0, max_value]; the top bin includes max_value."""
    counts = [0] * bins
    if max_value <= 0:
        if values:
            counts[-1] = len(values)
        return counts
    for value in values:
        index = math.floor(min(max(value, 0.0), max_value) / max_value * bins)
        counts[min(index, bins - 1)] += 1
    return counts


def histogram_svg(
    values: Sequence[float], *, max_value: float, title: str, bins: int = 10, width: int = 360, height: int = 170
) -> str:
    """A histogram of scores between 0 and `max_value`."""
    counts = histogram_bins(values, max_value=max_value, bins=bins)
    left, right, top, bottom = 28, 8, 22, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(counts) or 1
    bar_w = plot_w / bins
    body = [f'<text x="{left}" y="14" fill="{INK}" font-weight="600">{escape(title)}</text>']
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{LINE}"/>'
    )
    body.append(f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" fill="{MUTED}">{peak}</text>')
    body.append(f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" fill="{MUTED}">0</text>')
    for index, count in enumerate(counts):
        low = max_value * index / bins
        high = max_value * (index + 1) / bins
        bar_h = plot_h * count / peak
        x = left + index * bar_w
        body.append(
            f'<rect x="{_num(x + 1)}" y="{_num(top + plot_h - bar_h)}" width="{_num(bar_w - 2)}" '
            f'height="{_num(bar_h)}" fill="{ACCENT}" data-count="{count}">'
            f"<title>{count} with a score from {_label(low)} to {_label(high)}</title></rect>"
        )
    for index in (0, bins // 2, bins):
        x = left + index * bar_w
        body.append(
            f'<text x="{_num(x)}" y="{top + plot_h + 14}" text-anchor="middle" fill="{MUTED}">'
            f"{_label(max_value * index / bins)}</text>"
        )
    if not values:
        body.append(
            f'<text x="{_num(left + plot_w / 2)}" y="{_num(top + plot_h / 2)}" text-anchor="middle" '
            f'fill="{MUTED}">no scores yet</text>'
        )
    return _svg(width, height, title, body)


def bar_chart_svg(
    items: Sequence[tuple[str, int]], *, title: str, width: int = 520, bar_h: int = 18, max_label: int = 36
) -> str:
    """Horizontal bars, one per (label, count), in the order given (e.g. the most-failed tests). Labels longer
    than `max_label` characters are shortened (the full label is the bar's tooltip)."""
    label_w, right, top, gap = 250, 36, 22, 6
    height = top + max(1, len(items)) * (bar_h + gap) + 4
    plot_w = width - label_w - right
    peak = max((count for _, count in items), default=0) or 1
    body = [f'<text x="0" y="14" fill="{INK}" font-weight="600">{escape(title)}</text>']
    if not items:
        body.append(f'<text x="0" y="{top + bar_h - 4}" fill="{MUTED}">nothing failed yet</text>')
    for index, (label, count) in enumerate(items):
        y = top + index * (bar_h + gap)
        shown = label if len(label) <= max_label else label[: max_label - 1] + "…"
        length = plot_w * count / peak
        body.append(
            f'<text x="{label_w - 6}" y="{_num(y + bar_h * 0.72)}" text-anchor="end" fill="{INK}">'
            f"<title>{escape(label)}</title>{escape(shown)}</text>"
        )
        body.append(
            f'<rect x="{label_w}" y="{y}" width="{_num(max(length, 1))}" height="{bar_h}" fill="{BAD}" '
            f'data-count="{count}"/>'
        )
        body.append(
            f'<text x="{_num(label_w + length + 4)}" y="{_num(y + bar_h * 0.72)}" fill="{MUTED}">{count}</text>'
        )
    return _svg(width, height, title, body)


def progress_svg(items: Sequence[tuple[str, int, int]], *, title: str, width: int = 520, bar_h: int = 16) -> str:
    """One bar per (label, done, total): the share done, in green, over the whole, in grey."""
    label_w, right, top, gap = 230, 50, 22, 6
    height = top + max(1, len(items)) * (bar_h + gap) + 4
    plot_w = width - label_w - right
    body = [f'<text x="0" y="14" fill="{INK}" font-weight="600">{escape(title)}</text>']
    for index, (label, done, total) in enumerate(items):
        y = top + index * (bar_h + gap)
        share = done / total if total else 0.0
        body.append(
            f'<text x="{label_w - 6}" y="{_num(y + bar_h * 0.75)}" text-anchor="end" fill="{INK}">{escape(label)}</text>'
        )
        body.append(f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#edf0f7"/>')
        body.append(
            f'<rect x="{label_w}" y="{y}" width="{_num(plot_w * share)}" height="{bar_h}" fill="#2b8a3e" '
            f'data-done="{done}" data-total="{total}"/>'
        )
        body.append(f'<text x="{label_w + plot_w + 6}" y="{_num(y + bar_h * 0.75)}" fill="{MUTED}">{done}/{total}</text>')
    return _svg(width, height, title, body)
