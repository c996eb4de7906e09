"""Batch verification: honest batches pass, and a bad proof in a batch is found and named.

The attackers: a voter device that slips one ballot with a false proof among honest ones
(its challenge right, a response wrong, so only the combined equation can catch it), and one
that plants two errors meant to cancel each other in the combination (they would with
predictable weights; random weights keep them apart).
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from plebiscite.crypto import _vartime, linear
from plebiscite.crypto.ballot import EncryptedAnswer, QuestionSpec, add_answer, encrypt_answer
from plebiscite.crypto.batch import ProofBatch
from plebiscite.crypto.elgamal import KeyPair, encrypt
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.threshold import add_decryption_share, decrypt_share
from plebiscite.errors import CryptoError

SPEC = QuestionSpec("q", 2, 1, 1)
PATHS = [linear.SODIUM] + ([linear.NATIVE] if _vartime.AVAILABLE else [])
RNG = SeededRng(b"batch tests")
KEY = KeyPair.generate(RNG)
ANSWERS = [
    encrypt_answer(KEY.public, b"ctx", SPEC, [i % 2, 1 - i % 2], bytes([i]) * 32, RNG)
    for i in range(24)
]


def _with_response(answer: EncryptedAnswer, option: int, delta: int) -> EncryptedAnswer:
    proofs = list(answer.selection_proofs)
    p = proofs[option]
    proofs[option] = dataclasses.replace(p, v=(p.v[0] + Scalar(delta), *p.v[1:]))
    return dataclasses.replace(answer, selection_proofs=tuple(proofs))


def _batch(answers: list[EncryptedAnswer]) -> ProofBatch:
    batch = ProofBatch(os.urandom(32))
    for i, answer in enumerate(answers):
        add_answer(batch, i, KEY.public, b"ctx", SPEC, answer)
    return batch


def _run(answers: list[EncryptedAnswer]) -> list[tuple[object, str]]:
    return _batch(answers).failures()


@pytest.mark.parametrize("path", PATHS)
def test_an_honest_batch_passes(path: str) -> None:
    with linear.using(path):
        batch = _batch(ANSWERS)
        assert len(batch) == 3 * len(ANSWERS)
        assert batch.failures() == []
        # on the native path, by the one combined check (no one-by-one fallback)
        assert batch.combined_holds() is (path == linear.NATIVE)


@pytest.mark.parametrize("path", PATHS)
def test_one_bad_proof_in_a_batch_is_found_and_named(path: str) -> None:
    answers = list(ANSWERS)
    answers[13] = _with_response(answers[13], 1, 1)
    with linear.using(path):
        batch = _batch(answers)
        assert not batch.combined_holds()
        failures = batch.failures()
    assert [label for label, _ in failures] == [13]
    assert "question 'q' option 1" in failures[0][1]


@pytest.mark.parametrize("path", PATHS)
def test_errors_that_cancel_under_equal_weights_are_caught(path: str) -> None:
    """v + d in one proof and v - d in another's same-shaped equation: with weight 1 for both
    (or any weights the prover could predict), the two errors d*G and -d*G would cancel."""
    answers = list(ANSWERS)
    answers[2] = _with_response(answers[2], 0, 5)
    answers[4] = _with_response(answers[4], 0, -5)
    with linear.using(path):
        failures = _run(answers)
    assert sorted(label for label, _ in failures) == [2, 4]  # type: ignore[type-var]


def test_a_challenge_that_is_not_the_hash_is_named_at_once() -> None:
    answers = list(ANSWERS)
    p = answers[5].sum_proof
    answers[5] = dataclasses.replace(
        answers[5], sum_proof=dataclasses.replace(p, c=(p.c[0] + Scalar(1),))
    )
    failures = _run(answers)
    assert failures[0][0] == 5 and "selection count" in failures[0][1]
    assert "challenge" in failures[0][1]


@pytest.mark.parametrize("path", PATHS)
def test_a_false_decryption_share_is_named(path: str) -> None:
    rng = SeededRng(b"shares")
    cts = [encrypt(KEY.public, i % 3, rng.scalar()) for i in range(10)]
    shares = [decrypt_share(b"ctx", 1, KEY.secret, ct, rng) for ct in cts]
    # trustee 1 publishes for the 7th ciphertext the share of another one, with that proof
    shares[6] = dataclasses.replace(shares[6], value=shares[6].value + Point.base_mul(Scalar(1)))
    shares[6] = dataclasses.replace(
        shares[6], proof=dataclasses.replace(shares[6].proof, v=shares[6].proof.v + Scalar(1))
    )
    with linear.using(path):
        batch = ProofBatch(os.urandom(32))
        for i, (ct, share) in enumerate(zip(cts, shares, strict=True)):
            add_decryption_share(batch, i, f"cell {i}", b"ctx", KEY.public, ct, share)
        failures = batch.failures()
    assert [label for label, _ in failures] == [6]
    assert "cell 6: decryption share of trustee 1" in failures[0][1]


def test_the_seed_must_be_32_bytes() -> None:
    with pytest.raises(CryptoError, match="32-byte"):
        ProofBatch(b"short")
