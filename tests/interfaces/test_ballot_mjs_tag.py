"""The browser booth's voter tag, check-in and ballot against Python's, for fixed inputs.

``interfaces/static/ballot.mjs`` runs under Node.js with the libsodium the pages serve (the
vendored ``static/libsodium-*.mjs``, its one absolute import pointed at the copy beside it).
With the scalars of :class:`~plebiscite.crypto.randomness.SeededRng` for a fixed seed, the
JavaScript tag ``(r*G, T_v + r*K)`` and its Schnorr proof are byte for byte those of
:func:`plebiscite.domain.ballot.encrypt_tag`; the check-in signature is that of
:func:`plebiscite.services.voting.casting.sign_check_in` (Ed25519 is deterministic); the whole
ballot ``makeBallot`` signs passes the Python checks a cast ballot meets. The attacker's
side: a tag proof made for one check-in does not verify for another, nor a tag moved to
another ballot, and the tag opens to the voter's tag point only.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from plebiscite.crypto.ballot import QuestionSpec, encrypt_answer
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.hashing import hash_to_scalar
from plebiscite.crypto.randomness import SeededRng, SystemRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ballot import (
    Ballot,
    EncryptedTag,
    election_context,
    encrypt_tag,
    genesis_code,
    voter_tag,
)
from plebiscite.errors import ProofError
from plebiscite.services.voting.casting import check_checkin_id, sign_check_in

STATIC = Path(__file__).resolve().parents[2] / "src" / "plebiscite" / "interfaces" / "static"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js (node) to run ballot.mjs")

DRIVER = """
import sodium from "./libsodium-wrappers.mjs";
import * as b from "./ballot.mjs";
await sodium.ready;
const spec = JSON.parse(process.argv[2]);
const p = b.protocol(sodium);
const hex = (x) => sodium.to_hex(x);
const K = sodium.from_hex(spec.electionKey);
const context = p.H("election", sodium.from_hex(spec.election), new b.Pt(K));
const seed = sodium.from_hex(spec.seed);
const tagged = b.encryptTag(
  p, K, context, spec.device, spec.checkin, spec.voter, b.seededRng(p, seed));
const secretKey = sodium.crypto_sign_seed_keypair(sodium.from_hex(spec.keySeed)).privateKey;
const made = b.makeBallot(sodium, {
  ...spec, secretKey, nonceSeed: sodium.from_hex(spec.nonceSeed), tagRng: b.seededRng(p, seed),
});
const refused = (checkin) => {
  try {
    b.makeBallot(sodium, { ...spec, checkin, secretKey });
    return null;
  } catch (e) {
    return e.message;
  }
};
console.log(JSON.stringify({
  refused: [refused(undefined), refused(spec.checkin.toUpperCase()), refused(spec.voter)],
  context: hex(context),
  tagPoint: hex(p.Hg("voter-tag", context, sodium.from_hex(spec.voter))),
  tag: tagged.tag,
  r: hex(tagged.r),
  checkInSignature: b.signCheckIn(sodium, secretKey, spec.election, spec.device, spec.checkin),
  checkins: [b.newCheckIn(sodium), b.newCheckIn(sodium)],
  made,
}));
"""

MANIFEST_HASH = bytes.fromhex("5a" * 32)
DEVICE = "kiosk-1"
CHECKIN = "00112233445566778899aabbccddeeff"
VOTER = "c0ffee" + "11" * 29
SEED = b"ballot.mjs tag known answer seed"
KEY_SEED = bytes(range(32))
NONCE_SEED = bytes(range(32, 64))
SPECS = (QuestionSpec("q1", 2, 1, 1), QuestionSpec("q2", 3, 0, 1))
CHOICES = ([0, 1], [0, 0, 1])


def _run(tmp_path: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Run the driver over the served modules; the output as JSON."""
    shutil.copy(STATIC / "ballot.mjs", tmp_path / "ballot.mjs")
    shutil.copy(STATIC / "libsodium-sumo.mjs", tmp_path / "libsodium-sumo.mjs")
    wrappers = (STATIC / "libsodium-wrappers.mjs").read_text(encoding="utf-8")
    assert '"/static/libsodium-sumo.mjs"' in wrappers
    (tmp_path / "libsodium-wrappers.mjs").write_text(
        wrappers.replace('"/static/libsodium-sumo.mjs"', '"./libsodium-sumo.mjs"'),
        encoding="utf-8",
    )
    (tmp_path / "run.mjs").write_text(DRIVER, encoding="utf-8")
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(tmp_path / "run.mjs"), json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def answer(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Point, bytes]:
    key = Point.base_mul(hash_to_scalar("test-election-key", SEED))
    spec = {
        "election": MANIFEST_HASH.hex(),
        "electionKey": key.hex(),
        "device": DEVICE,
        "location": "station-1",
        "voter": VOTER,
        "checkin": CHECKIN,
        "previousCode": genesis_code(MANIFEST_HASH, DEVICE),
        "questions": [
            {
                "id": s.question_id,
                "n": s.n_options,
                "min": s.min_selections,
                "max": s.max_selections,
            }
            for s in SPECS
        ],  # fmt: skip
        "choices": [list(c) for c in CHOICES],
        "seed": SEED.hex(),
        "keySeed": KEY_SEED.hex(),
        "nonceSeed": NONCE_SEED.hex(),
    }
    return _run(tmp_path_factory.mktemp("mjs"), spec), key, election_context(MANIFEST_HASH, key)


