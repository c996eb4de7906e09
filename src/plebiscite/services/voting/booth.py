"""The booth: the encrypting device a station or a mobile team runs (``docs/voting.md``).

A :class:`Booth` holds what the device needs (the manifest, its hash, the election key, the
device's Ed25519 key, its location) and the device's chain head. For one voter it encrypts the
choices for every question of the location's region with fresh randomness (a 32-byte nonce
seed from the system CSPRNG and :class:`~plebiscite.crypto.randomness.SystemRng` for the
proofs), builds and signs the :class:`~plebiscite.domain.ballot.Ballot`, and shows its tracking
code. The voter then casts it or challenges it; after a challenge the booth gives the opening
(seed and plaintext) and the voter starts again with a fresh ballot. The device advances its
chain only when the server accepted a ballot (:meth:`Booth.accepted`).

The booth knows no transport: it produces request bodies; the caller sends them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plebiscite.crypto import _sodium
from plebiscite.crypto.ballot import encrypt_answer
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.randomness import SystemRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ballot import (
    CHECKIN_BYTES,
    Ballot,
    election_context,
    encrypt_tag,
    genesis_code,
    question_spec,
)
from plebiscite.domain.manifest import Location, Manifest, Question
from plebiscite.errors import InputError
from plebiscite.services.voting.casting import NONCE_SEED_BYTES, sign_check_in

#: A voter's selection for one question: an option id, or None for a blank (where allowed).
Selections = Mapping[str, str | None]


@dataclass(frozen=True)
class PreparedBallot:
    """A signed ballot the voter has not yet cast or challenged, with its secrets."""

    ballot: Ballot
    signature: str
    tracking_code: str
    nonce_seed: bytes
    choices: tuple[tuple[int, ...], ...]
    tag_opening: Scalar  # the tag's randomness: sent with a cast, never with a challenge

    def cast_body(self) -> dict[str, Any]:
        return {
            "ballot": self.ballot.to_json(),
            "signature": self.signature,
            "tag_opening": self.tag_opening.hex(),
        }

    def opening(self) -> dict[str, Any]:
        return {"nonce_seed": self.nonce_seed.hex(), "choices": [list(c) for c in self.choices]}

    def challenge_body(self) -> dict[str, Any]:
        return {
            "ballot": self.ballot.to_json(),
            "signature": self.signature,
            "opening": self.opening(),
        }


def choice_vectors(
    questions: Sequence[Question], selections: Selections
) -> tuple[tuple[int, ...], ...]:
    """The 0/1 vector per question for ``{question id: option id or None}``."""
    unknown = set(selections) - {q.id for q in questions}
    if unknown:
        raise InputError(f"no such question here: {sorted(unknown)}")
    out = []
    for question in questions:
        chosen = selections.get(question.id)
        if chosen is None:
            if not question.allow_blank:
                raise InputError(f"question {question.id!r} needs an answer")
            out.append(tuple(0 for _ in question.options))
            continue
        if chosen not in question.option_ids:
            raise InputError(
                f"question {question.id!r} has no option {chosen!r}; "
                f"options: {', '.join(question.option_ids)}"
            )
        out.append(tuple(int(o == chosen) for o in question.option_ids))
    return tuple(out)


class Booth:
    """One device at one location."""

    def __init__(
        self,
        manifest: Manifest,
        manifest_hash: bytes,
        election_key: Point,
        device_id: str,
        location_id: str,
        key: SigningKey,
        previous_code: str | None = None,
    ) -> None:
        location = manifest.location_by_id.get(location_id)
        if location is None:
            raise InputError(f"no location has the id {location_id!r}")
        self.manifest = manifest
        self.manifest_hash = manifest_hash
        self.election_key = election_key
        self.device_id = device_id
        self.location: Location = location
        self.key = key
        self.context = election_context(manifest_hash, election_key)
        self.questions = manifest.region_by_id[location.region_id].questions
        self.previous_code = previous_code or genesis_code(manifest_hash, device_id)
        self.count = 0  # ballots accepted in this device's chain (0 for a resumed chain's past)
        self._rng = SystemRng()
        #: voter pseudonym -> the id of the device's latest check-in of that voter
        self.checkins: dict[str, str] = {}

    @property
    def election(self) -> str:
        return self.manifest_hash.hex()

    def enrolment(self) -> dict[str, str]:
        """The body the authority posts to enrol this device."""
        return {
            "device": self.device_id,
            "location": self.location.id,
            "public_key": self.key.verify_key.hex(),
        }

    def check_in(self, voter: str, checkin: str | None = None) -> dict[str, str]:
        """The signed check-in body for ``voter`` (a roll pseudonym) under a fresh opaque id
        (or ``checkin``, when a device resumes one); the voter's next ballot repeats the id."""
        checkin = checkin or _sodium.random_bytes(CHECKIN_BYTES).hex()
        self.checkins[voter] = checkin
        signature = sign_check_in(self.key, self.election, self.device_id, checkin)
        return {"voter": voter, "checkin": checkin, "signature": signature}

    def prepare(self, voter: str, selections: Selections) -> PreparedBallot:
        """Encrypt, prove and sign one voter's choices; the tracking code is shown before
        the voter decides to cast or challenge."""
        choices = choice_vectors(self.questions, selections)
        return self.prepare_vectors(voter, choices)

    def prepare_vectors(self, voter: str, choices: Sequence[Sequence[int]]) -> PreparedBallot:
        if len(choices) != len(self.questions):
            raise InputError(f"{len(self.questions)} answers expected, got {len(choices)}")
        checkin = self.checkins.get(voter)
        if checkin is None:
            raise InputError(f"voter {voter[:16]}... is not checked in on this device")
        seed = _sodium.random_bytes(NONCE_SEED_BYTES)
        tag, r = encrypt_tag(
            self.election_key, self.context, self.device_id, checkin, voter, self._rng
        )
        answers = tuple(
            encrypt_answer(
                self.election_key, self.context, question_spec(q), list(c), seed, self._rng
            )
            for q, c in zip(self.questions, choices, strict=True)
        )
        ballot = Ballot(
            election=self.election,
            device=self.device_id,
            location=self.location.id,
            checkin=checkin,
            previous_code=self.previous_code,
            tag=tag,
            answers=answers,
        )
        return PreparedBallot(
            ballot,
            ballot.sign(self.key),
            ballot.tracking_code(),
            seed,
            tuple(tuple(c) for c in choices),
            r,
        )

    def accepted(self, prepared: PreparedBallot) -> None:
        """The server accepted ``prepared`` (cast or challenged): chain the next one to it."""
        if prepared.ballot.previous_code != self.previous_code:
            raise InputError("this ballot does not continue the device's chain")
        self.previous_code = prepared.tracking_code
        self.count += 1

    def chain_end(self, count: int | None = None) -> dict[str, Any]:
        """The signed end of this device's chain (``docs/voting.md``, chain ends)."""
        from plebiscite.services.voting.chain_ends import sign_chain_end

        n = self.count if count is None else count
        return sign_chain_end(self.key, self.election, self.device_id, n, self.previous_code)


__all__ = ["Booth", "PreparedBallot", "Selections", "choice_vectors"]
