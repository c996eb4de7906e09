"""Canonical hashing with a domain tag per purpose (``docs/protocol.md`` section 3).

Every hash in the protocol is ``SHA-512(encode(PROTOCOL, tag, part_1, ..., part_n))`` where
``encode`` is the length-prefixed, typed encoding below. Two different statements never encode
to the same bytes: every item carries a type byte and its length, lists carry their count.

=========  ======  ==================================================
type       byte    body
=========  ======  ==================================================
bytes      ``B``   8-byte big-endian length, then the bytes
str        ``S``   8-byte length, then UTF-8
int        ``I``   8-byte length, then big-endian two's-complement-free magnitude (n >= 0)
Point      ``P``   8-byte length (32), then the encoding
Scalar     ``Z``   8-byte length (32), then the little-endian encoding
list       ``L``   8-byte count, then each item encoded
=========  ======  ==================================================
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Final, TypeAlias

from plebiscite.crypto.group import Point, Scalar
from plebiscite.errors import EncodingError

PROTOCOL: Final = "plebiscite-v2"

Part: TypeAlias = "bytes | str | int | Point | Scalar | Sequence[Part]"


def _item(tag: bytes, body: bytes) -> bytes:
    return tag + len(body).to_bytes(8, "big") + body


def encode(*parts: Part) -> bytes:
    """The canonical, injective encoding of a sequence of parts."""
    out = bytearray()
    for part in parts:
        out += _encode_one(part)
    return bytes(out)


def _encode_one(part: Part) -> bytes:
    if isinstance(part, Point):
        return _item(b"P", part.encode())
    if isinstance(part, Scalar):
        return _item(b"Z", part.encode())
    if isinstance(part, bytes | bytearray):
        return _item(b"B", bytes(part))
    if isinstance(part, str):
        return _item(b"S", part.encode("utf-8"))
    if isinstance(part, bool):
        raise EncodingError("booleans are not hashed; encode them as 0 or 1")
    if isinstance(part, int):
        if part < 0:
            raise EncodingError("negative integers are not hashed")
        return _item(b"I", part.to_bytes((part.bit_length() + 7) // 8 or 1, "big"))
    if isinstance(part, list | tuple):
        return b"L" + len(part).to_bytes(8, "big") + b"".join(_encode_one(p) for p in part)
    raise EncodingError(f"cannot hash a {type(part).__name__}")


def hash_bytes(tag: str, *parts: Part) -> bytes:
    """SHA-512 over the protocol name, the purpose tag and the parts (64 bytes)."""
    return hashlib.sha512(encode(PROTOCOL, tag, *parts)).digest()


def hash_to_scalar(tag: str, *parts: Part) -> Scalar:
    """A scalar mod L, uniform up to 2^-256 bias (512-bit hash reduced mod L)."""
    return Scalar.reduce_wide(hash_bytes(tag, *parts))


def hash_to_group(tag: str, *parts: Part) -> Point:
    """A group element with unknown discrete log (RFC 9496 one-way map over SHA-512)."""
    return Point.from_uniform_bytes(hash_bytes(tag, *parts))


def keyed_hash(key: bytes, tag: str, *parts: Part) -> bytes:
    """HMAC-SHA-512 under ``key`` (e.g. voter pseudonyms), truncated to 32 bytes."""
    if len(key) < 16:
        raise EncodingError(f"hash key must be at least 16 bytes, got {len(key)}")
    return hmac.new(key, encode(PROTOCOL, tag, *parts), hashlib.sha512).digest()[:32]


def canonical_json(obj: object, *, floats_checked: bool = False) -> bytes:
    """The one JSON encoding used wherever JSON is hashed or signed (protocol section 3.2).

    UTF-8, keys sorted, no insignificant whitespace, no floats (every number in the record is an
    integer; a float would make the encoding depend on the printer), no NaN. Re-encoding the
    parsed output gives the same bytes. ``floats_checked`` skips the float scan for a value
    already known to hold none (one parsed with floats refused).
    """
    if not floats_checked:
        _reject_floats(obj)
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _reject_floats(obj: object) -> None:
    if isinstance(obj, float):
        raise EncodingError(f"floats are not allowed in canonical JSON (got {obj!r})")
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise EncodingError(f"canonical JSON keys must be strings, got {key!r}")
            _reject_floats(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _reject_floats(value)
