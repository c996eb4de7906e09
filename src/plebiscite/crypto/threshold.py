"""k-of-n trustees without a trusted dealer (``docs/protocol.md`` section 7).

Distributed key generation is Pedersen's protocol over Feldman verifiable secret sharing
(Pedersen, "A threshold cryptosystem without a trusted party", EUROCRYPT 1991; Feldman,
FOCS 1987). Trustees are numbered 1..n. Trustee i:

1. picks a random polynomial f_i of degree k-1 and publishes its coefficient commitments
   C_{i,j} = a_{i,j}*G with a Schnorr proof of knowledge of a_{i,0} (:class:`DealerMessage`);
2. sends trustee l the share s_{i,l} = f_i(l), privately;
3. each recipient checks s_{i,l}*G = sum_j l^j * C_{i,j} (:func:`verify_share`) and files a
   complaint if not; the dealer answers by revealing s_{i,l} publicly, and is disqualified if
   it does not, or if the revealed share fails the same check (:func:`judge_complaint`).

The qualified set QUAL is every dealer not disqualified. The election key is
K = sum_{i in QUAL} C_{i,0}; trustee l's secret share is x_l = sum_{i in QUAL} s_{i,l} and its
public verification key X_l = sum_{i in QUAL} sum_j l^j C_{i,j}, computable by anyone.

Decryption: trustee l publishes D_l = x_l*alpha with a Chaum-Pedersen proof that
log_G(X_l) = log_alpha(D_l). Any k shares combine by Lagrange interpolation at 0:
x*alpha = sum_l lambda_l D_l, lambda_l = prod_{m != l} m / (m - l) mod L.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from plebiscite.crypto.batch import ProofBatch
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import L, Point, Scalar
from plebiscite.crypto.hashing import hash_bytes
from plebiscite.crypto.proofs import (
    EqualityProof,
    SchnorrProof,
    prove_equality,
    prove_schnorr,
    verify_equality,
    verify_schnorr,
)
from plebiscite.crypto.randomness import Rng
from plebiscite.errors import ProofError, ThresholdError


def check_parameters(k: int, n: int) -> None:
    if not 1 <= k <= n:
        raise ThresholdError(f"threshold must satisfy 1 <= k <= n, got k={k}, n={n}")


def _index_check(index: int, n: int, who: str) -> None:
    if not 1 <= index <= n:
        raise ThresholdError(f"{who} index {index} is not in 1..{n}")


def _powers(base: int, count: int) -> list[Scalar]:
    return [Scalar(pow(base, j, L)) for j in range(count)]


def dealer_context(context: bytes, dealer: int) -> bytes:
    return hash_bytes("dealer", context, dealer)


@dataclass(frozen=True, slots=True)
class Polynomial:
    """A dealer's secret polynomial f(z) = a_0 + a_1 z + ... + a_{k-1} z^{k-1}."""

    coefficients: tuple[Scalar, ...]

    @classmethod
    def random(cls, k: int, rng: Rng) -> Polynomial:
        return cls(tuple(rng.scalar() for _ in range(k)))

    def evaluate(self, z: int) -> Scalar:
        """f(z) by Horner's rule in constant-time scalar arithmetic."""
        point = Scalar(z)
        acc = Scalar(0)
        for a in reversed(self.coefficients):
            acc = acc * point + a
        return acc


@dataclass(frozen=True, slots=True)
class DealerMessage:
    """What dealer i publishes: commitments to its coefficients and a proof for a_{i,0}."""

    dealer: int
    commitments: tuple[Point, ...]
    proof: SchnorrProof

    def to_json(self) -> dict[str, object]:
        return {
            "dealer": self.dealer,
            "commitments": [c.hex() for c in self.commitments],
            "proof": self.proof.to_json(),
        }

    @classmethod
    def from_json(cls, data: object) -> DealerMessage:
        if not isinstance(data, dict) or set(data) != {"dealer", "commitments", "proof"}:
            raise ThresholdError("a dealer message has keys dealer, commitments and proof")
        dealer, commitments = data["dealer"], data["commitments"]
        if type(dealer) is not int or not isinstance(commitments, list):
            raise ThresholdError("dealer must be an integer and commitments a list")
        return cls(
            dealer,
            tuple(Point.from_hex(c) for c in commitments if isinstance(c, str)),
            SchnorrProof.from_json(data["proof"]),
        )


def deal(context: bytes, dealer: int, k: int, n: int, rng: Rng) -> tuple[Polynomial, DealerMessage]:
    """Dealer ``dealer`` draws its polynomial and the public message; shares come from it."""
    check_parameters(k, n)
    _index_check(dealer, n, "dealer")
    poly = Polynomial.random(k, rng)
    commitments = tuple(Point.base_mul(a) for a in poly.coefficients)
    proof = prove_schnorr(dealer_context(context, dealer), poly.coefficients[0], rng)
    return poly, DealerMessage(dealer, commitments, proof)


def verify_dealer_message(context: bytes, message: DealerMessage, k: int, n: int) -> None:
    """k commitments, none the identity, and a valid proof of knowledge of a_0."""
    _index_check(message.dealer, n, "dealer")
    if len(message.commitments) != k:
        raise ThresholdError(
            f"dealer {message.dealer} published {len(message.commitments)} commitments, need {k}"
        )
    try:
        verify_schnorr(
            dealer_context(context, message.dealer), message.commitments[0], message.proof
        )
    except ProofError as exc:
        raise ThresholdError(f"dealer {message.dealer}: {exc}") from exc


