"""A trustee's secrets between ceremony steps (``docs/ceremony.md``, "Key files").

:class:`TrusteeState` is what a trustee's passphrase-protected key file holds: its signing and
transport seeds (and the signing seed it announced before, if it announced again), its
polynomial to answer complaints, the shares it received and, after ``confirm``, its key share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plebiscite.crypto import _sodium
from plebiscite.crypto.group import Scalar
from plebiscite.crypto.signing import SigningKey
from plebiscite.errors import CryptoError


def key_file_purpose(manifest_id: str, index: int) -> str:
    return f"trustee {index} of referendum {manifest_id}"


@dataclass
class TrusteeState:
    """A trustee's secrets, kept in its passphrase-protected key file between steps."""

    index: int
    manifest_hash: str
    sign_seed: bytes
    box_seed: bytes
    coefficients: list[Scalar] | None = None
    received: dict[int, Scalar] = field(default_factory=dict)
    secret_share: Scalar | None = None
    #: Trustees this dealer sent a wrong share to (demo and tests of the complaint path only).
    cheated: list[int] = field(default_factory=list)
    #: The signing seed announced before :meth:`rekey` (it signs the replacement announcement).
    previous_sign_seed: bytes | None = None

    @classmethod
    def create(cls, index: int, manifest_hash: bytes) -> TrusteeState:
        return cls(index, manifest_hash.hex(), _sodium.random_bytes(32), _sodium.random_bytes(32))

    @property
    def signing_key(self) -> SigningKey:
        return SigningKey(self.sign_seed)

    def previous_signing_key(self) -> SigningKey:
        return SigningKey(self.previous_sign_seed or self.sign_seed)

    def rekey(self) -> None:
        """New signing and transport keys, to announce again before dealing begins."""
        if self.previous_sign_seed is None:
            self.previous_sign_seed = self.sign_seed
        self.sign_seed = _sodium.random_bytes(32)
        self.box_seed = _sodium.random_bytes(32)

    @property
    def box_keys(self) -> tuple[bytes, bytes]:
        return _sodium.box_seed_keypair(self.box_seed)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "manifest_hash": self.manifest_hash,
            "sign_seed": self.sign_seed.hex(),
            "box_seed": self.box_seed.hex(),
            "coefficients": None
            if self.coefficients is None
            else [c.hex() for c in self.coefficients],
            "received": {str(i): s.hex() for i, s in sorted(self.received.items())},
            "secret_share": None if self.secret_share is None else self.secret_share.hex(),
            "cheated": self.cheated,
            "previous_sign_seed": None
            if self.previous_sign_seed is None
            else self.previous_sign_seed.hex(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrusteeState:
        try:
            return cls(
                index=int(data["index"]),
                manifest_hash=str(data["manifest_hash"]),
                sign_seed=bytes.fromhex(data["sign_seed"]),
                box_seed=bytes.fromhex(data["box_seed"]),
                coefficients=None
                if data["coefficients"] is None
                else [Scalar.from_hex(c) for c in data["coefficients"]],
                received={int(i): Scalar.from_hex(s) for i, s in data["received"].items()},
                secret_share=None
                if data["secret_share"] is None
                else Scalar.from_hex(data["secret_share"]),
                cheated=[int(t) for t in data.get("cheated", [])],
                previous_sign_seed=None
                if data.get("previous_sign_seed") is None
                else bytes.fromhex(data["previous_sign_seed"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise CryptoError(f"the key file's trustee state is damaged: {exc}") from exc


__all__ = ["TrusteeState", "key_file_purpose"]
