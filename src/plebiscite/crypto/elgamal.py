"""Exponential ElGamal over ristretto255 (``docs/protocol.md`` section 4).

A message m (a small non-negative integer: a vote 0/1 or a total) under public key K = x*G
with nonce r is the pair ``(alpha, beta) = (r*G, m*G + r*K)``. Ciphertexts add component-wise
and their messages add. Decryption computes ``beta - x*alpha = m*G`` and recovers m with a
bounded discrete logarithm (:class:`DiscreteLog`, baby-step giant-step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from plebiscite.crypto.group import G, Point, Scalar, g_pow
from plebiscite.crypto.randomness import Rng
from plebiscite.errors import CryptoError, EncodingError


@dataclass(frozen=True, slots=True)
class Ciphertext:
    alpha: Point
    beta: Point

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    @staticmethod
    def zero() -> Ciphertext:
        """The encryption of 0 with nonce 0: the neutral element of the tally."""
        return Ciphertext(Point.identity(), Point.identity())

    def to_json(self) -> list[str]:
        return [self.alpha.hex(), self.beta.hex()]

    @classmethod
    def from_json(cls, data: object) -> Ciphertext:
        """Decode ``[alpha_hex, beta_hex]``; the identity is allowed (sums may be neutral)."""
        if not (
            isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)
        ):
            raise EncodingError("a ciphertext is a list of two hex strings [alpha, beta]")
        return cls(
            Point.from_hex(data[0], allow_identity=True),
            Point.from_hex(data[1], allow_identity=True),
        )


@dataclass(frozen=True, slots=True)
class KeyPair:
    secret: Scalar
    public: Point

    @classmethod
    def generate(cls, rng: Rng) -> KeyPair:
        x = rng.scalar()
        if x.is_zero():  # pragma: no cover - probability 2^-252
            raise CryptoError("the random source returned zero")
        return cls(x, Point.base_mul(x))


def encrypt(public_key: Point, m: int, nonce: Scalar) -> Ciphertext:
    """Enc_K(m; r) = (r*G, m*G + r*K). The caller supplies the nonce r."""
    if m < 0:
        raise CryptoError(f"exponential ElGamal encrypts non-negative integers, got {m}")
    if public_key.is_identity():
        raise CryptoError("the identity is not a valid public key")
    return Ciphertext(Point.base_mul(nonce), g_pow(m) + public_key * nonce)


def partial_decrypt(secret: Scalar, ct: Ciphertext) -> Point:
    """A trustee's share x_i*alpha (for a single key holder, x*alpha)."""
    return ct.alpha * secret


def decrypt_to_point(secret: Scalar, ct: Ciphertext) -> Point:
    """m*G = beta - x*alpha."""
    return ct.beta - partial_decrypt(secret, ct)


class DiscreteLog:
    """Baby-step giant-step for m*G with 0 <= m <= bound.

    Building the table costs about sqrt(bound) group additions and one lookup per giant step
    at most as many; bound = 10,000,000 takes ~3,200 steps each way. Keep one instance per
    process and reuse it: the table is the expensive part.
    """

    def __init__(self, bound: int = 10_000_000) -> None:
        if bound < 0:
            raise CryptoError(f"discrete log bound must be non-negative, got {bound}")
        self.bound = bound
        self._m = max(1, math.isqrt(bound) + 1)
        table: dict[bytes, int] = {}
        point = Point.identity()
        for j in range(self._m):
            table[point.encode()] = j
            point = point + G
        self._table = table
        self._giant = g_pow(self._m)  # m*G

    def solve(self, target: Point) -> int:
        """The m with m*G = target, or CryptoError when none exists within the bound."""
        gamma = target
        for i in range(self._m + 1):
            j = self._table.get(gamma.encode())
            if j is not None:
                value = i * self._m + j
                if value <= self.bound:
                    return value
                break
            gamma = gamma - self._giant
        raise CryptoError(f"no discrete logarithm in [0, {self.bound}]: the total is out of range")
