"""Device chains committed at their end (``docs/voting.md``, "Chain ends"; protocol 6.2).

Each device chains its ballots by tracking code, so a ballot taken out of the middle of a
chain breaks it. Its *last* ballot could still vanish unseen: nothing after it points back.
So when a device is done (its location's window closed, or voting closed) it signs where its
chain ends, and the board records it as a ``device_chain_end`` event::

    {"at": ISO-8601, "count": n, "device": id, "last_code": hex, "signature": hex}

``signature`` is the device's Ed25519 signature, tag ``chain-end``, over the canonical JSON
``{"count", "device", "election", "last_code"}`` (``election`` = the manifest hash in hex;
:mod:`plebiscite.domain.chain_end`, shared with the verifier).
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
from typing import Any

from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.domain.chain_end import CHAIN_END_TAG, chain_end_message
from plebiscite.errors import (
    EncodingError,
    InputError,
    NotReadyError,
    UnknownDeviceError,
    VotingClosedError,
)
from plebiscite.record.board import Board
from plebiscite.record.events import Event, EventType
from plebiscite.record.guard_rows import DeviceRow

UNREPORTED_REASON = "the device did not sign the end of its chain"


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


class ChainEnds:
    """Records devices' chain ends. Stateless: each call reads the devices' index rows, where
    the board keeps every chain's length and head (``record/guard.py``), and no entry."""

    def __init__(self, board: Board) -> None:
        self.board = board

    def _manifest_hash(self) -> str:
        digest = self.board.get_meta("manifest_hash")
        if digest is None:
            raise NotReadyError("the board holds no manifest yet")
        return digest

    def post(self, device: str, body: object, at: dt.datetime) -> int:
        """Record a device's signed chain end; refuse one the board's chain does not match."""
        if not isinstance(body, dict) or set(body) != {"count", "last_code", "signature"}:
            raise EncodingError("a chain end is an object with count, last_code and signature")
        count, last_code, signature = body["count"], body["last_code"], body["signature"]
        if type(count) is not int or count < 0 or not isinstance(last_code, str):
            raise EncodingError("count is a non-negative integer and last_code a hex string")
        row = self._row(device)
        try:
            raw = bytes.fromhex(signature) if isinstance(signature, str) else b""
        except ValueError as exc:
            raise EncodingError("the chain-end signature is not hexadecimal") from exc
        message = chain_end_message(self._manifest_hash(), device, count, last_code)
        VerifyKey.from_hex(row.public_key).verify(CHAIN_END_TAG, message, raw)
        payload = {
            "at": at.isoformat(),
            "count": count,
            "device": device,
            "last_code": last_code,
            "signature": signature,
        }
        # The append judges the count and the last code against the device's row, in the
        # transaction that appends: no ballot of another server can land in between.
        return self.board.append(Event.create(EventType.DEVICE_CHAIN_END, payload))

    def name_unreported(self, at: dt.datetime, reason: str = UNREPORTED_REASON) -> list[int]:
        """After the close: name every enrolled device that signed no chain end."""
        if not reason.strip():
            raise InputError("naming unreported devices needs a reason")
        if self.board.closed_entry() is None:
            raise NotReadyError("devices may still report until voting closes")
        events = [
            Event.create(
                EventType.DEVICE_CHAIN_END,
                {
                    "at": at.isoformat(),
                    "count": row.chain_count,
                    "device": device,
                    "last_code": row.chain_head,
                    "reason": reason,
                    "unreported": True,
                },
            )
            for device, row in sorted(self.board.devices().items())
            if not row.ended
        ]
        return self.board.append_batch(events) if events else []

    def _row(self, device: str) -> DeviceRow:
        row = self.board.device(device)
        if row is None:
            raise UnknownDeviceError(f"no device {device!r} is enrolled")
        if row.ended:
            raise VotingClosedError(f"device {device!r} has already ended its chain")
        return row


def name_unreported_devices(board: Board, at: dt.datetime | None = None) -> list[int]:
    """:meth:`ChainEnds.name_unreported` over a whole board (the tally runs it)."""
    return ChainEnds(board).name_unreported(at or dt.datetime.now(dt.UTC))


__all__ = [
    "ChainEnds",
    "name_unreported_devices",
    "sign_chain_end",
]
