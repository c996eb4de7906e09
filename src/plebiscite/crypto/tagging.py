"""Tag conversion: from encrypted voter tags to deterministic tags nobody can link back.

``docs/protocol.md`` section 11. After the shuffle every row carries its voter's tag encrypted
under the election key, ``T = (r*G, P + r*K)`` with ``P`` the voter's tag point. Each converter
in turn (the trustees present) draws a secret exponent ``z``, publishes ``Z = z*G`` and raises
every tag ciphertext to it: ``(z*alpha, z*beta)`` encrypts ``z*P`` under the same key. After
all converters, threshold decryption of each row gives ``z_1*...*z_m*P``: equal for the rows of
one voter, and unlinkable to ``P`` unless every converter colludes. Any number of converters
from one upwards works, so an absent trustee blocks nothing.

A converter proves it used one exponent for every row, the one in ``Z``, with a single
Chaum-Pedersen proof over a random linear combination of the rows: weights ``rho_i`` and
``gamma`` are hashed from the whole statement (inputs, outputs, ``Z``), then
``A = sum rho_i*(alpha_i + gamma*beta_i)`` and ``A' = sum rho_i*(alpha'_i + gamma*beta'_i)``,
and the proof shows ``log_G Z = log_A A'``. A converter that raises one row to another exponent
(to split one voter's ballots under two tags, or to merge two voters) makes ``A' != z*A`` except
with probability about 1/L.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import Point
from plebiscite.crypto.hashing import hash_bytes, hash_to_group, hash_to_scalar
from plebiscite.crypto.proofs import EqualityProof, prove_equality, verify_equality
from plebiscite.crypto.randomness import Rng
from plebiscite.errors import CryptoError, ProofError


@dataclass(frozen=True, slots=True)
class Conversion:
    """One converter's step: its public exponent commitment, the outputs and the proof."""

    exponent_commitment: Point  # Z = z*G
    outputs: tuple[Ciphertext, ...]
    proof: EqualityProof


def _combined(
    context: bytes, public: Point, inputs: Sequence[Ciphertext], outputs: Sequence[Ciphertext]
) -> tuple[Point, Point]:
    seed = hash_bytes(
        "tag-conversion-weights",
        context,
        public,
        [[ct.alpha, ct.beta] for ct in inputs],
        [[ct.alpha, ct.beta] for ct in outputs],
    )
    gamma = hash_to_scalar("tag-conversion-gamma", seed)
    a = a_out = Point.identity()
    for i, (before, after) in enumerate(zip(inputs, outputs, strict=True)):
        rho = hash_to_scalar("tag-conversion-rho", seed, i)
        a = a + (before.alpha + before.beta * gamma) * rho
        a_out = a_out + (after.alpha + after.beta * gamma) * rho
    return a, a_out


def convert_tags(context: bytes, inputs: Sequence[Ciphertext], rng: Rng) -> Conversion:
    """Raise every tag ciphertext to a fresh secret exponent, with the proof."""
    if not inputs:
        raise CryptoError("tag conversion needs at least one tag")
    z = rng.scalar()
    if z.is_zero():  # pragma: no cover - probability 2^-252
        raise CryptoError("the random source returned zero")
    public = Point.base_mul(z)
    outputs = tuple(Ciphertext(ct.alpha * z, ct.beta * z) for ct in inputs)
    base, _ = _combined(context, public, inputs, outputs)
    return Conversion(public, outputs, prove_equality(context, z, base, rng))


def verify_conversion(context: bytes, inputs: Sequence[Ciphertext], conversion: Conversion) -> None:
    """Raise :class:`ProofError` unless every output is its input raised to ``log_G Z``."""
    if len(conversion.outputs) != len(inputs) or not inputs:
        raise ProofError(
            f"tag conversion: {len(conversion.outputs)} outputs for {len(inputs)} inputs"
        )
    if conversion.exponent_commitment.is_identity():
        raise ProofError("tag conversion: the exponent commitment is the identity")
    base, result = _combined(context, conversion.exponent_commitment, inputs, conversion.outputs)
    try:
        verify_equality(context, base, conversion.exponent_commitment, result, conversion.proof)
    except ProofError as exc:
        raise ProofError("tag conversion: the outputs are not the inputs raised to Z") from exc


def tag_point(context: bytes, pseudonym: bytes) -> Point:
    """The point a voter's tag encrypts: nobody knows its discrete logarithm."""
    return hash_to_group("voter-tag", context, pseudonym)
