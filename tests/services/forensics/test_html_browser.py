"""The HTML report in a real browser at a phone's width (issue 17, item 3): nothing wider than
390 px, the wide tables scroll inside their own box.  Screenshot copied to /tmp/forensics-shots."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from plebiscite.services.forensics import analyse, render_html
from plebiscite.services.forensics.synthetic import simulate_election
from plebiscite.services.forensics.table import LeftOutRow, StationTable

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/forensics-shots")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python")


def _table() -> StationTable:
    t = simulate_election(np.random.default_rng(3), 2_000, n_regions=6, f_extreme=0.05).table
    long_names = np.array(
        [
            f"Республика с очень длинным названием номер {r[-2:]} (Автономный округ)"
            for r in t.regions
        ]
    )
    left = tuple(
        LeftOutRow(
            2_100 + i, f"ТИК №{i} / УИК №{900 + i}", "Донецкая Народная Республика", None, ()
        )
        for i in range(30)
    )
    return StationTable(
        source="/a/very/long/path/to/some/folder/with/results/of/a/federal/election-2024.csv.zip",
        unit_ids=t.unit_ids,
        regions=long_names,
        source_rows=t.source_rows,
        options=("Кандидат с длинным именем и отчеством", "Другой кандидат", "Третий"),
        votes=t.votes,
        lines=dict(t.lines),
        columns=dict(t.columns),
        unpublished=left,
    )


def test_report_fits_a_390_px_phone(tmp_path: Path) -> None:
    table = _table()
    page_path = tmp_path / "report.html"
    page_path.write_text(render_html(table, analyse(table)), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 800})
            page.goto(page_path.as_uri())
            width = page.evaluate("document.documentElement.scrollWidth")
            shot = tmp_path / "report-390.png"
            page.screenshot(path=str(shot), full_page=False)
            SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, SHOTS / shot.name)
            wide = page.evaluate(
                "[...document.body.querySelectorAll('*')].filter(e => "
                "!e.closest('.scroll') && e.getBoundingClientRect().right > 391).length"
            )
        finally:
            browser.close()
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    assert wide == 0
