"""A door-to-door team's offline device (``docs/devices.md``).

Online, once: :func:`init_device` makes the device's key, has the authority enrol it, and
stores the manifest, the election key and the pseudonyms of its region's roll (with each
voter's home-voting application) in the device's SQLite file
(:class:`~plebiscite.record.device_queue.DeviceQueue`).

Offline, per voter: :meth:`OfflineDevice.check_in` against the local roll, then
:meth:`OfflineDevice.prepare`: the booth's encryption, proofs, signature and tracking-code
chain (:class:`~plebiscite.services.voting.booth.Booth`); then the voter casts
(:meth:`OfflineDevice.cast`: a *device receipt* the device signs over ``{election, device,
tracking_code, cast_at}``; the row is durable in the queue before the receipt is returned, so
before it is shown) or challenges (:meth:`OfflineDevice.challenge`: the ballot is queued as
challenged with its opening, published at sync, never counted). :meth:`OfflineDevice.vote`
is prepare and cast in one.

Online again: :func:`sync` (in ``services/voting/device_sync.py``) uploads the queue in order.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from plebiscite.crypto import _sodium
from plebiscite.crypto.group import Point
from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.domain.ballot import genesis_code
from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest_json
from plebiscite.domain.offline import (
    CHECK_IN_AT_TAG,
    RECEIPT_TAG,
    check_in_at_message,
    receipt_message,
)
from plebiscite.errors import EligibilityError, InputError, PlebisciteError, SignatureError
from plebiscite.record.device_queue import DeviceQueue
from plebiscite.services.voting.booth import Booth, PreparedBallot, Selections

#: Queue rows that are ballots (in the device's chain): cast, or challenged by the voter.
BALLOT_ROWS = ("cast", "challenged")


class DeviceServer(Protocol):
    """What a device asks of the board service (``interfaces/api/client.py`` has it)."""

    def election(self) -> dict[str, Any]: ...
    def manifest(self) -> dict[str, Any]: ...
    def voters(self) -> list[dict[str, Any]]: ...
    def enrol(self, body: dict[str, Any]) -> int: ...
    def check_in(self, device_id: str, body: dict[str, Any]) -> int: ...
    def cast(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def challenge(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def chain_end(self, device_id: str, body: dict[str, Any]) -> int: ...


@dataclass(frozen=True)
class DeviceReceipt:
    """What the voter takes home: the code, when, which device, and the device's signature."""

    election: str
    device: str
    location: str
    tracking_code: str
    cast_at: str
    signature: str

    def to_json(self) -> dict[str, str]:
        return {
            "election": self.election,
            "device": self.device,
            "location": self.location,
            "tracking_code": self.tracking_code,
            "cast_at": self.cast_at,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: object) -> DeviceReceipt:
        keys = ("election", "device", "location", "tracking_code", "cast_at", "signature")
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in keys):
            raise InputError(f"a device receipt is an object with the strings {', '.join(keys)}")
        return cls(*(str(data[k]) for k in keys))

    def verify(self, key: VerifyKey) -> None:
        """Raise :class:`SignatureError` unless the device signed this receipt."""
        message = receipt_message(self.election, self.device, self.tracking_code, self.cast_at)
        try:
            signature = bytes.fromhex(self.signature)
        except ValueError as exc:
            raise SignatureError("the receipt's signature is not hexadecimal") from exc
        key.verify(RECEIPT_TAG, message, signature)


def init_device(
    server: DeviceServer, path: Path, device_id: str, location_id: str
) -> OfflineDevice:
    """Enrol a new device at a mobile team's location and store what it needs offline."""
    election = server.election()
    document = server.manifest()
    manifest = parse_manifest_json(canonical_json(document["manifest"]), "the board's manifest")
    digest = manifest_hash(manifest)
    if digest.hex() != election.get("manifest_hash") or election.get("election_key") is None:
        raise InputError("the board has no election key yet, or its manifest hash differs")
    location = manifest.location_by_id.get(location_id)
    if location is None:
        raise InputError(f"no location has the id {location_id!r}")
    if location.kind is not LocationKind.MOBILE_TEAM:
        raise InputError(f"{location_id!r} is a {location.kind}: only mobile teams work offline")
    key = SigningKey(_sodium.random_bytes(32))
    queue = DeviceQueue.create(path)
    try:
        server.enrol(
            {"device": device_id, "location": location_id, "public_key": key.verify_key.hex()}
        )
        region = [
            (v["voter"], bool(v.get("home_voting")))
            for v in server.voters()
            if v.get("region") == location.region_id
        ]
        queue.store_roll(region)
        queue.set_meta(
            {
                "device": device_id,
                "location": location_id,
                "seed": key.seed.hex(),
                "manifest": canonical_json(document["manifest"]).decode(),
                "manifest_hash": digest.hex(),
                "election_key": str(election["election_key"]),
                "board_key": str(election.get("board_key") or ""),
                "chain_head": genesis_code(digest, device_id),
            }
        )
    except BaseException:
        queue.close()
        path.unlink(missing_ok=True)  # nothing was cast: an unfinished enrolment leaves no file
        raise
    return OfflineDevice(queue)


