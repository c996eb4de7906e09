"""Statistical forensics of published precinct results (issue 9; ``docs/forensics.md``).

Numbers in, numbers out: readers turn published results into one :class:`StationTable`, each
method module computes one statistic and cites its paper, :func:`analyse` runs them all into a
JSON-ready report and :func:`render_html` draws the self-contained HTML page.  Nothing here
knows a terminal; progress is reported through callbacks.
"""

from __future__ import annotations

from plebiscite.services.forensics.html import render_html
from plebiscite.services.forensics.readers import (
    FORMATS,
    ColumnMapping,
    detect_format,
    read_results,
)
from plebiscite.services.forensics.report import REPORT_FORMAT, analyse
from plebiscite.services.forensics.table import LINE_NAMES, StationTable

__all__ = [
    "FORMATS",
    "LINE_NAMES",
    "REPORT_FORMAT",
    "ColumnMapping",
    "StationTable",
    "analyse",
    "detect_format",
    "read_results",
    "render_html",
]
