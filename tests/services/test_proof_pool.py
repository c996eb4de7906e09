"""Ballot proofs checked in worker processes give the same verdicts as in process."""

from __future__ import annotations

from dataclasses import replace

import pytest

from plebiscite.crypto.ballot import QuestionSpec, encrypt_answer
from plebiscite.crypto.elgamal import KeyPair
from plebiscite.crypto.randomness import SeededRng
from plebiscite.domain.ballot import Ballot, encrypt_tag
from plebiscite.errors import ProofError
from plebiscite.services.voting.proof_pool import ProofPool

SPEC = QuestionSpec("q", 2, 1, 1)


def test_pool_accepts_honest_and_names_a_bad_proof() -> None:
    rng = SeededRng(b"pool")
    key = KeyPair.generate(rng).public
    answer = encrypt_answer(key, b"ctx", SPEC, [0, 1], b"s" * 32, rng)
    tag, _ = encrypt_tag(key, b"ctx", "dev", "cd" * 16, "ef" * 32, rng)
    ballot = Ballot("ab" * 32, "dev", "loc", "cd" * 16, "00" * 32, tag, (answer,))
    pool = ProofPool(1)
    try:
        pool(ballot, key, b"ctx", [SPEC])
        with pytest.raises(ProofError, match="tag proof"):  # it binds the election too
            pool(ballot, key, b"another election", [SPEC])
        swapped = replace(answer, selections=answer.selections[::-1])
        with pytest.raises(ProofError, match="option 0"):
            pool(replace(ballot, answers=(swapped,)), key, b"ctx", [SPEC])
    finally:
        pool.close()
