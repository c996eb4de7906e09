"""Time the whole forensic report on one ru-elections file, and its peak memory.

Run ``python bench/bench_forensics.py [FILE]``; FILE defaults to the 2012 presidential
election (95,415 stations, the largest of the 2012 and 2024 tables) in
``../shared/data/ru-elections`` next to the repository.  The whole report is what
``plebiscite forensics FILE --json ... --html ...`` does: read, every method with the regions,
the JSON text and the HTML page with its pictures.  Prints figures, asserts nothing; skips when
the data are absent.  The aim (issue 17): under 20 s and under 500 MB on the 2-core
development machine.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from plebiscite.services.forensics import analyse, read_results, render_html

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "data" / "ru-elections" / "2012.csv.zip"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    if not path.is_file():
        print(f"skipped: {path} is absent (the reference data live in ../shared)")
        return 0
    t0 = time.perf_counter()
    table, fmt = read_results(path)
    t1 = time.perf_counter()
    report = analyse(table, input_format=fmt)
    t2 = time.perf_counter()
    text = json.dumps(report, ensure_ascii=False, allow_nan=False)
    page = render_html(table, report)
    t3 = time.perf_counter()
    rss_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"file            {path.name} ({fmt}), {table.n_units:,} stations")
    print(f"read            {t1 - t0:6.2f} s")
    print(f"analyse         {t2 - t1:6.2f} s")
    print(f"json + html     {t3 - t2:6.2f} s  ({len(text) / 1e6:.1f} MB, {len(page) / 1e6:.1f} MB)")
    print(f"whole report    {t3 - t0:6.2f} s  (aim: 20 s)")
    print(f"peak memory     {rss_peak_mb:6.0f} MB (maximum resident set size; aim: 500 MB)")
    figures = {
        "file": path.name,
        "stations": table.n_units,
        "stations_unpublished": len(table.unpublished),
        "read_s": round(t1 - t0, 2),
        "analyse_s": round(t2 - t1, 2),
        "json_html_s": round(t3 - t2, 2),
        "whole_report_s": round(t3 - t0, 2),
        "peak_rss_mb": round(rss_peak_mb),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
