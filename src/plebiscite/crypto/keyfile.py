"""Secrets at rest: a passphrase-protected container (``docs/protocol.md`` section 8.2).

A trustee's key file holds its signing seed, its share-transport key, its polynomial and,
after the ceremony, its key share. It is sealed with libsodium's ``crypto_secretbox``
(XSalsa20-Poly1305) under a key derived from the passphrase by Argon2id (``crypto_pwhash``,
algorithm ARGON2ID13) with a random salt. The container is JSON::

    {"format": "plebiscite-keyfile-v1", "purpose": ..., "kdf": {"alg": "argon2id13",
     "ops": 3, "mem": 67108864, "salt": hex}, "nonce": hex, "box": hex}

``purpose`` (e.g. ``trustee 3 of referendum X``) is authenticated: it is part of the box's
plaintext and checked on opening, so a key file of one trustee or referendum cannot be passed
off as another's.
"""

from __future__ import annotations

import json
from typing import Any, Final

from plebiscite.crypto import _sodium
from plebiscite.errors import CryptoError

FORMAT: Final = "plebiscite-keyfile-v1"
#: libsodium's "moderate" Argon2id limits: ~0.5-1 s and 256 MiB would be "sensitive".
DEFAULT_OPS: Final = 3
DEFAULT_MEM: Final = 64 * 1024 * 1024
_MIN_OPS, _MIN_MEM = 1, 8 * 1024


def seal(
    secret: dict[str, Any],
    passphrase: str,
    purpose: str,
    *,
    ops: int = DEFAULT_OPS,
    mem: int = DEFAULT_MEM,
) -> str:
    """Seal a JSON-serialisable secret under a passphrase; return the container's JSON text."""
    if not passphrase:
        raise CryptoError("an empty passphrase cannot protect a key file")
    salt = _sodium.random_bytes(_sodium.PWHASH_SALT_BYTES)
    nonce = _sodium.random_bytes(_sodium.SECRETBOX_NONCE_BYTES)
    key = _sodium.pwhash_argon2id(32, passphrase.encode("utf-8"), salt, ops, mem)
    plaintext = json.dumps({"purpose": purpose, "secret": secret}, sort_keys=True).encode("utf-8")
    container = {
        "format": FORMAT,
        "purpose": purpose,
        "kdf": {"alg": "argon2id13", "ops": ops, "mem": mem, "salt": salt.hex()},
        "nonce": nonce.hex(),
        "box": _sodium.secretbox(plaintext, nonce, key).hex(),
    }
    return json.dumps(container, indent=1, sort_keys=True) + "\n"


def open_sealed(text: str, passphrase: str, purpose: str) -> dict[str, Any]:
    """Open a container; a wrong passphrase, a damaged file or another purpose is an error."""
    try:
        container = json.loads(text)
        if container.get("format") != FORMAT:
            raise CryptoError(f"not a plebiscite key file (format {container.get('format')!r})")
        kdf = container["kdf"]
        if kdf.get("alg") != "argon2id13":
            raise CryptoError(f"unsupported key derivation {kdf.get('alg')!r}")
        ops, mem = int(kdf["ops"]), int(kdf["mem"])
        salt = bytes.fromhex(kdf["salt"])
        nonce = bytes.fromhex(container["nonce"])
        box = bytes.fromhex(container["box"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CryptoError(f"damaged key file: {exc}") from exc
    if ops < _MIN_OPS or mem < _MIN_MEM:
        raise CryptoError("key file asks for Argon2id limits below the minimum")
    key = _sodium.pwhash_argon2id(32, passphrase.encode("utf-8"), salt, ops, mem)
    inner = json.loads(_sodium.secretbox_open(box, nonce, key))
    if inner.get("purpose") != purpose:
        raise CryptoError(f"this key file belongs to {inner.get('purpose')!r}, not to {purpose!r}")
    secret: dict[str, Any] = inner["secret"]
    return secret
