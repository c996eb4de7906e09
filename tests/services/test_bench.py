"""The crypto benchmark counts what it claims (no timing is asserted)."""

from __future__ import annotations

from plebiscite.crypto import linear
from plebiscite.crypto.ballot import encrypt_answer, verify_answer
from plebiscite.crypto.elgamal import KeyPair
from plebiscite.crypto.randomness import SeededRng
from plebiscite.services.simulation.bench import YES_NO, count_scalar_mults, run_crypto_bench


def test_one_yes_no_verification_costs_fifteen_arbitrary_multiplications() -> None:
    rng = SeededRng(b"bench")
    key = KeyPair.generate(rng).public
    answer = encrypt_answer(key, b"ctx", YES_NO, [1, 0], b"s" * 32, rng)
    with count_scalar_mults() as counter, linear.using(linear.SODIUM):
        verify_answer(key, b"ctx", YES_NO, answer)
    # 2 options x 6 (0/1 proofs) + 3 (exactly-one sum proof).
    assert counter[0] == 15


def test_bench_reports_every_figure() -> None:
    stages: set[str] = set()
    result = run_crypto_bench(ballots=8, progress=lambda s, _d, _t: stages.add(s))
    data = result.to_json()
    for key in (
        "scalar_mult_per_s",
        "encrypt_ballots_per_s",
        "verify_ballots_per_s",
        "verify_ballots_per_s_batch",
        "verify_ballots_per_s_libsodium",
    ):
        assert isinstance(data[key], float) and data[key] > 0
    assert data["arithmetic"] == linear.backend()
    assert data["scalar_mults_per_verify"] == 15
    assert data["ballots"] == 8
    assert {"encrypt and prove", "verify (1 core)", "verify in batches"} <= stages
