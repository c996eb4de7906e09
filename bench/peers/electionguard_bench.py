"""electionguard 1.4.0 on plebiscite's yes/no election; prints one JSON object on its last line.

Run it with the Python 3.10 virtualenv that ``bench/peers/setup_electionguard.sh`` makes::

    bench/.venv-eg/bin/python bench/peers/electionguard_bench.py --ballots 250 --runs 3

The election is plebiscite's benchmark question: one contest, options "yes" and "no", exactly
one chosen (electionguard encodes it as a 1-of-m contest with votes_allowed 1, and adds one
placeholder selection, so a ballot is 3 ciphertexts with 3 disjunctive proofs and one
constant-sum proof). Ballots alternate yes and no, as in ``run_crypto_bench``.

Each run does, timed stage by stage:

* a key ceremony of ``--guardians`` guardians with quorum ``--quorum`` (KeyCeremonyMediator:
  announce, backups, backup verification, joint key);
* encrypt-and-prove of N ballots through an EncryptionMediator (one device, chained codes;
  proofs not re-checked at encryption, the library's default);
* verification of each submitted ballot on one core (``is_valid_encryption``: hashes, every
  selection proof and the contest proof);
* the homomorphic tally as the plain sum per selection (``elgamal_add``), and the library's
  own paths: ``CiphertextTally.batch_append(should_validate=False)`` (sum through its process
  pool) and ``tally_ballots()`` (which re-verifies every ballot, on ``--tally-sample`` ballots);
* decryption of the tally with one guardian missing (its share rebuilt from the others'
  compensated shares; every share proof is checked by the library), checked against the votes.

The figures are the median over ``--runs`` runs. Logging: ``log_info``/``log_debug`` walk the
call stack and format 4096-bit numbers on every call even when the level filters them out; by
default they are switched off (electionguard's best case); ``--as-shipped`` keeps them on.

This file runs under Python 3.10 with electionguard's packages and is not part of plebiscite's
type-checked sources.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import statistics
import sys
import time
from importlib.metadata import version
from typing import Any


def quiet_logging(as_shipped: bool) -> None:
    """Keep stdout for the JSON; unless ``as_shipped``, make info/debug logging free."""
    from electionguard import logs

    logger = logging.getLogger("electionguard")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setLevel(logging.WARNING)
    logger.addHandler(to_stderr)
    if not as_shipped:

        def silent(self: Any, message: str, *args: Any, **kwargs: Any) -> None:
            return None

        logs.ElectionGuardLog.info = silent  # type: ignore[method-assign]
        logs.ElectionGuardLog.debug = silent  # type: ignore[method-assign]


def yes_no_manifest() -> Any:
    from electionguard.manifest import (
        BallotStyle,
        Candidate,
        ElectionType,
        GeopoliticalUnit,
        InternationalizedText,
        Language,
        Manifest,
        ReferendumContestDescription,
        ReportingUnitType,
        SelectionDescription,
        SpecVersion,
        VoteVariationType,
    )

    area = GeopoliticalUnit(object_id="area", name="Benchmark area", type=ReportingUnitType.county)
    options = [
        SelectionDescription(object_id=option, sequence_order=i, candidate_id=option)
        for i, option in enumerate(("yes", "no"))
    ]
    contest = ReferendumContestDescription(
        object_id="referendum",
        sequence_order=0,
        electoral_district_id=area.object_id,
        vote_variation=VoteVariationType.one_of_m,
        number_elected=1,
        votes_allowed=1,
        name="referendum",
        ballot_selections=options,
    )
    manifest = Manifest(
        election_scope_id="plebiscite-bench",
        spec_version=SpecVersion.EG1_0,
        type=ElectionType.special,
        start_date=dt.datetime(2024, 1, 1, 8),
        end_date=dt.datetime(2024, 1, 1, 20),
        geopolitical_units=[area],
        parties=[],
        candidates=[Candidate(object_id="yes"), Candidate(object_id="no")],
        contests=[contest],
        ballot_styles=[BallotStyle(object_id="style", geopolitical_unit_ids=[area.object_id])],
        name=InternationalizedText([Language("Yes/no benchmark", "en")]),
    )
    if not manifest.is_valid():
        raise SystemExit("electionguard rejected the yes/no manifest")
    return manifest


def key_ceremony(guardians: int, quorum: int) -> tuple[list[Any], Any]:
    """Every guardian announces, sends and checks backups; returns guardians and joint key."""
    from electionguard.guardian import Guardian
    from electionguard.key_ceremony import CeremonyDetails
    from electionguard.key_ceremony_mediator import KeyCeremonyMediator

    details = CeremonyDetails(guardians, quorum)
    people = [Guardian.from_nonce(f"g{i}", i, guardians, quorum) for i in range(1, guardians + 1)]
    mediator = KeyCeremonyMediator("bench-mediator", details)
    for person in people:
        mediator.announce(person.share_key())
    for person in people:
        for key in mediator.share_announced(person.id) or []:
            person.save_guardian_key(key)
    for person in people:
        if not person.generate_election_partial_key_backups():
            raise SystemExit(f"guardian {person.id} could not make its backups")
        mediator.receive_backups(person.share_election_partial_key_backups())
    for person in people:
        for backup in mediator.share_backups(person.id) or []:
            person.save_election_partial_key_backup(backup)
    for person in people:
        checks = [
            person.verify_election_partial_key_backup(other.id)
            for other in people
            if other.id != person.id
        ]
        if any(check is None or not check.verified for check in checks):
            raise SystemExit(f"guardian {person.id} rejected a backup")
        mediator.receive_backup_verifications(checks)
    joint = mediator.publish_joint_key()
    if joint is None:
        raise SystemExit("the key ceremony did not produce a joint key")
    return people, joint


def plaintext_ballots(count: int) -> list[Any]:
    from electionguard.ballot import (
        PlaintextBallot,
        PlaintextBallotContest,
        PlaintextBallotSelection,
    )

    ballots = []
    for i in range(count):
        choice = "yes" if i % 2 else "no"
        selection = PlaintextBallotSelection(object_id=choice, vote=1)
        contest = PlaintextBallotContest(object_id="referendum", ballot_selections=[selection])
        ballots.append(
            PlaintextBallot(object_id=f"ballot-{i}", style_id="style", contests=[contest])
        )
    return ballots


def decrypt_missing_one(
    people: list[Any], context: Any, tally: Any, manifest: Any
) -> dict[str, int]:
    """Decrypt with the last guardian absent; return the count per real selection."""
    from electionguard.decryption_mediator import DecryptionMediator

    present, absent = people[:-1], people[-1]
    mediator = DecryptionMediator("bench-decryption", context)
    for person in present:
        share = person.compute_tally_share(tally, context)
        if share is None:
            raise SystemExit(f"guardian {person.id} produced no tally share")
        mediator.announce(person.share_key(), share, {})
    absent_key = present[0].share_other_guardian_key(absent.id)
    mediator.announce_missing(absent_key)
    for person in present:
        partial = person.compute_compensated_tally_share(absent.id, tally, context)
        if partial is None:
            raise SystemExit(f"guardian {person.id} could not stand in for {absent.id}")
        mediator.receive_tally_compensation_share(partial)
    mediator.reconstruct_shares_for_tally(tally)
    result = mediator.get_plaintext_tally(tally, manifest)
    if result is None:
        raise SystemExit("electionguard could not decrypt the tally")
    selections = result.contests["referendum"].selections
    return {name: selections[name].tally for name in ("yes", "no")}


def one_run(args: argparse.Namespace, manifest: Any, scheduler: Any) -> dict[str, float]:
    from electionguard.ballot import BallotBoxState
    from electionguard.ballot_box import submit_ballot
    from electionguard.data_store import DataStore
    from electionguard.election import make_ciphertext_election_context
    from electionguard.elgamal import elgamal_add
    from electionguard.encrypt import EncryptionDevice, EncryptionMediator
    from electionguard.manifest import InternalManifest
    from electionguard.tally import CiphertextTally, tally_ballots

    n = args.ballots
    start = time.perf_counter()
    people, joint = key_ceremony(args.guardians, args.quorum)
    ceremony_s = time.perf_counter() - start

    internal = InternalManifest(manifest)
    context = make_ciphertext_election_context(
        args.guardians,
        args.quorum,
        joint.joint_public_key,
        joint.commitment_hash,
        manifest.crypto_hash(),
    )
    device = EncryptionDevice(device_id=1, session_id=1, launch_code=1, location="bench")
    encrypter = EncryptionMediator(internal, context, device)
    plain = plaintext_ballots(n)

    start = time.perf_counter()
    encrypted = [encrypter.encrypt(ballot) for ballot in plain]
    encrypt_s = time.perf_counter() - start
    if any(ballot is None for ballot in encrypted):
        raise SystemExit("electionguard failed to encrypt a ballot")

    submitted = [submit_ballot(ballot, BallotBoxState.CAST) for ballot in encrypted]
    start = time.perf_counter()
    for ballot in submitted:
        if not ballot.is_valid_encryption(
            internal.manifest_hash,
            context.elgamal_public_key,
            context.crypto_extended_base_hash,
        ):
            raise SystemExit(f"electionguard rejected its own ballot {ballot.object_id}")
    verify_s = time.perf_counter() - start

    per_selection: dict[str, list[Any]] = {"yes": [], "no": []}
    for ballot in submitted:
        for selection in ballot.contests[0].ballot_selections:
            if selection.object_id in per_selection:
                per_selection[selection.object_id].append(selection.ciphertext)
    start = time.perf_counter()
    sums = {name: elgamal_add(*cts) for name, cts in per_selection.items()}
    sum_s = time.perf_counter() - start

    tally = CiphertextTally("bench-tally", internal, context)
    start = time.perf_counter()
    if not tally.batch_append(
        [(b.object_id, b) for b in submitted], should_validate=False, scheduler=scheduler
    ):
        raise SystemExit("batch_append failed")
    batch_s = time.perf_counter() - start
    for name, total in sums.items():
        if tally.contests["referendum"].selections[name].ciphertext != total:
            raise SystemExit(f"the plain sum and batch_append disagree on {name!r}")

    sample = submitted[: min(n, args.tally_sample)]
    store: Any = DataStore()
    for ballot in sample:
        store.set(ballot.object_id, ballot)
    start = time.perf_counter()
    checked_tally = tally_ballots(store, internal, context)
    tally_ballots_s = time.perf_counter() - start
    if checked_tally is None or checked_tally.cast() != len(sample):
        raise SystemExit("tally_ballots() failed")

    start = time.perf_counter()
    counts = decrypt_missing_one(people, context, tally, manifest)
    decrypt_s = time.perf_counter() - start
    expected = {"yes": n // 2, "no": n - n // 2}
    if counts != expected:
        raise SystemExit(f"decrypted {counts}, expected {expected}")

    return {
        "encrypt_ballots_per_s": n / encrypt_s,
        "verify_ballots_per_s": n / verify_s,
        "tally_sum_ballots_per_s": n / sum_s,
        "tally_batch_append_ballots_per_s": n / batch_s,
        "tally_ballots_fn_ballots_per_s": len(sample) / tally_ballots_s,
        "key_ceremony_s": ceremony_s,
        "decrypt_s": decrypt_s,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--guardians", type=int, default=3)
    parser.add_argument("--quorum", type=int, default=2)
    parser.add_argument(
        "--tally-sample",
        type=int,
        default=60,
        help="ballots given to tally_ballots(), which re-verifies each one (default 60)",
    )
    parser.add_argument("--as-shipped", action="store_true", help="keep its logging on")
    args = parser.parse_args(argv)
    if args.ballots < 2 or args.runs < 1 or not 1 <= args.quorum < args.guardians:
        parser.error("need --ballots >= 2, --runs >= 1 and 1 <= --quorum < --guardians")

    quiet_logging(args.as_shipped)
    from electionguard.constants import get_constants
    from electionguard.scheduler import Scheduler

    bits = int(get_constants().large_prime).bit_length()
    manifest = yes_no_manifest()
    with Scheduler() as scheduler:
        runs = []
        for i in range(args.runs):
            runs.append(one_run(args, manifest, scheduler))
            print(f"run {i + 1}/{args.runs}: {json.dumps(runs[-1])}", file=sys.stderr, flush=True)

    figures: dict[str, Any] = {"system": f"electionguard {version('electionguard')}"}
    for key in runs[0]:
        value = statistics.median(run[key] for run in runs)
        figures[key] = round(value, 1 if key.endswith("_per_s") else 3)
    figures.update(
        {
            "ballots": args.ballots,
            "runs": args.runs,
            "tally_ballots_fn_sample": min(args.ballots, args.tally_sample),
            "guardians": args.guardians,
            "quorum": args.quorum,
            "group_bits": bits,
            "ciphertexts_per_ballot": 3,
            "logging": "as shipped" if args.as_shipped else "info/debug off",
            "python": platform.python_version(),
            "cpu_count": os.cpu_count() or 1,
        }
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
