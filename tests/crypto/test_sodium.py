"""The libsodium binding: length checks, signatures, sealed boxes, key-file encryption."""

from __future__ import annotations

import pytest

from plebiscite.crypto import _sodium
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.errors import CryptoError, EncodingError, SignatureError


def test_is_valid_point_checks_length_first() -> None:
    # libsodium alone would read past a short buffer.
    assert not _sodium.is_valid_point(b"\x00" * 5)


def test_invalid_points_raise_in_add_and_sub() -> None:
    bad = b"\x01" * 32
    with pytest.raises(CryptoError, match="addition"):
        _sodium.point_add(bad, bytes(32))
    with pytest.raises(CryptoError, match="subtraction"):
        _sodium.point_sub(bad, bytes(32))


def test_scalar_reduce_needs_64_bytes() -> None:
    with pytest.raises(CryptoError, match="64 bytes, got 3"):
        _sodium.scalar_reduce(b"abc")
    with pytest.raises(CryptoError, match="got str"):
        _sodium.scalar_reduce("x" * 64)  # type: ignore[arg-type]


def test_signatures_bind_tag_message_and_key() -> None:
    key = SigningKey(bytes(range(32)))
    sig = key.sign("head", b"root")
    key.verify_key.verify("head", b"root", sig)
    for tag, msg, vk in [
        ("ballot", b"root", key.verify_key),
        ("head", b"root2", key.verify_key),
        ("head", b"root", SigningKey.generate().verify_key),
    ]:
        with pytest.raises(SignatureError, match=f"invalid {tag} signature"):
            vk.verify(tag, msg, sig)
    with pytest.raises(SignatureError):
        key.verify_key.verify("head", b"root", sig[:10])
    assert VerifyKey.from_hex(key.verify_key.hex()) == key.verify_key
    assert "SigningKey(public=" in repr(key)


def test_signing_key_errors() -> None:
    with pytest.raises(EncodingError, match="seed must be 32"):
        SigningKey(b"x")
    with pytest.raises(EncodingError, match="public key must be 32"):
        VerifyKey(b"x")
    with pytest.raises(EncodingError, match="hexadecimal"):
        VerifyKey.from_hex("nothex")
    with pytest.raises(CryptoError, match="secret key must be 64"):
        _sodium.sign_detached(b"m", b"short")


def test_sealed_box_round_trip_and_tamper() -> None:
    pk, sk = _sodium.box_seed_keypair(bytes(32))
    sealed = _sodium.box_seal(b"share", pk)
    assert _sodium.box_seal_open(sealed, pk, sk) == b"share"
    with pytest.raises(CryptoError, match="does not open"):
        _sodium.box_seal_open(sealed[:-1] + bytes([sealed[-1] ^ 1]), pk, sk)
    with pytest.raises(CryptoError, match="too short"):
        _sodium.box_seal_open(b"x", pk, sk)


def test_secretbox_with_argon2id_key() -> None:
    salt = bytes(16)
    key = _sodium.pwhash_argon2id(32, b"passphrase", salt, 2, 8 * 1024 * 1024)
    nonce = bytes(24)
    boxed = _sodium.secretbox(b"secret", nonce, key)
    assert _sodium.secretbox_open(boxed, nonce, key) == b"secret"
    wrong = _sodium.pwhash_argon2id(32, b"passphrasf", salt, 2, 8 * 1024 * 1024)
    with pytest.raises(CryptoError, match="wrong passphrase"):
        _sodium.secretbox_open(boxed, nonce, wrong)
    with pytest.raises(CryptoError, match="too short"):
        _sodium.secretbox_open(b"", nonce, key)


def test_random_bytes() -> None:
    assert len(_sodium.random_bytes(16)) == 16
    assert _sodium.random_bytes(16) != _sodium.random_bytes(16)


def test_missing_library_is_a_clear_setup_error() -> None:
    from plebiscite.errors import SetupError

    with pytest.raises(SetupError, match="libsodium23"):
        _sodium._load(["libdoes-not-exist.so.99"])


def test_sealing_to_a_low_order_key_fails() -> None:
    with pytest.raises(CryptoError, match="invalid X25519 public key"):
        _sodium.box_seal(b"x", bytes(32))
