"""Encrypted ballots as devices sign them and the board records them (``docs/protocol.md`` 6.1).

A ballot is what a booth device produces for one voter in one referendum (one region): an
:class:`~plebiscite.crypto.ballot.EncryptedAnswer` per question of the region, in manifest
order, bound to the election, the device, its location, the device's check-in of the voter
(an opaque random id), the voter's tag encrypted under the election key (protocol 6.3: it lets
the count set aside a door-to-door ballot that a booth ballot overrides without anyone seeing
which) and the device's previous tracking code. No value in it names the voter. The device
signs the canonical JSON of the ballot; the tracking code shown to the voter is
``H("tracking-code", previous_code, ballot_hash)``, so each device's ballots form a hash
chain that breaks if one is dropped, inserted or reordered.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plebiscite.crypto.ballot import EncryptedAnswer, QuestionSpec, add_answer, verify_answer
from plebiscite.crypto.batch import ProofBatch
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.hashing import canonical_json, hash_bytes
from plebiscite.crypto.proofs import SchnorrProof, prove_schnorr, verify_schnorr
from plebiscite.crypto.randomness import Rng
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.crypto.tagging import tag_point
from plebiscite.domain.manifest import Manifest, Question
from plebiscite.errors import EncodingError, InputError, ProofError

BALLOT_SIGNATURE_TAG = "ballot"
CODE_BYTES = 32
#: A check-in id: random bytes the device draws for each check-in.
CHECKIN_BYTES = 16


def election_context(manifest_hash: bytes, election_key: Point) -> bytes:
    """The context every ballot proof binds (protocol section 3.3)."""
    return hash_bytes("election", manifest_hash, election_key)


def question_spec(question: Question) -> QuestionSpec:
    """Exactly one option, or at most one where the question allows a blank."""
    return QuestionSpec(question.id, len(question.options), 0 if question.allow_blank else 1, 1)


def region_specs(manifest: Manifest, region_id: str) -> tuple[QuestionSpec, ...]:
    for region in manifest.regions:
        if region.id == region_id:
            return tuple(question_spec(q) for q in region.questions)
    raise InputError(f"unknown region {region_id!r}")


def genesis_code(manifest_hash: bytes, device_id: str) -> str:
    """The ``previous_code`` of a device's first ballot."""
    return hash_bytes("tracking-genesis", manifest_hash, device_id)[:CODE_BYTES].hex()