def share_commitment(message: DealerMessage, recipient: int) -> Point:
    """sum_j recipient^j * C_j: what s*G must equal for a correct share to ``recipient``."""
    acc = Point.identity()
    for power, commitment in zip(
        _powers(recipient, len(message.commitments)), message.commitments, strict=True
    ):
        acc = acc + commitment * power
    return acc


def verify_share(message: DealerMessage, recipient: int, share: Scalar) -> None:
    """Raise ThresholdError unless ``share`` is f_dealer(recipient) as committed."""
    if Point.base_mul(share) != share_commitment(message, recipient):
        raise ThresholdError(
            f"share from dealer {message.dealer} to trustee {recipient} does not match the "
            "dealer's commitments"
        )


def judge_complaint(message: DealerMessage, complainant: int, revealed: Scalar | None) -> bool:
    """True if the dealer is guilty: it revealed no share, or one that fails the check."""
    if revealed is None:
        return True
    try:
        verify_share(message, complainant, revealed)
    except ThresholdError:
        return True
    return False


def joint_public_key(qualified: Iterable[DealerMessage]) -> Point:
    """K = sum over QUAL of C_{i,0}."""
    acc = Point.identity()
    for message in qualified:
        acc = acc + message.commitments[0]
    if acc.is_identity():  # pragma: no cover - probability 2^-252
        raise ThresholdError("the joint public key is the identity")
    return acc


def combine_secret_share(shares: Iterable[Scalar]) -> Scalar:
    """x_l = sum over QUAL of s_{i,l}."""
    acc = Scalar(0)
    for s in shares:
        acc = acc + s
    return acc


def public_share(qualified: Iterable[DealerMessage], trustee: int) -> Point:
    """X_l = sum over QUAL of sum_j l^j C_{i,j}: trustee l's verification key."""
    acc = Point.identity()
    for message in qualified:
        acc = acc + share_commitment(message, trustee)
    return acc


# --- Threshold decryption ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    trustee: int
    value: Point
    proof: EqualityProof

    def to_json(self) -> dict[str, object]:
        return {"trustee": self.trustee, "value": self.value.hex(), "proof": self.proof.to_json()}

    @classmethod
    def from_json(cls, data: object) -> DecryptionShare:
        if not isinstance(data, dict) or set(data) != {"trustee", "value", "proof"}:
            raise ThresholdError("a decryption share has keys trustee, value and proof")
        trustee, value = data["trustee"], data["value"]
        if type(trustee) is not int or not isinstance(value, str):
            raise ThresholdError("decryption share: trustee must be an integer, value hex")
        return cls(
            trustee,
            Point.from_hex(value, allow_identity=True),
            EqualityProof.from_json(data["proof"]),
        )


def decryption_context(context: bytes, trustee: int) -> bytes:
    return hash_bytes("decryption-share", context, trustee)


def decrypt_share(
    context: bytes, trustee: int, secret_share: Scalar, ct: Ciphertext, rng: Rng
) -> DecryptionShare:
    """D_l = x_l*alpha with a Chaum-Pedersen proof against X_l = x_l*G."""
    proof = prove_equality(decryption_context(context, trustee), secret_share, ct.alpha, rng)
    return DecryptionShare(trustee, ct.alpha * secret_share, proof)


def verify_decryption_share(
    context: bytes, public: Point, ct: Ciphertext, share: DecryptionShare
) -> None:
    try:
        verify_equality(
            decryption_context(context, share.trustee), ct.alpha, public, share.value, share.proof
        )
    except ProofError as exc:
        raise ProofError(f"decryption share of trustee {share.trustee}: {exc}") from exc


def add_decryption_share(
    batch: ProofBatch,
    label: Hashable,
    where: str,
    context: bytes,
    public: Point,
    ct: Ciphertext,
    share: DecryptionShare,
) -> None:
    """:func:`verify_decryption_share` deferred into ``batch`` (protocol section 5.4)."""
    batch.add_equality(
        label,
        f"{where}: decryption share of trustee {share.trustee}",
        decryption_context(context, share.trustee),
        ct.alpha,
        public,
        share.value,
        share.proof,
    )


def lagrange_coefficient(trustee: int, group: Sequence[int]) -> Scalar:
    """lambda_l = prod_{m in group, m != l} m / (m - l) mod L (interpolation at 0)."""
    if trustee not in group:
        raise ThresholdError(f"trustee {trustee} is not in the decrypting group {list(group)}")
    if len(set(group)) != len(group):
        raise ThresholdError(f"the decrypting group has repeated trustees: {list(group)}")
    num, den = 1, 1
    for m in group:
        if m != trustee:
            num = num * m % L
            den = den * (m - trustee) % L
    return Scalar(num * pow(den, -1, L) % L)


def combine_shares(ct: Ciphertext, shares: Mapping[int, Point], k: int) -> Point:
    """m*G = beta - sum_l lambda_l D_l over exactly the given (verified) shares, >= k of them."""
    if len(shares) < k:
        raise ThresholdError(f"{len(shares)} decryption shares, at least {k} are needed")
    group = sorted(shares)
    acc = Point.identity()
    for trustee in group:
        acc = acc + shares[trustee] * lagrange_coefficient(trustee, group)
    return ct.beta - acc
