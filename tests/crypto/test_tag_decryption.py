"""Converting a region in chunks with one exponent, and proven tag-decryption shares.

The attackers: a converter who uses another exponent for one chunk of a region (the voter's
booth and home tags would no longer match, and both ballots would count), and a trustee who
posts a wrong decryption share for one row or another row's share in its place (to forge or
hide a match between a home tag and a booth tag).
"""

from __future__ import annotations

import dataclasses

import pytest

from plebiscite.crypto.elgamal import Ciphertext, KeyPair
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.tagging import (
    TagShares,
    conversion_exponent,
    convert_tags_with,
    prove_tag_shares,
    tag_point,
    verify_conversion,
    verify_tag_shares,
)
from plebiscite.crypto.threshold import combine_shares
from plebiscite.errors import CryptoError, ProofError

RNG = SeededRng(b"tag decryption tests")
KEY = KeyPair.generate(RNG)
CONTEXT = b"tag decryption test context"


def _encrypt_point(p: Point) -> Ciphertext:
    r = RNG.scalar()
    return Ciphertext(Point.base_mul(r), p + KEY.public * r)


TAGS = [_encrypt_point(tag_point(CONTEXT, v)) for v in (b"a", b"b", b"c", b"a")]


def test_the_exponent_is_the_same_per_context_and_differs_between_contexts() -> None:
    secret = RNG.scalar()
    assert conversion_exponent(secret, b"region r1") == conversion_exponent(secret, b"region r1")
    assert conversion_exponent(secret, b"region r1") != conversion_exponent(secret, b"region r2")
    assert conversion_exponent(secret, b"region r1") != conversion_exponent(
        RNG.scalar(), b"region r1"
    )


def test_two_chunks_converted_with_one_exponent_keep_one_voters_tags_equal() -> None:
    z = conversion_exponent(RNG.scalar(), CONTEXT)
    first = convert_tags_with(CONTEXT, TAGS[:2], z, RNG)
    second = convert_tags_with(CONTEXT, TAGS[2:], z, RNG)
    verify_conversion(CONTEXT, TAGS[:2], first)
    verify_conversion(CONTEXT, TAGS[2:], second)
    assert first.exponent_commitment == second.exponent_commitment == Point.base_mul(z)
    plain = [ct.beta - ct.alpha * KEY.secret for ct in first.outputs + second.outputs]
    assert plain[0] == plain[3] and len({plain[0], plain[1], plain[2]}) == 3


def test_a_chunk_converted_with_another_exponent_shows_in_its_commitment() -> None:
    """Each chunk's proof verifies alone, so the one-Z-per-region rule is what catches it."""
    z = conversion_exponent(RNG.scalar(), CONTEXT)
    honest = convert_tags_with(CONTEXT, TAGS[:2], z, RNG)
    cheat = convert_tags_with(CONTEXT, TAGS[2:], z + z, RNG)
    verify_conversion(CONTEXT, TAGS[2:], cheat)
    assert honest.exponent_commitment != cheat.exponent_commitment
    # and outputs made with another exponent than the stated Z do not verify
    lying = dataclasses.replace(cheat, exponent_commitment=honest.exponent_commitment)
    with pytest.raises(ProofError):
        verify_conversion(CONTEXT, TAGS[2:], lying)


def test_honest_tag_shares_verify_and_k_of_them_decrypt() -> None:
    # a 2-of-3 sharing of KEY.secret: f(x) = s + a*x
    a = RNG.scalar()
    xs = {i: KEY.secret + a * Scalar(i) for i in (1, 2, 3)}
    proofs = {i: prove_tag_shares(CONTEXT, xs[i], TAGS, RNG) for i in (1, 3)}
    for i, shares in proofs.items():
        verify_tag_shares(CONTEXT, Point.base_mul(xs[i]), TAGS, shares)
    for j, ct in enumerate(TAGS):
        opened = combine_shares(ct, {i: proofs[i].shares[j] for i in proofs}, 2)
        assert opened == ct.beta - ct.alpha * KEY.secret


def test_a_wrong_share_for_one_row_is_caught() -> None:
    secret = RNG.scalar()
    honest = prove_tag_shares(CONTEXT, secret, TAGS, RNG)
    shares = list(honest.shares)
    shares[2] = shares[2] + Point.base_mul(RNG.scalar())
    with pytest.raises(ProofError, match="not the trustee's key times the tags"):
        verify_tag_shares(
            CONTEXT, Point.base_mul(secret), TAGS, TagShares(tuple(shares), honest.proof)
        )


def test_a_share_of_another_row_swapped_in_is_caught() -> None:
    secret = RNG.scalar()
    honest = prove_tag_shares(CONTEXT, secret, TAGS, RNG)
    shares = list(honest.shares)
    shares[1] = shares[0]  # row 1 would decrypt like row 0: a forged match
    with pytest.raises(ProofError):
        verify_tag_shares(
            CONTEXT, Point.base_mul(secret), TAGS, TagShares(tuple(shares), honest.proof)
        )
    swapped = [shares[1], honest.shares[0], *honest.shares[2:]]
    with pytest.raises(ProofError):
        verify_tag_shares(
            CONTEXT, Point.base_mul(secret), TAGS, TagShares(tuple(swapped), honest.proof)
        )


def test_shares_of_one_chunk_are_not_accepted_for_another_or_another_trustee() -> None:
    secret = RNG.scalar()
    honest = prove_tag_shares(CONTEXT, secret, TAGS, RNG)
    with pytest.raises(ProofError):  # another chunk's context
        verify_tag_shares(b"another chunk", Point.base_mul(secret), TAGS, honest)
    with pytest.raises(ProofError):  # another trustee's public share
        verify_tag_shares(CONTEXT, Point.base_mul(RNG.scalar()), TAGS, honest)
    with pytest.raises(ProofError, match="3 shares for 4 tags"):
        verify_tag_shares(
            CONTEXT, Point.base_mul(secret), TAGS, TagShares(honest.shares[:3], honest.proof)
        )


def test_a_share_made_with_another_key_and_a_proof_for_it_is_caught() -> None:
    """A trustee proving with a key that is not its public share cannot pass the check."""
    other = RNG.scalar()
    made = prove_tag_shares(CONTEXT, other, TAGS, RNG)
    with pytest.raises(ProofError):
        verify_tag_shares(CONTEXT, Point.base_mul(RNG.scalar()), TAGS, made)


def test_no_tags_is_refused() -> None:
    with pytest.raises(CryptoError):
        prove_tag_shares(CONTEXT, RNG.scalar(), [], RNG)
