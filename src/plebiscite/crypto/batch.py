"""Batch verification of many proofs at once (``docs/protocol.md`` section 5.4).

Every Chaum-Pedersen and range proof carries its commitments, so its verification splits in
two: the challenge check (a hash, done at once for each proof) and a few linear equations
``sum s_i*P_i = T``. A :class:`ProofBatch` multiplies each equation by its own random 128-bit
weight w and adds them all up: ``sum_e w_e (sum_i s_{e,i} P_{e,i} - T_e) = 0``. Points that
recur (G, the election key, a ciphertext's alpha and beta) are merged, so the batch is one
multi-scalar multiplication of about one point per commitment and ciphertext component. If
any equation fails, the sum is not the identity except with probability about 2^-128 per
batch (the weights are unknown to whoever made the proofs: they come from a CSPRNG seed the
verifier draws after reading the proofs). When the sum is not the identity, the batch falls
back to checking every item one by one, exactly, to name the failing ones.

The weights are SHAKE-256 output under a 32-byte seed that the caller draws from a CSPRNG
(the crypto package reads no random source of its own). Batching pays only on the native
path (:mod:`.linear`); on libsodium the batch checks every item one by one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Sequence
from typing import Final

from plebiscite.crypto import linear
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import G, L, Point
from plebiscite.crypto.proofs import (
    EqualityProof,
    RangeProof,
    check_equality_challenge,
    check_range_challenge,
    equality_equations,
    range_equations,
    verify_equality,
    verify_range,
)
from plebiscite.errors import CryptoError, PlebisciteError, ProofError

_WEIGHT_BYTES: Final = 16
_CHUNK: Final = 4096
_G_BYTES: Final = G.encode()

Relation = tuple[list[linear.Term], Point]


class ProofBatch:
    """Proofs added with a label; :meth:`failures` names the labels whose proofs fail."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise CryptoError(f"a batch needs a 32-byte random seed, got {len(seed)} bytes")
        self._seed = bytes(seed)
        self._block = 0
        self._pool = b""
        self._at = 0
        self._coefficients: dict[bytes, int] = {}  # points that recur: -sum of w*s
        self._g = 0  # the coefficient of G
        self._once_points: list[bytes] = []  # commitments: each seen once, scalar w
        self._once_scalars: list[bytes] = []
        self._items: list[tuple[Hashable, str, Callable[[], None]]] = []
        self._failures: list[tuple[Hashable, str]] = []
        self._native = linear.backend() == linear.NATIVE

    def __len__(self) -> int:
        return len(self._items)

    def _weight(self) -> int:
        if self._at + _WEIGHT_BYTES > len(self._pool):
            self._block += 1
            self._pool = hashlib.shake_256(self._seed + self._block.to_bytes(8, "big")).digest(
                _CHUNK
            )
            self._at = 0
        w = int.from_bytes(self._pool[self._at : self._at + _WEIGHT_BYTES], "little")
        self._at += _WEIGHT_BYTES
        return w | 1  # never 0

    def _add(self, relations: Sequence[Relation], expand: dict[bytes, Sequence[Point]]) -> None:
        """Add ``w * (T - sum s_i P_i)`` for each relation, with its own weight w.

        Written with the target on the positive side so that the points seen once (the
        commitments) get the 128-bit weight itself as their scalar: the multi-scalar
        multiplication then skips their upper half.
        """
        shared = self._coefficients
        for terms, target in relations:
            w = self._weight()
            for s, point in terms:
                key = point.encode()
                if key == _G_BYTES:
                    self._g -= w * s
                    continue
                for part in expand.get(key, (point,)):
                    k = part.encode()
                    shared[k] = shared.get(k, 0) - w * s
            self._once_points.append(target.encode())
            self._once_scalars.append(w.to_bytes(32, "little"))

    def fail(self, label: Hashable, message: str) -> None:
        """Record a failure found outside the batch (e.g. a malformed answer)."""
        self._failures.append((label, message))

    def add_range(
        self,
        label: Hashable,
        where: str,
        context: bytes,
        key: Point,
        ct: Ciphertext,
        lo: int,
        hi: int,
        proof: RangeProof,
        parts: Sequence[Ciphertext] = (),
    ) -> None:
        """A range proof for ``ct``; ``parts``, if given, are ciphertexts that sum to ``ct``
        (a question's selections), whose points then stand in for ct's in the batch."""

        def exact() -> None:
            verify_range(context, key, ct, lo, hi, proof)

        try:
            check_range_challenge(context, key, ct, lo, hi, proof)
        except ProofError as exc:
            self._failures.append((label, f"{where}: {exc}"))
            return
        self._items.append((label, where, exact))
        if self._native:
            expand: dict[bytes, Sequence[Point]] = {}
            if parts:
                expand = {
                    ct.alpha.encode(): [p.alpha for p in parts],
                    ct.beta.encode(): [p.beta for p in parts],
                }
            self._add(range_equations(key, ct, proof), expand)

    def add_equality(
        self,
        label: Hashable,
        where: str,
        context: bytes,
        base: Point,
        public: Point,
        result: Point,
        proof: EqualityProof,
    ) -> None:
        """A Chaum-Pedersen proof that log_G(public) = log_base(result)."""

        def exact() -> None:
            verify_equality(context, base, public, result, proof)

        try:
            check_equality_challenge(context, base, public, result, proof)
        except ProofError as exc:
            self._failures.append((label, f"{where}: {exc}"))
            return
        self._items.append((label, where, exact))
        if self._native:
            self._add(equality_equations(base, public, result, proof), {})

    def combined_holds(self) -> bool:
        """Whether the one combined check passes (False on libsodium: no combination)."""
        if not self._native:
            return not self._items
        if not self._items:
            return True
        shared = {k: s % L for k, s in self._coefficients.items()}
        shared[_G_BYTES] = (shared.get(_G_BYTES, 0) + self._g) % L
        points = b"".join(k for k, s in shared.items() if s) + b"".join(self._once_points)
        scalars = b"".join(s.to_bytes(32, "little") for s in shared.values() if s)
        try:
            return linear.native_is_identity(scalars + b"".join(self._once_scalars), points)
        except CryptoError:
            return False  # an invalid point: the one-by-one pass names it

    def failures(self) -> list[tuple[Hashable, str]]:
        """Every (label, message) whose proofs fail; [] when the whole batch holds."""
        found = list(self._failures)
        if not self.combined_holds():
            for label, where, exact in self._items:
                try:
                    exact()
                except PlebisciteError as exc:
                    found.append((label, f"{where}: {exc}"))
        return found


__all__ = ["ProofBatch"]
