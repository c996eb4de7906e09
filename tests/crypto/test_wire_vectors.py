"""Known-answer vectors that pin the protocol-v2 wire format (hash inputs, proofs, JSON).

``tests/vectors/plebiscite-v2.json`` was produced by :func:`build_vectors` with fixed seeds.
Any change to an encoding, a domain tag or a challenge input changes these bytes, and must come
with a new protocol version. Regenerate (only then) with
``python tests/crypto/test_wire_vectors.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plebiscite.crypto import linear
from plebiscite.crypto.ballot import (
    EncryptedAnswer,
    QuestionSpec,
    add_answer,
    encrypt_answer,
    verify_answer,
)
from plebiscite.crypto.batch import ProofBatch
from plebiscite.crypto.elgamal import KeyPair
from plebiscite.crypto.group import G, Point
from plebiscite.crypto.hashing import canonical_json, hash_bytes
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.threshold import DealerMessage, deal, verify_dealer_message
from plebiscite.errors import EncodingError

PATH = Path(__file__).parent.parent / "vectors" / "plebiscite-v2.json"
SPEC = QuestionSpec("q1", 2, 1, 1)


def refused_point_encodings() -> dict[str, str]:
    """Encodings every implementation must refuse (RFC 9496 section 4.3.1), named by why.

    The first two pass libsodium 1.0.18's own check, which ignores the top bit.
    """
    g = bytearray(G.encode())
    g[31] |= 0x80
    p = (2**255 - 19).to_bytes(32, "little")
    return {
        "identity_with_top_bit_set": (bytes(31) + b"\x80").hex(),
        "generator_with_top_bit_set": bytes(g).hex(),
        "field_element_p": p.hex(),
        "field_element_p_plus_1": (2**255 - 18).to_bytes(32, "little").hex(),
        "negative_field_element_1": (1).to_bytes(32, "little").hex(),
    }


def build_vectors() -> dict[str, object]:
    rng = SeededRng(b"plebiscite-v2 known answers")
    key = KeyPair.generate(rng)
    context = hash_bytes("election", b"example manifest hash", key.public)
    answer = encrypt_answer(key.public, context, SPEC, [1, 0], b"\x01" * 32, rng)
    _, dealer = deal(context, 1, 2, 3, rng)
    return {
        "refused_point_encodings": refused_point_encodings(),
        "public_key": key.public.hex(),
        "context": context.hex(),
        "answer_yes": answer.to_json(),
        "dealer_1_of_3": dealer.to_json(),
    }


def test_vectors_are_reproduced_byte_for_byte() -> None:
    pinned = json.loads(PATH.read_text())
    assert canonical_json(build_vectors()) == canonical_json(pinned)


@pytest.mark.parametrize("path", [linear.SODIUM, linear.NATIVE])
def test_pinned_vectors_verify(path: str) -> None:
    """On both arithmetic paths (``docs/protocol.md`` section 5.5), one by one and batched."""
    if path == linear.NATIVE and not linear.native_available():
        pytest.skip("the native library is not built")
    pinned = json.loads(PATH.read_text())
    key = Point.from_hex(pinned["public_key"])
    context = bytes.fromhex(pinned["context"])
    answer = EncryptedAnswer.from_json(pinned["answer_yes"])
    with linear.using(path):
        verify_answer(key, context, SPEC, answer)
        verify_dealer_message(context, DealerMessage.from_json(pinned["dealer_1_of_3"]), 2, 3)
        batch = ProofBatch(bytes(32))
        add_answer(batch, "yes", key, context, SPEC, answer)
        assert batch.failures() == []


def test_refused_point_encodings_are_refused() -> None:
    pinned = json.loads(PATH.read_text())["refused_point_encodings"]
    assert len(pinned) == 5
    for name, encoding in pinned.items():
        try:
            Point.from_hex(encoding, allow_identity=True)
        except EncodingError:
            continue
        raise AssertionError(f"{name} ({encoding}) was accepted")


if __name__ == "__main__":  # pragma: no cover
    PATH.write_text(json.dumps(build_vectors(), indent=1, sort_keys=True) + "\n")
