"""The election rules the board enforces inside its append transaction (``docs/board.md`` 10).

Casting servers keep no election state of their own: whether a device exists and where its
chain ends, whether a voter is on the roll and has voted, whether a tracking code or a
ciphertext is already on the board, and whether voting has closed are rows of index tables
that live beside the entries and change in the same transaction that appends them. So any
number of server processes on any number of hosts can share one board: the append
transaction is the one place where a ballot is judged against every ballot before it.

This module is the judgement, pure and shared by every backend: a backend gathers the index
rows a group of appends touches (:func:`keys_of`, then a :class:`View`), :func:`judge`
decides each append in order against the view and the appends before it in the group, and
the backend writes the accepted entries and the :class:`Changes` in one commit.

Events whose payload does not have the shape of its type (tests append ``{"n": 1}``) are
appended without index rows; the verifier judges the record as a whole in any case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plebiscite.crypto.hashing import canonical_json
from plebiscite.domain.ballot import genesis_code
from plebiscite.errors import (
    ChainError,
    DeviceExistsError,
    DuplicateBallotError,
    EligibilityError,
    InputError,
    PlebisciteError,
    ReplayError,
    RevokedDeviceError,
    RollError,
    UnknownDeviceError,
    VotingClosedError,
)
from plebiscite.record.events import Event, EventType
from plebiscite.record.guard_rows import (
    AlreadyRecordedError,
    Changes,
    DeviceRow,
    Keys,
    LocationRow,
    View,
    VoterRow,
)

#: ``board_meta`` key of a region's roll commitment.
COMMITMENT_KEY = "roll_commitment:{}"
#: Roll rows are ordered by ``entry index * ROLL_SEQ + position in the entry``.
ROLL_SEQ = 1_000_000


# --- reading what an event claims -------------------------------------------------------------


def _ballot(event: Event) -> dict[str, Any] | None:
    """The fields the rules read from a ballot event, or None if it is not shaped like one."""
    payload = event.payload
    ballot = payload.get("ballot")
    if not isinstance(ballot, dict):
        return None
    fields = (ballot.get(k) for k in ("device", "location", "checkin", "previous_code"))
    code, at = payload.get("tracking_code"), payload.get("received_at")
    if not all(isinstance(f, str) for f in (*fields, code, at)):
        return None
    try:
        alphas = [
            alpha_key(selection[0])
            for answer in ballot["answers"]
            for selection in answer["selections"]
        ]
        alphas.append(alpha_key(ballot["tag"]["ciphertext"][0]))
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    voter = (event.private or {}).get("voter")
    return {**ballot, "code": code, "at": at, "alphas": alphas, "voter": voter}


def alpha_key(alpha_hex: str) -> bytes:
    """The bytes an alpha is known by: its encoding with bit 255 cleared, so that the same
    point written with the top bit set (which some libsodium versions accept) is the same
    ciphertext here (a canonical ristretto255 encoding never sets it)."""
    raw = bytearray(bytes.fromhex(alpha_hex))
    if raw:
        raw[-1] &= 0x7F
    return bytes(raw)


def keys_of(events: Sequence[Event]) -> Keys:
    keys = Keys()
    for event in events:
        kind, payload = event.type, event.payload
        if kind in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
            ballot = _ballot(event)
            if ballot is not None:
                keys.codes.add(ballot["code"])
                keys.alphas.update(ballot["alphas"])
                keys.devices.add(ballot["device"])
                keys.check_ins.add((ballot["device"], ballot["checkin"]))
                if isinstance(ballot["voter"], str):
                    keys.voters.add(ballot["voter"])
                keys.locations.add(ballot["location"])
        elif kind is EventType.DEVICE_ENROLMENT and isinstance(payload.get("device"), str):
            keys.devices.add(payload["device"])
            if isinstance(payload.get("location"), str):
                keys.locations.add(payload["location"])
            keys.manifest_hash = True
        elif kind is EventType.CHECK_IN and _strings(payload, "device", "checkin"):
            keys.devices.add(payload["device"])
            keys.check_ins.add((payload["device"], payload["checkin"]))
            voter = (event.private or {}).get("voter")
            if isinstance(voter, str):
                keys.voters.add(voter)
        elif kind is EventType.DEVICE_CHAIN_END and isinstance(payload.get("device"), str):
            keys.devices.add(payload["device"])
        elif kind is EventType.ROLL_ADDITION and isinstance(payload.get("voter"), str):
            keys.voters.add(payload["voter"])
        elif kind is EventType.ROLL_COMMITMENT and isinstance(payload.get("voters"), list):
            keys.voters.update(v[0] for v in payload["voters"] if _row(v))
    return keys


def _strings(payload: dict[str, Any], *names: str) -> bool:
    return all(isinstance(payload.get(n), str) for n in names)


def _row(value: object) -> bool:
    return isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)


# --- the judgement ----------------------------------------------------------------------------


def judge(
    view: View, first_index: int, groups: Sequence[Sequence[Event]]
) -> tuple[Changes, list[PlebisciteError | None]]:
    """Decide each group of events (one caller's append, all or nothing) in order.

    Returns the index rows to write and, per group, ``None`` (accepted: its events take the
    next leaf indices in order) or the refusal. A refused group leaves no trace: the
    judgement starts again without it, so later groups are judged as if it never came.
    """
    refused: list[PlebisciteError | None] = [None] * len(groups)
    while True:
        judgement = _Judgement(view)
        index = first_index
        failed = False
        for n, events in enumerate(groups):
            if refused[n] is not None:
                continue
            try:
                for event in events:
                    judgement.apply(index, event)
                    index += 1
            except PlebisciteError as error:
                refused[n] = error
                failed = True
                break
        if not failed:
            return judgement.changes, refused


class _Judgement:
    def __init__(self, view: View) -> None:
        self.view = view
        self.changes = Changes()
        self.closed = view.closed_entry
        self.manifest_hash = view.manifest_hash
        # Overlays: rows as this group leaves them.
        self.codes: dict[str, tuple[int, str]] = {}
        self.alphas: set[bytes] = set()
        self.roll: dict[str, str] = {}
        self.locations: dict[str, LocationRow] = {}
        self.check_ins: dict[tuple[str, str], tuple[str, int]] = {}

    # lookups through the overlay
    def _device(self, device_id: str) -> DeviceRow | None:
        for rows in (self.changes.new_devices, self.changes.changed_devices):
            if device_id in rows:
                return rows[device_id]
        return self.view.devices.get(device_id)

    def _voter(self, key: tuple[str, str]) -> VoterRow | None:
        for rows in (self.changes.new_voters, self.changes.changed_voters):
            if key in rows:
                return rows[key]
        return self.view.voter_ballots.get(key)

    def _location(self, location_id: str) -> LocationRow | None:
        return self.locations.get(location_id) or self.view.locations.get(location_id)

    def _region_of(self, voter: str) -> str | None:
        return self.roll.get(voter) or self.view.roll.get(voter)

    def apply(self, index: int, event: Event) -> None:
        kind = event.type
        if kind is EventType.MANIFEST:
            self._manifest(event.payload)
        elif kind is EventType.ROLL_COMMITMENT:
            self._roll_part(index, event.payload)
        elif kind is EventType.ROLL_ADDITION:
            self._roll_addition(index, event.payload)
        elif kind is EventType.DEVICE_ENROLMENT:
            self._device_event(event.payload)
        elif kind is EventType.CHECK_IN:
            self._check_in(index, event)
        elif kind is EventType.DEVICE_CHAIN_END:
            self._chain_end(event.payload)
        elif kind in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
            self._ballot_event(index, event)
        elif kind is EventType.VOTING_CLOSED:
            if self.closed is not None:
                raise VotingClosedError(f"voting closed already (entry {self.closed})")
            self.closed = self.changes.closed_entry = index

    def _manifest(self, payload: dict[str, Any]) -> None:
        from plebiscite.domain.manifest_load import parse_manifest_json

        try:
            manifest = parse_manifest_json(canonical_json(payload["manifest"]), "manifest event")
            digest = str(payload["hash"])
        except (PlebisciteError, KeyError, TypeError):
            return  # not a manifest the rules can use; the verifier will say why (V6)
        self.manifest_hash = self.changes.manifest_hash = digest
        for location in manifest.locations:
            booth = location.kind.is_booth
            row = LocationRow(
                location.region_id, booth, not booth and manifest.home_applications_required
            )
            self.locations[location.id] = row
            self.changes.locations.append((location.id, row))

    def _add_voter(self, voter: str, region: str, precinct: str, home: bool, decision: object,
                   seq: int) -> None:  # fmt: skip
        if self._region_of(voter) is not None:
            raise RollError(f"voter {voter[:16]}... is on the roll already")
        self.roll[voter] = region
        shown = decision if isinstance(decision, str) else None
        self.changes.roll.append((voter, region, precinct, home, shown, seq))

    def _roll_part(self, index: int, payload: dict[str, Any]) -> None:
        region, voters = payload.get("region"), payload.get("voters")
        if not isinstance(region, str) or not isinstance(voters, list):
            return
        if isinstance(payload.get("commitment"), str):
            self.changes.commitments[region] = payload["commitment"]
        for position, row in enumerate(voters):
            if _row(row):
                self._add_voter(
                    row[0], region, str(row[1]), bool(row[2]), None, index * ROLL_SEQ + position
                )

    def _roll_addition(self, index: int, payload: dict[str, Any]) -> None:
        if _strings(payload, "voter", "region", "precinct"):
            self._add_voter(
                payload["voter"],
                payload["region"],
                payload["precinct"],
                bool(payload.get("home_voting")),
                payload.get("decision"),
                index * ROLL_SEQ,
            )

    def _device_event(self, payload: dict[str, Any]) -> None:
        device_id = payload.get("device")
        if not isinstance(device_id, str):
            return
        device = self._device(device_id)
        if payload.get("revoked"):
            if device is None:
                raise UnknownDeviceError(f"no device {device_id!r} is enrolled")
            if device.revoked:
                raise RevokedDeviceError(f"device {device_id!r} has been revoked")
            changed = DeviceRow(**{**device.__dict__, "revoked": True})
            self._put_device(device_id, changed)
            return
        if not _strings(payload, "location", "public_key", "enrolled_at"):
            return
        if device is not None:
            raise DeviceExistsError(f"device {device_id!r} is already enrolled")
        if self.closed is not None:
            raise VotingClosedError(f"voting has closed (entry {self.closed})")
        location = self._location(payload["location"])
        if location is None or self.manifest_hash is None:
            raise InputError(f"no location has the id {payload['location']!r}")
        genesis = genesis_code(bytes.fromhex(self.manifest_hash), device_id)
        self.changes.new_devices[device_id] = DeviceRow(
            payload["location"],
            location.region,
            payload["public_key"],
            payload["enrolled_at"],
            genesis,
        )

    def _chain_end(self, payload: dict[str, Any]) -> None:
        """A device's chain ends where the board's chain head is, and takes no ballot after.

        Checked here, in the append's transaction, so that no ballot of another server can land
        between the check and the end (``docs/voting.md``, chain ends).
        """
        device_id = payload.get("device")
        device = self._device(device_id) if isinstance(device_id, str) else None
        if device is None:
            raise UnknownDeviceError(f"no device {str(device_id)[:64]!r} is enrolled")
        if device.ended:
            raise ChainError(f"device {device_id!r} has already ended its chain")
        if (payload.get("count"), payload.get("last_code")) != (
            device.chain_count,
            device.chain_head,
        ):
            raise ChainError(
                f"device {device_id!r} says its chain ends after {payload.get('count')} ballots "
                f"at {str(payload.get('last_code'))[:16]}...; the board holds "
                f"{device.chain_count} ending at {device.chain_head[:16]}..."
            )
        ended = {**device.__dict__, "revoked": True, "ended": True}
        self._put_device(str(device_id), DeviceRow(**ended))

    def _put_device(self, device_id: str, row: DeviceRow) -> None:
        if device_id in self.changes.new_devices:
            self.changes.new_devices[device_id] = row
        else:
            self.changes.changed_devices[device_id] = row

    def _usable_device(self, device_id: str) -> DeviceRow:
        device = self._device(device_id)
        if device is None:
            raise UnknownDeviceError(f"no device {device_id!r} is enrolled")
        if device.revoked:
            raise RevokedDeviceError(f"device {device_id!r} has been revoked")
        return device

    def _check_voter(self, voter: str, region: str) -> None:
        on_roll = self._region_of(voter)
        if on_roll is None:
            raise EligibilityError(f"voter {voter[:16]}... is not on the roll")
        if on_roll != region:
            raise EligibilityError(
                f"voter {voter[:16]}... is on the roll of {on_roll!r}, not {region!r}"
            )

    def _check_in(self, index: int, event: Event) -> None:
        """A check-in names an opaque id; the voter it checks in travels beside the event
        (``Event.private``) into the ``cast_check_ins`` index and never onto the board."""
        payload = event.payload
        if not _strings(payload, "device", "checkin", "signature"):
            return
        key = (payload["device"], payload["checkin"])
        voter = (event.private or {}).get("voter")
        if self.view.replica and not isinstance(voter, str):
            voter = ""  # a published record names no voter (View.replica)
        if not isinstance(voter, str):
            raise EligibilityError("a check-in reaches the board with the voter it checks in")
        seen = self.check_ins.get(key, self.view.check_ins.get(key))
        if seen is not None:
            if seen[0] != voter:
                raise DuplicateBallotError(
                    f"check-in {payload['checkin'][:16]}... of device {payload['device']!r} "
                    "checked another voter in"
                )
            raise AlreadyRecordedError(seen[1], "check-in")
        if self.closed is not None:
            raise VotingClosedError(f"voting has closed (entry {self.closed})")
        device = self._usable_device(payload["device"])
        if voter or not self.view.replica:
            self._check_voter(voter, device.region)
        self.check_ins[key] = (voter, index)
        self.changes.check_ins.append((*key, voter, index))

    def _checked_in(self, device: str, checkin: str, stated: object) -> str:
        """The voter the device's check-in ``checkin`` checked in (``stated``: the voter the
        casting service says it is, which must agree)."""
        seen = self.check_ins.get((device, checkin), self.view.check_ins.get((device, checkin)))
        if seen is None:
            raise EligibilityError(
                f"no check-in {checkin[:16]}... by device {device!r}: a ballot follows the "
                "voter's check-in on the same device"
            )
        if stated is not None and stated != seen[0]:
            raise EligibilityError("the ballot's check-in checked another voter in")
        return seen[0]

    def _ballot_event(self, index: int, event: Event) -> None:
        ballot = _ballot(event)
        if ballot is None:
            return
        cast = event.type is EventType.BALLOT_CAST
        code = ballot["code"]
        seen = self.codes.get(code, self.view.codes.get(code))
        if seen is not None:
            raise AlreadyRecordedError(*seen)
        if self.closed is not None:
            raise VotingClosedError(f"voting has closed (entry {self.closed})")
        device = self._usable_device(ballot["device"])
        if device.location != ballot["location"]:
            raise UnknownDeviceError(
                f"device {ballot['device']!r} is enrolled at {device.location!r}, "
                f"not {ballot['location']!r}"
            )
        if ballot["previous_code"] != device.chain_head:
            raise ChainError(
                f"the ballot continues the chain from {ballot['previous_code'][:16]}..., but "
                f"device {ballot['device']!r}'s last ballot is {device.chain_head[:16]}..."
            )
        alphas: list[bytes] = ballot["alphas"]
        if len(set(alphas)) != len(alphas) or any(
            a in self.alphas or a in self.view.alphas for a in alphas
        ):
            raise ReplayError("the ballot reuses a ciphertext already on the board")
        if cast and ballot["voter"] is None and not self.view.replica:
            raise EligibilityError("a cast ballot reaches the board with its check-in's voter")
        voter = self._checked_in(ballot["device"], ballot["checkin"], ballot["voter"])
        if cast and voter:
            location = self._location(ballot["location"])
            booth = True if location is None else location.booth
            if location is not None and location.by_application and not self._applied(voter):
                raise EligibilityError(
                    f"voter {voter[:16]}... did not apply to vote at home: a door-to-door "
                    "ballot is refused"
                )
            self._one_voter((voter, device.region), booth, code, ballot["at"], event.payload)
        kind = "cast" if cast else "challenged"
        self.codes[code] = (index, kind)
        self.changes.codes.append((code, index, kind))
        self.alphas.update(alphas)
        self.changes.alphas.extend((a, index) for a in alphas)
        moved = {**device.__dict__, "chain_head": code, "chain_count": device.chain_count + 1}
        self._put_device(ballot["device"], DeviceRow(**moved))

    def _applied(self, voter: str) -> bool:
        """Did the voter apply to vote at home (the roll's ``home_voting``)?"""
        if voter in self.view.home_voters:
            return True
        return any(row[0] == voter and row[3] for row in self.changes.roll)

    def _one_voter(
        self, key: tuple[str, str], booth: bool, code: str, at: str, payload: dict[str, Any]
    ) -> None:
        """At most one booth and one door-to-door ballot per voter, both recorded; which one
        counts is decided after the close by the tags (``docs/protocol.md`` 12), so nothing
        here, nor in the entry, says that a ballot overrides or is overridden. A door-to-door
        ballot after the voter's booth ballot is recorded like any other: refusing it would
        tell the team at the door that the voter went to a booth."""
        row = self._voter(key)
        if booth and row is not None and row.booth_code is not None:
            raise DuplicateBallotError(
                f"a booth ballot is refused: the voter already voted in a booth ({row.booth_code})"
            )
        if not booth and row is not None and row.home_code is not None:
            raise DuplicateBallotError(
                f"a second door-to-door ballot is refused (first: {row.home_code})"
            )
        if row is None:
            updated = VoterRow(booth_code=code, booth_at=at) if booth else VoterRow(code, at)
            self.changes.new_voters[key] = updated
            return
        if booth:
            updated = VoterRow(row.home_code, row.home_at, code, at)
        else:
            updated = VoterRow(code, at, row.booth_code, row.booth_at)
        if key in self.changes.new_voters:
            self.changes.new_voters[key] = updated
        else:
            self.changes.changed_voters[key] = updated


__all__ = [
    "AlreadyRecordedError",
    "Changes",
    "DeviceRow",
    "Keys",
    "LocationRow",
    "View",
    "VoterRow",
    "alpha_key",
    "judge",
    "keys_of",
]
