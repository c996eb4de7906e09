"""Time the whole forensic report on one ru-elections file, and its peak memory.

Run ``python bench/bench_forensics.py [FILE]``; FILE defaults to the 2012 presidential
election (about 95,000 stations) in ``../shared/data/ru-elections`` next to the repository.
Prints figures, asserts nothing; skips when the data are absent.  The bar (issue 9): under a
minute on the 2-core development machine.
"""

from __future__ import annotations

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
    page = render_html(table, report)
    t3 = time.perf_counter()
    rss_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"file            {path.name} ({fmt}), {table.n_units:,} stations")
    print(f"read            {t1 - t0:6.2f} s")
    print(f"analyse         {t2 - t1:6.2f} s")
    print(f"html            {t3 - t2:6.2f} s  ({len(page) / 1e6:.1f} MB)")
    print(f"whole report    {t3 - t0:6.2f} s  (bar: 60 s)")
    print(f"peak memory     {rss_peak_mb:6.0f} MB (maximum resident set size of the process)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
