"""Casting: devices, check-in, cast or challenge, and receipts, as use cases over a board.

``docs/voting.md`` is the reference for every payload written here and every refusal. The
service folds the board into in-memory indexes once at start-up (and catches up with entries
other processes append), so accepting a ballot never scans the board:

* devices by id (location, Ed25519 key, revoked or not) and each device's chain head (the
  tracking code of its last accepted ballot, or its genesis code);
* ballots by tracking code (leaf index, cast or challenged), each voter's cast ballots (for
  the one-voter rule), and every ciphertext ``alpha`` ever published (to refuse replays).

Accepting a ballot: cheap checks, then the proofs outside any lock (they are the cost, and
libsodium runs without the GIL), then under the lock the stateful checks once more and a
reservation (device chain, voter, ciphertexts), then the durable append (concurrent appends
share one commit), then the indexes. A refused request appends nothing. Time comes from a
:class:`Clock` passed in.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from plebiscite.crypto.ballot import QuestionSpec, verify_opening
from plebiscite.crypto.group import Point
from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.domain.ballot import Ballot, genesis_code, region_specs
from plebiscite.domain.manifest import Location, Manifest
from plebiscite.domain.roll import PublicEntry
from plebiscite.domain.rules import CastBallot, check_location_open, check_may_cast
from plebiscite.errors import (
    ChainError,
    DeviceExistsError,
    DuplicateBallotError,
    EligibilityError,
    EncodingError,
    InputError,
    NotFoundError,
    NotReadyError,
    ProofError,
    ReplayError,
    RevokedDeviceError,
    UnknownDeviceError,
    VotingClosedError,
    WrongElectionError,
)
from plebiscite.record.board import Board, Entry
from plebiscite.record.events import Event, EventType
from plebiscite.record.heads import SignedHead, sign_head
from plebiscite.record.merkle import InclusionProof, leaf_hash, verify_inclusion
from plebiscite.services.election import Election

CHECK_IN_TAG = "check-in"
#: The board stores a signed head at least once per this many new entries (and at closing).
HEAD_STORE_EVERY = 256
NONCE_SEED_BYTES = 32


# --- time ------------------------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class SimulatedClock:
    """A settable clock for tests and the demo: it stands still until set or advanced."""

    def __init__(self, start: dt.datetime) -> None:
        self._lock = threading.Lock()
        self._now = _aware(start)

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, t: dt.datetime) -> None:
        with self._lock:
            self._now = _aware(t)

    def advance(self, delta: dt.timedelta) -> None:
        with self._lock:
            self._now += delta


def _aware(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise InputError(f"time must carry a UTC offset, got {t.isoformat()}")
    return t


def parse_time(text: object, what: str) -> dt.datetime:
    if not isinstance(text, str):
        raise InputError(f"{what} must be an ISO-8601 string")
    try:
        return _aware(dt.datetime.fromisoformat(text))
    except ValueError as exc:
        raise InputError(f"{what} is not an ISO-8601 time: {text!r:.60}") from exc


# --- state -----------------------------------------------------------------------------------


@dataclass
class Device:
    id: str
    location: str
    public_key: VerifyKey
    enrolled_at: str
    revoked: bool = False
    chain_head: str = ""


@dataclass(frozen=True)
class BallotRecord:
    tracking_code: str
    leaf_index: int
    kind: str  # "cast" or "challenged"
    device: str
    received_at: str
    supersedes: str | None
    signature: str


@dataclass(frozen=True)
class Receipt:
    """What a voter keeps: her ballot's code, where it is on the board, and the proof."""

    tracking_code: str
    kind: str
    leaf_index: int
    leaf_hash: bytes
    received_at: str
    supersedes: str | None
    head: SignedHead
    inclusion: InclusionProof

    def to_json(self) -> dict[str, Any]:
        return {
            "tracking_code": self.tracking_code,
            "kind": self.kind,
            "leaf_index": self.leaf_index,
            "leaf_hash": self.leaf_hash.hex(),
            "received_at": self.received_at,
            "supersedes": self.supersedes,
            "head": self.head.to_json(),
            "inclusion_proof": self.inclusion.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Receipt:
        try:
            return cls(
                tracking_code=str(data["tracking_code"]),
                kind=str(data["kind"]),
                leaf_index=int(data["leaf_index"]),
                leaf_hash=bytes.fromhex(data["leaf_hash"]),
                received_at=str(data["received_at"]),
                supersedes=data["supersedes"],
                head=SignedHead.from_json(data["head"], where="receipt head"),
                inclusion=InclusionProof.from_json(dict(data["inclusion_proof"])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a receipt: {exc}") from exc

    def verify(self, board_key: VerifyKey | None = None) -> None:
        """The head is signed (by ``board_key`` if given) and the leaf is in its tree."""
        self.head.verify(board_key)
        if self.inclusion.tree_size != self.head.tree_size:
            raise InputError("the receipt's proof is for another tree size than its head")
        if self.inclusion.leaf_index != self.leaf_index:
            raise InputError("the receipt's proof is for another leaf")
        verify_inclusion(self.inclusion, self.leaf_hash, self.head.root_hash)


@dataclass
class _Reservation:
    """What a ballot in flight holds, so that a concurrent request cannot take it too."""

    code: str
    device: str
    voter_key: tuple[str, str] | None
    alphas: list[str]
    done: threading.Event = field(default_factory=threading.Event)


# --- the service -----------------------------------------------------------------------------


class ProofChecker(Protocol):
    """Checks a ballot's proofs; raises :class:`ProofError` (e.g. a :class:`ProofPool`)."""

    def __call__(
        self, ballot: Ballot, key: Point, context: bytes, specs: Sequence[QuestionSpec]
    ) -> None: ...


def _check_in_process(
    ballot: Ballot, key: Point, context: bytes, specs: Sequence[QuestionSpec]
) -> None:
    ballot.verify_proofs(key, context, specs)


class CastingService:
    """The voting-day use cases over one board. Thread-safe; one instance per process."""

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
        self.devices: dict[str, Device] = {}
        self.ballots: dict[str, BallotRecord] = {}
        self.voter_ballots: dict[tuple[str, str], list[CastBallot]] = {}
        self.alphas: set[str] = set()
        self.check_ins: dict[tuple[str, str, str], int] = {}
        self._read = 0
        self._lock = threading.RLock()
        self._head_lock = threading.Lock()
        self._pending: dict[str, _Reservation] = {}
        self._pending_voters: set[tuple[str, str]] = set()
        self._pending_devices: set[str] = set()
        self._pending_alphas: set[str] = set()
        self._latest_head: SignedHead | None = board.latest_head()
        self._stored_size = 0 if self._latest_head is None else self._latest_head.tree_size
        self.catch_up()

    # --- folding the board --------------------------------------------------------------------

    def catch_up(self) -> None:
        """Fold the entries appended since the last call (by anyone) into the indexes."""
        size = self.board.size()
        if size <= self._read:
            return
        with self._lock:
            for entry in self.board.entries(self._read, size):
                self._apply(entry)

    def _apply(self, entry: Entry) -> None:
        if entry.index != self._read:
            return
        self.election.apply(entry)
        payload = entry.event.payload
        kind = entry.event.type
        if kind is EventType.DEVICE_ENROLMENT:
            self._apply_device(payload)
        elif kind is EventType.CHECK_IN:
            self.check_ins[(payload["device"], payload["voter"], payload["signature"])] = (
                entry.index
            )
        elif kind in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
            self._apply_ballot(entry.index, kind, payload)
        elif kind is EventType.DEVICE_CHAIN_END and payload.get("device") in self.devices:
            self.devices[payload["device"]].revoked = True  # an ended chain takes no ballot
        self._read = entry.index + 1

    def _apply_device(self, payload: dict[str, Any]) -> None:
        device_id = payload["device"]
        if payload.get("revoked"):
            if device_id in self.devices:
                self.devices[device_id].revoked = True
            return
        genesis = genesis_code(self.election.manifest_hash, device_id)
        self.devices[device_id] = Device(
            device_id,
            payload["location"],
            VerifyKey.from_hex(payload["public_key"]),
            payload["enrolled_at"],
            chain_head=genesis,
        )

    def _apply_ballot(self, index: int, kind: EventType, payload: dict[str, Any]) -> None:
        ballot = payload["ballot"]
        code = payload["tracking_code"]
        cast = kind is EventType.BALLOT_CAST
        record = BallotRecord(
            code,
            index,
            "cast" if cast else "challenged",
            ballot["device"],
            payload["received_at"],
            payload.get("supersedes"),
            payload["signature"],
        )
        self.ballots[code] = record
        device = self.devices.get(ballot["device"])
        if device is not None:
            device.chain_head = code
        for answer in ballot["answers"]:
            self.alphas.update(ct[0] for ct in answer["selections"])
        manifest = self.election.manifest
        location = None if manifest is None else manifest.location_by_id.get(ballot["location"])
        if cast and location is not None:
            key = (ballot["voter"], location.region_id)
            self.voter_ballots.setdefault(key, []).append(
                CastBallot(
                    code,
                    ballot["voter"],
                    location.region_id,
                    location.kind,
                    dt.datetime.fromisoformat(payload["received_at"]),
                )
            )

    def _append(self, event: Event) -> int:
        """Append durably, then fold the new entry (and any gap before it) into the indexes."""
        index = self.board.append(event)
        with self._lock:
            if self._read < index:
                for entry in self.board.entries(self._read, index):
                    self._apply(entry)
            if self._read == index:
                self._apply(Entry(index, event))
        return index

    # --- what every request needs ---------------------------------------------------------------

    def _ready(self) -> Manifest:
        manifest = self.election.manifest
        if manifest is None or self.election.election_key is None:
            raise NotReadyError("the board has no manifest and election key yet")
        return manifest

    def _open(self) -> dt.datetime:
        now = self.clock.now()
        closed = self.election.closed_at
        if closed is not None:
            raise VotingClosedError(f"voting closed at {closed.isoformat()}")
        return now

    def _device(self, device_id: str) -> Device:
        device = self.devices.get(device_id)
        if device is None:
            raise UnknownDeviceError(f"no device {device_id!r} is enrolled")
        if device.revoked:
            raise RevokedDeviceError(f"device {device_id!r} has been revoked")
        return device

    # --- authority: devices -------------------------------------------------------------------

    def enrol_device(self, device_id: str, location_id: str, public_key_hex: str) -> int:
        self.catch_up()
        manifest = self._ready()
        now = self._open()
        if not isinstance(device_id, str) or not 1 <= len(device_id) <= 64:
            raise InputError("a device id is a string of 1 to 64 characters")
        if location_id not in manifest.location_by_id:
            raise InputError(f"no location has the id {location_id!r}")
        key = VerifyKey.from_hex(public_key_hex)
        if key.hex() != public_key_hex:
            raise EncodingError("the public key must be lowercase hexadecimal")
        with self._lock:
            if device_id in self.devices or device_id in self._pending_devices:
                raise DeviceExistsError(f"device {device_id!r} is already enrolled")
            self._pending_devices.add(device_id)
        try:
            payload = {
                "device": device_id,
                "location": location_id,
                "public_key": public_key_hex,
                "enrolled_at": now.isoformat(),
            }
            return self._append(Event.create(EventType.DEVICE_ENROLMENT, payload))
        finally:
            with self._lock:
                self._pending_devices.discard(device_id)

    def revoke_device(self, device_id: str, reason: str) -> int:
        self.catch_up()
        now = self.clock.now()
        if not isinstance(reason, str) or not reason.strip():
            raise InputError("a revocation needs a reason")
        self._device(device_id)
        payload = {
            "device": device_id,
            "revoked": True,
            "revoked_at": now.isoformat(),
            "reason": reason,
        }
        return self._append(Event.create(EventType.DEVICE_ENROLMENT, payload))

    def close_voting(self) -> int:
        from plebiscite.services.election import publish_close

        self.catch_up()
        self._ready()
        now = self._open()
        self.flush_head()
        index = publish_close(self.board, now)
        self.catch_up()
        return index

    # --- devices: check-in ----------------------------------------------------------------------

    def check_in(self, device_id: str, voter: str, signature_hex: str) -> int:
        """Record that the device checked ``voter`` in; a retry returns the same leaf index."""
        self.catch_up()
        manifest = self._ready()
        now = self._open()
        device = self._device(device_id)
        message = check_in_message(self.election.manifest_hash.hex(), device_id, voter)
        try:
            signature = bytes.fromhex(signature_hex)
        except (ValueError, TypeError) as exc:
            raise EncodingError("the check-in signature is not hexadecimal") from exc
        device.public_key.verify(CHECK_IN_TAG, message, signature)
        seen = self.check_ins.get((device_id, voter, signature_hex))
        if seen is not None:
            return seen
        check_location_open(manifest, device.location, now)
        region = manifest.location_by_id[device.location].region_id
        _check_eligible(self.election.voters, voter, region)
        payload = {
            "device": device_id,
            "voter": voter,
            "at": now.isoformat(),
            "signature": signature_hex,
        }
        return self._append(Event.create(EventType.CHECK_IN, payload))

    # --- devices: cast and challenge -------------------------------------------------------------

    def cast(self, ballot_json: object, signature_hex: object) -> Receipt:
        """Verify and record a ballot; return its receipt (the same one for a retry)."""
        return self._submit(ballot_json, signature_hex, None)

    def challenge(self, ballot_json: object, signature_hex: object, opening: object) -> Receipt:
        """Record a challenged ballot with its opening, after checking that it re-encrypts."""
        return self._submit(ballot_json, signature_hex, opening)

    def _submit(self, ballot_json: object, signature_hex: object, opening: object) -> Receipt:
        self.catch_up()
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
        device = self._device(ballot.device)
        ballot.verify_signature(device.public_key, signature_hex)
        code = ballot.tracking_code()

        # A retry of an accepted (or in-flight) ballot gets the same receipt.
        replay = self._retry(code, challenged)
        if replay is not None:
            return replay

        now = self._open()
        if ballot.location != device.location:
            raise UnknownDeviceError(
                f"device {device.id!r} is enrolled at {device.location!r}, "
                f"not {ballot.location!r}"
            )
        check_location_open(manifest, device.location, now)
        location = manifest.location_by_id[device.location]
        _check_eligible(self.election.voters, ballot.voter, location.region_id)
        choices, seed = (None, b"") if opening is None else _parse_opening(opening)
        self._check_state(ballot, code, location, device, challenged)

        # The expensive part, outside the lock.
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

        reservation = self._reserve(ballot, code, location, device, challenged)
        try:
            supersedes = None
            if not challenged:
                assert reservation.voter_key is not None
                earlier = check_may_cast(
                    self.voter_ballots.get(reservation.voter_key, ()), location.kind
                )
                supersedes = None if earlier is None else earlier.ballot_id
            payload: dict[str, Any] = {
                "ballot": ballot.to_json(),
                "signature": signature_hex,
                "tracking_code": code,
                "received_at": now.isoformat(),
            }
            if challenged:
                assert choices is not None
                payload["opening"] = {
                    "nonce_seed": seed.hex(),
                    "choices": [list(c) for c in choices],
                }
                event = Event.create(EventType.BALLOT_CHALLENGED, payload)
            else:
                payload["supersedes"] = supersedes
                event = Event.create(EventType.BALLOT_CAST, payload)
            self._append(event)
        finally:
            self._release(reservation)
        return self._receipt(self.ballots[code], leaf_hash(event.data))

    def _retry(self, code: str, challenged: bool) -> Receipt | None:
        with self._lock:
            pending = self._pending.get(code)
        if pending is not None:
            pending.done.wait(60)
        record = self.ballots.get(code)
        if record is None:
            return None
        if (record.kind == "challenged") != challenged:
            raise ChainError(
                f"ballot {code[:16]}... was already {record.kind}; it cannot be "
                f"{'challenged' if challenged else 'cast'} too"
            )
        return self.receipt(code)

    def _check_state(
        self, ballot: Ballot, code: str, location: Location, device: Device, challenged: bool
    ) -> None:
        """The checks that depend on what is on the board (repeated under the lock)."""
        if device.id in self._pending_devices:
            raise ChainError(f"device {device.id!r} has a ballot in flight; submit one at a time")
        if ballot.previous_code != device.chain_head:
            raise ChainError(
                f"the ballot continues the chain from {ballot.previous_code[:16]}..., but device "
                f"{device.id!r}'s last accepted ballot is {device.chain_head[:16]}..."
            )
        for answer in ballot.answers:
            for ct in answer.selections:
                alpha = ct.alpha.hex()
                if alpha in self.alphas or alpha in self._pending_alphas:
                    raise ReplayError("the ballot reuses a ciphertext already on the board")
        if not challenged:
            key = (ballot.voter, location.region_id)
            if key in self._pending_voters:
                raise DuplicateBallotError("another ballot of this voter is being recorded")
            check_may_cast(self.voter_ballots.get(key, ()), location.kind)

    def _reserve(
        self, ballot: Ballot, code: str, location: Location, device: Device, challenged: bool
    ) -> _Reservation:
        with self._lock:
            if self.election.closed_at is not None:
                raise VotingClosedError(f"voting closed at {self.election.closed_at.isoformat()}")
            if device.revoked:
                raise RevokedDeviceError(f"device {device.id!r} has been revoked")
            if code in self.ballots or code in self._pending:
                raise ChainError(f"ballot {code[:16]}... is already being recorded")
            self._check_state(ballot, code, location, device, challenged)
            alphas = [ct.alpha.hex() for a in ballot.answers for ct in a.selections]
            voter_key = None if challenged else (ballot.voter, location.region_id)
            reservation = _Reservation(code, device.id, voter_key, alphas)
            self._pending[code] = reservation
            self._pending_devices.add(device.id)
            self._pending_alphas.update(alphas)
            if voter_key is not None:
                self._pending_voters.add(voter_key)
            return reservation

    def _release(self, reservation: _Reservation) -> None:
        with self._lock:
            self._pending.pop(reservation.code, None)
            self._pending_devices.discard(reservation.device)
            self._pending_alphas.difference_update(reservation.alphas)
            if reservation.voter_key is not None:
                self._pending_voters.discard(reservation.voter_key)
        reservation.done.set()

    # --- receipts -----------------------------------------------------------------------------

    def _head_covering(self, index: int) -> SignedHead:
        """A signed head whose tree holds leaf ``index``: concurrent casts share one head.

        Signing is cheap (a root from stored subtree hashes, one Ed25519 signature); storing a
        head costs a durable commit. So every receipt gets a freshly signed head, and the board
        stores one head every :data:`HEAD_STORE_EVERY` entries (and at closing): a receipt's
        head need not be stored, because the voter holds it, signed, and anyone can prove
        with a consistency proof that a later stored head extends it.
        """
        with self._head_lock:
            head = self._latest_head
            if head is None or head.tree_size <= index:
                stored = self.board.latest_head()
                if stored is not None and stored.tree_size > index:
                    head = stored
                else:
                    size = self.board.size()
                    when = int(self.clock.now().timestamp() * 1000)
                    head = sign_head(self.head_key, size, self.board.root(size), when)
                    if size - self._stored_size >= HEAD_STORE_EVERY:
                        self._store_head(head)
                self._latest_head = head
            return head

    def _store_head(self, head: SignedHead) -> None:
        try:
            self.board.add_head(head)
        except InputError:
            return  # another worker stored a larger head first: ours is covered by it
        self._stored_size = head.tree_size

    def flush_head(self) -> SignedHead | None:
        """Store the latest signed head if the board has not stored it yet."""
        with self._head_lock:
            head = self._latest_head
            if head is not None and head.tree_size > self._stored_size:
                self._store_head(head)
            return head

    def _receipt(self, record: BallotRecord, leaf: bytes) -> Receipt:
        head = self._head_covering(record.leaf_index)
        proof = self.board.inclusion_proof(record.leaf_index, head.tree_size)
        return Receipt(
            record.tracking_code,
            record.kind,
            record.leaf_index,
            leaf,
            record.received_at,
            record.supersedes,
            head,
            proof,
        )

    def receipt(self, tracking_code: str) -> Receipt:
        """The receipt of a recorded ballot, against a head that covers it."""
        self.catch_up()
        record = self.ballots.get(tracking_code)
        if record is None:
            raise NotFoundError(f"no ballot has the tracking code {tracking_code[:64]!r}")
        entry = self.board.entry(record.leaf_index)
        return self._receipt(record, entry.leaf_hash)

    def receipt_at(self, tracking_code: str, tree_size: int) -> InclusionProof:
        """The inclusion proof of a recorded ballot in the tree of ``tree_size``."""
        record = self.ballots.get(tracking_code)
        if record is None:
            raise NotFoundError(f"no ballot has the tracking code {tracking_code[:64]!r}")
        return self.board.inclusion_proof(record.leaf_index, tree_size)

    def device_chain_head(self, device_id: str) -> str:
        """The ``previous_code`` the device's next ballot must carry."""
        self.catch_up()
        device = self.devices.get(device_id)
        if device is None:
            raise UnknownDeviceError(f"no device {device_id!r} is enrolled")
        return device.chain_head


def _check_eligible(voters: Mapping[str, PublicEntry], voter: str, region_id: str) -> None:
    """:func:`plebiscite.domain.rules.check_eligible` over the roll as the board publishes it."""
    entry = voters.get(voter)
    if entry is None:
        raise EligibilityError(f"voter {voter[:16]}... is not on the roll")
    if entry.region_id != region_id:
        raise EligibilityError(
            f"voter {voter[:16]}... is on the roll of {entry.region_id!r}, not {region_id!r}"
        )


def check_in_message(election: str, device_id: str, voter: str) -> bytes:
    """The bytes a device signs (tag ``check-in``) to check a voter in."""
    return canonical_json({"device": device_id, "election": election, "voter": voter})


def sign_check_in(key: SigningKey, election: str, device_id: str, voter: str) -> str:
    return key.sign(CHECK_IN_TAG, check_in_message(election, device_id, voter)).hex()


def _parse_opening(opening: object) -> tuple[list[list[int]], bytes]:
    if not isinstance(opening, dict) or set(opening) != {"nonce_seed", "choices"}:
        raise EncodingError("an opening is an object with keys nonce_seed and choices")
    seed_hex, choices = opening["nonce_seed"], opening["choices"]
    try:
        seed = bytes.fromhex(seed_hex) if isinstance(seed_hex, str) else b""
    except ValueError as exc:
        raise EncodingError("the opening's nonce_seed is not hexadecimal") from exc
    if len(seed) != NONCE_SEED_BYTES:
        raise EncodingError(f"the opening's nonce_seed must be {NONCE_SEED_BYTES} bytes of hex")
    if not (
        isinstance(choices, list)
        and all(
            isinstance(c, list) and all(type(m) is int and m in (0, 1) for m in c) for c in choices
        )
    ):
        raise EncodingError("the opening's choices are one list of 0/1 per question")
    return choices, seed


__all__ = [
    "BallotRecord",
    "CastingService",
    "ChainError",
    "Clock",
    "Device",
    "DeviceExistsError",
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
    "check_in_message",
    "parse_time",
    "sign_check_in",
]
