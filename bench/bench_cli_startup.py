"""How long ``plebiscite --help`` and a board command's ``--help`` take to start.

Run: ``.venv/bin/python bench/bench_cli_startup.py [--runs 5]``. Prints the median wall time
of each command, in seconds, and one JSON line. (On the shared 2-core development VM,
``plebiscite --help`` went from 2.6-2.8 s, when it imported every command module, to about
0.1 s once the top-level help stopped importing them.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "plebiscite"
COMMANDS = {
    "help": ["--help"],
    "tally_help": ["tally", "--help"],
    "trustee_help": ["trustee", "--help"],
}


def median_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(BIN), *args], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    figures = {name: round(median_seconds(args, runs), 3) for name, args in COMMANDS.items()}
    for name, seconds in figures.items():
        print(f"{name:14} {seconds:.3f} s (median of {runs})")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
