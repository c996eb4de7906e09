"""The proof of a shuffle: honest shuffles verify, and a mix server that cheats is caught.

The attacker is the party that shuffles: it drops a row and puts in one of its own, duplicates a
row, changes a vote while re-encrypting, or edits the proof, and each time it tries to pass the
result off as a shuffle of the board's ballots.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.crypto.elgamal import Ciphertext, KeyPair, decrypt_to_point, encrypt
from plebiscite.crypto.group import G, Point, Scalar, g_pow
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.shuffle import (
    Row,
    ShuffleProof,
    prove_shuffle,
    random_permutation,
    shuffle,
    verify_shuffle,
)
from plebiscite.errors import CryptoError, EncodingError, ProofError

RNG = SeededRng(b"shuffle tests")
KEY = KeyPair.generate(RNG)
CONTEXT = b"shuffle test context"


def _rows(values: Sequence[tuple[int, ...]]) -> list[Row]:
    return [tuple(encrypt(KEY.public, m, RNG.scalar()) for m in row) for row in values]


def _plain(row: Row) -> tuple[Point, ...]:
    return tuple(decrypt_to_point(KEY.secret, ct) for ct in row)


def _shuffled(values: Sequence[tuple[int, ...]]) -> tuple[list[Row], list[Row], ShuffleProof]:
    inputs = _rows(values)
    outputs, psi, nonces = shuffle(KEY.public, inputs, RNG)
    proof = prove_shuffle(CONTEXT, KEY.public, inputs, outputs, psi, nonces, RNG)
    return inputs, outputs, proof


VALUES = [(7, 1, 0), (3, 0, 1), (9, 1, 0), (7, 0, 1), (5, 1, 0)]


def _with(proof: ShuffleProof, name: str, value: object) -> ShuffleProof:
    changes: dict[str, Any] = {name: value}
    return dataclasses.replace(proof, **changes)


@pytest.fixture(scope="module")
def honest() -> tuple[list[Row], list[Row], ShuffleProof]:
    return _shuffled(VALUES)


def test_an_honest_shuffle_verifies_and_keeps_every_row(
    honest: tuple[list[Row], list[Row], ShuffleProof],
) -> None:
    inputs, outputs, proof = honest
    verify_shuffle(CONTEXT, KEY.public, inputs, outputs, proof)
    assert sorted(map(_plain, inputs), key=repr) == sorted(map(_plain, outputs), key=repr)
    # Re-encrypted: no output ciphertext equals an input ciphertext.
    assert not {ct for row in inputs for ct in row} & {ct for row in outputs for ct in row}


def test_the_proof_survives_json(honest: tuple[list[Row], list[Row], ShuffleProof]) -> None:
    inputs, outputs, proof = honest
    again = ShuffleProof.from_json(proof.to_json(), len(inputs), 3)
    assert again == proof
    verify_shuffle(CONTEXT, KEY.public, inputs, outputs, again)
    with pytest.raises(EncodingError, match="commitments"):
        ShuffleProof.from_json({**proof.to_json(), "commitments": []}, len(inputs), 3)
    with pytest.raises(EncodingError, match="t4"):
        ShuffleProof.from_json(proof.to_json(), len(inputs), 2)


def test_a_row_replaced_by_the_shuffler_is_caught(
    honest: tuple[list[Row], list[Row], ShuffleProof],
) -> None:
    inputs, outputs, proof = honest
    forged = list(outputs)
    forged[2] = _rows([(9, 1, 0)])[0]  # a ballot of the shuffler's own, same tag
    with pytest.raises(ProofError, match="shuffle proof fails"):
        verify_shuffle(CONTEXT, KEY.public, inputs, forged, proof)


def test_a_row_dropped_and_another_duplicated_is_caught(
    honest: tuple[list[Row], list[Row], ShuffleProof],
) -> None:
    inputs, outputs, proof = honest
    with pytest.raises(ProofError, match="shuffle proof fails"):
        verify_shuffle(CONTEXT, KEY.public, inputs, [*outputs[:-1], outputs[0]], proof)
    with pytest.raises(ProofError):
        verify_shuffle(CONTEXT, KEY.public, inputs, outputs[:-1], proof)


def test_a_cheating_shuffler_cannot_prove_a_changed_vote() -> None:
    """It knows every nonce and follows the prover honestly, but one output adds a vote."""
    inputs = _rows(VALUES)
    outputs, psi, nonces = shuffle(KEY.public, inputs, RNG)
    changed = list(outputs)
    tag, yes, no = changed[0]
    changed[0] = (tag, Ciphertext(yes.alpha, yes.beta + G), Ciphertext(no.alpha, no.beta - G))
    proof = prove_shuffle(CONTEXT, KEY.public, inputs, changed, psi, nonces, RNG)
    with pytest.raises(ProofError, match="4 \\(column 1"):
        verify_shuffle(CONTEXT, KEY.public, inputs, changed, proof)


def test_the_proof_is_bound_to_context_key_inputs_and_every_element(
    honest: tuple[list[Row], list[Row], ShuffleProof],
) -> None:
    inputs, outputs, proof = honest
    with pytest.raises(ProofError):
        verify_shuffle(b"another election", KEY.public, inputs, outputs, proof)
    with pytest.raises(ProofError):
        verify_shuffle(CONTEXT, KEY.public + G, inputs, outputs, proof)
    with pytest.raises(ProofError):
        verify_shuffle(CONTEXT, KEY.public, list(reversed(inputs)), outputs, proof)
    one = Scalar(1)
    for name in ("s1", "s2", "s3"):
        bad = _with(proof, name, getattr(proof, name) + one)
        with pytest.raises(ProofError):
            verify_shuffle(CONTEXT, KEY.public, inputs, outputs, bad)
    for name in ("s4", "s_hat", "s_prime"):
        values = list(getattr(proof, name))
        values[0] = values[0] + one
        with pytest.raises(ProofError):
            verify_shuffle(
                CONTEXT,
                KEY.public,
                inputs,
                outputs,
                _with(proof, name, tuple(values)),
            )
    for name in ("commitments", "chain", "t_hat"):
        points = list(getattr(proof, name))
        points[-1] = points[-1] + G
        with pytest.raises(ProofError):
            verify_shuffle(
                CONTEXT,
                KEY.public,
                inputs,
                outputs,
                _with(proof, name, tuple(points)),
            )


@settings(max_examples=8, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1)), min_size=1, max_size=6))
def test_shuffles_of_any_size_verify_and_keep_the_multiset(values: list[tuple[int, int]]) -> None:
    inputs, outputs, proof = _shuffled(values)
    verify_shuffle(CONTEXT, KEY.public, inputs, outputs, proof)
    assert sorted(map(_plain, inputs), key=repr) == sorted(map(_plain, outputs), key=repr)


def test_the_permutation_is_a_permutation_and_rows_must_match() -> None:
    psi = random_permutation(50, SeededRng(b"p"))
    assert sorted(psi) == list(range(50)) and psi != list(range(50))
    with pytest.raises(CryptoError, match="at least one row"):
        shuffle(KEY.public, [], RNG)
    with pytest.raises(CryptoError, match="same number"):
        shuffle(KEY.public, [(encrypt(KEY.public, 1, RNG.scalar()),), ()], RNG)
    assert g_pow(0).is_identity()


def test_both_arithmetic_paths_agree_on_honest_and_cheating_shuffles(
    honest: tuple[list[Row], list[Row], ShuffleProof],
) -> None:
    from plebiscite.crypto import linear

    inputs, outputs, proof = honest
    forged = [*outputs[:-1], outputs[0]]
    links = list(proof.s_hat)
    links[2] = links[2] + Scalar(1)  # one chain link off: found by the weighted check, named
    for path in (linear.SODIUM, linear.NATIVE):
        if path == linear.NATIVE and not linear.native_available():
            continue
        with linear.using(path):
            verify_shuffle(CONTEXT, KEY.public, inputs, outputs, proof)
            with pytest.raises(ProofError):
                verify_shuffle(CONTEXT, KEY.public, inputs, forged, proof)
            with pytest.raises(ProofError, match="chain link 2"):
                verify_shuffle(
                    CONTEXT, KEY.public, inputs, outputs, _with(proof, "s_hat", tuple(links))
                )
