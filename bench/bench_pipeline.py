"""The whole count after the close: `python bench/bench_pipeline.py [--home N] [--workers W]`.

Builds a SQLite board with the seed manifest (3 of 5 trustees), a roll, and N door-to-door
ballots (real encryptions, tags and proofs), 5% of whose voters also vote in a booth (so the
filter sets their home ballots aside); closes; then times each step of the count as
``docs/runbook.md`` runs it, with three trustees: ``tally mix`` (W processes), three
``trustee convert``, three ``trustee decrypt`` (tag shares), ``tally run`` (filter and tally),
three ``trustee decrypt`` (tally shares) and ``tally combine``. Prints per step the seconds,
the total in seconds per million home ballots, the peak memory (RSS high-water mark of this
process and of its worker processes) and a linear projection for 5 million home ballots.

Every trustee checks every shuffle before converting and before decrypting: those checks are
part of the figures (they are the cost of not trusting the authority).
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
from typing import Any

from plebiscite.crypto.ballot import encrypt_answer
from plebiscite.crypto.randomness import SystemRng
from plebiscite.domain.ballot import CHECKIN_BYTES, Ballot, encrypt_tag, genesis_code, region_specs
from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.roll import build_roll, generate_roll
from plebiscite.record.events import Event, EventType
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
from plebiscite.services.tally.mixing import convert, filter_tags, mix, post_tag_shares
from plebiscite.services.voting.records import sign_check_in

ROOT = Path(__file__).resolve().parents[1]
PRESENT = (1, 3, 4)  # the trustees who convert and decrypt (k = 3)
OVERRIDE_SHARE = 0.05


def peak_mib() -> tuple[float, float]:
    """(this process, its largest finished child) RSS high-water marks, MiB."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, children


