"""Chart labels fit the chart: wrapped above their bar, never clipped, full text kept."""

from __future__ import annotations

import re

from plebiscite.interfaces.pages.charts import LABEL_CHARS, WIDTH, Bar, label_lines, stacked_bars

MERGED = "День 1 (23.09) + День 2 (24.09) + День 3 (25.09) + День 4 (26.09) + День 5 (27.09)"


def test_long_labels_wrap_and_keep_their_full_text() -> None:
    lines = label_lines(MERGED)
    assert 1 < len(lines) <= 2 and all(len(line) <= LABEL_CHARS for line in lines)
    assert label_lines("short") == ["short"]
    endless = label_lines("x" * 500)
    assert len(endless) == 1 and endless[0].endswith("…") and len(endless[0]) == LABEL_CHARS
    svg = stacked_bars([Bar(MERGED, (30, 12)), Bar("Day 1", (3, 1))], ["yes", "no"], "t", "d", "c")
    assert f"<title>{MERGED}</title>" in svg
    assert f'viewBox="0 0 {WIDTH} ' in svg
    for x in re.findall(r'<tspan x="([0-9.]+)"', svg):
        assert float(x) == 0  # labels start at the chart's left edge, above their bar
