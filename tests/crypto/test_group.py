"""ristretto255 group: RFC 9496 known answers and strict decoding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.crypto.group import G, L, Point, Scalar, g_pow
from plebiscite.errors import CryptoError, EncodingError

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "ristretto255.json").read_text())
scalars = st.integers(min_value=0, max_value=L - 1)


def test_multiples_of_generator_match_rfc9496() -> None:
    acc = Point.identity()
    for i, expected in enumerate(VECTORS["multiples_of_generator"]):
        assert acc.hex() == expected
        assert g_pow(i).hex() == expected
        acc = acc + G


@pytest.mark.parametrize(
    "encoding",
    [e for group in VECTORS["invalid_encodings"].values() for e in group],
)
def test_invalid_encodings_are_rejected(encoding: str) -> None:
    with pytest.raises(EncodingError, match="not a canonical"):
        Point.from_hex(encoding)


@pytest.mark.parametrize("vector", VECTORS["from_uniform_bytes"], ids=lambda v: v["output"][:8])
def test_element_derivation_matches_rfc9496(vector: dict[str, str]) -> None:
    assert Point.from_uniform_bytes(bytes.fromhex(vector["input"])).hex() == vector["output"]


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_point_wrong_length(size: int) -> None:
    with pytest.raises(EncodingError, match="32 bytes"):
        Point.decode(bytes(size))


def test_point_decode_rejects_non_bytes() -> None:
    with pytest.raises(EncodingError, match="str"):
        Point.decode("00" * 32)  # type: ignore[arg-type]


def test_identity_forbidden_unless_allowed() -> None:
    with pytest.raises(EncodingError, match="identity"):
        Point.decode(bytes(32))
    assert Point.decode(bytes(32), allow_identity=True).is_identity()


def test_point_from_bad_hex() -> None:
    with pytest.raises(EncodingError, match="hexadecimal"):
        Point.from_hex("zz")


def test_from_uniform_bytes_needs_64_bytes() -> None:
    with pytest.raises(CryptoError, match="64 bytes"):
        Point.from_uniform_bytes(bytes(32))


@given(scalars, scalars)
@settings(max_examples=25, deadline=None)
def test_scalar_arithmetic_matches_integers(a: int, b: int) -> None:
    x, y = Scalar(a), Scalar(b)
    assert int(x + y) == (a + b) % L
    assert int(x - y) == (a - b) % L
    assert int(x * y) == (a * b) % L
    assert int(-x) == (-a) % L
    assert Scalar.decode(x.encode()) == x


@given(scalars, scalars)
@settings(max_examples=15, deadline=None)
def test_point_arithmetic_is_a_group_homomorphism(a: int, b: int) -> None:
    pa, pb = Point.base_mul(Scalar(a)), Point.base_mul(Scalar(b))
    assert pa + pb == Point.base_mul(Scalar(a + b))
    assert pa - pb == Point.base_mul(Scalar(a - b))
    assert -pa == Point.base_mul(Scalar(-a))
    assert G * Scalar(a) == pa
    assert Scalar(a) * G == pa


def test_zero_multiplications_give_the_identity() -> None:
    assert (G * Scalar(0)).is_identity()
    assert Point.base_mul(Scalar(0)).is_identity()
    assert (Point.identity() * Scalar(7)).is_identity()
    assert g_pow(0) == Point.identity()


def test_scalar_reduction_and_decoding() -> None:
    assert int(Scalar(L + 5)) == 5
    with pytest.raises(EncodingError, match="not canonical"):
        Scalar.decode(L.to_bytes(32, "little"))
    with pytest.raises(EncodingError, match="not canonical"):
        Scalar.decode((2**255 + 1).to_bytes(32, "little"))
    with pytest.raises(EncodingError, match="32 bytes"):
        Scalar.decode(bytes(31))
    with pytest.raises(EncodingError, match="zero"):
        Scalar.decode(bytes(32), allow_zero=False)
    with pytest.raises(EncodingError, match="hexadecimal"):
        Scalar.from_hex("xyz")
    with pytest.raises(EncodingError, match="must be an int"):
        Scalar("5")  # type: ignore[arg-type]
    assert int(Scalar.reduce_wide(bytes(64))) == 0
    assert int(Scalar.reduce_wide((L + 3).to_bytes(64, "little"))) == 3


def test_scalar_inverse() -> None:
    x = Scalar(123456789)
    assert x * x.inverse() == Scalar(1)
    with pytest.raises(CryptoError, match="no inverse"):
        Scalar(0).inverse()


def test_random_scalars_differ_and_are_nonzero() -> None:
    a, b = Scalar.random(), Scalar.random()
    assert a != b and not a.is_zero()


def test_equality_hashing_and_repr() -> None:
    assert {Scalar(1), Scalar(1 + L)} == {Scalar(1)}
    assert {G, G + Point.identity()} == {G}
    assert Scalar(1) != 1
    assert G.encode() != G
    assert "Scalar(" in repr(Scalar(1)) and "Point(" in repr(G)
    assert Scalar.from_hex(Scalar(9).hex()) == Scalar(9)
    assert Point.from_hex(G.hex()) == G
