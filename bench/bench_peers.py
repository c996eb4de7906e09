"""plebiscite's ballot crypto beside electionguard 1.4.0's, same election, same N, same run.

    python bench/bench_peers.py [--ballots 250] [--runs 3]

Both sides run the same yes/no question (one contest, options yes and no, exactly one chosen)
on the same N ballots, alternating yes and no. plebiscite: ``run_crypto_bench`` (encrypt and
prove, verify on one core and on all cores), then the tally as the plain homomorphic sum per
option, and a 2-of-3 key ceremony (Pedersen DKG) plus the proven threshold decryption of the
tally. electionguard: ``bench/peers/electionguard_bench.py`` under its own Python 3.10
virtualenv (made by ``bench/peers/setup_electionguard.sh`` when missing), doing the same.

Every figure is the median of ``--runs`` runs. Prints a side-by-side table, then our speed as a
ratio of theirs (ours per second / theirs per second; for times, their seconds / ours), and
last one JSON object. Without Python 3.10 or the electionguard install it prints
``skipped: ...`` and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from plebiscite.crypto import linear
from plebiscite.crypto.ballot import EncryptedAnswer, encrypt_answer
from plebiscite.crypto.elgamal import Ciphertext, DiscreteLog
from plebiscite.crypto.hashing import hash_bytes
from plebiscite.crypto.randomness import SystemRng
from plebiscite.crypto.threshold import (
    combine_secret_share,
    combine_shares,
    deal,
    decrypt_share,
    joint_public_key,
    public_share,
    verify_dealer_message,
    verify_decryption_share,
    verify_share,
)
from plebiscite.services.simulation.bench import YES_NO, run_crypto_bench

BENCH = Path(__file__).resolve().parent
SETUP = BENCH / "peers" / "setup_electionguard.sh"
EG_SCRIPT = BENCH / "peers" / "electionguard_bench.py"

# (label, our key, their key, "rate" = higher is better, "time" = lower is better)
COMPARED = [
    ("encrypt+prove /s", "encrypt_ballots_per_s", "encrypt_ballots_per_s", "rate"),
    ("verify /s (1 core)", "verify_ballots_per_s", "verify_ballots_per_s", "rate"),
    ("verify /s (1c, batches)", "verify_ballots_per_s_batch", "verify_ballots_per_s", "rate"),
    ("tally, plain sum /s", "tally_sum_ballots_per_s", "tally_sum_ballots_per_s", "rate"),
    ("2-of-3 key ceremony s", "key_ceremony_s", "key_ceremony_s", "time"),
    ("2-of-3 decryption s", "decrypt_s", "decrypt_s", "time"),
]


def our_tally_and_threshold(ballots: int) -> dict[str, float]:
    """The plain sum per option over N answers, and a 2-of-3 ceremony plus decryption."""
    rng = SystemRng()
    context = hash_bytes("bench-peers")

    start = time.perf_counter()
    polys, messages = zip(*(deal(context, i, 2, 3, rng) for i in (1, 2, 3)), strict=True)
    for message in messages:
        verify_dealer_message(context, message, 2, 3)
    secrets: dict[int, Any] = {}
    for trustee in (1, 2, 3):
        received = []
        for poly, message in zip(polys, messages, strict=True):
            share = poly.evaluate(trustee)
            verify_share(message, trustee, share)
            received.append(share)
        secrets[trustee] = combine_secret_share(received)
    key = joint_public_key(messages)
    publics = {t: public_share(messages, t) for t in (1, 2, 3)}
    ceremony_s = time.perf_counter() - start

    answers: list[EncryptedAnswer] = []
    for i in range(ballots):
        choice = [1, 0] if i % 2 else [0, 1]
        answers.append(encrypt_answer(key, context, YES_NO, choice, os.urandom(32), rng))
    start = time.perf_counter()
    sums = [Ciphertext.zero(), Ciphertext.zero()]
    for answer in answers:
        sums = [acc + ct for acc, ct in zip(sums, answer.selections, strict=True)]
    sum_s = time.perf_counter() - start

    start = time.perf_counter()
    dlog = DiscreteLog(ballots)
    counts = []
    for total in sums:
        shares = {}
        for trustee in (1, 2):  # trustee 3 is absent
            share = decrypt_share(context, trustee, secrets[trustee], total, rng)
            verify_decryption_share(context, publics[trustee], total, share)
            shares[trustee] = share.value
        counts.append(dlog.solve(combine_shares(total, shares, 2)))
    decrypt_s = time.perf_counter() - start
    expected = [ballots // 2, ballots - ballots // 2]
    if counts != expected:
        raise SystemExit(f"plebiscite decrypted {counts}, expected {expected}")
    return {
        "tally_sum_ballots_per_s": ballots / sum_s,
        "key_ceremony_s": ceremony_s,
        "decrypt_s": decrypt_s,
    }


def ours(ballots: int, runs: int) -> dict[str, Any]:
    samples: list[dict[str, float]] = []
    for i in range(runs):
        figures = {
            k: v for k, v in run_crypto_bench(ballots).to_json().items() if not isinstance(v, str)
        }
        figures.update(our_tally_and_threshold(ballots))
        samples.append(figures)
        print(f"plebiscite run {i + 1}/{runs}: {json.dumps(figures)}", file=sys.stderr, flush=True)
    return {
        key: round(statistics.median(s[key] for s in samples), 1 if "per_s" in key else 4)
        for key in samples[0]
    }


def electionguard_python() -> tuple[str | None, str]:
    """The venv's python, setting it up if needed; or None and why not."""
    done = subprocess.run(
        ["bash", str(SETUP)], capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
        return None, lines[-1].removeprefix(
            "error: "
        ) if lines else f"{SETUP.name} exited {done.returncode}"
    return done.stdout.strip().splitlines()[-1], ""


def theirs(python: str, ballots: int, runs: int, tally_sample: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PRIME_OPTION"}  # full 4096-bit group
    command = [
        python,
        str(EG_SCRIPT),
        f"--ballots={ballots}",
        f"--runs={runs}",
        f"--tally-sample={tally_sample}",
    ]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{EG_SCRIPT.name} failed (exit {done.returncode})")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def ratio(our: float, their: float, kind: str) -> float:
    if kind == "rate":
        return round(our / their, 1) if their else float("nan")
    return round(their / our, 1) if our else float("nan")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=250)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--tally-sample",
        type=int,
        default=60,
        help="ballots for electionguard's tally_ballots(), which re-verifies each (default 60)",
    )
    args = parser.parse_args(argv)

    python, why = electionguard_python()
    if python is None:
        print(f"skipped: electionguard 1.4.0 is unavailable: {why}")
        return 0

    started = time.perf_counter()
    our = ours(args.ballots, args.runs)
    their = theirs(python, args.ballots, args.runs, args.tally_sample)
    elapsed = time.perf_counter() - started

    print(f"\n{args.ballots} yes/no ballots, median of {args.runs} runs each side")
    print(f"{'':24}{'plebiscite':>14}{'electionguard':>16}{'ours / theirs':>16}")
    figures: dict[str, Any] = {"ballots": args.ballots, "runs": args.runs}
    for label, our_key, their_key, kind in COMPARED:
        r = ratio(our[our_key], their[their_key], kind)
        print(f"{label:24}{our[our_key]:>14,}{their[their_key]:>16,}{r:>15,}x")
        figures[f"plebiscite_{our_key}"] = our[our_key]
        figures[f"electionguard_{their_key}"] = their[their_key]
        figures[f"speed_ratio_{our_key.removesuffix('_ballots_per_s').removesuffix('_s')}"] = r
    print(f"{'verify /s (all cores)':24}{our['verify_ballots_per_s_all_cores']:>14,}{'-':>16}")
    extra = their["tally_batch_append_ballots_per_s"], their["tally_ballots_fn_ballots_per_s"]
    print(f"electionguard tally paths: batch_append (no checks) {extra[0]:,}/s; tally_ballots()")
    print(f"  (re-verifies every ballot) {extra[1]:,}/s on {their['tally_ballots_fn_sample']}")
    figures.update(
        {
            "plebiscite_verify_ballots_per_s_all_cores": our["verify_ballots_per_s_all_cores"],
            "plebiscite_arithmetic": linear.backend(),
            "electionguard_tally_batch_append_ballots_per_s": extra[0],
            "electionguard_tally_ballots_fn_ballots_per_s": extra[1],
            "electionguard_group_bits": their["group_bits"],
            "electionguard_logging": their["logging"],
            "electionguard_python": their["python"],
            "seconds": round(elapsed, 1),
        }
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
