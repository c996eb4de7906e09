"""Inline SVG bar charts for the results page: no script, no external asset, readable without
colour (each bar segment carries its number, and the figure has a text alternative)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

#: Fill colours with at least 4.5:1 contrast against white text and 3:1 against the page.
PALETTE = ("#1f5a96", "#a3361f", "#4d5a1a", "#6a3d8f", "#7a4b00")
BAR_HEIGHT = 26
GAP = 10
LABEL_WIDTH = 190
PLOT_WIDTH = 420


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[int, ...]


def stacked_bars(
    bars: Sequence[Bar], series: Sequence[str], title: str, description: str, chart_id: str
) -> str:
    """A horizontal stacked bar per row; ``series`` names the values of each bar."""
    top = 8 + 22  # room for the legend
    height = top + len(bars) * (BAR_HEIGHT + GAP) + 4
    width = LABEL_WIDTH + PLOT_WIDTH + 60
    biggest = max((sum(b.values) for b in bars), default=0) or 1
    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    x = LABEL_WIDTH
    for i, name in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="8" width="14" height="14" fill="{colour}"/>')
        out.append(f'<text x="{x + 20}" y="20" class="legend">{escape(name)}</text>')
        x += 30 + 9 * len(name)
    for row, bar in enumerate(bars):
        y = top + row * (BAR_HEIGHT + GAP)
        out.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.68:.0f}" text-anchor="end" '
            f'class="label">{escape(bar.label)}</text>'
        )
        x0 = float(LABEL_WIDTH)
        for i, value in enumerate(bar.values):
            w = PLOT_WIDTH * value / biggest
            colour = PALETTE[i % len(PALETTE)]
            if w > 0:
                out.append(
                    f'<rect x="{x0:.1f}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" '
                    f'fill="{colour}"/>'
                )
            if w >= 26:
                out.append(
                    f'<text x="{x0 + w / 2:.1f}" y="{y + BAR_HEIGHT * 0.68:.0f}" '
                    f'text-anchor="middle" class="inbar">{value}</text>'
                )
            x0 += w
        out.append(
            f'<text x="{x0 + 6:.1f}" y="{y + BAR_HEIGHT * 0.68:.0f}" class="label">'
            f"{sum(bar.values)}</text>"
        )
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


__all__ = ["PALETTE", "Bar", "share_bar", "stacked_bars"]
