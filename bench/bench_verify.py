"""Verifier throughput and memory: `python bench/bench_verify.py [--ballots N] [--large]
[--sizes 10000,100000]`.

Builds a complete exported record (seed manifest, roll, 3-of-5 ceremony, N ballots, close,
tally, three trustees' shares, results, signed heads, results.json and the NIST file) and runs
`verify_record` on it in a fresh process, with one worker process and with every core. Prints
ballots per second, seconds per million ballots, the projection for 5 million ballots (the
four regions' electorate), the public-data arithmetic that ran, and the peak RSS of the
verifying process itself (its VmHWM, read in the fresh process) and of its largest worker.
A smaller record (N/5) is verified too, to show that time grows linearly and memory stays flat.

To build quickly the ballots reuse a pool of real encrypted answers (each ballot is still
signed, chained and proven; the verifier checks every proof of every ballot, so its cost is
the same as with fresh encryptions). `--large` runs 100,000 and 1,000,000 ballots.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from plebiscite.crypto.ballot import EncryptedAnswer, encrypt_answer
from plebiscite.crypto.randomness import SystemRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ballot import CHECKIN_BYTES, Ballot, encrypt_tag, genesis_code, region_specs
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.roll import build_roll, generate_roll
from plebiscite.record.events import Event, EventType
from plebiscite.record.export import export_board
from plebiscite.record.sql import SqlBoard
from plebiscite.services.ceremony.steps import TrusteeState, run_local_ceremony
from plebiscite.services.election.definition import (
    Election,
    load_election,
    publish_close,
    publish_manifest,
    publish_roll,
)
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.simulation.synthetic import device_key, enrolment_events
from plebiscite.services.tally.count import Waiting, combine, publish_tally, trustee_decrypt
from plebiscite.services.tally.mixing import run_local_mixing
from plebiscite.services.tally.results import ballot_dispositions, write_results
from plebiscite.services.voting.records import sign_check_in

ROOT = Path(__file__).resolve().parents[1]
PROJECT = 5_000_000


def _pools(
    election: Election, manifest: Manifest, sizes: dict[str, int]
) -> dict[str, list[tuple[EncryptedAnswer, ...]]]:
    key, context, rng = election.election_key, election.context, SystemRng()
    assert key is not None
    pools: dict[str, list[tuple[EncryptedAnswer, ...]]] = {}
    for region in manifest.regions:
        specs = region_specs(manifest, region.id)
        pools[region.id] = [
            tuple(
                encrypt_answer(
                    key,
                    context,
                    s,
                    [1 if j == i % 2 else 0 for j in range(s.n_options)],
                    os.urandom(32),
                    rng,
                )
                for s in specs
            )
            for i in range(sizes.get(region.id, 0))
        ]
    return pools


def _ballots(election: Election, manifest: Manifest, n: int) -> list[Event]:
    """n cast ballots, each after its check-in, one per voter, chained per device (answers
    from a pool; each ballot's encrypted tag its own)."""
    rng = random.Random(5)
    crypto = SystemRng()
    voters = sorted(election.voters.values(), key=lambda v: v.pseudonym)[:n]
    sizes: dict[str, int] = {}
    for voter in voters:
        sizes[voter.region_id] = sizes.get(voter.region_id, 0) + 1
    pools = _pools(election, manifest, sizes)  # one answer per ballot: no ciphertext twice (V29)
    taken: dict[str, int] = {}
    locations = {(loc.precinct_id, loc.kind): loc for loc in manifest.locations}
    keys: dict[str, SigningKey] = {}
    tips: dict[str, str] = {}
    events = []
    for voter in voters:
        day = manifest.days[rng.randrange(len(manifest.days))]
        kinds = sorted({k for w in day.windows for k in w.kinds}, key=lambda k: k.value)
        location = locations[(voter.precinct_id, rng.choice(kinds))]
        start, end = next(s for s in manifest.open_spans(location) if s[0].date() == day.date)
        at = start + (end - start) * rng.random()
        device = f"synthetic-{location.id}"
        key = keys.setdefault(location.id, device_key(location.id))
        checkin = rng.randbytes(CHECKIN_BYTES).hex()
        election_hex = election.manifest_hash.hex()
        when = at.astimezone(dt.UTC).isoformat()
        check_in = {
            "device": device,
            "checkin": checkin,
            "at": when,
            "signature": sign_check_in(key, election_hex, device, checkin),
        }
        assert election.election_key is not None
        tag, _ = encrypt_tag(
            election.election_key, election.context, device, checkin, voter.pseudonym, crypto
        )
        ballot = Ballot(
            election_hex,
            device,
            location.id,
            checkin,
            tips.get(device, genesis_code(election.manifest_hash, device)),
            tag,
            pools[voter.region_id][taken.setdefault(voter.region_id, 0)],
        )
        taken[voter.region_id] += 1
        code = ballot.tracking_code()
        tips[device] = code
        payload = {
            "ballot": ballot.to_json(),
            "signature": ballot.sign(key),
            "tracking_code": code,
            "received_at": when,
        }
        private = {"voter": voter.pseudonym}
        events.append(Event.create(EventType.CHECK_IN, check_in, private=private))
        events.append(Event.create(EventType.BALLOT_CAST, payload, private=private))
    return events


def build(n: int, out: Path, db: str) -> float:
    manifest = load_manifest(ROOT / "examples" / "seed-referendum" / "manifest.toml")
    digest = manifest_hash(manifest)
    started = time.perf_counter()
    board = SqlBoard.open(db, create=True)
    head_key = SigningKey(os.urandom(32))
    publish_manifest(board, manifest, head_key.verify_key)
    roll = generate_roll(manifest, n, random.Random(1), home_share=1.0)  # all may vote at home
    publish_roll(board, build_roll(manifest, digest, roll, os.urandom(32)))
    trustees = [TrusteeState.create(i, digest) for i in range(1, 6)]
    run_local_ceremony(board, trustees, SystemRng())
    election = load_election(board)
    board.append_batch(enrolment_events(manifest))
    events = _ballots(election, manifest, n)
    for i in range(0, len(events), 2000):
        board.append_batch(events[i : i + 2000])
        if i % 100_000 == 0:
            board.sign_head(head_key)
    del events
    publish_close(board, dt.datetime(2022, 9, 27, 21, tzinfo=manifest.zone))
    run_local_mixing(board, trustees[:3], SystemRng(), workers=2)
    publish_tally(board)
    for trustee in trustees[:3]:
        trustee_decrypt(board, trustee, SystemRng())
    results = combine(board)
    assert not isinstance(results, Waiting)
    board.sign_head(head_key)
    export_board(board, out)
    write_results(
        out,
        manifest,
        results,
        ballot_dispositions(board.entries()),
        generated=dt.datetime.now(dt.UTC),
        is_test=True,
    )
    board.close()
    return time.perf_counter() - started


def own_peak_mib() -> float:
    """This process's own peak RSS (VmHWM of its address space since exec).

    Not ``getrusage``: on Linux a child's ``ru_maxrss`` starts from its parent's high-water
    mark, so a verifier started by a large parent would report the parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def verify_child(record: Path, workers: int) -> None:
    """Run in a fresh process: verify, print seconds and peak RSS as JSON."""
    from plebiscite.crypto import linear
    from plebiscite.verifier.verify import verify_record

    cluster = None
    scheduler = None
    if workers == 0:  # a local Dask cluster, one single-threaded worker process per core
        from dask.distributed import LocalCluster

        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True
        )
        scheduler = cluster.scheduler_address
    started = time.perf_counter()
    report = verify_record(record, workers=max(workers, 1), scheduler=scheduler)
    seconds = time.perf_counter() - started
    if cluster is not None:
        cluster.close()  # type: ignore[no-untyped-call]
    print(
        json.dumps(
            {
                "ok": report.ok,
                "failed": report.failed_checks(),
                "ballots": report.ballots,
                "seconds": seconds,
                "rss_mib": own_peak_mib(),
                "arithmetic": linear.backend(),
                "worker_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def measure(record: Path, workers: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--verify", str(record), "--workers", str(workers)],
        check=True,
        capture_output=True,
        text=True,
    )
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if not data["ok"]:
        raise SystemExit(f"the benchmark record does not verify: {data['failed']}")
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=10_000)
    parser.add_argument("--large", action="store_true", help="100,000 and 1,000,000 ballots")
    parser.add_argument("--sizes", help="comma-separated record sizes, e.g. 10000,100000")
    parser.add_argument("--dask", action="store_true", help="also on a local Dask cluster")
    parser.add_argument("--verify", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.verify is not None:
        verify_child(args.verify, args.workers)
        return
    sizes = [100_000, 1_000_000] if args.large else [max(1, args.ballots // 5), args.ballots]
    if args.sizes:
        sizes = [int(n) for n in args.sizes.split(",")]
    cores = os.cpu_count() or 1
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            record = Path(tmp) / "record"
            build_s = build(n, record, str(Path(tmp) / "board.sqlite"))
            size_mib = (record / "events.jsonl").stat().st_size / 2**20
            for workers in sorted({1, cores}) + ([0] if args.dask else []):
                m = measure(record, workers)
                rate = m["ballots"] / m["seconds"]
                rows.append(
                    {
                        "ballots": int(m["ballots"]),
                        "events_mib": round(size_mib, 1),
                        "build_s": round(build_s, 1),
                        "workers": workers or f"dask:{cores}",
                        "verify_s": round(m["seconds"], 1),
                        "ballots_per_s": round(rate, 1),
                        "s_per_million": round(1e6 / rate, 0),
                        "projected_5m_h": round(PROJECT / rate / 3600, 2),
                        "peak_rss_mib": round(m["rss_mib"], 1),
                        "worker_peak_rss_mib": round(m["worker_rss_mib"], 1),
                        "arithmetic": m["arithmetic"],
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    ones = {r["ballots"]: r for r in rows if r["workers"] == 1}
    for r in rows:
        if isinstance(r["workers"], str):
            print(f"{r['ballots']} ballots on a local Dask cluster: {r['ballots_per_s']:,} /s")
    alls = {r["ballots"]: r for r in rows if r["workers"] == cores}
    for n, one in ones.items():
        if cores > 1:
            speedup = alls[n]["ballots_per_s"] / one["ballots_per_s"]
            print(f"{n} ballots: {cores} processes verify {speedup:.2f}x as fast as one")


if __name__ == "__main__":
    main()
