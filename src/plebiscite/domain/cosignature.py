"""A witness's cosignature of a board head (``docs/board.md`` section 8; protocol 8.1).

A cosignature is witness ``l``'s Ed25519 signature, tag ``cosignature``, over the canonical JSON

    {"board_key": hex, "cosigned_at": ms, "root_hash": hex, "tree_size": n, "witness": l}

and the board records it as a ``head_cosignature`` event with the same fields except
``board_key`` (anchored in the first entry) plus ``signature``. Witness ``l`` is trustee ``l``
(with the signing key it announced in the key ceremony) for ``l <= n``, and for
``n < l <= n + m`` the manifest's observer ``l - n`` (with the key the manifest gives it).
The witness's side and the board's side are in :mod:`plebiscite.services.election.witness`;
the verifier checks cosignatures with these same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import VerifyKey
from plebiscite.domain.ceremony import Transcript
from plebiscite.domain.manifest import Manifest
from plebiscite.errors import EncodingError, InputError

COSIGNATURE_TAG = "cosignature"
_FIELDS = frozenset({"cosigned_at", "root_hash", "signature", "tree_size", "witness"})


def cosignature_message(
    board_key: str, tree_size: int, root_hash: bytes, witness: int, cosigned_at: int
) -> bytes:
    return canonical_json(
        {
            "board_key": board_key,
            "cosigned_at": cosigned_at,
            "root_hash": root_hash.hex(),
            "tree_size": tree_size,
            "witness": witness,
        }
    )


@dataclass(frozen=True)
class Cosignature:
    witness: int
    tree_size: int
    root_hash: bytes
    cosigned_at: int
    signature: bytes

    def verify(self, board_key: str, key: VerifyKey) -> None:
        message = cosignature_message(
            board_key, self.tree_size, self.root_hash, self.witness, self.cosigned_at
        )
        key.verify(COSIGNATURE_TAG, message, self.signature)

    def to_json(self) -> dict[str, Any]:
        return {
            "cosigned_at": self.cosigned_at,
            "root_hash": self.root_hash.hex(),
            "signature": self.signature.hex(),
            "tree_size": self.tree_size,
            "witness": self.witness,
        }

    @classmethod
    def from_json(cls, data: object) -> Cosignature:
        if not isinstance(data, dict) or set(data) != _FIELDS:
            raise EncodingError(f"a cosignature is an object with fields {sorted(_FIELDS)}")
        for name in ("cosigned_at", "tree_size", "witness"):
            if type(data[name]) is not int or data[name] < 0:
                raise EncodingError(f"a cosignature's {name} is a non-negative integer")
        try:
            root, signature = bytes.fromhex(data["root_hash"]), bytes.fromhex(data["signature"])
        except (TypeError, ValueError) as exc:
            raise EncodingError(f"a cosignature's hashes are hex: {exc}") from exc
        if len(root) != 32 or len(signature) != 64:
            raise EncodingError("a cosignature holds a 32-byte root and a 64-byte signature")
        return cls(data["witness"], data["tree_size"], root, data["cosigned_at"], signature)


def witness_key(manifest: Manifest, transcript: Transcript | None, witness: int) -> VerifyKey:
    """The key witness ``witness`` cosigns with: trustee ``witness``'s announced key, or for
    ``n < witness <= n + m`` the key the manifest gives its observer ``witness - n``."""
    n = manifest.trustees.n
    observers = manifest.trustees.observers
    if n < witness <= n + len(observers):
        return VerifyKey.from_hex(observers[witness - n - 1].public_key)
    keys = None if transcript is None else transcript.keys.get(witness)
    if keys is None:
        raise InputError(
            f"witness {witness} is neither an announced trustee nor an observer of the manifest"
        )
    return keys[0]


__all__ = ["COSIGNATURE_TAG", "Cosignature", "cosignature_message", "witness_key"]
