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

Section 12 of the protocol converts a region in chunks: a trustee must use the *same* exponent
for every chunk of both batches of a region, or the tags of one voter in two chunks would no
longer match. :func:`conversion_exponent` derives that exponent from the trustee's secret and
the region's conversion context (so a rerun, or a later chunk, finds the same one), and
:func:`convert_tags_with` converts with it.

Tag decryption (:func:`prove_tag_shares`): a trustee posts ``x_i*alpha_j`` for every converted
tag of a chunk with one batched Chaum-Pedersen proof. Weights ``rho_j`` hashed from the whole
statement (the context, ``X_i``, every ciphertext and every share) fold the rows into
``A = sum rho_j*alpha_j`` and ``D = sum rho_j*share_j``; the proof shows ``log_G X_i =
log_A D``. One wrong share, or two shares swapped, changes ``D`` away from ``x_i*A`` except
with probability about 1/L.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plebiscite.crypto import linear
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import L, Point, Scalar
from plebiscite.crypto.hashing import hash_bytes, hash_to_group, hash_to_scalar, keyed_hash
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
    gamma = int(hash_to_scalar("tag-conversion-gamma", seed))
    terms: list[linear.Term] = []
    terms_out: list[linear.Term] = []
    for i, (before, after) in enumerate(zip(inputs, outputs, strict=True)):
        rho = int(hash_to_scalar("tag-conversion-rho", seed, i))
        weight = rho * gamma % L
        terms += [(rho, before.alpha), (weight, before.beta)]
        terms_out += [(rho, after.alpha), (weight, after.beta)]
    # sum rho_i*(alpha_i + gamma*beta_i), as one multi-scalar multiplication per side
    return linear.combine(terms), linear.combine(terms_out)


def convert_tags(context: bytes, inputs: Sequence[Ciphertext], rng: Rng) -> Conversion:
    """Raise every tag ciphertext to a fresh secret exponent, with the proof."""
    return convert_tags_with(context, inputs, rng.scalar(), rng)


def conversion_exponent(secret: Scalar, context: bytes) -> Scalar:
    """A trustee's exponent for one conversion context, derived from its secret key share.

    HMAC-SHA-512 keyed with the secret, reduced mod L: the same for every chunk of a region
    (and on a rerun), independent between regions, and unknown to anyone without the secret.
    """
    key = secret.encode()
    wide = keyed_hash(key, "tag-conversion-exponent", context, 0)
    wide += keyed_hash(key, "tag-conversion-exponent", context, 1)
    return Scalar.reduce_wide(wide)


def convert_tags_with(
    context: bytes, inputs: Sequence[Ciphertext], z: Scalar, rng: Rng
) -> Conversion:
    """Raise every tag ciphertext to the given exponent ``z``, with the proof."""
    if not inputs:
        raise CryptoError("tag conversion needs at least one tag")
    if z.is_zero():  # pragma: no cover - probability 2^-252
        raise CryptoError("the conversion exponent is zero")
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


# --- tag decryption (protocol section 12.4) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagShares:
    """One trustee's decryption shares ``x_i*alpha_j`` of a chunk's tags, with one proof."""

    shares: tuple[Point, ...]
    proof: EqualityProof


def _folded(
    context: bytes, public: Point, tags: Sequence[Ciphertext], shares: Sequence[Point]
) -> tuple[Point, Point]:
    seed = hash_bytes(
        "tag-decryption-weights",
        context,
        public,
        [[ct.alpha, ct.beta] for ct in tags],
        list(shares),
    )
    rho = [int(hash_to_scalar("tag-decryption-rho", seed, j)) for j in range(len(tags))]
    base = linear.combine([(r, ct.alpha) for r, ct in zip(rho, tags, strict=True)])
    result = linear.combine([(r, d) for r, d in zip(rho, shares, strict=True)])
    return base, result


def prove_tag_shares(
    context: bytes, secret: Scalar, tags: Sequence[Ciphertext], rng: Rng
) -> TagShares:
    """Shares ``secret*alpha_j`` of every tag and the batched proof against ``secret*G``."""
    if not tags:
        raise CryptoError("tag decryption needs at least one tag")
    shares = tuple(ct.alpha * secret for ct in tags)
    base, _ = _folded(context, Point.base_mul(secret), tags, shares)
    return TagShares(shares, prove_equality(context, secret, base, rng))


def verify_tag_shares(
    context: bytes, public: Point, tags: Sequence[Ciphertext], shares: TagShares
) -> None:
    """Raise :class:`ProofError` unless every share is ``log_G(public) * alpha_j``."""
    if len(shares.shares) != len(tags) or not tags:
        raise ProofError(f"tag decryption: {len(shares.shares)} shares for {len(tags)} tags")
    base, result = _folded(context, public, tags, shares.shares)
    try:
        verify_equality(context, base, public, result, shares.proof)
    except ProofError as exc:
        raise ProofError(
            "tag decryption: the shares are not the trustee's key times the tags"
        ) from exc
