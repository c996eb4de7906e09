"""Tally cost against verification cost: `python bench/bench_tally.py [--ballots N]`.

Builds a SQLite board with the seed manifest, a roll, a 3-of-5 ceremony and N synthetic
ballots (default 100,000; real encryptions and proofs), closes, then times: the aggregation
of the booth ballots (one process and all cores; door-to-door ballots are counted from the
shuffled rows, timed by ``bench_pipeline.py``), the decryption (three trustees' proven shares
and the combination) and, for scale, one-core ballot verification on a sample. Prints ballots
per second, seconds per million ballots and peak memory (RSS high-water mark of this process).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from plebiscite.crypto.randomness import SystemRng
from plebiscite.domain.ballot import Ballot, region_specs
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.roll import build_roll, generate_roll
from plebiscite.record.sql import SqlBoard
from plebiscite.services.ceremony.steps import TrusteeState, run_local_ceremony
from plebiscite.services.election.definition import (
    load_election,
    publish_close,
    publish_manifest,
    publish_roll,
)
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.simulation.synthetic import enrolment_events, synthetic_ballots
from plebiscite.services.tally.count import aggregate, combine, publish_tally, trustee_decrypt
from plebiscite.services.tally.mixing import run_local_mixing

ROOT = Path(__file__).resolve().parents[1]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    args = parser.parse_args()
    n = args.ballots
    manifest = load_manifest(ROOT / "examples" / "seed-referendum" / "manifest.toml")
    digest = manifest_hash(manifest)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "board.sqlite")
        board = SqlBoard.open(db, create=True)
        publish_manifest(board, manifest)
        entries = generate_roll(manifest, n, random.Random(1))
        publish_roll(board, build_roll(manifest, digest, entries, os.urandom(32)))
        trustees = [TrusteeState.create(i, digest) for i in range(1, 6)]
        run_local_ceremony(board, trustees, SystemRng())
        election = load_election(board)
        board.append_batch(enrolment_events(manifest))
        start = time.perf_counter()
        batch = []
        for made in synthetic_ballots(election, n, random.Random(2), SystemRng()):
            batch.extend(made.events)
            if len(batch) == 1000:
                board.append_batch(batch)
                batch = []
        board.append_batch(batch)
        generate_s = time.perf_counter() - start
        publish_close(board, dt.datetime(2022, 9, 27, 23, tzinfo=manifest.zone))

        start = time.perf_counter()
        aggregate(board, election)
        one_core = time.perf_counter() - start
        cores = os.cpu_count() or 1
        start = time.perf_counter()
        aggregate(board, election, db=db, workers=cores)
        all_cores = time.perf_counter() - start

        run_local_mixing(board, trustees[:3], SystemRng())  # the count's first steps (untimed)
        publish_tally(board)
        start = time.perf_counter()
        for trustee in trustees[:3]:
            trustee_decrypt(board, trustee, SystemRng())
        results = combine(board)
        decrypt_s = time.perf_counter() - start
        assert not isinstance(results, str)

        sample = []
        for entry in board.entries():
            if entry.event.type.value == "ballot_cast":
                sample.append(entry.event.payload)
                if len(sample) == 500:
                    break
        start = time.perf_counter()
        for payload in sample:
            ballot = Ballot.from_json(payload["ballot"])
            region = manifest.location_by_id[ballot.location].region_id
            ballot.verify_proofs(
                election.election_key,  # type: ignore[arg-type]
                election.context,
                region_specs(manifest, region),
            )
        verify_rate = len(sample) / (time.perf_counter() - start)
        board.close()

    figures = {
        "ballots": n,
        "generate_ballots_per_s": round(n / generate_s, 1),
        "aggregate_ballots_per_s_1_process": round(n / one_core, 1),
        f"aggregate_ballots_per_s_{cores}_processes": round(n / all_cores, 1),
        "aggregate_s_per_million_1_process": round(one_core * 1e6 / n, 1),
        "decrypt_and_combine_s": round(decrypt_s, 2),
        "verify_ballots_per_s_1_core": round(verify_rate, 1),
        "aggregation_vs_verification_speed": round((n / one_core) / verify_rate, 1),
        "peak_rss_mib": round(peak_mib(), 1),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
