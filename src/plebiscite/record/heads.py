"""Signed tree heads (``docs/board.md`` section 3).

A head states "the board's first ``tree_size`` entries have Merkle root ``root_hash``", at a
time, under the board's Ed25519 key. The signed message is the canonical JSON of the head
without its signature::

    {"key": "<hex>", "root_hash": "<hex>", "timestamp": <ms since 1970>, "tree_size": <n>,
     "version": 1}

signed with :meth:`SigningKey.sign <plebiscite.crypto.signing.SigningKey.sign>` under the tag
``tree-head``. A line of ``heads.jsonl`` is the canonical JSON of that object plus
``"signature": "<hex>"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.errors import CryptoError, RecordError, SignatureError
from plebiscite.record.merkle import HASH_SIZE

HEAD_TAG: Final = "tree-head"
HEAD_VERSION: Final = 1
_FIELDS = frozenset({"key", "root_hash", "signature", "timestamp", "tree_size", "version"})


@dataclass(frozen=True)
class SignedHead:
    tree_size: int
    root_hash: bytes
    timestamp: int
    key: VerifyKey
    signature: bytes

    def message(self) -> bytes:
        """The bytes the signature covers."""
        return head_message(self.tree_size, self.root_hash, self.timestamp, self.key)

    def verify(self, key: VerifyKey | None = None) -> None:
        """Raise :class:`SignatureError` unless the signature is valid (under ``key`` if given)."""
        if key is not None and key != self.key:
            raise SignatureError(
                f"head of tree size {self.tree_size} is signed by key {self.key.hex()[:16]}..., "
                f"expected {key.hex()[:16]}..."
            )
        self.key.verify(HEAD_TAG, self.message(), self.signature)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key.hex(),
            "root_hash": self.root_hash.hex(),
            "signature": self.signature.hex(),
            "timestamp": self.timestamp,
            "tree_size": self.tree_size,
            "version": HEAD_VERSION,
        }

    def encode(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, obj: object, *, where: str = "head") -> SignedHead:
        """Parse a head object; a malformed one raises :class:`RecordError` naming ``where``."""
        if not isinstance(obj, dict) or set(obj) != _FIELDS:
            raise RecordError(f"{where}: a head must be an object with fields {sorted(_FIELDS)}")
        if obj["version"] != HEAD_VERSION:
            raise RecordError(f"{where}: head version {obj['version']!r} is not supported")
        for name in ("tree_size", "timestamp"):
            value = obj[name]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise RecordError(f"{where}: {name} must be a non-negative integer")
        try:
            root = _hex(obj["root_hash"], HASH_SIZE)
            signature = _hex(obj["signature"], 64)
            key = VerifyKey(_hex(obj["key"], 32))
        except (ValueError, CryptoError) as exc:
            raise RecordError(f"{where}: {exc}") from exc
        return cls(obj["tree_size"], root, obj["timestamp"], key, signature)

    @classmethod
    def decode(cls, data: bytes, *, where: str = "head") -> SignedHead:
        try:
            obj = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RecordError(f"{where}: not JSON ({exc})") from exc
        head = cls.from_json(obj, where=where)
        if head.encode() != data:
            raise RecordError(f"{where}: not in canonical form")
        return head


def _hex(value: object, size: int) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"expected a hex string of {size} bytes, got {value!r:.40}")
    raw = bytes.fromhex(value)
    if len(raw) != size or raw.hex() != value:
        raise ValueError(f"expected {size} bytes in lower-case hex, got {value!r:.80}")
    return raw


def head_message(tree_size: int, root_hash: bytes, timestamp: int, key: VerifyKey) -> bytes:
    return canonical_json(
        {
            "key": key.hex(),
            "root_hash": root_hash.hex(),
            "timestamp": timestamp,
            "tree_size": tree_size,
            "version": HEAD_VERSION,
        }
    )


def sign_head(key: SigningKey, tree_size: int, root_hash: bytes, timestamp: int) -> SignedHead:
    verify_key = key.verify_key
    signature = key.sign(HEAD_TAG, head_message(tree_size, root_hash, timestamp, verify_key))
    return SignedHead(tree_size, root_hash, timestamp, verify_key, signature)
