"""Thin ctypes binding to the system libsodium (``libsodium23``).

Only this module talks to C. Every function checks the lengths of its inputs before calling
libsodium (libsodium reads fixed-size buffers and would read past a short one) and turns a
libsodium failure into a :class:`~plebiscite.errors.CryptoError` with a message, never a bare
``ValueError``. See ``docs/protocol.md`` section 2 and the binding pitfalls recorded in the
project's research notes (identity results, unreduced scalars, missing length checks).
"""

from __future__ import annotations

import ctypes
import ctypes.util

from plebiscite.errors import CryptoError, SetupError

POINT_BYTES = 32
SCALAR_BYTES = 32
HASH_BYTES = 64
NONREDUCED_SCALAR_BYTES = 64
SIGN_PUBLIC_BYTES = 32
SIGN_SECRET_BYTES = 64
SIGN_SEED_BYTES = 32
SIGNATURE_BYTES = 64
BOX_PUBLIC_BYTES = 32
BOX_SECRET_BYTES = 32
SEAL_BYTES = 48
SECRETBOX_KEY_BYTES = 32
SECRETBOX_NONCE_BYTES = 24
SECRETBOX_MAC_BYTES = 16
PWHASH_SALT_BYTES = 16


def _default_candidates() -> list[str]:
    name = ctypes.util.find_library("sodium")
    return ([name] if name else []) + ["libsodium.so.23", "libsodium.so"]


def _load(candidates: list[str]) -> ctypes.CDLL:
    for candidate in candidates:
        try:
            lib = ctypes.CDLL(candidate)
        except OSError:
            continue
        if lib.sodium_init() < 0:  # pragma: no cover - only fails on a broken system
            raise SetupError("libsodium failed to initialise")
        return lib
    raise SetupError("the system libsodium is missing: install the package 'libsodium23'")


_lib = _load(_default_candidates())
_buf = ctypes.create_string_buffer


def _need(data: bytes, size: int, what: str) -> None:
    if not isinstance(data, bytes | bytearray) or len(data) != size:
        got = len(data) if isinstance(data, bytes | bytearray) else type(data).__name__
        raise CryptoError(f"{what} must be {size} bytes, got {got}")


def is_valid_point(p: bytes) -> bool:
    """True if ``p`` is the canonical encoding of a ristretto255 element (identity included)."""
    if len(p) != POINT_BYTES:
        return False
    return bool(_lib.crypto_core_ristretto255_is_valid_point(p) == 1)


def point_add(p: bytes, q: bytes) -> bytes:
    out = _buf(POINT_BYTES)
    if _lib.crypto_core_ristretto255_add(out, p, q) != 0:
        raise CryptoError("ristretto255 addition of an invalid point")
    return out.raw


def point_sub(p: bytes, q: bytes) -> bytes:
    out = _buf(POINT_BYTES)
    if _lib.crypto_core_ristretto255_sub(out, p, q) != 0:
        raise CryptoError("ristretto255 subtraction of an invalid point")
    return out.raw


def point_from_hash(h: bytes) -> bytes:
    _need(h, HASH_BYTES, "hash input to ristretto255 from_hash")
    out = _buf(POINT_BYTES)
    _lib.crypto_core_ristretto255_from_hash(out, h)
    return out.raw


def scalarmult(n: bytes, p: bytes) -> bytes | None:
    """n*p, or None when the result is the identity (libsodium refuses to return it)."""
    out = _buf(POINT_BYTES)
    if _lib.crypto_scalarmult_ristretto255(out, n, p) != 0:
        return None
    return out.raw


def scalarmult_base(n: bytes) -> bytes | None:
    """n*B, or None when n = 0 mod L."""
    out = _buf(POINT_BYTES)
    if _lib.crypto_scalarmult_ristretto255_base(out, n) != 0:
        return None
    return out.raw


def scalar_reduce(s64: bytes) -> bytes:
    _need(s64, NONREDUCED_SCALAR_BYTES, "wide scalar")
    out = _buf(SCALAR_BYTES)
    _lib.crypto_core_ristretto255_scalar_reduce(out, s64)
    return out.raw


def scalar_random() -> bytes:
    out = _buf(SCALAR_BYTES)
    _lib.crypto_core_ristretto255_scalar_random(out)
    return out.raw


def scalar_add(x: bytes, y: bytes) -> bytes:
    out = _buf(SCALAR_BYTES)
    _lib.crypto_core_ristretto255_scalar_add(out, x, y)
    return out.raw


def scalar_sub(x: bytes, y: bytes) -> bytes:
    out = _buf(SCALAR_BYTES)
    _lib.crypto_core_ristretto255_scalar_sub(out, x, y)
    return out.raw


def scalar_mul(x: bytes, y: bytes) -> bytes:
    out = _buf(SCALAR_BYTES)
    _lib.crypto_core_ristretto255_scalar_mul(out, x, y)
    return out.raw


def scalar_negate(x: bytes) -> bytes:
    out = _buf(SCALAR_BYTES)
    _lib.crypto_core_ristretto255_scalar_negate(out, x)
    return out.raw


