"""Exponential ElGamal: decryption inverts encryption, ciphertexts add, the dlog is bounded."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.crypto.elgamal import (
    Ciphertext,
    DiscreteLog,
    KeyPair,
    decrypt_to_point,
    encrypt,
    partial_decrypt,
)
from plebiscite.crypto.group import Point, Scalar, g_pow
from plebiscite.crypto.randomness import SeededRng, SystemRng, derive_nonce
from plebiscite.errors import CryptoError, EncodingError

DLOG = DiscreteLog(10_000)
KEY = KeyPair.generate(SeededRng(b"elgamal-tests"))
nonces = st.integers(min_value=1, max_value=2**252).map(Scalar)
messages = st.integers(min_value=0, max_value=5_000)


@given(messages, nonces)
@settings(max_examples=20, deadline=None)
def test_decrypt_inverts_encrypt(m: int, r: Scalar) -> None:
    ct = encrypt(KEY.public, m, r)
    assert DLOG.solve(decrypt_to_point(KEY.secret, ct)) == m


@given(messages, messages, nonces, nonces)
@settings(max_examples=15, deadline=None)
def test_ciphertexts_add(a: int, b: int, r: Scalar, s: Scalar) -> None:
    total = encrypt(KEY.public, a, r) + encrypt(KEY.public, b, s)
    assert DLOG.solve(decrypt_to_point(KEY.secret, total)) == a + b
    assert total == encrypt(KEY.public, a + b, r + s)


def test_zero_is_neutral() -> None:
    ct = encrypt(KEY.public, 3, Scalar(5))
    assert ct + Ciphertext.zero() == ct
    assert DLOG.solve(decrypt_to_point(KEY.secret, Ciphertext.zero())) == 0


def test_discrete_log_up_to_ten_million() -> None:
    big = DiscreteLog(10_000_000)
    assert big.solve(g_pow(10_000_000)) == 10_000_000
    assert big.solve(g_pow(0)) == 0
    assert big.solve(g_pow(3_333_333)) == 3_333_333


def test_discrete_log_out_of_range() -> None:
    small = DiscreteLog(100)
    assert small.solve(g_pow(100)) == 100
    with pytest.raises(CryptoError, match=r"no discrete logarithm in \[0, 100\]"):
        small.solve(g_pow(101))
    with pytest.raises(CryptoError, match="out of range"):
        small.solve(Point.base_mul(Scalar(2**200)))
    with pytest.raises(CryptoError, match="non-negative"):
        DiscreteLog(-1)


def test_encrypt_rejects_bad_input() -> None:
    with pytest.raises(CryptoError, match="non-negative"):
        encrypt(KEY.public, -1, Scalar(1))
    with pytest.raises(CryptoError, match="identity"):
        encrypt(Point.identity(), 1, Scalar(1))


def test_partial_decryption_is_x_alpha() -> None:
    ct = encrypt(KEY.public, 1, Scalar(9))
    assert partial_decrypt(KEY.secret, ct) == ct.alpha * KEY.secret


def test_ciphertext_json() -> None:
    ct = encrypt(KEY.public, 1, Scalar(9))
    assert Ciphertext.from_json(ct.to_json()) == ct
    assert Ciphertext.from_json(Ciphertext.zero().to_json()) == Ciphertext.zero()
    for bad in ([ct.alpha.hex()], "x", [1, 2], None):
        with pytest.raises(EncodingError, match="two hex strings"):
            Ciphertext.from_json(bad)
    with pytest.raises(EncodingError, match="canonical"):
        Ciphertext.from_json(["ff" * 32, ct.beta.hex()])


def test_rngs() -> None:
    a, b = SeededRng(b"s"), SeededRng(b"s")
    assert [a.scalar() for _ in range(3)] == [b.scalar() for _ in range(3)]
    assert SystemRng().scalar() != SystemRng().scalar()
    assert derive_nonce(b"seed", "q", 0) != derive_nonce(b"seed", "q", 1)
    assert derive_nonce(b"seed", "q", 0) == derive_nonce(b"seed", "q", 0)
