"""Known-answer vectors for the record's plumbing (``tests/vectors/record-v2.json``).

What an outside implementation needs before any ballot: the typed encoding and the hashes of
``docs/protocol.md`` section 3, canonical JSON (3.2), the manifest hash (``docs/manifest.md``),
voter pseudonyms and a roll commitment, the Merkle tree of ``docs/board.md`` section 2 (roots,
inclusion and consistency proofs), a signed head (section 3), one signature for every purpose
of protocol section 8.1, and a threshold decryption combined from three of five trustees (7.4).

Each vector carries its inputs. :func:`build_vectors` rebuilds the file through our code, and
the other tests recompute the outputs from the written rules with nothing but ``hashlib`` and
the group, so a drift between the docs and the code fails here. Regenerate (only with a
protocol change) with ``python tests/record/test_record_vectors.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from plebiscite.crypto.elgamal import Ciphertext, encrypt
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.hashing import (
    canonical_json,
    encode,
    hash_bytes,
    hash_to_group,
    hash_to_scalar,
    keyed_hash,
)
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.crypto.threshold import (
    Polynomial,
    combine_shares,
    decrypt_share,
    lagrange_coefficient,
)
from plebiscite.domain.manifest_hash import canonical_manifest, manifest_hash
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.domain.roll import pseudonym, roll_commitment
from plebiscite.errors import SignatureError
from plebiscite.record.heads import SignedHead, sign_head
from plebiscite.record.merkle import (
    ConsistencyProof,
    InclusionProof,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

ROOT = Path(__file__).resolve().parents[2]
PATH = ROOT / "tests" / "vectors" / "record-v2.json"
MANIFEST = ROOT / "examples" / "seed-referendum" / "manifest.toml"

#: Every signature purpose of ``docs/protocol.md`` section 8.1 (and the offline device's two).
PURPOSES = (
    "tree-head",
    "ballot",
    "check-in",
    "ceremony",
    "chain-end",
    "cosignature",
    "paper-protocol",
    "paper-trip",
    "paper-custody",
    "device-receipt",
    "check-in-at",
)

#: Typed items as the vector file writes them: {"bytes": hex}, {"str": text}, {"int": n},
#: {"point": hex}, {"scalar": hex} or {"list": [items]}.
ENCODING_INPUTS: list[list[dict[str, Any]]] = [
    [{"bytes": ""}],
    [{"bytes": "00ff"}, {"str": "да"}],
    [{"int": 0}, {"int": 255}, {"int": 256}],
    [{"list": [{"str": "a"}, {"list": []}, {"int": 7}]}],
    [
        {"point": Point.base_mul(Scalar(1)).hex()},
        {"scalar": Scalar(2).hex()},
    ],
]

LEAVES = [f"entry {i}" for i in range(7)]


def _item(spec: dict[str, Any]) -> Any:
    ((kind, value),) = spec.items()
    if kind == "bytes":
        return bytes.fromhex(value)
    if kind in ("str", "int"):
        return value
    if kind == "point":
        return Point.from_hex(value)
    if kind == "scalar":
        return Scalar.from_hex(value)
    return [_item(v) for v in value]


def _tree_nodes(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete subtree's hash, as a board stores them (``docs/board.md`` section 2)."""
    nodes = {(0, i): leaf_hash(d) for i, d in enumerate(leaves)}
    level = 0
    while len([k for k in nodes if k[0] == level]) > 1:
        count = len([k for k in nodes if k[0] == level])
        for i in range(count // 2):
            left, right = nodes[(level, 2 * i)], nodes[(level, 2 * i + 1)]
            nodes[(level + 1, i)] = hashlib.sha256(b"\x01" + left + right).digest()
        level += 1
    return nodes


def build_vectors() -> dict[str, Any]:
    manifest = parse_manifest(MANIFEST.read_text(encoding="utf-8"), str(MANIFEST))
    leaves = [text.encode() for text in LEAVES]
    nodes = _tree_nodes(leaves)

    def read(keys: Any) -> dict[tuple[int, int], bytes]:
        return {k: nodes[k] for k in keys}

    board = SigningKey(bytes(range(32)))
    signer = SigningKey(bytes(range(100, 132)))
    message = canonical_json({"election": "ab" * 8, "n": 1})
    head = sign_head(board, 7, root_of([leaf_hash(d) for d in leaves]), 1_700_000_000_000)

    rng = SeededRng(b"plebiscite-v2 record vectors")
    polynomial = Polynomial.random(3, rng)
    secret = polynomial.evaluate(0)
    key = Point.base_mul(secret)
    ct = encrypt(key, 5, rng.scalar())
    context = hash_bytes("election", b"example manifest hash", key)
    group = [1, 3, 4]
    shares = {
        t: decrypt_share(context, t, polynomial.evaluate(t), ct, SeededRng(b"nonce %d" % t))
        for t in group
    }
    voters = ["voter-1", "voter-2", "voter-3"]
    roll_key = bytes(range(16))
    pseudonyms = [pseudonym(roll_key, manifest.id, v) for v in voters]
    return {
        "encoding": [
            {
                "items": items,
                "encode": encode(*[_item(i) for i in items]).hex(),
                "H_tag_example": hash_bytes("example", *[_item(i) for i in items]).hex(),
            }
            for items in ENCODING_INPUTS
        ],
        "hashes": {
            "inputs": {"tag": "example", "items": [{"str": "x"}, {"int": 1}]},
            "H": hash_bytes("example", "x", 1).hex(),
            "Hs": hash_to_scalar("example", "x", 1).hex(),
            "Hg": hash_to_group("example", "x", 1).hex(),
            "keyed": {
                "key": roll_key.hex(),
                "value": keyed_hash(roll_key, "example", "x", 1).hex(),
            },
        },
        "canonical_json": {
            "input": {"b": [1, {"é": "ü"}], "a": None, "c": True},
            "bytes": canonical_json({"b": [1, {"é": "ü"}], "a": None, "c": True}).hex(),
        },
        "manifest": {
            "input_file": "examples/seed-referendum/manifest.toml",
            "canonical": canonical_manifest(manifest).decode("utf-8"),
            "hash": manifest_hash(manifest).hex(),
        },
        "roll": {
            "inputs": {
                "roll_key": roll_key.hex(),
                "manifest_id": manifest.id,
                "voters": voters,
                "region": "region-a",
                "manifest_hash": manifest_hash(manifest).hex(),
            },
            "pseudonyms": pseudonyms,
            "commitment": roll_commitment(manifest_hash(manifest), "region-a", pseudonyms).hex(),
        },
        "merkle": {
            "leaves": LEAVES,
            "leaf_hashes": [leaf_hash(d).hex() for d in leaves],
            "roots": [root_of([leaf_hash(d) for d in leaves[:n]]).hex() for n in range(8)],
            "inclusion": [
                inclusion_proof(i, n, read).to_json() for n, i in ((1, 0), (5, 4), (7, 2), (7, 6))
            ],
            "consistency": [
                consistency_proof(m, n, read).to_json() for m, n in ((1, 7), (3, 7), (4, 7), (6, 7))
            ],
        },
        "signed_head": {
            "inputs": {"board_seed": bytes(range(32)).hex(), "timestamp": 1_700_000_000_000},
            "message": head.message().decode(),
            "line": head.encode().decode(),
        },
        "signatures": {
            "inputs": {"signer_seed": bytes(range(100, 132)).hex(), "message": message.decode()},
            "public_key": signer.verify_key.hex(),
            "by_purpose": {p: signer.sign(p, message).hex() for p in PURPOSES},
        },
        "threshold_decryption": {
            "inputs": {
                "k": 3,
                "n": 5,
                "secret_shares": {str(t): polynomial.evaluate(t).hex() for t in range(1, 6)},
                "ciphertext": ct.to_json(),
                "context": context.hex(),
                "group": group,
            },
            "public_key": key.hex(),
            "shares": {str(t): s.to_json() for t, s in shares.items()},
            "lagrange": {str(t): lagrange_coefficient(t, group).hex() for t in group},
            "combined": combine_shares(ct, {t: s.value for t, s in shares.items()}, 3).hex(),
            "plaintext": 5,
        },
    }


def _pinned() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))
    return data