def _hex_field(data: Mapping[str, Any], key: str, size: int | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise EncodingError(f"ballot field {key!r} must be a string")
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise EncodingError(f"ballot field {key!r} is not hexadecimal") from exc
    if size is not None and len(raw) != size:
        raise EncodingError(f"ballot field {key!r} must be {size} bytes, got {len(raw)}")
    if raw.hex() != value:
        raise EncodingError(f"ballot field {key!r} must be lowercase hexadecimal")
    return value


def voter_tag(context: bytes, pseudonym: str) -> Point:
    """The point ``T_v`` a voter's ballots encrypt as their tag (protocol section 6.3)."""
    return tag_point(context, bytes.fromhex(pseudonym))


def tag_context(context: bytes, device: str, checkin: str, ciphertext: Ciphertext) -> bytes:
    """What a ballot's tag proof binds: the election, the device, the check-in, the tag."""
    return hash_bytes("ballot-tag", context, device, checkin, ciphertext.alpha, ciphertext.beta)


@dataclass(frozen=True)
class EncryptedTag:
    """``(r*G, T_v + r*K)`` and a Schnorr proof of knowledge of ``r`` (so that nobody can copy
    or re-randomise another ballot's tag)."""

    ciphertext: Ciphertext
    proof: SchnorrProof

    def to_json(self) -> dict[str, Any]:
        return {"ciphertext": self.ciphertext.to_json(), "proof": self.proof.to_json()}

    @classmethod
    def from_json(cls, data: object) -> EncryptedTag:
        if not isinstance(data, dict) or set(data) != {"ciphertext", "proof"}:
            raise EncodingError("ballot field 'tag' is an object with 'ciphertext' and 'proof'")
        return cls(Ciphertext.from_json(data["ciphertext"]), SchnorrProof.from_json(data["proof"]))

    def verify(self, context: bytes, device: str, checkin: str) -> None:
        """Raise :class:`ProofError` unless the proof shows knowledge of the tag's ``r``."""
        if self.ciphertext.alpha.is_identity():
            raise ProofError("the ballot's tag has the identity as alpha")
        try:
            verify_schnorr(
                tag_context(context, device, checkin, self.ciphertext),
                self.ciphertext.alpha,
                self.proof,
            )
        except ProofError as exc:
            raise ProofError("the ballot's tag proof does not verify") from exc

    def opens_to(self, election_key: Point, tag: Point, r: Scalar) -> bool:
        """Is this ``(r*G, tag + r*K)``? (The casting service checks it against the voter its
        device checked in.)"""
        return self.ciphertext.alpha == Point.base_mul(r) and (
            self.ciphertext.beta == tag + election_key * r
        )


def encrypt_tag(
    election_key: Point,
    context: bytes,
    device: str,
    checkin: str,
    pseudonym: str,
    rng: Rng,
) -> tuple[EncryptedTag, Scalar]:
    """Encrypt the voter's tag for one ballot; returns it and its randomness ``r``."""
    r = rng.scalar()
    ciphertext = Ciphertext(Point.base_mul(r), voter_tag(context, pseudonym) + election_key * r)
    proof = prove_schnorr(tag_context(context, device, checkin, ciphertext), r, rng)
    return EncryptedTag(ciphertext, proof), r


@dataclass(frozen=True)
class Ballot:
    """The content a device signs."""

    election: str  # manifest hash, hex
    device: str
    location: str
    checkin: str  # the device's check-in of the voter: CHECKIN_BYTES random bytes, hex
    previous_code: str  # hex, genesis_code for the device's first ballot
    tag: EncryptedTag
    answers: tuple[EncryptedAnswer, ...]

    _KEYS = frozenset(
        {"election", "device", "location", "checkin", "previous_code", "tag", "answers"}
    )

    def to_json(self) -> dict[str, Any]:
        return {
            "election": self.election,
            "device": self.device,
            "location": self.location,
            "checkin": self.checkin,
            "previous_code": self.previous_code,
            "tag": self.tag.to_json(),
            "answers": [a.to_json() for a in self.answers],
        }

    @classmethod
    def from_json(cls, data: object) -> Ballot:
        if not isinstance(data, dict):
            raise EncodingError("a ballot is a JSON object")
        unknown = set(data) - cls._KEYS
        missing = cls._KEYS - set(data)
        if unknown or missing:
            raise EncodingError(
                f"ballot keys: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        for key in ("device", "location"):
            if not isinstance(data[key], str) or not data[key]:
                raise EncodingError(f"ballot field {key!r} must be a non-empty string")
        answers = data["answers"]
        if not isinstance(answers, list) or not answers:
            raise EncodingError("ballot field 'answers' must be a non-empty list")
        return cls(
            election=_hex_field(data, "election"),
            device=data["device"],
            location=data["location"],
            checkin=_hex_field(data, "checkin", CHECKIN_BYTES),
            previous_code=_hex_field(data, "previous_code", CODE_BYTES),
            tag=EncryptedTag.from_json(data["tag"]),
            answers=tuple(EncryptedAnswer.from_json(a) for a in answers),
        )

    def canonical(self) -> bytes:
        """The signed bytes (computed once: the hash, the code and the signature need it)."""
        return self._canonical

    @functools.cached_property
    def _canonical(self) -> bytes:
        # to_json holds only strings, ints and lists (no float can be in it)
        return canonical_json(self.to_json(), floats_checked=True)

    def ballot_hash(self) -> bytes:
        return hash_bytes("ballot", self.canonical())

    def tracking_code(self) -> str:
        """H("tracking-code", previous_code, ballot_hash), 32 bytes, hex."""
        return hash_bytes("tracking-code", bytes.fromhex(self.previous_code), self.ballot_hash())[
            :CODE_BYTES
        ].hex()

    def sign(self, key: SigningKey) -> str:
        return key.sign(BALLOT_SIGNATURE_TAG, self.canonical()).hex()

    def verify_signature(self, key: VerifyKey, signature_hex: str) -> None:
        try:
            signature = bytes.fromhex(signature_hex)
        except ValueError as exc:
            raise EncodingError("ballot signature is not hexadecimal") from exc
        key.verify(BALLOT_SIGNATURE_TAG, self.canonical(), signature)

    def verify_proofs(
        self, election_key: Point, context: bytes, specs: Sequence[QuestionSpec]
    ) -> None:
        """The tag's proof, and every answer present, in order, with valid proofs (raises
        ProofError)."""
        self.tag.verify(context, self.device, self.checkin)
        if len(self.answers) != len(specs):
            raise ProofError(
                f"ballot has {len(self.answers)} answers, the referendum has {len(specs)} questions"
            )
        for spec, answer in zip(specs, self.answers, strict=True):
            verify_answer(election_key, context, spec, answer)

    def verify_proofs_batched(
        self, election_key: Point, context: bytes, specs: Sequence[QuestionSpec], seed: bytes
    ) -> None:
        """:meth:`verify_proofs`, with the answers' equations weighted and summed into one
        multi-scalar multiplication (``docs/protocol.md`` section 5.4) under ``seed``, 32 bytes
        the caller draws from a CSPRNG after receiving the ballot. The same verdict (except with
        probability about 2^-128) and, on failure, the same error as :meth:`verify_proofs`."""
        self.tag.verify(context, self.device, self.checkin)
        batch = ProofBatch(seed)
        self.add_proofs(batch, "ballot", election_key, context, specs)
        failures = batch.failures()
        if failures:
            self.verify_proofs(election_key, context, specs)  # raises, naming the proof
            raise ProofError(failures[0][1])

    def add_proofs(
        self,
        batch: ProofBatch,
        label: Hashable,
        election_key: Point,
        context: bytes,
        specs: Sequence[QuestionSpec],
    ) -> None:
        """The answers' proofs of :meth:`verify_proofs` deferred into a batch (its failures
        name ``label``). The tag's proof is not in it: the caller checks :meth:`EncryptedTag.verify`
        first, under its own check (the verifier's V44)."""
        if len(self.answers) != len(specs):
            batch.fail(
                label,
                f"ballot has {len(self.answers)} answers, the referendum has "
                f"{len(specs)} questions",
            )
            return
        for spec, answer in zip(specs, self.answers, strict=True):
            add_answer(batch, label, election_key, context, spec, answer)
