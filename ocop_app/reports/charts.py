"""Charts drawn on the server as SVG: no JavaScript, no inline styles (the CSP forbids them),
colours as presentation attributes so they also print and render in WeasyPrint.

Each chart carries ``role="img"`` and a title; the page shows the same numbers in a table
for screen readers (the chart itself is ``aria-hidden`` from the table's point of view).
"""

from __future__ import annotations

from markupsafe import Markup, escape

#: Colour-blind-safe palette (Okabe–Ito), dark enough to print in grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#666666")
ROW_H = 22
LABEL_W = 190
BAR_W = 420


def _t(x) -> str:
    return str(escape(str(x)))


def _num(n) -> str:
    return f"{n:,}".replace(",", ".")


def hbars(items: list[tuple[str, int]], title: str, *, color: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per ``(label, value)``, the value printed at the bar's end."""
    top = max([v for _l, v in items] + [1])
    height = ROW_H * len(items) + 10
    width = LABEL_W + BAR_W + 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{_t(title)}"><title>{_t(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 5 + i * ROW_H
        w = round(BAR_W * value / top) if value else 0
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end" font-size="12" '
                     f'fill="#1b1b1b">{_t(label)[:34]}</text>')
        parts.append(f'<rect x="{LABEL_W}" y="{y + 3}" width="{w}" height="{ROW_H - 6}" fill="{color}"/>')
        parts.append(f'<text x="{LABEL_W + w + 4}" y="{y + 15}" font-size="12" fill="#1b1b1b">{_num(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked(rows: list[tuple[str, list[int]]], series: list[str], title: str) -> Markup:
    """Horizontal stacked bars: for each ``(label, values)`` one bar split by ``series``, with a legend."""
    top = max([sum(v) for _l, v in rows] + [1])
    legend_h = 22
    height = legend_h + ROW_H * len(rows) + 10
    width = LABEL_W + BAR_W + 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{_t(title)}"><title>{_t(title)}</title>']
    x = 4
    for i, name in enumerate(series):
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 16}" y="15" font-size="12" fill="#1b1b1b">{_t(name)}</text>')
        x += 24 + 7 * len(str(name))
    for r, (label, values) in enumerate(rows):
        y = legend_h + 5 + r * ROW_H
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end" font-size="12" '
                     f'fill="#1b1b1b">{_t(label)[:34]}</text>')
        x = LABEL_W
        for i, value in enumerate(values):
            w = BAR_W * value / top
            if w:
                parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW_H - 6}" '
                             f'fill="{PALETTE[i % len(PALETTE)]}" stroke="#fff" stroke-width="0.5"/>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="12" fill="#1b1b1b">{_num(sum(values))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def progress(value: int | None, target: int, label: str) -> Markup:
    """A plain bar for one plan target: filled to ``value / target`` (capped at the full width)."""
    width, height = 240, 16
    share = 0 if not target or value is None else min(1, value / target)
    color = PALETTE[2] if share >= 1 else PALETTE[0]
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{_t(label)}"><title>{_t(label)}</title>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#e6e6e6" stroke="#888" stroke-width="1"/>'
        f'<rect x="0" y="0" width="{round(width * share)}" height="{height}" fill="{color}"/></svg>'
    )