def scalar_invert(x: bytes) -> bytes:
    out = _buf(SCALAR_BYTES)
    if _lib.crypto_core_ristretto255_scalar_invert(out, x) != 0:
        raise CryptoError("the scalar 0 has no inverse")
    return out.raw


def random_bytes(n: int) -> bytes:
    out = _buf(n)
    _lib.randombytes_buf(out, ctypes.c_size_t(n))
    return out.raw


# --- Ed25519 signatures (board heads, device submissions) ---------------------------------


def sign_seed_keypair(seed: bytes) -> tuple[bytes, bytes]:
    _need(seed, SIGN_SEED_BYTES, "Ed25519 seed")
    pk, sk = _buf(SIGN_PUBLIC_BYTES), _buf(SIGN_SECRET_BYTES)
    _lib.crypto_sign_seed_keypair(pk, sk, seed)
    return pk.raw, sk.raw


def sign_detached(message: bytes, secret_key: bytes) -> bytes:
    _need(secret_key, SIGN_SECRET_BYTES, "Ed25519 secret key")
    sig = _buf(SIGNATURE_BYTES)
    _lib.crypto_sign_detached(sig, None, message, ctypes.c_ulonglong(len(message)), secret_key)
    return sig.raw


def sign_verify_detached(signature: bytes, message: bytes, public_key: bytes) -> bool:
    if len(signature) != SIGNATURE_BYTES or len(public_key) != SIGN_PUBLIC_BYTES:
        return False
    rc = _lib.crypto_sign_verify_detached(
        signature, message, ctypes.c_ulonglong(len(message)), public_key
    )
    return bool(rc == 0)


# --- Public-key sealed boxes (trustee share transport) ------------------------------------


def box_seed_keypair(seed: bytes) -> tuple[bytes, bytes]:
    _need(seed, 32, "X25519 seed")
    pk, sk = _buf(BOX_PUBLIC_BYTES), _buf(BOX_SECRET_BYTES)
    _lib.crypto_box_seed_keypair(pk, sk, seed)
    return pk.raw, sk.raw


def box_seal(message: bytes, public_key: bytes) -> bytes:
    _need(public_key, BOX_PUBLIC_BYTES, "X25519 public key")
    out = _buf(len(message) + SEAL_BYTES)
    if _lib.crypto_box_seal(out, message, ctypes.c_ulonglong(len(message)), public_key) != 0:
        raise CryptoError("sealing failed: invalid X25519 public key")
    return out.raw


def box_seal_open(sealed: bytes, public_key: bytes, secret_key: bytes) -> bytes:
    _need(public_key, BOX_PUBLIC_BYTES, "X25519 public key")
    _need(secret_key, BOX_SECRET_BYTES, "X25519 secret key")
    if len(sealed) < SEAL_BYTES:
        raise CryptoError(f"sealed box too short: {len(sealed)} bytes")
    out = _buf(len(sealed) - SEAL_BYTES)
    rc = _lib.crypto_box_seal_open(
        out, sealed, ctypes.c_ulonglong(len(sealed)), public_key, secret_key
    )
    if rc != 0:
        raise CryptoError("sealed box does not open with this key (wrong key or tampered)")
    return out.raw


# --- Passphrase-protected key files -------------------------------------------------------


def pwhash_argon2id(key_len: int, passphrase: bytes, salt: bytes, ops: int, mem: int) -> bytes:
    _need(salt, PWHASH_SALT_BYTES, "Argon2id salt")
    out = _buf(key_len)
    alg_argon2id13 = 2
    rc = _lib.crypto_pwhash(
        out,
        ctypes.c_ulonglong(key_len),
        passphrase,
        ctypes.c_ulonglong(len(passphrase)),
        salt,
        ctypes.c_ulonglong(ops),
        ctypes.c_size_t(mem),
        ctypes.c_int(alg_argon2id13),
    )
    if rc != 0:  # pragma: no cover - out of memory
        raise CryptoError("Argon2id key derivation failed (out of memory?)")
    return out.raw


def secretbox(message: bytes, nonce: bytes, key: bytes) -> bytes:
    _need(nonce, SECRETBOX_NONCE_BYTES, "secretbox nonce")
    _need(key, SECRETBOX_KEY_BYTES, "secretbox key")
    out = _buf(len(message) + SECRETBOX_MAC_BYTES)
    _lib.crypto_secretbox_easy(out, message, ctypes.c_ulonglong(len(message)), nonce, key)
    return out.raw


def secretbox_open(boxed: bytes, nonce: bytes, key: bytes) -> bytes:
    _need(nonce, SECRETBOX_NONCE_BYTES, "secretbox nonce")
    _need(key, SECRETBOX_KEY_BYTES, "secretbox key")
    if len(boxed) < SECRETBOX_MAC_BYTES:
        raise CryptoError("secretbox ciphertext too short")
    out = _buf(len(boxed) - SECRETBOX_MAC_BYTES)
    rc = _lib.crypto_secretbox_open_easy(out, boxed, ctypes.c_ulonglong(len(boxed)), nonce, key)
    if rc != 0:
        raise CryptoError("wrong passphrase or damaged key file")
    return out.raw