def test_the_tag_and_its_proof_are_pythons_byte_for_byte(
    answer: tuple[dict[str, Any], Point, bytes],
) -> None:
    js, key, context = answer
    assert js["context"] == context.hex()
    assert js["tagPoint"] == voter_tag(context, VOTER).hex()
    tag, r = encrypt_tag(key, context, DEVICE, CHECKIN, VOTER, SeededRng(SEED))
    assert js["tag"] == tag.to_json()
    assert js["r"] == r.hex()
    EncryptedTag.from_json(js["tag"]).verify(context, DEVICE, CHECKIN)


def test_the_check_in_signs_the_id_as_python_does_and_the_ids_are_fresh(
    answer: tuple[dict[str, Any], Point, bytes],
) -> None:
    js, _, _ = answer
    expected = sign_check_in(SigningKey(KEY_SEED), MANIFEST_HASH.hex(), DEVICE, CHECKIN)
    assert js["checkInSignature"] == expected
    first, second = js["checkins"]
    assert check_checkin_id(first) == first and re.fullmatch("[0-9a-f]{32}", second)
    assert first != second
    # A ballot without its check-in id (or with one the service would refuse) is not made.
    assert js["refused"] == ["the ballot needs its check-in id (32 lowercase hex digits)"] * 3


def test_the_signed_ballot_is_the_format_python_casts(
    answer: tuple[dict[str, Any], Point, bytes],
) -> None:
    js, key, context = answer
    made = js["made"]
    assert set(made["ballot"]) == {
        "election", "device", "location", "checkin", "previous_code", "tag", "answers",
    }  # fmt: skip
    ballot = Ballot.from_json(made["ballot"])
    ballot.verify_proofs(key, context, SPECS)
    ballot.verify_signature(SigningKey(KEY_SEED).verify_key, made["signature"])
    assert ballot.tracking_code() == made["tracking_code"]
    tag, r = encrypt_tag(key, context, DEVICE, CHECKIN, VOTER, SeededRng(SEED))
    assert ballot.tag == tag and made["tag_opening"] == r.hex()
    assert ballot.tag.opens_to(key, voter_tag(context, VOTER), Scalar.from_hex(made["tag_opening"]))
    for spec, answer_, chosen in zip(SPECS, ballot.answers, CHOICES, strict=True):
        mine = encrypt_answer(key, context, spec, chosen, NONCE_SEED, SystemRng())
        assert mine.selections == answer_.selections
    assert VOTER not in json.dumps(made["ballot"])  # the pseudonym is in no signed field


def test_a_browser_tag_does_not_move_to_another_check_in_or_voter(
    answer: tuple[dict[str, Any], Point, bytes],
) -> None:
    js, key, context = answer
    tag = EncryptedTag.from_json(js["tag"])
    other = "ff" * 16
    with pytest.raises(ProofError):
        tag.verify(context, DEVICE, other)  # copied into another check-in's ballot
    with pytest.raises(ProofError):
        tag.verify(context, "kiosk-2", CHECKIN)  # or another device's
    r = Scalar.from_hex(js["r"])
    assert not tag.opens_to(key, voter_tag(context, "ab" * 32), r)
    # Re-randomised by someone who does not know r, the proof no longer holds.
    s = hash_to_scalar("attacker", b"r")
    moved = EncryptedTag(
        type(tag.ciphertext)(
            tag.ciphertext.alpha + Point.base_mul(s), tag.ciphertext.beta + key * s
        ),
        tag.proof,
    )
    with pytest.raises(ProofError):
        moved.verify(context, DEVICE, CHECKIN)
