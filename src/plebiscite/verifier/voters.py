"""The verifier's per-voter state, kept on disk (:mod:`plebiscite.record.scratch`).

The roll (V9, and the registered voters of V26) lives in a temporary SQLite database rather
than in Python objects, so verifying a million voters needs no more memory than verifying ten
thousand. Ballots name no voter (``docs/privacy.md``): nothing per voter is kept of them.
"""

from __future__ import annotations

import hashlib
import re

from plebiscite.crypto.hashing import PROTOCOL, encode
from plebiscite.domain.roll import COMMITMENT_TAG, roll_commitment
from plebiscite.record.scratch import ScratchRoll


def roll_commitment_of(roll: ScratchRoll, manifest_hash: bytes, region: str) -> bytes:
    """:func:`plebiscite.domain.roll.roll_commitment` of the region's published roll, hashed
    as the pseudonyms stream out of the on-disk roll (never all in memory).

    The hash input is ``encode(PROTOCOL, tag, manifest_hash, region, [p_1, ..., p_n])`` with the
    pseudonyms' bytes sorted; SQLite's text order is that order when every pseudonym is 64
    lowercase hex digits, the form the roll promises. Anything else is hashed the slow way.
    """
    count, pseudonyms = roll.original_pseudonyms(region)
    digest = hashlib.sha512(encode(PROTOCOL, COMMITMENT_TAG, manifest_hash, region))
    digest.update(b"L" + count.to_bytes(8, "big"))
    head = b"B" + (32).to_bytes(8, "big")
    for p in pseudonyms:
        if not _HEX64.fullmatch(p):
            _, again = roll.original_pseudonyms(region)
            return roll_commitment(manifest_hash, region, again)
        digest.update(head + bytes.fromhex(p))
    return digest.digest()


_HEX64 = re.compile("[0-9a-f]{64}")


__all__ = ["roll_commitment_of"]
