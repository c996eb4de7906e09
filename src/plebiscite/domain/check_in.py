"""The bytes a device signs for a check-in (``docs/voting.md``; protocol 6.3 and 8.1).

A check-in is signed by the device that took it, Ed25519 with tag ``check-in``, over the
canonical JSON ``{"checkin": id, "device": id, "election": manifest hash in hex}``: its opaque
id, never the voter (the voter travels beside it to the casting rules only,
``docs/privacy.md``). Casting and the verifier (V44) both check it with this definition; the
known-answer vector is ``check_in`` in ``tests/vectors/ballot-v2.json``.
"""

from __future__ import annotations

from plebiscite.crypto.hashing import canonical_json

CHECK_IN_TAG = "check-in"


def check_in_message(election: str, device_id: str, checkin: str) -> bytes:
    """The bytes a device signs (tag ``check-in``) for a check-in."""
    return canonical_json({"checkin": checkin, "device": device_id, "election": election})


__all__ = ["CHECK_IN_TAG", "check_in_message"]
