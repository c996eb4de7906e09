"""Binding to the native variable-time library (``native/vartime.c`` over libdecaf).

``make setup`` compiles ``native/vartime.c`` against Debian's ``libdecaf-dev`` into
``native/_vartime.so``. This module loads it once, at import: when it is there and loads,
:data:`AVAILABLE` is true and the verifier's public-data arithmetic runs through it;
otherwise every caller falls back to libsodium (:mod:`._sodium`), with the same results.
Only public data may pass through here (the functions take time that depends on their
inputs); secrets stay in libsodium's constant-time code.

Points are 32-byte canonical encodings and scalars 32-byte little-endian integers < L.
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Final

from plebiscite.errors import CryptoError

_ENC: Final = 32
_OOM: Final = -(2**31)
_LIB_PATH: Final = Path(__file__).with_name("native") / "_vartime.so"


def _load() -> ctypes.CDLL | None:
    try:
        lib = ctypes.CDLL(str(_LIB_PATH))
    except OSError:
        return None  # not built (no libdecaf-dev or no compiler): libsodium serves
    if lib.pleb_vt_abi() != 1:  # pragma: no cover - a stale build
        return None
    for name in ("pleb_vt_lincomb", "pleb_vt_is_identity"):
        getattr(lib, name).argtypes = [
            *([ctypes.c_char_p] if name == "pleb_vt_lincomb" else []),
            ctypes.c_size_t,
            ctypes.c_char_p,
            ctypes.c_char_p,
        ]
    lib.pleb_vt_equals.argtypes = [ctypes.c_size_t, *[ctypes.c_char_p] * 3]
    lib.pleb_vt_sum.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
    lib.pleb_vt_group_sums.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_size_t,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_uint32),
    ]
    lib.pleb_vt_valid.argtypes = [ctypes.c_size_t, ctypes.c_char_p]
    return lib


_lib = _load()

#: True when the native library was built and loads.
AVAILABLE: Final = _lib is not None
#: The name of the library behind the variable-time path, for reports.
LIBRARY: Final = "libdecaf" if AVAILABLE else "none"


def _check(rc: int, what: str) -> int:
    if rc == _OOM:  # pragma: no cover - out of memory
        raise MemoryError(f"native {what}: out of memory")
    if rc < 0:
        raise CryptoError(f"{what}: point {-1 - rc} is not a valid ristretto255 encoding")
    return rc


def _need() -> ctypes.CDLL:
    if _lib is None:
        raise CryptoError("the native variable-time library is not built (run make setup)")
    return _lib


def lincomb(scalars: bytes, points: bytes) -> bytes:
    """sum_i s_i * P_i, encoded; ``scalars`` and ``points`` are n 32-byte items each."""
    lib = _need()
    n = len(points) // _ENC
    if len(points) != n * _ENC or len(scalars) != n * _ENC:
        raise CryptoError("lincomb needs as many 32-byte scalars as 32-byte points")
    out = ctypes.create_string_buffer(_ENC)
    _check(lib.pleb_vt_lincomb(out, n, scalars, points), "linear combination")
    return out.raw


def is_identity(scalars: bytes, points: bytes) -> bool:
    """Whether sum_i s_i * P_i is the identity (no encoding of the result is made)."""
    lib = _need()
    n = len(points) // _ENC
    if len(points) != n * _ENC or len(scalars) != n * _ENC:
        raise CryptoError("is_identity needs as many 32-byte scalars as 32-byte points")
    return _check(lib.pleb_vt_is_identity(n, scalars, points), "linear combination") == 1


def equals(scalars: bytes, points: bytes, target: bytes) -> bool:
    """Whether sum_i s_i * P_i equals ``target`` (compared decoded, no encoding made)."""
    lib = _need()
    n = len(points) // _ENC
    if len(points) != n * _ENC or len(scalars) != n * _ENC or len(target) != _ENC:
        raise CryptoError("equals needs as many 32-byte scalars as 32-byte points, and a target")
    return _check(lib.pleb_vt_equals(n, scalars, points, target), "linear relation") == 1


def point_sum(points: bytes) -> bytes:
    """sum_i P_i, encoded."""
    lib = _need()
    n = len(points) // _ENC
    if len(points) != n * _ENC:
        raise CryptoError("point_sum needs 32-byte points")
    out = ctypes.create_string_buffer(_ENC)
    _check(lib.pleb_vt_sum(out, n, points), "sum")
    return out.raw


def group_sums(points: bytes, groups: list[int], count: int) -> list[bytes]:
    """For g < count, the sum of the points i with groups[i] = g, encoded."""
    lib = _need()
    n = len(points) // _ENC
    if len(points) != n * _ENC or len(groups) != n:
        raise CryptoError("group_sums needs one group number per 32-byte point")
    out = ctypes.create_string_buffer(_ENC * max(count, 1))
    index = (ctypes.c_uint32 * max(n, 1))(*groups)
    _check(lib.pleb_vt_group_sums(out, count, n, points, index), "grouped sum")
    raw = out.raw
    return [raw[_ENC * g : _ENC * (g + 1)] for g in range(count)]


def first_invalid(points: bytes) -> int | None:
    """The index of the first encoding that is not a valid element, or None."""
    lib = _need()
    rc = lib.pleb_vt_valid(len(points) // _ENC, points)
    return None if rc == 1 else -1 - rc
