"""The ristretto255 group (RFC 9496): scalars mod L and points with strict decoding.

``docs/protocol.md`` section 2. Points are kept as their 32-byte canonical encodings, which is
what libsodium's ristretto255 API works on. Bytes from outside are decoded with
:meth:`Point.decode`, which checks the length, the canonical encoding and validity, and
rejects the identity unless the caller allows it. Scalars are kept as 32-byte little-endian
canonical encodings (< L); all their arithmetic goes through libsodium's constant-time
``crypto_core_ristretto255_scalar_*`` functions, so a secret scalar never meets Python's
variable-time integer arithmetic.
"""

from __future__ import annotations

from typing import Final, overload

from plebiscite.crypto import _sodium
from plebiscite.errors import EncodingError

#: The prime order of the group (RFC 9496 section 4.1).
L: Final = 2**252 + 27742317777372353535851937790883648493

_IDENTITY_BYTES: Final = bytes(32)

#: The field prime of curve25519; a ristretto255 encoding is a field element s < P.
P: Final = 2**255 - 19


def is_canonical_encoding(data: bytes) -> bool:
    """RFC 9496 section 4.3.1's canonical-form test, done here and not left to libsodium.

    A canonical encoding is a field element s < P, written in 32 little-endian bytes with the
    top bit clear, and non-negative (s even). libsodium 1.0.18 ignores the top bit, so it takes
    ``00...0080`` for the identity; this test refuses it whatever the library's version.
    """
    return data[31] < 0x80 and not data[0] & 1 and int.from_bytes(data, "little") < P


class Scalar:
    """An integer mod L."""

    __slots__ = ("_b",)
    _b: bytes

    def __init__(self, value: int) -> None:
        if not isinstance(value, int):
            raise EncodingError(f"scalar must be an int, got {type(value).__name__}")
        self._b = (value % L).to_bytes(32, "little")

    @classmethod
    def _trusted(cls, b: bytes) -> Scalar:
        s = cls.__new__(cls)
        s._b = b
        return s

    @classmethod
    def decode(cls, data: bytes, *, allow_zero: bool = True) -> Scalar:
        """Decode 32 little-endian bytes; values >= L are rejected, not reduced."""
        if not isinstance(data, bytes) or len(data) != 32:
            n = len(data) if isinstance(data, bytes) else type(data).__name__
            raise EncodingError(f"scalar encoding must be 32 bytes, got {n}")
        if int.from_bytes(data, "little") >= L:
            raise EncodingError("scalar encoding is not canonical (value >= L)")
        if not allow_zero and data == _IDENTITY_BYTES:
            raise EncodingError("scalar must not be zero here")
        return cls._trusted(bytes(data))

    @classmethod
    def from_hex(cls, text: str, *, allow_zero: bool = True) -> Scalar:
        try:
            raw = bytes.fromhex(text)
        except (ValueError, TypeError) as exc:
            raise EncodingError(f"scalar is not hexadecimal: {text!r:.80}") from exc
        return cls.decode(raw, allow_zero=allow_zero)

    @classmethod
    def reduce_wide(cls, data: bytes) -> Scalar:
        """Reduce 64 uniformly random bytes mod L (hash-to-scalar, RFC 9496 section 4.4)."""
        return cls._trusted(_sodium.scalar_reduce(data))

    @classmethod
    def random(cls) -> Scalar:
        """A uniformly random non-zero scalar from libsodium's CSPRNG."""
        return cls._trusted(_sodium.scalar_random())

    def encode(self) -> bytes:
        return self._b

    def hex(self) -> str:
        return self._b.hex()

    def __int__(self) -> int:
        return int.from_bytes(self._b, "little")

    def is_zero(self) -> bool:
        return self._b == _IDENTITY_BYTES

    def __add__(self, other: Scalar) -> Scalar:
        return Scalar._trusted(_sodium.scalar_add(self._b, other._b))

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar._trusted(_sodium.scalar_sub(self._b, other._b))

    @overload
    def __mul__(self, other: Scalar) -> Scalar: ...
    @overload
    def __mul__(self, other: Point) -> Point: ...
    def __mul__(self, other: Scalar | Point) -> Scalar | Point:
        if isinstance(other, Point):
            return other * self
        return Scalar._trusted(_sodium.scalar_mul(self._b, other._b))

    def __neg__(self) -> Scalar:
        return Scalar._trusted(_sodium.scalar_negate(self._b))

    def inverse(self) -> Scalar:
        return Scalar._trusted(_sodium.scalar_invert(self._b))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and self._b == other._b

    def __hash__(self) -> int:
        return hash(self._b)

    def __repr__(self) -> str:
        return f"Scalar({self._b.hex()[:16]}...)"


