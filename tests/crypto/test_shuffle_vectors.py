"""Known-answer vectors for the proof of a shuffle (``docs/protocol.md`` section 10).

``tests/vectors/shuffle-v2.json`` holds, from ``SeededRng(b"plebiscite-v2 shuffle vectors")``:
the key, the context, three input rows of three ciphertexts, the outputs, the permutation and
the proof. An outside implementation checks that it accepts the proof, and that it rejects it
once any output is changed. Regenerate (only with a protocol change) with
``python tests/crypto/test_shuffle_vectors.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plebiscite.crypto.elgamal import Ciphertext, KeyPair, encrypt
from plebiscite.crypto.group import G, Point
from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.shuffle import Row, ShuffleProof, prove_shuffle, shuffle, verify_shuffle
from plebiscite.errors import ProofError

PATH = Path(__file__).parent.parent / "vectors" / "shuffle-v2.json"


def build_vectors() -> dict[str, object]:
    rng = SeededRng(b"plebiscite-v2 shuffle vectors")
    key = KeyPair.generate(rng)
    context = b"shuffle vector context"
    inputs: list[Row] = [
        tuple(encrypt(key.public, m, rng.scalar()) for m in row)
        for row in ((11, 1, 0), (12, 0, 1), (13, 1, 0))
    ]
    outputs, psi, nonces = shuffle(key.public, inputs, rng)
    proof = prove_shuffle(context, key.public, inputs, outputs, psi, nonces, rng)
    return {
        "seed": "plebiscite-v2 shuffle vectors",
        "public_key": key.public.hex(),
        "context": context.hex(),
        "inputs": [[ct.to_json() for ct in row] for row in inputs],
        "outputs": [[ct.to_json() for ct in row] for row in outputs],
        "psi": psi,
        "proof": proof.to_json(),
    }


def _rows(data: object) -> list[Row]:
    assert isinstance(data, list)
    return [tuple(Ciphertext.from_json(ct) for ct in row) for row in data]


def test_vectors_are_reproduced_byte_for_byte() -> None:
    assert canonical_json(build_vectors()) == canonical_json(json.loads(PATH.read_text()))


def test_pinned_proof_verifies_and_a_changed_output_does_not() -> None:
    pinned = json.loads(PATH.read_text())
    key = Point.from_hex(pinned["public_key"])
    context = bytes.fromhex(pinned["context"])
    inputs, outputs = _rows(pinned["inputs"]), _rows(pinned["outputs"])
    proof = ShuffleProof.from_json(pinned["proof"], 3, 3)
    verify_shuffle(context, key, inputs, outputs, proof)
    tag, yes, no = outputs[1]
    outputs[1] = (tag, Ciphertext(yes.alpha, yes.beta + G), no)
    with pytest.raises(ProofError):
        verify_shuffle(context, key, inputs, outputs, proof)


if __name__ == "__main__":  # pragma: no cover
    PATH.write_text(json.dumps(build_vectors(), indent=1, sort_keys=True) + "\n")
