"""Run every benchmark under bench/ in turn and write BENCHMARKS.md (``make bench``).

    python bench/run_all.py [--only NAME ...] [--out BENCHMARKS.md]

Each ``bench/bench_*.py`` runs with this interpreter and the inherited environment (so
``PLEBISCITE_TEST_PG`` reaches the ones that measure PostgreSQL); its output is shown as it
comes and kept for the report (``bench/report.py``). Exits 1 if any benchmark failed, after
writing the report all the same.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from report import BenchResult, write_report

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def run_one(script: Path) -> BenchResult:
    start = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=REPO
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)
    return BenchResult(script.name, child.returncode, time.perf_counter() - start, "".join(lines))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="script names, e.g. bench_peers")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        wanted = {name.removesuffix(".py") for name in args.only}
        scripts = [s for s in scripts if s.stem in wanted]
    results = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        results.append(run_one(script))
    write_report(results, args.out, REPO)
    print(f"wrote {args.out}")
    failed = [r.name for r in results if r.returncode != 0]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
