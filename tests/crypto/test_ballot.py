"""Encrypted answers: a valid choice verifies, an invalid one cannot be proven, openings check."""

from __future__ import annotations

from dataclasses import replace

import pytest

from plebiscite.crypto.ballot import (
    EncryptedAnswer,
    QuestionSpec,
    encrypt_answer,
    verify_answer,
    verify_opening,
)
from plebiscite.crypto.elgamal import Ciphertext, KeyPair, encrypt
from plebiscite.crypto.group import Scalar
from plebiscite.crypto.proofs import prove_range
from plebiscite.crypto.randomness import SeededRng
from plebiscite.errors import CryptoError, EncodingError, ProofError

RNG = SeededRng(b"ballot-tests")
KEY = KeyPair.generate(RNG)
CTX = b"ctx"
YES_NO = QuestionSpec("q1", 2, 1, 1)
BLANK_OK = QuestionSpec("q2", 3, 0, 1)
SEED = b"\x07" * 32


@pytest.mark.parametrize(
    ("spec", "choices"),
    [(YES_NO, [1, 0]), (YES_NO, [0, 1]), (BLANK_OK, [0, 0, 0]), (BLANK_OK, [0, 0, 1])],
)
def test_valid_answers_verify_and_open(spec: QuestionSpec, choices: list[int]) -> None:
    answer = encrypt_answer(KEY.public, CTX, spec, choices, SEED, RNG)
    verify_answer(KEY.public, CTX, spec, answer)
    verify_opening(KEY.public, answer, choices, SEED)
    assert EncryptedAnswer.from_json(answer.to_json()) == answer


def test_invalid_choices_are_refused_by_the_booth() -> None:
    for spec, choices, match in [
        (YES_NO, [1, 1], "2 options selected"),
        (YES_NO, [0, 0], "0 options selected"),
        (YES_NO, [2, 0], "0 or 1"),
        (YES_NO, [1], "2 values"),
    ]:
        with pytest.raises(CryptoError, match=match):
            encrypt_answer(KEY.public, CTX, spec, choices, SEED, RNG)


def test_question_spec_validation() -> None:
    with pytest.raises(CryptoError, match="no options"):
        QuestionSpec("q", 0, 0, 0)
    with pytest.raises(CryptoError, match="min_selections"):
        QuestionSpec("q", 2, 2, 1)


def test_double_vote_with_forged_sum_proof_fails() -> None:
    """A device encrypts yes AND no, each with a valid 0/1 proof; the sum proof cannot hold."""
    honest = encrypt_answer(KEY.public, CTX, YES_NO, [1, 0], SEED, RNG)
    r = RNG.scalar()
    doubled = list(honest.selections)
    doubled[1] = encrypt(KEY.public, 1, r)
    forged_proofs = list(honest.selection_proofs)
    from plebiscite.crypto.ballot import selection_context

    forged_proofs[1] = prove_range(
        selection_context(CTX, "q1", 1), KEY.public, doubled[1], 1, r, 0, 1, RNG
    )
    forged = replace(honest, selections=tuple(doubled), selection_proofs=tuple(forged_proofs))
    with pytest.raises(ProofError, match="selection count"):
        verify_answer(KEY.public, CTX, YES_NO, forged)


def test_tampered_answers_fail() -> None:
    answer = encrypt_answer(KEY.public, CTX, YES_NO, [1, 0], SEED, RNG)
    swapped = replace(
        answer,
        selections=answer.selections[::-1],
        selection_proofs=answer.selection_proofs[::-1],
    )
    with pytest.raises(ProofError, match="option 0"):
        verify_answer(KEY.public, CTX, YES_NO, swapped)
    with pytest.raises(ProofError, match="not 'q2'"):
        verify_answer(KEY.public, CTX, replace(YES_NO, question_id="q2"), answer)
    with pytest.raises(ProofError, match="3 options"):
        verify_answer(KEY.public, CTX, replace(YES_NO, n_options=3), answer)
    with pytest.raises(ProofError):
        verify_answer(KEY.public, b"other election", YES_NO, answer)
    zero_alpha = replace(
        answer,
        selections=(Ciphertext(Ciphertext.zero().alpha, answer.selections[0].beta),)
        + answer.selections[1:],
    )
    with pytest.raises(ProofError, match="alpha is the identity"):
        verify_answer(KEY.public, CTX, YES_NO, zero_alpha)


def test_opening_must_match() -> None:
    answer = encrypt_answer(KEY.public, CTX, YES_NO, [1, 0], SEED, RNG)
    with pytest.raises(ProofError, match="does not re-encrypt"):
        verify_opening(KEY.public, answer, [0, 1], SEED)
    with pytest.raises(ProofError, match="does not re-encrypt"):
        verify_opening(KEY.public, answer, [1, 0], b"\x08" * 32)
    with pytest.raises(ProofError, match="option count"):
        verify_opening(KEY.public, answer, [1], SEED)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: None,
        lambda d: {**d, "extra": 1},
        lambda d: {**d, "question": 5},
        lambda d: {**d, "selections": "x"},
        lambda d: {**d, "selection_proofs": []},
    ],
)
def test_answer_json_errors(mutate: object) -> None:
    answer = encrypt_answer(KEY.public, CTX, YES_NO, [1, 0], SEED, RNG)
    with pytest.raises(EncodingError):
        EncryptedAnswer.from_json(mutate(answer.to_json()))  # type: ignore[operator]


def test_total_is_the_sum() -> None:
    answer = encrypt_answer(KEY.public, CTX, BLANK_OK, [0, 1, 0], SEED, RNG)
    expected = answer.selections[0] + answer.selections[1] + answer.selections[2]
    assert answer.total() == expected
    assert Scalar(0).is_zero()
