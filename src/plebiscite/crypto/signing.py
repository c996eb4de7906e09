"""Ed25519 signatures (RFC 8032) for board heads and device submissions.

``docs/protocol.md`` section 8. Signatures cover ``encode(PROTOCOL, tag, message)`` so a
signature made for one purpose (a tree head) can never be replayed as another (a ballot).
"""

from __future__ import annotations

from dataclasses import dataclass

from plebiscite.crypto import _sodium
from plebiscite.crypto.hashing import PROTOCOL, encode
from plebiscite.errors import EncodingError, SignatureError


def _signed_bytes(tag: str, message: bytes) -> bytes:
    return encode(PROTOCOL, "sig:" + tag, message)


@dataclass(frozen=True)
class VerifyKey:
    """An Ed25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != _sodium.SIGN_PUBLIC_BYTES:
            raise EncodingError(f"Ed25519 public key must be 32 bytes, got {len(self.raw)}")

    @classmethod
    def from_hex(cls, text: str) -> VerifyKey:
        try:
            return cls(bytes.fromhex(text))
        except ValueError as exc:
            raise EncodingError(f"Ed25519 public key is not hexadecimal: {text!r:.80}") from exc

    def hex(self) -> str:
        return self.raw.hex()

    def verify(self, tag: str, message: bytes, signature: bytes) -> None:
        """Raise :class:`SignatureError` unless ``signature`` signs ``message`` under ``tag``."""
        if not _sodium.sign_verify_detached(signature, _signed_bytes(tag, message), self.raw):
            raise SignatureError(f"invalid {tag} signature for key {self.raw.hex()[:16]}...")


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 key pair derived from a 32-byte seed."""

    seed: bytes

    def __post_init__(self) -> None:
        if len(self.seed) != _sodium.SIGN_SEED_BYTES:
            raise EncodingError(f"Ed25519 seed must be 32 bytes, got {len(self.seed)}")
        pk, sk = _sodium.sign_seed_keypair(self.seed)
        object.__setattr__(self, "_sk", sk)
        object.__setattr__(self, "_pk", pk)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(_sodium.random_bytes(_sodium.SIGN_SEED_BYTES))

    @property
    def verify_key(self) -> VerifyKey:
        return VerifyKey(self._pk)  # type: ignore[attr-defined]

    def sign(self, tag: str, message: bytes) -> bytes:
        return _sodium.sign_detached(_signed_bytes(tag, message), self._sk)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"SigningKey(public={self.verify_key.hex()[:16]}...)"
