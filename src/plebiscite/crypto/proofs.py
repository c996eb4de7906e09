"""Non-interactive zero-knowledge proofs (``docs/protocol.md`` section 5).

All proofs are sigma protocols made non-interactive with Fiat-Shamir. The challenge hashes
the election context, the proof's purpose tag, the *whole statement* (generators, public
values, ciphertexts, range bounds) and the commitments, never the commitments alone. The
Chaum-Pedersen and range proofs carry their commitments (a, b) with the challenges and
responses, so that a verifier can check many proofs' equations at once with one random linear
combination (:mod:`.batch`); :func:`verify_equality` and :func:`verify_range` check one proof
exactly, equation by equation. The equations go through :mod:`.linear` (the native
variable-time path when built, libsodium otherwise). Responses are ``v = u - c*w`` for
witness w, computed with libsodium's constant-time scalar arithmetic.

* :class:`SchnorrProof`: knowledge of x with X = x*G (trustee key possession), section 5.1.
* :class:`EqualityProof`: Chaum-Pedersen, log_G(X) = log_A(D) (decryption shares), section 5.2.
* :class:`RangeProof`: a ciphertext encrypts some m in [lo, hi], a disjunction of
  Chaum-Pedersen proofs (0/1 options when [0, 1]; a question's sum otherwise), section 5.3.

Every ``verify_*`` returns ``None`` or raises :class:`~plebiscite.errors.ProofError`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from plebiscite.crypto import linear
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import G, L, Point, Scalar
from plebiscite.crypto.hashing import PROTOCOL, encode, hash_to_scalar
from plebiscite.crypto.randomness import Rng
from plebiscite.errors import CryptoError, EncodingError, ProofError

#: The longest range a disjunctive proof may cover; a ballot needs at most max_selections + 1.
MAX_RANGE = 64


def _scalar_list(data: object, n: int, what: str) -> list[Scalar]:
    if not (isinstance(data, list) and len(data) == n and all(isinstance(x, str) for x in data)):
        raise EncodingError(f"{what} must be a list of {n} hex scalars")
    return [Scalar.from_hex(x) for x in data]


def _point_list(data: object, n: int, what: str) -> list[Point]:
    """Commitments: n hex points (the identity allowed: the equations decide)."""
    if not (isinstance(data, list) and len(data) == n and all(isinstance(x, str) for x in data)):
        raise EncodingError(f"{what} must be a list of {n} hex points")
    return [Point.from_hex(x, allow_identity=True) for x in data]


def _scalar_pair(data: object, what: str) -> tuple[Scalar, Scalar]:
    if not isinstance(data, dict) or set(data) != {"c", "v"}:
        raise EncodingError(f"{what} must be an object with keys c and v")
    c, v = data["c"], data["v"]
    if not (isinstance(c, str) and isinstance(v, str)):
        raise EncodingError(f"{what}: c and v must be hex strings")
    return Scalar.from_hex(c), Scalar.from_hex(v)


# --- 5.1 Schnorr proof of knowledge of a discrete logarithm -------------------------------


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    c: Scalar
    v: Scalar

    def to_json(self) -> dict[str, str]:
        return {"c": self.c.hex(), "v": self.v.hex()}

    @classmethod
    def from_json(cls, data: object) -> SchnorrProof:
        return cls(*_scalar_pair(data, "Schnorr proof"))


def _schnorr_challenge(context: bytes, public: Point, h: Point) -> Scalar:
    return hash_to_scalar("schnorr", context, G, public, h)


def prove_schnorr(context: bytes, secret: Scalar, rng: Rng) -> SchnorrProof:
    """Prove knowledge of x with X = x*G."""
    public = Point.base_mul(secret)
    u = rng.scalar()
    c = _schnorr_challenge(context, public, Point.base_mul(u))
    return SchnorrProof(c, u - c * secret)


def verify_schnorr(context: bytes, public: Point, proof: SchnorrProof) -> None:
    """Check h = v*G + c*X and c = H(context, G, X, h)."""
    if public.is_identity():
        raise ProofError("Schnorr proof for the identity element")
    h = linear.combine([(int(proof.v), G), (int(proof.c), public)])
    if _schnorr_challenge(context, public, h) != proof.c:
        raise ProofError("Schnorr proof of key possession does not verify")


# --- 5.2 Chaum-Pedersen proof of equal discrete logarithms --------------------------------


@dataclass(frozen=True, slots=True)
class EqualityProof:
    """Challenge c, response v and the commitments a = u*G, b = u*A."""

    c: Scalar
    v: Scalar
    a: Point
    b: Point

    def to_json(self) -> dict[str, str]:
        return {"c": self.c.hex(), "v": self.v.hex(), "a": self.a.hex(), "b": self.b.hex()}

    @classmethod
    def from_json(cls, data: object) -> EqualityProof:
        if not isinstance(data, dict) or set(data) != {"c", "v", "a", "b"}:
            raise EncodingError("a Chaum-Pedersen proof is an object with keys c, v, a and b")
        c, v = _scalar_pair({"c": data["c"], "v": data["v"]}, "Chaum-Pedersen proof")
        a, b = _point_list([data["a"], data["b"]], 2, "Chaum-Pedersen commitments")
        return cls(c, v, a, b)


def _equality_challenge(
    context: bytes, base: Point, public: Point, result: Point, a: Point, b: Point
) -> Scalar:
    return hash_to_scalar("chaum-pedersen", context, G, base, public, result, a, b)


def prove_equality(context: bytes, secret: Scalar, base: Point, rng: Rng) -> EqualityProof:
    """Prove log_G(X) = log_A(D) for X = x*G, D = x*A (A = ``base``)."""
    public, result = Point.base_mul(secret), base * secret
    u = rng.scalar()
    a, b = Point.base_mul(u), base * u
    c = _equality_challenge(context, base, public, result, a, b)
    return EqualityProof(c, u - c * secret, a, b)


def equality_equations(
    base: Point, public: Point, result: Point, proof: EqualityProof
) -> list[tuple[list[linear.Term], Point]]:
    """a = v*G + c*X and b = v*A + c*D, as (terms, target) relations."""
    v, c = int(proof.v), int(proof.c)
    return [([(v, G), (c, public)], proof.a), ([(v, base), (c, result)], proof.b)]


def check_equality_challenge(
    context: bytes, base: Point, public: Point, result: Point, proof: EqualityProof
) -> None:
    if _equality_challenge(context, base, public, result, proof.a, proof.b) != proof.c:
        raise ProofError("Chaum-Pedersen proof: the challenge is not the hash of the statement")


def verify_equality(
    context: bytes, base: Point, public: Point, result: Point, proof: EqualityProof
) -> None:
    """Check c = H(context, G, A, X, D, a, b), a = v*G + c*X and b = v*A + c*D."""
    check_equality_challenge(context, base, public, result, proof)
    for terms, target in equality_equations(base, public, result, proof):
        if not linear.holds(terms, target):
            raise ProofError("Chaum-Pedersen proof of equal discrete logarithms does not verify")


# --- 5.3 Disjunctive range proof on an ElGamal ciphertext ---------------------------------


@dataclass(frozen=True, slots=True)
class RangeProof:
    """Per value j in [lo, hi]: challenge c_j, response v_j and commitments a_j, b_j."""

    lo: int
    hi: int
    c: tuple[Scalar, ...]
    v: tuple[Scalar, ...]
    a: tuple[Point, ...]
    b: tuple[Point, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "range": [self.lo, self.hi],
            "c": [s.hex() for s in self.c],
            "v": [s.hex() for s in self.v],
            "a": [p.hex() for p in self.a],
            "b": [p.hex() for p in self.b],
        }

    @classmethod
    def from_json(cls, data: object) -> RangeProof:
        if not isinstance(data, dict) or set(data) != {"range", "c", "v", "a", "b"}:
            raise EncodingError("a range proof is an object with keys range, c, v, a and b")
        bounds = data["range"]
        if not (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(type(b) is int for b in bounds)
            and 0 <= bounds[0] <= bounds[1] < bounds[0] + MAX_RANGE
        ):
            raise EncodingError(f"range proof bounds must be [lo, hi] with 0 <= lo <= hi: {bounds}")
        lo, hi = bounds
        n = hi - lo + 1
        return cls(
            lo,
            hi,
            tuple(_scalar_list(data["c"], n, "c")),
            tuple(_scalar_list(data["v"], n, "v")),
            tuple(_point_list(data["a"], n, "a")),
            tuple(_point_list(data["b"], n, "b")),
        )

    def commitments(self) -> list[Point]:
        """a_lo, b_lo, ..., a_hi, b_hi: the order in which the challenge hashes them."""
        return [p for pair in zip(self.a, self.b, strict=True) for p in pair]


def _range_challenge(
    context: bytes, key: Point, ct: Ciphertext, lo: int, hi: int, commitments: list[Point]
) -> Scalar:
    """H_s("range", context, G, K, alpha, beta, lo, hi, [a_lo, b_lo, ...]).

    Written out with the encoding of section 3.1 (the same bytes as ``hash_to_scalar``; the
    known-answer vectors pin them): the verifier computes one per option of every ballot.
    """
    body = b"".join(
        (
            _range_prefix(context, key.encode()),
            _POINT_HEAD,
            ct.alpha.encode(),
            _POINT_HEAD,
            ct.beta.encode(),
            encode(lo, hi),
            b"L",
            len(commitments).to_bytes(8, "big"),
            b"".join(_POINT_HEAD + p.encode() for p in commitments),
        )
    )
    return Scalar.reduce_wide(hashlib.sha512(body).digest())


_POINT_HEAD = b"P" + (32).to_bytes(8, "big")


@lru_cache(maxsize=256)
def _range_prefix(context: bytes, key: bytes) -> bytes:
    return encode(PROTOCOL, "range", context, G, Point._trusted(key))


def _simulated_commitments(
    key: Point, ct: Ciphertext, j: int, c: Scalar, v: Scalar
) -> tuple[Point, Point]:
    """a_j = v*G + c*alpha, b_j = v*K + c*(beta - j*G): what branch j must satisfy."""
    cj = int(c)
    return (
        linear.combine([(int(v), G), (cj, ct.alpha)]),
        linear.combine([(int(v), key), (cj, ct.beta), (-cj * j, G)]),
    )


def prove_range(
    context: bytes,
    key: Point,
    ct: Ciphertext,
    m: int,
    nonce: Scalar,
    lo: int,
    hi: int,
    rng: Rng,
) -> RangeProof:
    """Prove ``ct = Enc_K(m; nonce)`` with lo <= m <= hi, without revealing m.

    Branches j != m are simulated with random (c_j, v_j); branch m commits honestly to
    u*G, u*K and gets c_m = c - sum(c_j), v_m = u - c_m*r.
    """
    if not 0 <= lo <= hi < lo + MAX_RANGE:
        raise CryptoError(f"invalid range [{lo}, {hi}]")
    if not lo <= m <= hi:
        raise CryptoError(f"cannot prove that {m} lies in [{lo}, {hi}]")
    cs: dict[int, Scalar] = {}
    vs: dict[int, Scalar] = {}
    commitments: list[Point] = []
    u = rng.scalar()
    for j in range(lo, hi + 1):
        if j == m:
            commitments += [Point.base_mul(u), key * u]
        else:
            cs[j], vs[j] = rng.scalar(), rng.scalar()
            commitments += _simulated_commitments(key, ct, j, cs[j], vs[j])
    c = _range_challenge(context, key, ct, lo, hi, commitments)
    c_m = c
    for cj in cs.values():
        c_m = c_m - cj
    cs[m], vs[m] = c_m, u - c_m * nonce
    order = range(lo, hi + 1)
    return RangeProof(
        lo,
        hi,
        tuple(cs[j] for j in order),
        tuple(vs[j] for j in order),
        tuple(commitments[0::2]),
        tuple(commitments[1::2]),
    )


def check_range_challenge(
    context: bytes, key: Point, ct: Ciphertext, lo: int, hi: int, proof: RangeProof
) -> None:
    """The bounds, the branch count, and sum(c_j) = H(context, G, K, alpha, beta, lo, hi,
    a_lo, b_lo, ..., a_hi, b_hi)."""
    if (proof.lo, proof.hi) != (lo, hi):
        raise ProofError(f"range proof is for [{proof.lo}, {proof.hi}], expected [{lo}, {hi}]")
    n = hi - lo + 1
    if not len(proof.c) == len(proof.v) == len(proof.a) == len(proof.b) == n:
        raise ProofError("range proof has the wrong number of branches")
    total = 0
    for cj in proof.c:
        total += int(cj)
    if int(_range_challenge(context, key, ct, lo, hi, proof.commitments())) != total % L:
        raise ProofError(
            f"range proof that the ciphertext encrypts a value in [{lo}, {hi}]: the challenges "
            "do not sum to the hash of the statement"
        )


def range_equations(
    key: Point, ct: Ciphertext, proof: RangeProof
) -> list[tuple[list[linear.Term], Point]]:
    """For each j: a_j = v_j*G + c_j*alpha and b_j = v_j*K + c_j*beta - (c_j*j)*G."""
    out: list[tuple[list[linear.Term], Point]] = []
    for j, cj, vj, aj, bj in zip(
        range(proof.lo, proof.hi + 1), proof.c, proof.v, proof.a, proof.b, strict=True
    ):
        c, v = int(cj), int(vj)
        out.append(([(v, G), (c, ct.alpha)], aj))
        out.append(([(v, key), (c, ct.beta), (-c * j, G)] if j else [(v, key), (c, ct.beta)], bj))
    return out


def verify_range(
    context: bytes, key: Point, ct: Ciphertext, lo: int, hi: int, proof: RangeProof
) -> None:
    """Check that ``ct`` encrypts a value in [lo, hi] under ``key``, equation by equation.

    The challenge check (:func:`check_range_challenge`), then both equations of every branch
    (:func:`range_equations`): two relations of two or three terms per value.
    """
    check_range_challenge(context, key, ct, lo, hi, proof)
    for terms, target in range_equations(key, ct, proof):
        if not linear.holds(terms, target):
            raise ProofError(
                f"range proof that the ciphertext encrypts a value in [{lo}, {hi}] fails"
            )