def test_vectors_are_reproduced_byte_for_byte() -> None:
    assert canonical_json(build_vectors()) == canonical_json(_pinned())


def _written_encode(spec: dict[str, Any]) -> bytes:
    """Section 3.1's table, by hand: type byte, 8-byte big-endian length or count, body."""
    ((kind, value),) = spec.items()
    if kind == "list":
        return b"L" + len(value).to_bytes(8, "big") + b"".join(_written_encode(v) for v in value)
    if kind == "int":
        body = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
        type_byte = b"I"
    elif kind == "str":
        body, type_byte = value.encode("utf-8"), b"S"
    else:
        body = bytes.fromhex(value)
        type_byte = {"bytes": b"B", "point": b"P", "scalar": b"Z"}[kind]
    return bytes(type_byte + len(body).to_bytes(8, "big") + body)


def test_the_encoding_and_hashes_follow_the_written_table() -> None:
    pinned = _pinned()
    prefix = _written_encode({"str": "plebiscite-v2"}) + _written_encode({"str": "example"})
    for case in pinned["encoding"]:
        written = b"".join(_written_encode(i) for i in case["items"])
        assert written.hex() == case["encode"]
        assert hashlib.sha512(prefix + written).hexdigest() == case["H_tag_example"]
    hashes = pinned["hashes"]
    body = prefix + _written_encode({"str": "x"}) + _written_encode({"int": 1})
    assert hashlib.sha512(body).hexdigest() == hashes["H"]
    wide = int.from_bytes(bytes.fromhex(hashes["H"]), "little")
    order = 2**252 + 27742317777372353535851937790883648493
    assert (wide % order).to_bytes(32, "little").hex() == hashes["Hs"]
    assert Point.from_uniform_bytes(bytes.fromhex(hashes["H"])).hex() == hashes["Hg"]
    keyed = hmac.new(bytes.fromhex(hashes["keyed"]["key"]), body, hashlib.sha512).digest()[:32]
    assert keyed.hex() == hashes["keyed"]["value"]


