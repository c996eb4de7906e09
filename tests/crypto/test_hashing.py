"""Canonical encoding and hashing: injectivity by construction, domain separation."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.crypto.group import G, Point, Scalar
from plebiscite.crypto.hashing import (
    canonical_json,
    encode,
    hash_bytes,
    hash_to_group,
    hash_to_scalar,
    keyed_hash,
)
from plebiscite.errors import EncodingError


def test_length_prefix_separates_concatenations() -> None:
    assert encode(b"a", b"bc") != encode(b"ab", b"c")
    assert encode([b"a"], b"b") != encode([b"a", b"b"])
    assert encode("1") != encode(1) != encode(b"\x01")
    assert encode(Scalar(1)) != encode(G)


def test_encoding_layout_is_pinned() -> None:
    assert encode(b"ab") == b"B" + (2).to_bytes(8, "big") + b"ab"
    assert encode(0) == b"I" + (1).to_bytes(8, "big") + b"\x00"
    assert encode([]) == b"L" + bytes(8)
    assert encode(G) == b"P" + (32).to_bytes(8, "big") + G.encode()


@pytest.mark.parametrize("bad", [True, -1, 1.5, {"a": 1}, None])
def test_unhashable_parts_are_rejected(bad: object) -> None:
    with pytest.raises(EncodingError):
        encode(bad)  # type: ignore[arg-type]


def test_domain_tags_separate_hashes() -> None:
    assert hash_bytes("a", b"x") != hash_bytes("b", b"x")
    assert hash_to_scalar("a", 1) != hash_to_scalar("b", 1)
    assert hash_to_group("a", 1) != hash_to_group("b", 1)
    assert len(hash_bytes("a")) == 64
    assert isinstance(hash_to_group("gen", 0), Point)


def test_keyed_hash() -> None:
    key = bytes(range(32))
    assert keyed_hash(key, "pseudonym", "V1") != keyed_hash(key, "pseudonym", "V2")
    assert keyed_hash(key, "pseudonym", "V1") != keyed_hash(bytes(32), "pseudonym", "V1")
    assert len(keyed_hash(key, "t")) == 32
    with pytest.raises(EncodingError, match="at least 16"):
        keyed_hash(b"short", "t")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(json_values)
@settings(max_examples=50)
def test_canonical_json_is_a_fixed_point(value: object) -> None:
    once = canonical_json(value)
    assert canonical_json(json.loads(once)) == once


def test_canonical_json_rules() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    with pytest.raises(EncodingError, match="floats"):
        canonical_json({"a": [1.0]})
    with pytest.raises(EncodingError, match="keys must be strings"):
        canonical_json({1: 2})
