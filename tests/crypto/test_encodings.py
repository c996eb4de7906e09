"""Non-canonical point encodings are refused by our own check (issue: libsodium 1.0.18 lets
``00...0080`` through as the identity; ``docs/protocol.md`` section 2).

Each attacker below builds an object that libsodium alone would accept, with valid proofs,
and the test fails if our decoding lets it in.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.crypto import _sodium, linear
from plebiscite.crypto.ballot import (
    EncryptedAnswer,
    QuestionSpec,
    selection_context,
    sum_context,
    verify_answer,
)
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import G, P, Point, Scalar, g_pow, is_canonical_encoding
from plebiscite.crypto.proofs import prove_range, prove_schnorr
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.threshold import DealerMessage, dealer_context
from plebiscite.errors import EncodingError, PlebisciteError

TOP_BIT_IDENTITY = bytes(31) + b"\x80"
SPEC = QuestionSpec("q", 2, 1, 1)


def test_libsodium_alone_would_take_the_top_bit_identity() -> None:
    """Why our check exists: the system library's validity test is not enough here."""
    if not _sodium.is_valid_point(TOP_BIT_IDENTITY):
        pytest.skip("this libsodium refuses the top bit itself (1.0.19 or later)")
    with pytest.raises(EncodingError, match="canonical"):
        Point.decode(TOP_BIT_IDENTITY, allow_identity=True)


@given(st.integers(min_value=1, max_value=2**252), st.booleans())
@settings(max_examples=50, deadline=None)
def test_a_valid_point_with_its_top_bit_set_is_refused(k: int, identity: bool) -> None:
    good = bytes(32) if identity else (G * Scalar(k)).encode()
    assert is_canonical_encoding(good)
    bad = good[:31] + bytes([good[31] | 0x80])
    with pytest.raises(EncodingError, match="canonical"):
        Point.decode(bad, allow_identity=True)


@given(st.integers(min_value=P, max_value=2**255 - 1))
def test_field_elements_at_or_above_p_are_refused(s: int) -> None:
    with pytest.raises(EncodingError, match="canonical"):
        Point.decode(s.to_bytes(32, "little"), allow_identity=True)


def _answer_with_identity_alpha(key: Point, context: bytes, vote: int) -> EncryptedAnswer:
    """A ballot whose first option has nonce 0 (alpha = identity, beta = vote*G: the vote in
    clear) with honest proofs, then alpha written as 00..0080."""
    rng = SeededRng(b"attacker")
    fake = Point._trusted(TOP_BIT_IDENTITY)  # the attacker's bytes, as libsodium reads them
    cts = [
        Ciphertext(fake, g_pow(vote)),
        Ciphertext(G * Scalar(5), g_pow(1 - vote) + key * Scalar(5)),
    ]
    nonces = [Scalar(0), Scalar(5)]
    proofs = tuple(
        prove_range(selection_context(context, "q", i), key, ct, m, r, 0, 1, rng)
        for i, (ct, m, r) in enumerate(zip(cts, [vote, 1 - vote], nonces, strict=True))
    )
    total = Ciphertext(cts[1].alpha, cts[0].beta + cts[1].beta)  # identity + alpha_1
    sum_proof = prove_range(sum_context(context, "q"), key, total, 1, Scalar(5), 1, 1, rng)
    return EncryptedAnswer("q", tuple(cts), proofs, sum_proof)


def test_ballot_alpha_written_as_top_bit_identity_is_refused() -> None:
    key = G * Scalar(1234)
    context = b"c" * 64
    with linear.using(linear.SODIUM):  # only libsodium's reading of the bytes lets it be built
        answer = _answer_with_identity_alpha(key, context, 1)
        if _sodium.is_valid_point(TOP_BIT_IDENTITY):
            verify_answer(key, context, SPEC, answer)  # the attack: the proofs hold
    wire = answer.to_json()
    assert wire["selections"][0][0] == TOP_BIT_IDENTITY.hex()  # type: ignore[index]
    with pytest.raises(EncodingError, match="canonical"):
        EncryptedAnswer.from_json(wire)


def test_dealer_commitment_written_as_top_bit_identity_is_refused() -> None:
    """A dealer whose constant term is 0 (so K gains nothing from it) disguising C_0."""
    context = b"d" * 64
    proof = prove_schnorr(dealer_context(context, 1), Scalar(0), SeededRng(b"dealer"))
    wire = {
        "dealer": 1,
        "commitments": [TOP_BIT_IDENTITY.hex(), (G * Scalar(7)).hex()],
        "proof": proof.to_json(),
    }
    with pytest.raises(PlebisciteError, match="canonical"):
        DealerMessage.from_json(wire)
