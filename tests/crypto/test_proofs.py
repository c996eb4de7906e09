"""Zero-knowledge proofs: honest proofs verify; false statements and tampering do not."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.crypto.elgamal import KeyPair, encrypt
from plebiscite.crypto.group import G, Point, Scalar
from plebiscite.crypto.proofs import (
    EqualityProof,
    RangeProof,
    SchnorrProof,
    prove_equality,
    prove_range,
    prove_schnorr,
    verify_equality,
    verify_range,
    verify_schnorr,
)
from plebiscite.crypto.randomness import SeededRng
from plebiscite.errors import CryptoError, EncodingError, ProofError

RNG = SeededRng(b"proof-tests")
KEY = KeyPair.generate(RNG)
CTX = b"election-context"


def test_schnorr_honest_and_tampered() -> None:
    x = RNG.scalar()
    proof = prove_schnorr(CTX, x, RNG)
    public = Point.base_mul(x)
    verify_schnorr(CTX, public, proof)
    assert SchnorrProof.from_json(proof.to_json()) == proof
    for ctx, pub, pr in [
        (b"other", public, proof),
        (CTX, public + G, proof),
        (CTX, public, replace(proof, c=proof.c + Scalar(1))),
        (CTX, public, replace(proof, v=proof.v + Scalar(1))),
    ]:
        with pytest.raises(ProofError, match="Schnorr"):
            verify_schnorr(ctx, pub, pr)
    with pytest.raises(ProofError, match="identity"):
        verify_schnorr(CTX, Point.identity(), proof)


def test_equality_honest_and_false() -> None:
    x = RNG.scalar()
    base = Point.base_mul(RNG.scalar())
    proof = prove_equality(CTX, x, base, RNG)
    public, result = Point.base_mul(x), base * x
    verify_equality(CTX, base, public, result, proof)
    assert EqualityProof.from_json(proof.to_json()) == proof
    # A wrong decryption share: D != x*A.
    with pytest.raises(ProofError, match="Chaum-Pedersen"):
        verify_equality(CTX, base, public, result + G, proof)
    with pytest.raises(ProofError):
        verify_equality(b"other", base, public, result, proof)
    with pytest.raises(ProofError):
        verify_equality(CTX, base, public, result, replace(proof, c=proof.c + Scalar(1)))


@given(st.integers(0, 3), st.integers(0, 3), st.data())
@settings(max_examples=12, deadline=None)
def test_range_honest_proofs_verify(lo: int, width: int, data: st.DataObject) -> None:
    hi = lo + width
    m = data.draw(st.integers(lo, hi))
    r = RNG.scalar()
    ct = encrypt(KEY.public, m, r)
    proof = prove_range(CTX, KEY.public, ct, m, r, lo, hi, RNG)
    verify_range(CTX, KEY.public, ct, lo, hi, proof)
    assert RangeProof.from_json(proof.to_json()) == proof


@pytest.mark.parametrize(("m", "lo", "hi"), [(2, 0, 1), (0, 1, 1), (2, 1, 1), (5, 0, 3)])
def test_range_false_statements_fail(m: int, lo: int, hi: int) -> None:
    """A cheating prover claims a value in range for a ciphertext of one outside it."""
    r = RNG.scalar()
    ct = encrypt(KEY.public, m, r)
    proof = prove_range(CTX, KEY.public, encrypt(KEY.public, lo, r), lo, r, lo, hi, RNG)
    with pytest.raises(ProofError, match="range proof"):
        verify_range(CTX, KEY.public, ct, lo, hi, proof)


def test_range_tampering_fails() -> None:
    r = RNG.scalar()
    ct = encrypt(KEY.public, 1, r)
    proof = prove_range(CTX, KEY.public, ct, 1, r, 0, 1, RNG)
    other = encrypt(KEY.public, 1, RNG.scalar())
    c0, c1 = proof.c
    cases = [
        (b"other-context", KEY.public, ct, proof),
        (CTX, KEY.public, other, proof),  # swapped ciphertext
        (CTX, KEY.public + G, ct, proof),  # another key
        (CTX, KEY.public, ct, replace(proof, c=(c0 + Scalar(1), c1 - Scalar(1)))),  # changed c
        (CTX, KEY.public, ct, replace(proof, v=(proof.v[1], proof.v[0]))),
    ]
    for ctx, key, c, p in cases:
        with pytest.raises(ProofError):
            verify_range(ctx, key, c, 0, 1, p)
    with pytest.raises(ProofError, match=r"is for \[0, 1\], expected \[0, 2\]"):
        verify_range(CTX, KEY.public, ct, 0, 2, proof)
    with pytest.raises(ProofError, match="wrong number of branches"):
        verify_range(CTX, KEY.public, ct, 0, 1, replace(proof, c=proof.c[:1]))


def test_prover_refuses_impossible_statements() -> None:
    r = RNG.scalar()
    ct = encrypt(KEY.public, 1, r)
    with pytest.raises(CryptoError, match="cannot prove"):
        prove_range(CTX, KEY.public, ct, 3, r, 0, 1, RNG)
    with pytest.raises(CryptoError, match="invalid range"):
        prove_range(CTX, KEY.public, ct, 1, r, 2, 1, RNG)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        {"range": [0, 1], "c": []},
        {"range": [1, 0], "c": [], "v": []},
        {"range": [0, "1"], "c": [], "v": []},
        {"range": [0, 1], "c": ["00" * 32], "v": ["00" * 32] * 2},
        {"range": [0, 0], "c": [1], "v": ["00" * 32]},
    ],
)
def test_range_proof_json_errors(bad: object) -> None:
    with pytest.raises(EncodingError):
        RangeProof.from_json(bad)


@pytest.mark.parametrize("bad", [None, {"c": "00"}, {"c": 1, "v": "00"}, {"c": "zz", "v": "00"}])
def test_pair_proof_json_errors(bad: object) -> None:
    with pytest.raises(EncodingError):
        SchnorrProof.from_json(bad)
