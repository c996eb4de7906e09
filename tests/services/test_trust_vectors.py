"""Known-answer vectors for what the anchor, the ceremony, chain ends and witnesses add, and
for a decryption share (``tests/vectors/plebiscite-v2-trust.json``).

Each vector carries its inputs (seeds, keys, numbers) and its outputs. The test rebuilds every
output from the inputs through our code, byte for byte, and recomputes the Chaum-Pedersen
challenge of the decryption share from the formula in ``docs/protocol.md`` section 5.2 with
nothing but the hash of section 3: a challenge that leaves out any of its inputs (``D``, say)
fails here. Regenerate (only with a protocol change) with
``python tests/services/test_trust_vectors.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plebiscite.crypto.elgamal import Ciphertext, encrypt
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.hashing import canonical_json, hash_bytes, hash_to_scalar
from plebiscite.crypto.proofs import EqualityProof
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.crypto.threshold import DecryptionShare, decrypt_share, verify_decryption_share
from plebiscite.domain.ceremony import ceremony_context
from plebiscite.domain.chain_end import chain_end_message
from plebiscite.domain.cosignature import cosignature_message
from plebiscite.services.voting.chain_ends import sign_chain_end

PATH = Path(__file__).parent.parent / "vectors" / "plebiscite-v2-trust.json"
G = Point.base_mul(Scalar(1))


def build_vectors() -> dict[str, Any]:
    rng = SeededRng(b"plebiscite-v2 trust vectors")
    context = hash_bytes("election", b"example manifest hash", b"example key")
    secret = rng.scalar()
    key = Point.base_mul(rng.scalar())
    ct = encrypt(key, 3, rng.scalar())
    share = decrypt_share(context, 2, secret, ct, SeededRng(b"share nonce"))
    device = SigningKey(bytes(range(32)))
    witness = SigningKey(bytes(range(32, 64)))
    cosigned = cosignature_message("33" * 32, 9, bytes.fromhex("44" * 32), 3, 1_664_300_000_000)
    election = "ab" * 64
    last = "cd" * 32
    return {
        "decryption_share": {
            "inputs": {
                "context": context.hex(),
                "trustee": 2,
                "secret_share": secret.hex(),
                "ciphertext": ct.to_json(),
                "nonce_rng_seed": b"share nonce".hex(),
            },
            "public_share": Point.base_mul(secret).hex(),
            "share": share.to_json(),
        },
        "ceremony_context": {
            "inputs": {
                "manifest_hash": ("11" * 64),
                "board_key": ("22" * 32),
                "n": 5,
                "k": 3,
            },
            "context": ceremony_context(bytes.fromhex("11" * 64), "22" * 32, 5, 3).hex(),
        },
        "chain_end": {
            "inputs": {
                "device_seed": bytes(range(32)).hex(),
                "election": election,
                "device": "station-7",
                "count": 12,
                "last_code": last,
            },
            "public_key": device.verify_key.hex(),
            "message": chain_end_message(election, "station-7", 12, last).decode(),
            "body": sign_chain_end(device, election, "station-7", 12, last),
        },
        "cosignature": {
            "inputs": {
                "witness_seed": bytes(range(32, 64)).hex(),
                "board_key": "33" * 32,
                "tree_size": 9,
                "root_hash": "44" * 32,
                "witness": 3,
                "cosigned_at": 1_664_300_000_000,
            },
            "public_key": witness.verify_key.hex(),
            "message": cosigned.decode(),
            "signature": witness.sign("cosignature", cosigned).hex(),
        },
    }


def test_vectors_are_reproduced_byte_for_byte() -> None:
    pinned = json.loads(PATH.read_text(encoding="utf-8"))
    assert canonical_json(build_vectors()) == canonical_json(pinned)


def test_the_decryption_share_challenge_from_the_written_formula() -> None:
    """c = Hs("chaum-pedersen", H("decryption-share", ctx, l), G, alpha, X_l, D_l, a, b)
    with a = v*G + c*X_l and b = v*alpha + c*D_l (protocol 5.2 and 7.4)."""
    vector = json.loads(PATH.read_text(encoding="utf-8"))["decryption_share"]
    inputs = vector["inputs"]
    ct = Ciphertext.from_json(inputs["ciphertext"])
    public = Point.from_hex(vector["public_share"])
    share = DecryptionShare.from_json(vector["share"])
    proof: EqualityProof = share.proof
    a = Point.base_mul(proof.v) + public * proof.c
    b = ct.alpha * proof.v + share.value * proof.c
    sub = hash_bytes("decryption-share", bytes.fromhex(inputs["context"]), inputs["trustee"])
    c = hash_to_scalar("chaum-pedersen", sub, G, ct.alpha, public, share.value, a, b)
    assert c == proof.c
    assert share.value == ct.alpha * Scalar.from_hex(inputs["secret_share"])
    verify_decryption_share(bytes.fromhex(inputs["context"]), public, ct, share)


def test_the_chain_end_signature_verifies_under_the_device_key() -> None:
    from plebiscite.crypto.signing import VerifyKey
    from plebiscite.domain.chain_end import CHAIN_END_TAG

    vector = json.loads(PATH.read_text(encoding="utf-8"))["chain_end"]
    key = VerifyKey.from_hex(vector["public_key"])
    key.verify(
        CHAIN_END_TAG,
        vector["message"].encode(),
        bytes.fromhex(vector["body"]["signature"]),
    )


def test_the_cosignature_verifies_as_the_verifier_reads_it() -> None:
    """The pinned message and signature, read back as a ``head_cosignature`` payload and
    checked by :meth:`Cosignature.verify` (the verifier's V35) under the witness's key."""
    from plebiscite.crypto.signing import VerifyKey
    from plebiscite.domain.cosignature import Cosignature

    vector = json.loads(PATH.read_text(encoding="utf-8"))["cosignature"]
    inputs = vector["inputs"]
    cosignature = Cosignature.from_json(
        {
            "cosigned_at": inputs["cosigned_at"],
            "root_hash": inputs["root_hash"],
            "signature": vector["signature"],
            "tree_size": inputs["tree_size"],
            "witness": inputs["witness"],
        }
    )
    cosignature.verify(inputs["board_key"], VerifyKey.from_hex(vector["public_key"]))


if __name__ == "__main__":  # pragma: no cover
    PATH.write_text(json.dumps(build_vectors(), indent=1, sort_keys=True) + "\n")
