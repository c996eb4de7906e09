"""Tag conversion: one voter's rows end with one tag, and a converter that cheats is caught.

The attacker is a converter (a trustee) who raises one row's tag to another exponent, so that
a voter's home ballot and booth ballot no longer share a tag (both would count), or who puts
another voter's tag in a row's place, or reorders the rows.
"""

from __future__ import annotations

import dataclasses

import pytest

from plebiscite.crypto.elgamal import Ciphertext, KeyPair, decrypt_to_point
from plebiscite.crypto.group import Point
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.tagging import Conversion, convert_tags, tag_point, verify_conversion
from plebiscite.errors import CryptoError, ProofError

RNG = SeededRng(b"tagging tests")
KEY = KeyPair.generate(RNG)
CONTEXT = b"tagging test context"


def _encrypt_point(p: Point) -> Ciphertext:
    r = RNG.scalar()
    return Ciphertext(Point.base_mul(r), p + KEY.public * r)


VOTERS = [b"voter-a", b"voter-b", b"voter-a", b"voter-c"]  # voter a cast twice
TAGS = [_encrypt_point(tag_point(CONTEXT, v)) for v in VOTERS]


def test_two_converters_give_one_tag_per_voter_and_none_links_back() -> None:
    first = convert_tags(CONTEXT, TAGS, RNG)
    verify_conversion(CONTEXT, TAGS, first)
    second = convert_tags(CONTEXT, first.outputs, RNG)
    verify_conversion(CONTEXT, first.outputs, second)
    final = [decrypt_to_point(KEY.secret, ct) for ct in second.outputs]
    assert final[0] == final[2]
    assert len({final[0], final[1], final[3]}) == 3
    plain = {tag_point(CONTEXT, v) for v in VOTERS}
    assert not plain & set(final)


def _tampered(conversion: Conversion, index: int, ct: Ciphertext) -> Conversion:
    outputs = list(conversion.outputs)
    outputs[index] = ct
    return dataclasses.replace(conversion, outputs=tuple(outputs))


def test_a_row_raised_to_another_exponent_is_caught() -> None:
    honest = convert_tags(CONTEXT, TAGS, RNG)
    other = RNG.scalar()
    split = _tampered(honest, 2, Ciphertext(TAGS[2].alpha * other, TAGS[2].beta * other))
    with pytest.raises(ProofError, match="not the inputs raised"):
        verify_conversion(CONTEXT, TAGS, split)


def test_another_voters_tag_in_a_row_or_rows_reordered_is_caught() -> None:
    honest = convert_tags(CONTEXT, TAGS, RNG)
    with pytest.raises(ProofError):
        verify_conversion(CONTEXT, TAGS, _tampered(honest, 1, honest.outputs[0]))
    swapped = dataclasses.replace(honest, outputs=tuple(reversed(honest.outputs)))
    with pytest.raises(ProofError):
        verify_conversion(CONTEXT, TAGS, swapped)
    with pytest.raises(ProofError):
        verify_conversion(b"another context", TAGS, honest)


def test_shapes_are_checked() -> None:
    honest = convert_tags(CONTEXT, TAGS, RNG)
    with pytest.raises(ProofError, match="3 inputs"):
        verify_conversion(CONTEXT, TAGS[:3], honest)
    with pytest.raises(ProofError, match="identity"):
        verify_conversion(
            CONTEXT, TAGS, dataclasses.replace(honest, exponent_commitment=Point.identity())
        )
    with pytest.raises(CryptoError, match="at least one"):
        convert_tags(CONTEXT, [], RNG)