class Point:
    """An element of ristretto255, held as its canonical encoding."""

    __slots__ = ("_b",)
    _b: bytes

    def __init__(self) -> None:  # pragma: no cover - use decode/identity/generator
        raise TypeError("use Point.decode, Point.identity() or G")

    @classmethod
    def _trusted(cls, b: bytes) -> Point:
        p = cls.__new__(cls)
        p._b = b
        return p

    @classmethod
    def decode(cls, data: bytes, *, allow_identity: bool = False) -> Point:
        """Decode untrusted bytes: length, canonical encoding (our own test, then libsodium's),
        validity, identity policy."""
        if not isinstance(data, bytes) or len(data) != 32:
            n = len(data) if isinstance(data, bytes) else type(data).__name__
            raise EncodingError(f"point encoding must be 32 bytes, got {n}")
        if not is_canonical_encoding(data):
            raise EncodingError("bytes are not a canonical ristretto255 encoding (RFC 9496 4.3.1)")
        if not _sodium.is_valid_point(data):
            raise EncodingError("bytes are not a canonical ristretto255 encoding")
        if not allow_identity and data == _IDENTITY_BYTES:
            raise EncodingError("the identity element is not allowed here")
        return cls._trusted(bytes(data))

    @classmethod
    def from_hex(cls, text: str, *, allow_identity: bool = False) -> Point:
        try:
            raw = bytes.fromhex(text)
        except (ValueError, TypeError) as exc:
            raise EncodingError(f"point is not hexadecimal: {text!r:.80}") from exc
        return cls.decode(raw, allow_identity=allow_identity)

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Point:
        """The one-way map of RFC 9496 section 4.3.4 from 64 uniform bytes."""
        return cls._trusted(_sodium.point_from_hash(data))

    @classmethod
    def identity(cls) -> Point:
        return cls._trusted(_IDENTITY_BYTES)

    @staticmethod
    def base_mul(s: Scalar) -> Point:
        """s*G with libsodium's fixed-base, constant-time multiplication."""
        r = _sodium.scalarmult_base(s._b)
        return Point._trusted(_IDENTITY_BYTES if r is None else r)

    def encode(self) -> bytes:
        return self._b

    def hex(self) -> str:
        return self._b.hex()

    def is_identity(self) -> bool:
        return self._b == _IDENTITY_BYTES

    def __add__(self, other: Point) -> Point:
        return Point._trusted(_sodium.point_add(self._b, other._b))

    def __sub__(self, other: Point) -> Point:
        return Point._trusted(_sodium.point_sub(self._b, other._b))

    def __neg__(self) -> Point:
        return Point._trusted(_sodium.point_sub(_IDENTITY_BYTES, self._b))

    def __mul__(self, s: Scalar) -> Point:
        # libsodium refuses to output the identity (0*P or P = identity); the group has prime
        # order, so that is the only case, and the identity is the right answer.
        r = _sodium.scalarmult(s._b, self._b)
        return Point._trusted(_IDENTITY_BYTES if r is None else r)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and self._b == other._b

    def __hash__(self) -> int:
        return hash(self._b)

    def __repr__(self) -> str:
        return f"Point({self._b.hex()[:16]}...)"


#: The ristretto255 generator (RFC 9496 section 4.4).
G: Final = Point.decode(
    bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76")
)


def g_pow(m: int) -> Point:
    """m*G for a small public integer m (vote values, tally totals), identity for m = 0."""
    return Point.base_mul(Scalar(m))
