"""The bytes a device signs to say where its chain ends (``docs/voting.md``, "Chain ends";
protocol 6.2).

Ed25519 with tag ``chain-end`` over the canonical JSON
``{"count": n, "device": id, "election": manifest hash in hex, "last_code": hex}``: ``count`` is
the number of the device's ballots, cast and challenged, ``last_code`` the tracking code of the
last one (the device's genesis code if it has none). The board (:mod:`plebiscite.services.voting.
chain_ends`) and the verifier (V34) both check it with this definition; the known-answer vector
is ``chain_end`` in ``tests/vectors/plebiscite-v2-trust.json``.
"""

from __future__ import annotations

from plebiscite.crypto.hashing import canonical_json

CHAIN_END_TAG = "chain-end"


def chain_end_message(election: str, device: str, count: int, last_code: str) -> bytes:
    """The bytes a device signs (tag ``chain-end``) to say where its chain ends."""
    return canonical_json(
        {"count": count, "device": device, "election": election, "last_code": last_code}
    )


__all__ = ["CHAIN_END_TAG", "chain_end_message"]
