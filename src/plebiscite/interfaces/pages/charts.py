"""Inline SVG bar charts for the results page: no script, no external asset, readable without
colour (each bar segment carries its number, and the figure has a text alternative)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

#: Fill colours with at least 4.5:1 contrast against white text and 3:1 against the page.
PALETTE = ("#1f5a96", "#a3361f", "#4d5a1a", "#6a3d8f", "#7a4b00")
BAR_HEIGHT = 26
GAP = 12
LINE = 17  # height of a label line
PLOT_WIDTH = 340
#: The whole chart; labels sit above their bar, so none is clipped. Narrow enough that a 390 px
#: phone shows the 15px labels at 13px or more (the chart scales to the column; pages.css caps
#: it at 30rem on a desktop, where they show at about 18px).
WIDTH = PLOT_WIDTH + 60
#: Characters of a 15px label that fit the chart's width (an average glyph is under 9px).
LABEL_CHARS = WIDTH * 10 // 90


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[int, ...]


def label_lines(label: str, limit: int = LABEL_CHARS, most: int = 2) -> list[str]:
    """``label`` wrapped at spaces into at most ``most`` lines of ``limit`` characters; a
    label longer still ends with an ellipsis (the full text is the element's title)."""
    lines: list[str] = []
    current = ""
    for word in label.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word if len(word) <= limit else word[: limit - 1] + "…"
    if current:
        lines.append(current)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: limit - 1].rstrip() + "…"
    return lines or [""]


def _legend(series: Sequence[str]) -> tuple[list[str], int]:
    """The legend's swatches, wrapping to a new line when the next would not fit."""
    out: list[str] = []
    x, y = 0, 8
    for i, name in enumerate(series):
        need = 30 + 8 * len(name)
        if x and x + need > WIDTH:
            x, y = 0, y + 20
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>')
        out.append(f'<text x="{x + 20}" y="{y + 12}" class="legend">{escape(name)}</text>')
        x += need
    return out, y + 22


def stacked_bars(
    bars: Sequence[Bar], series: Sequence[str], title: str, description: str, chart_id: str
) -> str:
    """A horizontal stacked bar per row, its label above it; ``series`` names the values."""
    legend, top = _legend(series)
    rows = [(bar, label_lines(bar.label)) for bar in bars]
    height = top + sum(LINE * len(lines) + BAR_HEIGHT + GAP for _, lines in rows) + 4
    biggest = max((sum(b.values) for b in bars), default=0) or 1
    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
        *legend,
    ]
    y = top
    for bar, lines in rows:
        out.append(f'<text class="label"><title>{escape(bar.label)}</title>')
        for n, line in enumerate(lines):
            out.append(f'<tspan x="0" y="{y + LINE * (n + 1) - 4}">{escape(line)}</tspan>')
        out.append("</text>")
        y += LINE * len(lines)
        x0 = 0.0
        for i, value in enumerate(bar.values):
            w = PLOT_WIDTH * value / biggest
            colour = PALETTE[i % len(PALETTE)]
            if w > 0:
                out.append(
                    f'<rect x="{x0:.1f}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" '
                    f'fill="{colour}"/>'
                )
            if w >= 8 * len(str(value)) + 6:
                out.append(
                    f'<text x="{x0 + w / 2:.1f}" y="{y + BAR_HEIGHT * 0.68:.0f}" '
                    f'text-anchor="middle" class="inbar">{value}</text>'
                )
            x0 += w
        out.append(
            f'<text x="{x0 + 6:.1f}" y="{y + BAR_HEIGHT * 0.68:.0f}" class="label">'
            f"{sum(bar.values)}</text>"
        )
        y += BAR_HEIGHT + GAP
    out.append("</svg>")
    return "".join(out)


def share_bar(shares: Sequence[tuple[str, float]], label: str) -> str:
    """One full-width bar split by share (0-100), for a region's yes/no at a glance."""
    out = [
        f'<svg class="share" role="img" aria-label="{escape(label)}" viewBox="0 0 100 6" '
        'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
    ]
    x = 0.0
    for i, (_name, share) in enumerate(shares):
        out.append(
            f'<rect x="{x:.2f}" y="0" width="{share:.2f}" height="6" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        x += share
    out.append("</svg>")
    return "".join(out)


__all__ = ["PALETTE", "Bar", "label_lines", "share_bar", "stacked_bars"]
