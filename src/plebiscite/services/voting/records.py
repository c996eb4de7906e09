"""What casting hands out and takes in: devices, ballot records, receipts, check-in signatures,
identifiers and openings (``docs/voting.md``). The service itself is :mod:`.casting`; the bytes
a check-in signature covers are :mod:`plebiscite.domain.check_in` (shared with the verifier)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.domain.check_in import CHECK_IN_TAG, check_in_message
from plebiscite.errors import EncodingError, InputError
from plebiscite.record.heads import SignedHead
from plebiscite.record.merkle import InclusionProof, verify_inclusion

NONCE_SEED_BYTES = 32


@dataclass
class Device:
    id: str
    location: str
    public_key: VerifyKey
    enrolled_at: str
    revoked: bool = False
    chain_head: str = ""


@dataclass(frozen=True)
class BallotRecord:
    tracking_code: str
    leaf_index: int
    kind: str  # "cast" or "challenged"
    device: str
    received_at: str
    signature: str


@dataclass(frozen=True)
class Receipt:
    """What a voter keeps: her ballot's code, where it is on the board, and the proof."""

    tracking_code: str
    kind: str
    leaf_index: int
    leaf_hash: bytes
    received_at: str
    head: SignedHead
    inclusion: InclusionProof

    def to_json(self) -> dict[str, Any]:
        return {
            "tracking_code": self.tracking_code,
            "kind": self.kind,
            "leaf_index": self.leaf_index,
            "leaf_hash": self.leaf_hash.hex(),
            "received_at": self.received_at,
            "head": self.head.to_json(),
            "inclusion_proof": self.inclusion.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Receipt:
        try:
            return cls(
                tracking_code=str(data["tracking_code"]),
                kind=str(data["kind"]),
                leaf_index=int(data["leaf_index"]),
                leaf_hash=bytes.fromhex(data["leaf_hash"]),
                received_at=str(data["received_at"]),
                head=SignedHead.from_json(data["head"], where="receipt head"),
                inclusion=InclusionProof.from_json(dict(data["inclusion_proof"])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a receipt: {exc}") from exc

    def verify(self, board_key: VerifyKey | None = None) -> None:
        """The head is signed (by ``board_key`` if given) and the leaf is in its tree."""
        self.head.verify(board_key)
        if self.inclusion.tree_size != self.head.tree_size:
            raise InputError("the receipt's proof is for another tree size than its head")
        if self.inclusion.leaf_index != self.leaf_index:
            raise InputError("the receipt's proof is for another leaf")
        verify_inclusion(self.inclusion, self.leaf_hash, self.head.root_hash)


_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+-]*")


def check_identifier(value: object, what: str, longest: int = 64) -> str:
    """Refuse an identifier that is not 1..``longest`` characters of ``[A-Za-z0-9._:@+-]``
    (no control characters, spaces or look-alike letters in what the record shows)."""
    if not isinstance(value, str) or not 1 <= len(value) <= longest:
        raise InputError(f"{what} is a string of 1 to {longest} characters")
    if _IDENTIFIER.fullmatch(value) is None:
        raise InputError(
            f"{what} may hold only letters A-Z a-z, digits and . _ : @ + - " f"(got {value[:64]!r})"
        )
    return value


def sign_check_in(key: SigningKey, election: str, device_id: str, checkin: str) -> str:
    return key.sign(CHECK_IN_TAG, check_in_message(election, device_id, checkin)).hex()


def parse_opening(opening: object) -> tuple[list[list[int]], bytes]:
    if not isinstance(opening, dict) or set(opening) != {"nonce_seed", "choices"}:
        raise EncodingError("an opening is an object with keys nonce_seed and choices")
    seed_hex, choices = opening["nonce_seed"], opening["choices"]
    try:
        seed = bytes.fromhex(seed_hex) if isinstance(seed_hex, str) else b""
    except ValueError as exc:
        raise EncodingError("the opening's nonce_seed is not hexadecimal") from exc
    if len(seed) != NONCE_SEED_BYTES:
        raise EncodingError(f"the opening's nonce_seed must be {NONCE_SEED_BYTES} bytes of hex")
    if not (
        isinstance(choices, list)
        and all(
            isinstance(c, list) and all(type(m) is int and m in (0, 1) for m in c) for c in choices
        )
    ):
        raise EncodingError("the opening's choices are one list of 0/1 per question")
    return choices, seed


__all__ = [
    "NONCE_SEED_BYTES",
    "BallotRecord",
    "Device",
    "Receipt",
    "check_identifier",
    "parse_opening",
    "sign_check_in",
]
