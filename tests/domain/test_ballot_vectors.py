"""Known-answer vectors for a ballot as the record carries it since the deniable override
(``tests/vectors/ballot-v2.json``, ``docs/protocol.md`` 6.1 and 6.3).

Each vector carries its inputs (seeds, keys, ids) and its outputs: the voter's tag point, the
encrypted tag and its Schnorr proof, the check-in's signed bytes and signature, a ballot's
canonical JSON, its hash, signature and tracking code, and a device's genesis code. The test
rebuilds every output from the inputs through our code, byte for byte, and recomputes the tag
proof's challenge from the formula of sections 5.1 and 6.3 with nothing but the hash of
section 3, so that an implementation from the docs can test itself against the file.
Regenerate (only with a protocol change) with ``python tests/domain/test_ballot_vectors.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plebiscite.crypto.ballot import QuestionSpec, encrypt_answer
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.hashing import canonical_json, hash_bytes, hash_to_scalar
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ballot import (
    Ballot,
    EncryptedTag,
    election_context,
    encrypt_tag,
    genesis_code,
    tag_context,
    voter_tag,
)
from plebiscite.domain.check_in import check_in_message
from plebiscite.services.voting.records import sign_check_in

PATH = Path(__file__).parent.parent / "vectors" / "ballot-v2.json"
G = Point.base_mul(Scalar(1))
SEED = b"plebiscite-v2 ballot vectors"


def build_vectors() -> dict[str, Any]:
    rng = SeededRng(SEED)
    manifest_hash = hash_bytes("example", "manifest")
    election_key = Point.base_mul(rng.scalar())
    context = election_context(manifest_hash, election_key)
    device_key = SigningKey(bytes(range(32)))
    device, location = "dev-dn-0101-ms", "dn-0101-ms"
    pseudonym = "5a" * 32
    checkin = "0f" * 16
    election = manifest_hash.hex()
    tag, r = encrypt_tag(election_key, context, device, checkin, pseudonym, rng)
    answer = encrypt_answer(
        election_key, context, QuestionSpec("dn-q1", 2, 1, 1), [1, 0], b"\x07" * 32, rng
    )
    ballot = Ballot(
        election, device, location, checkin, genesis_code(manifest_hash, device), tag, (answer,)
    )
    message = check_in_message(election, device, checkin)
    return {
        "inputs": {
            "rng_seed": SEED.hex(),
            "manifest_hash": election,
            "election_key": election_key.hex(),
            "device": device,
            "location": location,
            "device_signing_seed": bytes(range(32)).hex(),
            "pseudonym": pseudonym,
            "checkin": checkin,
        },
        "context": context.hex(),
        "voter_tag_point": voter_tag(context, pseudonym).hex(),
        "tag_randomness": r.hex(),
        "tag": tag.to_json(),
        "check_in": {
            "message": message.decode(),
            "signature": sign_check_in(device_key, election, device, checkin),
        },
        "genesis_code": ballot.previous_code,
        "ballot": ballot.to_json(),
        "ballot_hash": ballot.ballot_hash().hex(),
        "signature": ballot.sign(device_key),
        "tracking_code": ballot.tracking_code(),
    }


def test_vectors_are_reproduced_byte_for_byte() -> None:
    pinned = json.loads(PATH.read_text(encoding="utf-8"))
    assert canonical_json(build_vectors()) == canonical_json(pinned)


def test_the_tag_and_its_proof_from_the_written_formulas() -> None:
    """``tag = (r*G, P_v + r*K)``; the Schnorr challenge is
    ``Hs("schnorr", H("ballot-tag", ctx, device, checkin, alpha, beta), G, alpha, h)`` with
    ``h = v*G + c*alpha`` (5.1, 6.3): rebuilt here without the code that made it."""
    pinned = json.loads(PATH.read_text(encoding="utf-8"))
    inputs = pinned["inputs"]
    key = Point.from_hex(inputs["election_key"])
    context = hash_bytes("election", bytes.fromhex(inputs["manifest_hash"]), key)
    assert context.hex() == pinned["context"]
    point = Point.from_hex(pinned["voter_tag_point"])
    r = Scalar.from_hex(pinned["tag_randomness"])
    alpha, beta = (Point.from_hex(x) for x in pinned["tag"]["ciphertext"])
    assert alpha == Point.base_mul(r) and beta == point + key * r
    c, v = (Scalar.from_hex(pinned["tag"]["proof"][k]) for k in ("c", "v"))
    sub = hash_bytes("ballot-tag", context, inputs["device"], inputs["checkin"], alpha, beta)
    h = Point.base_mul(v) + alpha * c
    assert hash_to_scalar("schnorr", sub, G, alpha, h) == c
    # and the code's own check agrees, for the ballot as a whole
    tag = EncryptedTag.from_json(pinned["tag"])
    tag.verify(context, inputs["device"], inputs["checkin"])
    assert tag_context(context, inputs["device"], inputs["checkin"], tag.ciphertext) == sub


def test_the_ballot_and_check_in_signatures_verify_under_the_device_key() -> None:
    pinned = json.loads(PATH.read_text(encoding="utf-8"))
    key = SigningKey(bytes.fromhex(pinned["inputs"]["device_signing_seed"])).verify_key
    key.verify("check-in", pinned["check_in"]["message"].encode(), bytes.fromhex(
        pinned["check_in"]["signature"]
    ))  # fmt: skip
    ballot = Ballot.from_json(pinned["ballot"])
    ballot.verify_signature(key, pinned["signature"])
    assert "voter" not in pinned["ballot"] and pinned["inputs"]["pseudonym"] not in json.dumps(
        pinned["ballot"]
    )


if __name__ == "__main__":  # pragma: no cover
    PATH.write_text(json.dumps(build_vectors(), indent=1, sort_keys=True) + "\n")
