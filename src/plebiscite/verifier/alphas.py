"""Verifier check V29: no ciphertext appears twice in the record (``docs/verifier.md``).

A ballot's selections and its voter tag are fresh ElGamal encryptions, so two equal ``alpha``
values (the ``g^r`` half) mean one ciphertext copied into another ballot: whoever holds a
device key and write access to the board could move the tally by casting copies of one
voter's ciphertexts for abstainers, with valid proofs. The casting service refuses such a
ballot at cast (``record/guard.py``); the verifier flags any that reaches the record anyway,
cast or challenged, naming the entry that first carried the alpha.

An alpha is compared with bit 255 of its encoding cleared, so the same point written with the
top bit set is still a copy. Memory: one 16-byte prefix per selection and tag of the record
(collisions of two honest 32-byte alphas in their first 16 bytes have probability about
n^2 / 2^129; a prefix match is then confirmed on the full value).
"""

from __future__ import annotations

from typing import Any, Protocol

PREFIX = 16


class Report(Protocol):
    def count(self, check: str) -> None: ...
    def fail(self, check: str, message: str, entry: int | None = None) -> None: ...


def _known_as(alpha_hex: str) -> bytes:
    """The encoding with bit 255 cleared: one point written with and without the top bit (a
    non-canonical encoding some libsodium versions accept) counts as one alpha."""
    raw = bytearray(bytes.fromhex(alpha_hex))
    if raw:
        raw[-1] &= 0x7F
    return bytes(raw)


class AlphaSeen:
    """The alphas of the ballots read so far, by prefix: prefix -> (entry, full alpha)."""

    def __init__(self) -> None:
        self._seen: dict[bytes, tuple[int, bytes]] = {}

    def check(self, ballot: Any, index: int, report: Report) -> None:
        """Count V29 for this ballot and fail it for every alpha already in the record."""
        report.count("V29")
        try:
            alphas = [
                _known_as(selection[0])
                for answer in ballot["answers"]
                for selection in answer["selections"]
            ]
            alphas.append(_known_as(ballot["tag"]["ciphertext"][0]))  # the tag's too (6.3)
        except (KeyError, TypeError, ValueError, IndexError):
            return  # malformed: V12 and V17 say why
        for alpha in alphas:
            earlier = self._seen.get(alpha[:PREFIX])
            if earlier is not None and earlier[1] == alpha:
                where = "this ballot" if earlier[0] == index else f"entry {earlier[0]}"
                report.fail(
                    "V29",
                    f"ciphertext alpha {alpha.hex()[:16]}... already appears in {where} "
                    "(a copied ciphertext)",
                    index,
                )
            else:
                self._seen.setdefault(alpha[:PREFIX], (index, alpha))


__all__ = ["AlphaSeen"]