def _cpu() -> float:
    """CPU seconds of this process and of its finished worker processes (the machine is shared:
    wall time depends on the load, CPU time much less)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _events(
    election: Election, manifest: Manifest, home: int, seed: int
) -> list[tuple[Event, Event]]:
    """A check-in and a ballot per home voter, and per overriding voter a booth ballot too."""
    rng = random.Random(seed)
    key, ctx = election.election_key, election.context
    assert key is not None
    crypto = SystemRng()
    voters = sorted(election.voters.values(), key=lambda v: v.pseudonym)
    rng.shuffle(voters)
    where = {(loc.precinct_id, loc.kind): loc for loc in manifest.locations}
    codes: dict[str, str] = {}
    out = []
    plan = [(v, LocationKind.MOBILE_TEAM) for v in voters[:home]]
    plan += [(v, LocationKind.REGULAR_STATION) for v in voters[: int(home * OVERRIDE_SHARE)]]
    for voter, kind in plan:
        location = where[(voter.precinct_id, kind)]
        spans = manifest.open_spans(location)
        start, end = spans[-1] if kind.is_booth else spans[0]
        at = (start + (end - start) * rng.random()).astimezone(dt.UTC).isoformat()
        answers = []
        for spec in region_specs(manifest, voter.region_id):
            pick = 0 if rng.random() < 0.6 else 1
            vector = [1 if i == pick else 0 for i in range(spec.n_options)]
            answers.append(encrypt_answer(key, ctx, spec, vector, rng.randbytes(32), crypto))
        device = f"synthetic-{location.id}"
        signing = device_key(location.id)
        checkin = rng.randbytes(CHECKIN_BYTES).hex()
        election_hex = election.manifest_hash.hex()
        check_in = {
            "device": device,
            "checkin": checkin,
            "at": at,
            "signature": sign_check_in(signing, election_hex, device, checkin),
        }
        tag, _ = encrypt_tag(key, ctx, device, checkin, voter.pseudonym, crypto)
        previous = codes.get(device, genesis_code(election.manifest_hash, device))
        ballot = Ballot(election_hex, device, location.id, checkin, previous, tag, tuple(answers))
        code = codes[device] = ballot.tracking_code()
        payload = {
            "ballot": ballot.to_json(),
            "signature": ballot.sign(signing),
            "tracking_code": code,
            "received_at": at,
        }
        private = {"voter": voter.pseudonym}
        out.append(
            (
                Event.create(EventType.CHECK_IN, check_in, private=private),
                Event.create(EventType.BALLOT_CAST, payload, private=private),
            )
        )
    return out


def build(db: str, manifest: Manifest, home: int) -> list[TrusteeState]:
    digest = manifest_hash(manifest)
    board = SqlBoard.open(db, create=True)
    try:
        publish_manifest(board, manifest)
        entries = generate_roll(manifest, int(home * 1.1) + 50, random.Random(1), home_share=1.0)
        publish_roll(board, build_roll(manifest, digest, entries, os.urandom(32)))
        trustees = [TrusteeState.create(i, digest) for i in range(1, 6)]
        run_local_ceremony(board, trustees, SystemRng())
        board.append_batch(enrolment_events(manifest))
        election = load_election(board)
        batch: list[Event] = []
        for pair in _events(election, manifest, home, 2):
            batch.extend(pair)
            if len(batch) >= 1000:
                board.append_batch(batch)
                batch = []
        board.append_batch(batch)
        publish_close(board, dt.datetime(2022, 9, 27, 23, tzinfo=manifest.zone))
    finally:
        board.close()
    return trustees


def run(db: str, trustees: list[TrusteeState], home: int, workers: int) -> dict[str, Any]:
    steps: dict[str, float] = {}
    cpu: dict[str, float] = {}
    board = SqlBoard.open(db)
    try:

        def timed(name: str, action: Any) -> Any:
            start, used = time.perf_counter(), _cpu()
            value = action()
            steps[name] = round(time.perf_counter() - start, 2)
            cpu[name] = round(_cpu() - used, 2)
            return value

        timed("mix", lambda: mix(board, SystemRng(), workers=workers))
        for t in PRESENT:
            timed(f"convert_{t}", lambda t=t: convert(board, trustees[t - 1], SystemRng()))
        for t in PRESENT:
            timed(
                f"tag_shares_{t}", lambda t=t: post_tag_shares(board, trustees[t - 1], SystemRng())
            )
        kept = timed("filter", lambda: filter_tags(board))
        set_aside = sum(r.filtered.set_aside for r in kept.regions.values())
        timed("tally_run", lambda: publish_tally(board, db=db, workers=workers))
        for t in PRESENT:
            timed(
                f"tally_shares_{t}",
                lambda t=t: trustee_decrypt(board, trustees[t - 1], SystemRng()),
            )
        results = timed("combine", lambda: combine(board))
        assert not isinstance(results, Waiting)
    finally:
        board.close()
    total = sum(v for k, v in steps.items() if k != "filter")  # tally_run filters again
    per_million = total * 1e6 / home
    me, child = peak_mib()
    return {
        "home_ballots": home,
        "booth_ballots": int(home * OVERRIDE_SHARE),
        "set_aside": set_aside,
        "processes": workers,
        "steps_s": steps,
        "total_s": round(total, 1),
        "total_cpu_s": round(sum(v for k, v in cpu.items() if k != "filter"), 1),
        "steps_cpu_s": cpu,
        "s_per_million_home": round(per_million, 0),
        "projected_h_for_5_million": round(per_million * 5 / 3600, 1),
        "peak_rss_mib": round(me, 1),
        "peak_rss_worker_mib": round(child, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=int, nargs="+", default=[2_000], help="home ballots")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="processes")
    args = parser.parse_args()
    manifest = load_manifest(ROOT / "examples" / "seed-referendum" / "manifest.toml")
    figures = []
    for home in args.home:
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "base.sqlite"
            start = time.perf_counter()
            trustees = build(str(base), manifest, home)
            built = round(time.perf_counter() - start, 1)
            for workers in args.workers:
                db = Path(tmp) / f"run-{workers}.sqlite"
                db.write_bytes(base.read_bytes())  # the same closed board for every run
                figure = run(str(db), trustees, home, workers)
                figure["build_s"] = built
                figures.append(figure)
                print(json.dumps(figure), flush=True)
    print(json.dumps(figures))  # the table, last (bench/report.py)


if __name__ == "__main__":
    main()
