"""Crypto figures: `python bench/bench_crypto.py [BALLOTS]` prints one JSON object."""

from __future__ import annotations

import json
import sys

from plebiscite.services.simulation.bench import run_crypto_bench

if __name__ == "__main__":
    ballots = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(json.dumps(run_crypto_bench(ballots).to_json(), indent=2))
