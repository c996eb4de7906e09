"""Device chains committed at their end (``docs/voting.md``, "Chain ends"; protocol 6.2).

Each device chains its ballots by tracking code, so a ballot taken out of the middle of a
chain breaks it. Its *last* ballot could still vanish unseen: nothing after it points back.
So when a device is done (its location's window closed, or voting closed) it signs where its
chain ends, and the board records it as a ``device_chain_end`` event::

    {"at": ISO-8601, "count": n, "device": id, "last_code": hex, "signature": hex}

``signature`` is the device's Ed25519 signature, tag ``chain-end``, over the canonical JSON
``{"count", "device", "election", "last_code"}`` (``election`` = the manifest hash in hex).
``count`` is the number of the device's ballots, cast and challenged; ``last_code`` the
tracking code of the last one (the device's genesis code if it has none).

The board records a chain end only if it agrees: the device's ballots on the board are
``count`` and end at ``last_code`` (otherwise the device's signed statement, refused, is its
evidence that the board lost or invented a ballot). After its chain end a device takes no more
ballots. A device that never reports is named, once voting has closed, in a
``device_chain_end`` event the authority writes: ``{"at", "count", "device", "last_code",
"reason", "unreported": true}`` with the board's own count and last code. The verifier (V34)
checks every chain against its end and that every enrolled device has one.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.domain.ballot import genesis_code
from plebiscite.errors import (
    ChainError,
    EncodingError,
    InputError,
    NotReadyError,
    UnknownDeviceError,
    VotingClosedError,
)
from plebiscite.record.board import Board, Entry
from plebiscite.record.events import Event, EventType
from plebiscite.services.election import Election

CHAIN_END_TAG = "chain-end"
UNREPORTED_REASON = "the device did not sign the end of its chain"


def chain_end_message(election: str, device: str, count: int, last_code: str) -> bytes:
    """The bytes a device signs (tag ``chain-end``) to say where its chain ends."""
    return canonical_json(
        {"count": count, "device": device, "election": election, "last_code": last_code}
    )


def sign_chain_end(
    key: SigningKey, election: str, device: str, count: int, last_code: str
) -> dict[str, Any]:
    """The body a device posts: its count, last code and signature."""
    message = chain_end_message(election, device, count, last_code)
    return {
        "count": count,
        "last_code": last_code,
        "signature": key.sign(CHAIN_END_TAG, message).hex(),
    }


@dataclass
class Chain:
    """A device's chain as the board holds it."""

    key: VerifyKey
    count: int
    last_code: str
    ended: bool = False


class ChainEnds:
    """Follows a board (incrementally) and records devices' chain ends. Thread-safe."""

    def __init__(self, board: Board) -> None:
        self.board = board
        self.election = Election()
        self.chains: dict[str, Chain] = {}
        self._read = 0
        self._lock = threading.Lock()

    def catch_up(self) -> None:
        size = self.board.size()
        if size > self._read:
            for entry in self.board.entries(self._read, size):
                self._apply(entry)

    def _apply(self, entry: Entry) -> None:
        self.election.apply(entry)
        event, payload = entry.event, entry.event.payload
        if event.type is EventType.DEVICE_ENROLMENT and not payload.get("revoked"):
            device = payload["device"]
            genesis = genesis_code(self.election.manifest_hash, device)
            self.chains[device] = Chain(VerifyKey.from_hex(payload["public_key"]), 0, genesis)
        elif event.type in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
            chain = self.chains.get(payload["ballot"]["device"])
            if chain is not None:
                chain.count += 1
                chain.last_code = payload["tracking_code"]
        elif event.type is EventType.DEVICE_CHAIN_END:
            chain = self.chains.get(payload["device"])
            if chain is not None:
                chain.ended = True
        self._read = entry.index + 1

    def post(self, device: str, body: object, at: dt.datetime) -> int:
        """Record a device's signed chain end; refuse one the board's chain does not match."""
        if not isinstance(body, dict) or set(body) != {"count", "last_code", "signature"}:
            raise EncodingError("a chain end is an object with count, last_code and signature")
        count, last_code, signature = body["count"], body["last_code"], body["signature"]
        if type(count) is not int or count < 0 or not isinstance(last_code, str):
            raise EncodingError("count is a non-negative integer and last_code a hex string")
        with self._lock:
            self.catch_up()
            chain = self._chain(device)
            try:
                raw = bytes.fromhex(signature) if isinstance(signature, str) else b""
            except ValueError as exc:
                raise EncodingError("the chain-end signature is not hexadecimal") from exc
            message = chain_end_message(self.election.manifest_hash.hex(), device, count, last_code)
            chain.key.verify(CHAIN_END_TAG, message, raw)
            if (count, last_code) != (chain.count, chain.last_code):
                raise ChainError(
                    f"device {device!r} says its chain ends after {count} ballots at "
                    f"{last_code[:16]}...; the board holds {chain.count} ending at "
                    f"{chain.last_code[:16]}..."
                )
            payload = {
                "at": at.isoformat(),
                "count": count,
                "device": device,
                "last_code": last_code,
                "signature": signature,
            }
            index = self.board.append(Event.create(EventType.DEVICE_CHAIN_END, payload))
            self.catch_up()
            return index

    def name_unreported(self, at: dt.datetime, reason: str = UNREPORTED_REASON) -> list[int]:
        """After the close: name every enrolled device that signed no chain end."""
        if not reason.strip():
            raise InputError("naming unreported devices needs a reason")
        with self._lock:
            self.catch_up()
            if self.election.closed_at is None:
                raise NotReadyError("devices may still report until voting closes")
            events = [
                Event.create(
                    EventType.DEVICE_CHAIN_END,
                    {
                        "at": at.isoformat(),
                        "count": chain.count,
                        "device": device,
                        "last_code": chain.last_code,
                        "reason": reason,
                        "unreported": True,
                    },
                )
                for device, chain in sorted(self.chains.items())
                if not chain.ended
            ]
            indices = self.board.append_batch(events) if events else []
            self.catch_up()
            return indices

    def _chain(self, device: str) -> Chain:
        chain = self.chains.get(device)
        if chain is None:
            raise UnknownDeviceError(f"no device {device!r} is enrolled")
        if chain.ended:
            raise VotingClosedError(f"device {device!r} has already ended its chain")
        return chain


def name_unreported_devices(board: Board, at: dt.datetime | None = None) -> list[int]:
    """:meth:`ChainEnds.name_unreported` over a whole board (the tally runs it)."""
    return ChainEnds(board).name_unreported(at or dt.datetime.now(dt.UTC))


__all__ = [
    "CHAIN_END_TAG",
    "ChainEnds",
    "chain_end_message",
    "name_unreported_devices",
    "sign_chain_end",
]
