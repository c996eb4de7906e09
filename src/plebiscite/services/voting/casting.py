"""Casting: devices, check-in, cast or challenge, and receipts, as use cases over a board.

``docs/voting.md`` is the reference for every payload written here and every refusal.

A server process keeps nothing that grows with the ballots or the roll: the election's
definition (manifest, election key, closing), read from the board's few definition entries,
and a cache of enrolled devices' keys. Every rule that depends on what is already on the
board (the device is enrolled and not revoked, the ballot continues its device's chain, the
voter is on the roll of the region and may cast one more ballot of this kind, no ciphertext
is on the board already, voting has not closed, a retry is the same ballot) is decided in the
board's append transaction (``record/guard.py``), so any number of processes on any number of
hosts may serve one board.

Accepting a ballot: cheap checks, then the proofs outside any lock (they are the cost, and
libsodium runs without the GIL), then the durable append, which judges the ballot against the
board and shares one commit with concurrent appends; the receipt's head is signed from the
tree that commit left. A refused request appends nothing. Time comes from a :class:`Clock`
passed in.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from plebiscite.crypto.ballot import QuestionSpec, verify_opening
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.domain.ballot import CHECKIN_BYTES, Ballot, region_specs, voter_tag
from plebiscite.domain.check_in import CHECK_IN_TAG, check_in_message
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.rules import check_location_open
from plebiscite.errors import (
    ChainError,
    DeviceExistsError,
    DuplicateBallotError,
    EligibilityError,
    EncodingError,
    InputError,
    NotFoundError,
    NotReadyError,
    PlebisciteError,
    ProofError,
    ReplayError,
    RevokedDeviceError,
    UnknownDeviceError,
    VotingClosedError,
    WrongElectionError,
)
from plebiscite.record.board import Appended, Board, Entry
from plebiscite.record.events import Event, EventType
from plebiscite.record.guard import COMMITMENT_KEY, AlreadyRecordedError
from plebiscite.record.heads import SignedHead
from plebiscite.record.merkle import InclusionProof, leaf_hash
from plebiscite.services.election.definition import Election
from plebiscite.services.voting.clock import Clock, SimulatedClock, SystemClock, parse_time
from plebiscite.services.voting.receipt_heads import HEAD_STORE_EVERY, ReceiptHeads
from plebiscite.services.voting.records import (
    NONCE_SEED_BYTES,
    BallotRecord,
    Device,
    Receipt,
    check_identifier,
    parse_opening,
    sign_check_in,
)

#: The entries a server reads to know the election (by the board's type index).
DEFINITION_TYPES = (EventType.MANIFEST, EventType.CEREMONY_MESSAGE, EventType.VOTING_CLOSED)
#: Device keys cached per process (a device's location and key never change).
DEVICE_CACHE = 50_000


# --- the service -----------------------------------------------------------------------------


def check_checkin_id(value: object) -> str:
    """A check-in id: CHECKIN_BYTES random bytes in lowercase hex."""
    if not (
        isinstance(value, str)
        and len(value) == 2 * CHECKIN_BYTES
        and all(c in "0123456789abcdef" for c in value)
    ):
        raise EncodingError(f"a check-in id is {2 * CHECKIN_BYTES} lowercase hex digits")
    return value


class ProofChecker(Protocol):
    """Checks a ballot's proofs; raises :class:`ProofError` (e.g. a :class:`ProofPool`)."""

    def __call__(
        self, ballot: Ballot, key: Point, context: bytes, specs: Sequence[QuestionSpec]
    ) -> None: ...


def _check_in_process(
    ballot: Ballot, key: Point, context: bytes, specs: Sequence[QuestionSpec]
) -> None:
    # One multi-scalar multiplication per ballot, weighted by a seed drawn after its arrival.
    ballot.verify_proofs_batched(key, context, specs, secrets.token_bytes(32))


