"""Linear relations among public points: the verifier's arithmetic, native or libsodium.

Every verification equation of ``docs/protocol.md`` section 5 has the form
``s_1*P_1 + ... + s_n*P_n = T`` over public scalars and points. This module checks such
relations through the fastest path this machine has, chosen once at start-up:

* ``libdecaf``: the native variable-time library (:mod:`._vartime`, built by ``make setup``
  against Debian's libdecaf): a multi-scalar multiplication on decoded points, compared
  without re-encoding;
* ``libsodium``: constant-time multiplications and additions on encodings, when the native
  library is not built.

Both give the same answer for every input (the points' encodings are the same group
elements; a property test compares them). Only public data may be passed: the native path
takes time that depends on the scalars.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

from plebiscite.crypto import _vartime
from plebiscite.crypto.group import G, L, Point, Scalar

NATIVE: Final = "libdecaf"
SODIUM: Final = "libsodium"

_G_BYTES: Final = G.encode()
_state = {"backend": NATIVE if _vartime.AVAILABLE else SODIUM}

#: One term of a relation: (scalar as an int mod L, point).
Term = tuple[int, Point]


def backend() -> str:
    """The path in use: ``"libdecaf"`` (native, variable time) or ``"libsodium"``."""
    return _state["backend"]


def native_available() -> bool:
    return _vartime.AVAILABLE


@contextmanager
def using(name: str) -> Iterator[None]:
    """Run the block on one path (tests and benchmarks compare the two)."""
    if name not in (NATIVE, SODIUM) or (name == NATIVE and not _vartime.AVAILABLE):
        raise ValueError(f"the {name} path is not available here")
    before = _state["backend"]
    _state["backend"] = name
    try:
        yield
    finally:
        _state["backend"] = before


def _pack(terms: Sequence[Term]) -> tuple[bytes, bytes]:
    return (
        b"".join((s % L).to_bytes(32, "little") for s, _ in terms),
        b"".join(p.encode() for _, p in terms),
    )


def _sodium_sum(terms: Sequence[Term]) -> Point:
    acc = Point.identity()
    for s, p in terms:
        scalar = Scalar(s)
        acc = acc + (Point.base_mul(scalar) if p.encode() == _G_BYTES else p * scalar)
    return acc


def combine(terms: Sequence[Term]) -> Point:
    """sum s_i * P_i."""
    if _state["backend"] == NATIVE:
        return Point._trusted(_vartime.lincomb(*_pack(terms)))
    return _sodium_sum(terms)


def holds(terms: Sequence[Term], target: Point) -> bool:
    """Whether sum s_i * P_i = target."""
    if _state["backend"] == NATIVE:
        return _vartime.equals(*_pack(terms), target.encode())
    return _sodium_sum(terms) == target


def sum_points(points: Sequence[Point]) -> Point:
    """P_1 + ... + P_n (a homomorphic tally of public ciphertexts)."""
    if _state["backend"] == NATIVE:
        return Point._trusted(_vartime.point_sum(b"".join(p.encode() for p in points)))
    acc = Point.identity()
    for p in points:
        acc = acc + p
    return acc


def group_sums(groups: Sequence[Sequence[Point]]) -> list[Point]:
    """The sum of each list of points (many small public sums in one call)."""
    if _state["backend"] == NATIVE:
        flat = b"".join(p.encode() for group in groups for p in group)
        index = [g for g, group in enumerate(groups) for _ in group]
        return [Point._trusted(b) for b in _vartime.group_sums(flat, index, len(groups))]
    return [sum_points(group) for group in groups]


def native_is_identity(scalars: bytes, points: bytes) -> bool:
    """Whether sum s_i*P_i is the identity, over packed 32-byte scalars (< 2^253) and
    encodings: one multi-scalar multiplication on the native path (batches use it)."""
    return _vartime.is_identity(scalars, points)


__all__ = [
    "NATIVE",
    "SODIUM",
    "Term",
    "backend",
    "combine",
    "group_sums",
    "holds",
    "native_available",
    "native_is_identity",
    "sum_points",
    "using",
]