class OfflineDevice:
    """One enrolled device over its queue file."""

    def __init__(self, queue: DeviceQueue) -> None:
        self.queue = queue
        self.manifest: Manifest = parse_manifest_json(queue.meta("manifest"), "device manifest")
        self.key = SigningKey(bytes.fromhex(queue.meta("seed")))
        self.booth = Booth(
            self.manifest,
            bytes.fromhex(queue.meta("manifest_hash")),
            Point.from_hex(queue.meta("election_key")),
            queue.meta("device"),
            queue.meta("location"),
            self.key,
            previous_code=queue.meta("chain_head"),
        )

    @classmethod
    def open(cls, path: Path) -> OfflineDevice:
        return cls(DeviceQueue.open(path))

    def close(self) -> None:
        self.queue.close()

    @property
    def device_id(self) -> str:
        return self.booth.device_id

    def check_in(self, voter: str, at: dt.datetime | None = None) -> int:
        """Check a voter in against the local roll (signed, queued); a repeat is a no-op.

        With ``at`` (the device's clock) the device also signs ``checked_at`` (tag
        ``check-in-at``): the board then judges the uploaded check-in by that time, as it
        judges a ballot by its ``cast_at``, so a sync after the team's last open hours still
        brings the check-in, and the ballot that needs it, to the board."""
        if self.queue.roll_entry(voter) is None:
            raise EligibilityError(
                f"voter {voter[:16]}... is not on the roll of {self.booth.location.region_id!r}"
            )
        if self.queue.checked_in(voter):
            return 0
        body: dict[str, Any] = dict(self.booth.check_in(voter))
        if at is not None:
            if at.utcoffset() is None:
                raise InputError("the device's time must carry a UTC offset")
            checked_at = at.isoformat()
            message = check_in_at_message(
                self.booth.election, self.device_id, body["checkin"], checked_at
            )
            body["checked_at"] = checked_at
            body["checked_at_signature"] = self.key.sign(CHECK_IN_AT_TAG, message).hex()
        return self.queue.append("check_in", voter, body, None)

    def vote(self, voter: str, selections: Selections, at: dt.datetime) -> DeviceReceipt:
        """Encrypt, sign, chain and queue one ballot; the receipt once the row is durable."""
        return self.cast(voter, self.prepare(voter, selections, at), at)

    def prepare(self, voter: str, selections: Selections, at: dt.datetime) -> PreparedBallot:
        """Encrypt, prove and sign one voter's choices (nothing queued yet): the tracking code
        is shown, then the voter casts (:meth:`cast`) or challenges (:meth:`challenge`).
        Refused, and the refusal recorded, for a voter who may not vote on this device."""
        if at.utcoffset() is None:
            raise InputError("the device's time must carry a UTC offset")
        home = self.queue.roll_entry(voter)
        reason = None
        if home is None:
            reason = "not on the roll of this region"
        elif not self.queue.checked_in(voter):
            reason = "not checked in on this device"
        elif not home:
            reason = "no application to vote at home"
        elif self.queue.has_cast(voter):
            reason = "already voted with this device"
        if reason is not None:
            self.queue.refuse(voter, at.isoformat(), reason)
            raise EligibilityError(f"voter {voter[:16]}...: {reason} (refusal recorded)")
        if voter not in self.booth.checkins:  # a reopened device: the id is in the queue
            for row in self.queue.rows():
                if row.kind == "check_in" and row.voter == voter:
                    self.booth.checkins[voter] = str(row.body["checkin"])
        return self.booth.prepare(voter, selections)

    def _signed_at(self, prepared: PreparedBallot, at: dt.datetime) -> tuple[str, str]:
        """``cast_at`` and the device's signature over it (tag ``device-receipt``)."""
        if at.utcoffset() is None:
            raise InputError("the device's time must carry a UTC offset")
        if prepared.ballot.previous_code != self.booth.previous_code:
            raise InputError(
                "this ballot no longer continues the device's chain (another ballot was "
                "queued meanwhile): seal the choice again"
            )
        cast_at = at.isoformat()
        message = receipt_message(
            self.booth.election, self.device_id, prepared.tracking_code, cast_at
        )
        return cast_at, self.key.sign(RECEIPT_TAG, message).hex()

    def cast(self, voter: str, prepared: PreparedBallot, at: dt.datetime) -> DeviceReceipt:
        """Queue ``prepared`` (``voter``'s) as cast; the device receipt once the row is durable."""
        if self.queue.has_cast(voter):
            raise EligibilityError(f"voter {voter[:16]}...: already voted with this device")
        cast_at, signature = self._signed_at(prepared, at)
        code = prepared.tracking_code
        body = {**prepared.cast_body(), "cast_at": cast_at, "cast_at_signature": signature}
        self.queue.append("cast", voter, body, code, chain_head=code)
        self.booth.accepted(prepared)
        return DeviceReceipt(
            self.booth.election, self.device_id, self.booth.location.id, code, cast_at, signature
        )

    def challenge(self, voter: str, prepared: PreparedBallot, at: dt.datetime) -> dict[str, Any]:
        """Spoil ``voter``'s ``prepared`` ballot (Benaloh): queue it as challenged with its
        opening, which the sync publishes (``POST /challenges``, with the device-signed
        ``cast_at``), and return the opening to show the voter. It never counts; the voter
        may vote again. The tag's randomness is not kept: a challenged ballot never says whose
        it was."""
        cast_at, signature = self._signed_at(prepared, at)
        code = prepared.tracking_code
        body = {
            **prepared.challenge_body(),
            "cast_at": cast_at,
            "cast_at_signature": signature,
        }
        self.queue.append("challenged", voter, body, code, chain_head=code)
        self.booth.accepted(prepared)
        return prepared.opening()

    def check_row(self, kind: str, body: dict[str, Any], code: str | None) -> None:
        """Refuse a queue row whose signatures are not this device's (an edited file)."""
        from plebiscite.domain.ballot import Ballot
        from plebiscite.domain.check_in import CHECK_IN_TAG, check_in_message

        key = self.key.verify_key
        try:
            if kind == "check_in":
                message = check_in_message(self.booth.election, self.device_id, body["checkin"])
                key.verify(CHECK_IN_TAG, message, bytes.fromhex(body["signature"]))
                if "checked_at" in body:
                    at = check_in_at_message(
                        self.booth.election, self.device_id, body["checkin"], body["checked_at"]
                    )
                    key.verify(CHECK_IN_AT_TAG, at, bytes.fromhex(body["checked_at_signature"]))
                return
            ballot = Ballot.from_json(body["ballot"])
            ballot.verify_signature(key, body["signature"])
            if ballot.tracking_code() != code or ballot.device != self.device_id:
                raise SignatureError("the row's tracking code is not its ballot's")
            receipt = DeviceReceipt(
                self.booth.election,
                self.device_id,
                self.booth.location.id,
                ballot.tracking_code(),
                str(body["cast_at"]),
                str(body["cast_at_signature"]),
            )
            receipt.verify(key)
        except (PlebisciteError, KeyError, TypeError, ValueError) as exc:
            raise SignatureError(f"a queue row fails the device's signature: {exc}") from exc

    def chain_end(self) -> dict[str, Any]:
        """The device's signed chain end over every ballot it queued (``docs/voting.md``):
        posted after the last sync, it makes a ballot that never reached the board a gap."""
        count = sum(r.kind in BALLOT_ROWS for r in self.queue.rows())
        return self.booth.chain_end(count)

    def status(self) -> dict[str, Any]:
        rows = self.queue.rows()
        casts = [r for r in rows if r.kind == "cast"]
        return {
            "device": self.device_id,
            "location": self.booth.location.id,
            "roll": self.queue.roll_size(),
            "check_ins": sum(r.kind == "check_in" for r in rows),
            "ballots": len(casts),
            "challenged": sum(r.kind == "challenged" for r in rows),
            "synced": sum(r.receipt is not None for r in casts),
            "waiting": sum(r.receipt is None for r in rows),
            "refusals": len(self.queue.refusals()),
            "chain_head": self.booth.previous_code,
        }


def write_receipt(receipt: DeviceReceipt, directory: Path) -> Path:
    """The receipt as JSON (and as a QR image of that JSON, ``segno``) under ``directory``."""
    import segno

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{receipt.tracking_code[:16]}.json"
    text = json.dumps(receipt.to_json(), indent=1, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")
    segno.make(canonical_json(receipt.to_json()).decode(), error="m").save(
        str(path.with_suffix(".png")), scale=4
    )
    return path


__all__ = ["DeviceReceipt", "DeviceServer", "OfflineDevice", "init_device", "write_receipt"]