class CastingService:
    """The voting-day use cases over one board. Thread-safe; any number of instances, in any
    number of processes, may serve one board at once: every rule is decided in the board's
    append transaction (``record/guard.py``), and an instance holds no state that grows with
    the ballots or the roll."""

    def __init__(
        self,
        board: Board,
        head_key: SigningKey,
        clock: Clock,
        proof_checker: ProofChecker | None = None,
    ) -> None:
        self.board = board
        self.proof_checker: ProofChecker = proof_checker or _check_in_process
        self.head_key = head_key
        self.clock = clock
        self.election = Election()
        self._read = 0
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[str, VerifyKey]] = {}
        self.heads = ReceiptHeads(board, head_key, self._now_ms)
        self.catch_up()

    def _now_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    # --- what the board says the election is ----------------------------------------------------

    def catch_up(self) -> None:
        """Fold the definition entries appended since the last call (the manifest, the election
        key, the closing: a few entries, found by the board's type index, never the ballots or
        the roll)."""
        with self._lock:
            for entry in self.board.entries_of_type(DEFINITION_TYPES, self._read):
                self.election.apply(entry)
                self._read = entry.index + 1

    @property
    def ballots(self) -> Mapping[str, BallotRecord]:
        """The recorded ballots by tracking code (read from the board on each lookup)."""
        return _BallotLookup(self)

    @property
    def devices(self) -> dict[str, Device]:
        """Every enrolled device, read from the board."""
        return {
            name: Device(
                name,
                row.location,
                VerifyKey.from_hex(row.public_key),
                row.enrolled_at,
                row.revoked,
                row.chain_head,
            )
            for name, row in self.board.devices().items()
        }

    def device_info(self, device_id: str) -> Device:
        row = self.board.device(device_id)
        if row is None:
            raise UnknownDeviceError(f"no device {device_id[:64]!r} is enrolled")
        return Device(
            device_id,
            row.location,
            VerifyKey.from_hex(row.public_key),
            row.enrolled_at,
            row.revoked,
            row.chain_head,
        )

    def roll_summary(self) -> dict[str, Any]:
        """Each region's roll commitment and number of voters (additions included)."""
        manifest = self.election.manifest
        regions = [] if manifest is None else [r.id for r in manifest.regions]
        commitments = {r: self.board.get_meta(COMMITMENT_KEY.format(r)) for r in regions}
        return {
            "commitments": {r: c for r, c in commitments.items() if c is not None},
            "voters": self.board.roll_counts(),
        }

    def voters_without_ballot(self, region: str, limit: int = 30) -> list[str]:
        return self.board.voters_without_ballot(region, limit)

    # --- what every request needs ---------------------------------------------------------------

    def _ready(self) -> Manifest:
        if self.election.manifest is None or self.election.election_key is None:
            self.catch_up()
        manifest = self.election.manifest
        if manifest is None or self.election.election_key is None:
            raise NotReadyError("the board has no manifest and election key yet")
        return manifest

    def _open(self) -> dt.datetime:
        """The time now, if this process has not seen voting close (the board decides)."""
        now = self.clock.now()
        closed = self.election.closed_at
        if closed is not None:
            raise VotingClosedError(f"voting closed at {closed.isoformat()}")
        return now

    def _device_key(self, device_id: str) -> tuple[str, VerifyKey]:
        """A device's location and key: fixed at enrolment, so cached (revocation is not: the
        board checks it in the append)."""
        known = self._keys.get(device_id)
        if known is not None:
            return known
        row = self.board.device(device_id)
        if row is None:
            raise UnknownDeviceError(f"no device {device_id[:64]!r} is enrolled")
        if row.revoked:
            raise RevokedDeviceError(f"device {device_id!r} has been revoked")
        known = (row.location, VerifyKey.from_hex(row.public_key))
        if len(self._keys) >= DEVICE_CACHE:
            self._keys.clear()
        self._keys[device_id] = known
        return known

    def _append(self, event: Event) -> Appended:
        try:
            return self.board.append_entry(event)
        except VotingClosedError:
            self.catch_up()  # learn the closing time for the next requests
            raise

    # --- authority: devices -------------------------------------------------------------------

    def enrol_device(self, device_id: str, location_id: str, public_key_hex: str) -> int:
        check_identifier(device_id, "a device id")
        manifest = self._ready()
        now = self._open()
        if location_id not in manifest.location_by_id:
            raise InputError(f"no location has the id {location_id[:64]!r}")
        key = VerifyKey.from_hex(public_key_hex)
        if key.hex() != public_key_hex:
            raise EncodingError("the public key must be lowercase hexadecimal")
        payload = {
            "device": device_id,
            "location": location_id,
            "public_key": public_key_hex,
            "enrolled_at": now.isoformat(),
        }
        return self._append(Event.create(EventType.DEVICE_ENROLMENT, payload)).index

    def revoke_device(self, device_id: str, reason: str) -> int:
        now = self.clock.now()
        if not isinstance(reason, str) or not reason.strip():
            raise InputError("a revocation needs a reason")
        payload = {
            "device": device_id,
            "revoked": True,
            "revoked_at": now.isoformat(),
            "reason": reason,
        }
        index = self._append(Event.create(EventType.DEVICE_ENROLMENT, payload)).index
        self._keys.pop(device_id, None)
        return index

    def close_voting(self) -> int:
        from plebiscite.services.election.definition import publish_close

        self._ready()
        now = self._open()
        self.flush_head()
        index = publish_close(self.board, now)
        self.catch_up()
        return index

    # --- devices: check-in ----------------------------------------------------------------------

    def check_in(
        self,
        device_id: str,
        voter: str,
        checkin: str,
        signature_hex: str,
        checked_at: object = None,
        checked_at_signature: object = None,
    ) -> int:
        """Record that the device checked ``voter`` in under the opaque id ``checkin``; a retry
        returns the same leaf index. The entry shows the id, never the voter: the voter goes
        to the board's private check-in index (``docs/privacy.md``). An offline device's
        upload carries its signed ``checked_at``, judged by the window rule instead of the
        upload's time (``docs/devices.md``)."""
        manifest = self._ready()
        now = self._open()
        location, key = self._device_key(device_id)
        check_identifier(voter, "a voter pseudonym", 128)
        check_checkin_id(checkin)
        message = check_in_message(self.election.manifest_hash.hex(), device_id, checkin)
        try:
            signature = bytes.fromhex(signature_hex)
        except (ValueError, TypeError) as exc:
            raise EncodingError("the check-in signature is not hexadecimal") from exc
        key.verify(CHECK_IN_TAG, message, signature)
        upload: dict[str, Any] = {}
        if checked_at is None:
            check_location_open(manifest, location, now)
        else:
            from plebiscite.services.voting.device_upload import check_check_in_upload

            upload = check_check_in_upload(
                manifest,
                manifest.location_by_id[location],
                key,
                self.election.manifest_hash.hex(),
                device_id,
                checkin,
                now,
                (checked_at, checked_at_signature),
            )
        payload = {
            "device": device_id,
            "checkin": checkin,
            "at": now.isoformat(),
            "signature": signature_hex,
            **upload,
        }
        event = Event.create(EventType.CHECK_IN, payload, private={"voter": voter})
        try:
            return self._append(event).index
        except AlreadyRecordedError as seen:
            return seen.index

    # --- devices: cast and challenge -------------------------------------------------------------

    def cast(
        self,
        ballot_json: object,
        signature_hex: object,
        cast_at: object = None,
        cast_at_signature: object = None,
        tag_opening: object = None,
    ) -> Receipt:
        """Verify and record a ballot; return its receipt (the same one for a retry).

        ``tag_opening`` is the randomness of the ballot's encrypted tag: the service checks
        that the tag is the one of the voter the ballot's check-in checked in, and forgets it.
        An offline device's upload also carries its signed ``cast_at`` (``docs/devices.md``)."""
        offline = None if cast_at is None else (cast_at, cast_at_signature)
        return self._submit(ballot_json, signature_hex, None, offline, tag_opening)

    def challenge(
        self,
        ballot_json: object,
        signature_hex: object,
        opening: object,
        cast_at: object = None,
        cast_at_signature: object = None,
    ) -> Receipt:
        """Record a challenged ballot with its opening, after checking that it re-encrypts.

        A ballot challenged on an offline device carries its signed ``cast_at`` too."""
        offline = None if cast_at is None else (cast_at, cast_at_signature)
        return self._submit(ballot_json, signature_hex, opening, offline)

    def _submit(
        self,
        ballot_json: object,
        signature_hex: object,
        opening: object,
        offline: tuple[object, object] | None = None,
        tag_opening: object = None,
    ) -> Receipt:
        manifest = self._ready()
        ballot = Ballot.from_json(ballot_json)
        if not isinstance(signature_hex, str):
            raise EncodingError("the ballot signature must be a hex string")
        challenged = opening is not None
        if ballot.election != self.election.manifest_hash.hex():
            raise WrongElectionError(
                f"the ballot is for election {ballot.election[:16]}..., this board holds "
                f"{self.election.manifest_hash.hex()[:16]}..."
            )
        location_id, device_key = self._device_key(ballot.device)
        ballot.verify_signature(device_key, signature_hex)
        code = ballot.tracking_code()
        if self.election.closed_at is not None:
            return self._retry(code, challenged)  # a retry still gets its receipt
        now = self._open()
        if ballot.location != location_id:
            raise UnknownDeviceError(
                f"device {ballot.device!r} is enrolled at {location_id!r}, "
                f"not {ballot.location!r}"
            )
        location = manifest.location_by_id[location_id]
        upload: dict[str, Any] = {}
        if offline is None:
            check_location_open(manifest, location_id, now)
        else:
            from plebiscite.services.voting.device_upload import check_upload

            upload = check_upload(manifest, location, device_key, ballot, code, now, offline)
        choices, seed = (None, b"") if opening is None else parse_opening(opening)

        # The expensive part: before any database work, outside any lock.
        specs = region_specs(manifest, location.region_id)
        key = self.election.election_key
        assert key is not None
        self.proof_checker(ballot, key, self.election.context, specs)
        if choices is not None:
            if len(choices) != len(ballot.answers):
                raise ProofError(
                    f"the opening has {len(choices)} answers, the ballot {len(ballot.answers)}"
                )
            for answer, vector in zip(ballot.answers, choices, strict=True):
                verify_opening(key, answer, vector, seed)

        payload: dict[str, Any] = {
            "ballot": ballot.to_json(),
            "signature": signature_hex,
            "tracking_code": code,
            "received_at": now.isoformat(),
            **upload,
        }
        if challenged:
            assert choices is not None
            payload["opening"] = {"nonce_seed": seed.hex(), "choices": [list(c) for c in choices]}
            return self._record(EventType.BALLOT_CHALLENGED, payload, code, challenged, None)
        voter = self._tag_voter(ballot, key, tag_opening)
        return self._record(EventType.BALLOT_CAST, payload, code, challenged, voter)

    def _tag_voter(self, ballot: Ballot, key: Point, tag_opening: object) -> str:
        """The voter the ballot's check-in checked in, once its tag is shown to be theirs."""
        voter = self.board.check_in_voter(ballot.device, ballot.checkin)
        if voter is None:
            raise EligibilityError(
                f"no check-in {ballot.checkin[:16]}... by device {ballot.device!r}: check the "
                "voter in on this device before the ballot"
            )
        if not isinstance(tag_opening, str):
            raise EncodingError("a cast ballot comes with its tag_opening (hex scalar)")
        try:
            r = Scalar.from_hex(tag_opening)
        except (ValueError, PlebisciteError) as exc:
            raise EncodingError("the tag_opening is not a canonical scalar in hex") from exc
        if not ballot.tag.opens_to(key, voter_tag(self.election.context, voter), r):
            raise ProofError("the ballot's tag is not the tag of the voter its check-in names")
        return voter

    def _record(
        self,
        kind: EventType,
        payload: dict[str, Any],
        code: str,
        challenged: bool,
        voter: str | None,
    ) -> Receipt:
        event = Event.create(kind, payload, private=None if voter is None else {"voter": voter})
        try:
            appended = self._append(event)
        except AlreadyRecordedError:
            return self._retry(code, challenged)
        record = BallotRecord(
            code,
            appended.index,
            "challenged" if challenged else "cast",
            payload["ballot"]["device"],
            payload["received_at"],
            payload["signature"],
        )
        signed_at = dt.datetime.fromisoformat(payload["received_at"])
        head = self.heads.exactly(
            appended.tree_size, appended.root, int(signed_at.timestamp() * 1000)
        )
        # The proof from the nodes the commit wrote and the frontier before it: no read.
        return Receipt(
            record.tracking_code,
            record.kind,
            record.leaf_index,
            leaf_hash(event.data),
            record.received_at,
            head,
            appended.proof(),
        )

    def _retry(self, code: str, challenged: bool) -> Receipt:
        """The receipt of a ballot sent again (the same signed ballot: the same code)."""
        seen = self.board.ballot_code(code)
        if seen is None:
            self._open()  # raises: voting has closed
            raise NotFoundError(f"no ballot has the tracking code {code[:64]!r}")
        if (seen[1] == "challenged") != challenged:
            raise ChainError(
                f"ballot {code[:16]}... was already {seen[1]}; it cannot be "
                f"{'challenged' if challenged else 'cast'} too"
            )
        return self.receipt(code)

    # --- receipts -----------------------------------------------------------------------------

    def _receipt(self, record: BallotRecord, leaf: bytes, head: SignedHead) -> Receipt:
        proof = self.board.inclusion_proof(record.leaf_index, head.tree_size)
        return Receipt(
            record.tracking_code,
            record.kind,
            record.leaf_index,
            leaf,
            record.received_at,
            head,
            proof,
        )

    def flush_head(self) -> SignedHead | None:
        """Store the latest signed head if the board has not stored one as large."""
        return self.heads.flush()

    def _record_of(self, tracking_code: str) -> tuple[BallotRecord, Entry]:
        seen = self.board.ballot_code(tracking_code) if isinstance(tracking_code, str) else None
        if seen is None:
            raise NotFoundError(f"no ballot has the tracking code {str(tracking_code)[:64]!r}")
        entry = self.board.entry(seen[0])
        payload = entry.event.payload
        record = BallotRecord(
            tracking_code,
            entry.index,
            seen[1],
            payload["ballot"]["device"],
            payload["received_at"],
            payload["signature"],
        )
        return record, entry

    def receipt(self, tracking_code: str) -> Receipt:
        """The receipt of a recorded ballot, against a head that covers it."""
        record, entry = self._record_of(tracking_code)
        return self._receipt(record, entry.leaf_hash, self.heads.fresh())

    def receipt_at(self, tracking_code: str, tree_size: int) -> InclusionProof:
        """The inclusion proof of a recorded ballot in the tree of ``tree_size``."""
        seen = self.board.ballot_code(tracking_code)
        if seen is None:
            raise NotFoundError(f"no ballot has the tracking code {tracking_code[:64]!r}")
        return self.board.inclusion_proof(seen[0], tree_size)

    def device_chain_head(self, device_id: str) -> str:
        """The ``previous_code`` the device's next ballot must carry."""
        return self.device_info(device_id).chain_head


class _BallotLookup(Mapping[str, BallotRecord]):
    """``service.ballots[code]``: one board lookup per access, nothing kept."""

    def __init__(self, service: CastingService) -> None:
        self.service = service

    def __getitem__(self, code: str) -> BallotRecord:
        try:
            return self.service._record_of(code)[0]
        except NotFoundError as exc:
            raise KeyError(code) from exc

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.service.board.ballot_code(code) is not None

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the ballots are on the board: stream board.entries() to list them")

    def __len__(self) -> int:
        raise TypeError("the ballots are on the board: count them from board.entries()")


__all__ = [
    "HEAD_STORE_EVERY",
    "NONCE_SEED_BYTES",
    "BallotRecord",
    "CastingService",
    "ChainError",
    "Clock",
    "Device",
    "DeviceExistsError",
    "DuplicateBallotError",
    "NotFoundError",
    "NotReadyError",
    "Receipt",
    "ReplayError",
    "RevokedDeviceError",
    "SimulatedClock",
    "SystemClock",
    "UnknownDeviceError",
    "VotingClosedError",
    "WrongElectionError",
    "check_identifier",
    "parse_time",
    "sign_check_in",
]