def test_canonical_json_manifest_hash_and_roll_from_the_written_rules() -> None:
    pinned = _pinned()
    case = pinned["canonical_json"]
    text = json.dumps(case["input"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert text.encode("utf-8").hex() == case["bytes"]
    manifest = pinned["manifest"]
    prefix = _written_encode({"str": "plebiscite-v2"}) + _written_encode({"str": "manifest"})
    canonical = manifest["canonical"].encode("utf-8")
    assert (
        hashlib.sha512(prefix + _written_encode({"bytes": canonical.hex()})).hexdigest()
        == (manifest["hash"])
    )
    parsed = json.loads(canonical)
    assert (
        json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        == (manifest["canonical"])
    )
    roll = pinned["roll"]
    inputs = roll["inputs"]
    key = bytes.fromhex(inputs["roll_key"])
    for voter, expected in zip(inputs["voters"], roll["pseudonyms"], strict=True):
        body = b"".join(
            _written_encode({"str": s})
            for s in ("plebiscite-v2", "pseudonym", inputs["manifest_id"])
        ) + _written_encode({"str": voter})
        assert hmac.new(key, body, hashlib.sha512).digest()[:32].hex() == expected
    items = [
        {"bytes": inputs["manifest_hash"]},
        {"str": inputs["region"]},
        {"list": [{"bytes": p} for p in sorted(roll["pseudonyms"])]},
    ]
    body = b"".join(
        _written_encode(i) for i in [{"str": "plebiscite-v2"}, {"str": "roll-commitment"}, *items]
    )
    assert hashlib.sha512(body).hexdigest() == roll["commitment"]


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, written out."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def test_merkle_roots_and_proofs_from_rfc_9162() -> None:
    merkle = _pinned()["merkle"]
    leaves = [text.encode() for text in merkle["leaves"]]
    for d, h in zip(leaves, merkle["leaf_hashes"], strict=True):
        assert hashlib.sha256(b"\x00" + d).hexdigest() == h
    roots = merkle["roots"]
    for n, root in enumerate(roots):
        assert _mth(leaves[:n]).hex() == root
    for data in merkle["inclusion"]:
        proof = InclusionProof.from_json(data)
        root = bytes.fromhex(roots[proof.tree_size])
        verify_inclusion(proof, hashlib.sha256(b"\x00" + leaves[proof.leaf_index]).digest(), root)
    for data in merkle["consistency"]:
        step = ConsistencyProof.from_json(data)
        first = bytes.fromhex(roots[step.first_size])
        second = bytes.fromhex(roots[step.second_size])
        verify_consistency(step, first, second)


def test_the_head_and_every_signature_purpose_verify_over_the_written_bytes() -> None:
    pinned = _pinned()
    head = SignedHead.decode(pinned["signed_head"]["line"].encode())
    assert head.message().decode() == pinned["signed_head"]["message"]
    assert head.root_hash.hex() == pinned["merkle"]["roots"][7]
    sig = pinned["signatures"]
    key = VerifyKey.from_hex(sig["public_key"])
    message = sig["inputs"]["message"].encode()
    assert set(sig["by_purpose"]) == set(PURPOSES)
    for purpose, signature in sig["by_purpose"].items():
        key.verify(purpose, message, bytes.fromhex(signature))
        for other in PURPOSES:
            if other != purpose:  # a signature for one purpose is no signature for another
                with pytest.raises(SignatureError):
                    key.verify(other, message, bytes.fromhex(signature))


def test_the_threshold_combination_from_the_written_formula() -> None:
    """lambda_l = prod m/(m - l) mod L over the group; m*G = beta - sum lambda_l D_l (7.4)."""
    case = _pinned()["threshold_decryption"]
    inputs = case["inputs"]
    order = 2**252 + 27742317777372353535851937790883648493
    ct = Ciphertext.from_json(inputs["ciphertext"])
    group = inputs["group"]
    acc = Point.identity()
    for trustee in group:
        num = den = 1
        for m in group:
            if m != trustee:
                num, den = num * m % order, den * (m - trustee) % order
        lam = num * pow(den, -1, order) % order
        assert Scalar(lam).hex() == case["lagrange"][str(trustee)]
        d = Point.from_hex(case["shares"][str(trustee)]["value"])
        secret = Scalar.from_hex(inputs["secret_shares"][str(trustee)])
        assert d == ct.alpha * secret
        acc = acc + d * Scalar(lam)
    combined = ct.beta - acc
    assert combined.hex() == case["combined"]
    assert combined == Point.base_mul(Scalar(case["plaintext"]))


if __name__ == "__main__":  # pragma: no cover
    PATH.write_text(json.dumps(build_vectors(), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {PATH}")
