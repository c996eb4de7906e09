"""Sources of secret randomness, passed in by the caller (``docs/protocol.md`` section 4.3).

The crypto package never reads a global RNG on its own: every function that needs fresh
scalars takes a :class:`Rng`. Production code passes :class:`SystemRng` (libsodium's CSPRNG);
tests and known-answer vectors pass :class:`SeededRng`, whose output is a function of its seed,
so a vector file pins the whole wire format, proofs included.
"""

from __future__ import annotations

from typing import Protocol

from plebiscite.crypto.group import Scalar
from plebiscite.crypto.hashing import hash_to_scalar


class Rng(Protocol):
    def scalar(self) -> Scalar:
        """A fresh uniformly random scalar."""
        ...


class SystemRng:
    """libsodium's CSPRNG (``crypto_core_ristretto255_scalar_random``)."""

    def scalar(self) -> Scalar:
        return Scalar.random()


class SeededRng:
    """Deterministic scalars ``H("rng", seed, counter)``: for tests and vectors only.

    Anyone who knows the seed knows every nonce, so a ballot encrypted with it is not secret.
    """

    def __init__(self, seed: bytes) -> None:
        self._seed = bytes(seed)
        self._counter = 0

    def scalar(self) -> Scalar:
        self._counter += 1
        return hash_to_scalar("rng", self._seed, self._counter)


def derive_nonce(seed: bytes, *purpose: str | int) -> Scalar:
    """A nonce derived from a ballot's nonce seed and its purpose (question, option).

    Revealing the seed of a challenged ballot reveals exactly that ballot's encryption nonces.
    """
    return hash_to_scalar("nonce", seed, list(purpose))
