"""The verifier's judgment of receipt complaints: V72 (``docs/verifier.md``).

A voter whose device-signed receipt names a ballot that is not on the board files it
(``docs/devices.md``, "A receipt whose ballot is not on the board"); the complaint carries the
receipt and the board size the checker looked at. The verifier judges every such complaint
again, from the record alone:

- the receipt names this election and a device enrolled before the complaint, at the
  location the receipt names, and its signature (tag ``device-receipt``) verifies under that
  device's enrolled key: otherwise the receipt is forged or altered, and the board should
  never have taken the complaint;
- the complaint is about that device's precinct and names a board size no larger than its
  own position;
- the finding is right: no ballot with the receipt's tracking code lies in the entries the
  checker saw (a complaint about a ballot that is on the board is a wrong finding).

A right complaint whose ballot reached the board later (the team synced after the voter
complained) is settled and passes. A right complaint whose ballot never reached the board is
**well founded**: the record lacks a ballot its device acknowledged, and that is a finding of
V72, reported like any other, never a crash.

Finding the ballots reads ``events.jsonl`` once more, only when there are receipt complaints,
and decodes only the lines that carry one of their tracking codes: memory stays flat.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from plebiscite.crypto.signing import VerifyKey
from plebiscite.domain.offline import RECEIPT_TAG, receipt_message
from plebiscite.domain.paper import parse_complaint
from plebiscite.errors import PlebisciteError
from plebiscite.record.codec import decode_event
from plebiscite.record.events import EventType
from plebiscite.record.export import EVENTS
from plebiscite.verifier.report import VerificationReport

if TYPE_CHECKING:  # the streaming pass's state; imported for types only (no cycle)
    from plebiscite.verifier.verify import RecordState

_BALLOTS = (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED)


def check_receipt_complaints(
    directory: Path, state: RecordState, report: VerificationReport
) -> None:
    """V72 over every complaint of the record that carries a device receipt."""
    wanted: dict[str, tuple[int, Mapping[str, str], int]] = {}  # code -> complaint
    seen_ids: set[str] = set()
    for index, event in state.paper:
        if event.type is not EventType.COMPLAINT or "receipt" not in event.payload:
            continue
        try:
            complaint = parse_complaint(event.payload, f"complaint at entry {index}")
        except PlebisciteError:
            continue  # V40 reports the malformed complaint
        if complaint.complaint_id in seen_ids:
            continue  # a later event of the same complaint: its decision (V40)
        seen_ids.add(complaint.complaint_id)
        assert complaint.receipt is not None and complaint.board_size is not None
        report.count("V72")
        receipt, code = complaint.receipt, complaint.receipt["tracking_code"]
        who = f"complaint {complaint.complaint_id} (ballot {code[:16]})"
        problem = _receipt_problem(state, receipt, index)
        if problem is None:
            problem = _complaint_problem(state, receipt, complaint.precinct_id)
        if problem is not None:
            report.fail("V72", f"{who}: {problem}", index)
            continue
        if complaint.board_size > index:
            report.fail(
                "V72", f"{who}: claims a board of {complaint.board_size} entries at entry {index}"
            )
            continue
        if code in wanted:
            report.fail("V72", f"{who}: the same receipt filed again", index)
            continue
        wanted[code] = (index, receipt, complaint.board_size)
    if not wanted:
        return
    found = _ballot_entries(directory / EVENTS, set(wanted))
    for code, (index, receipt, size) in sorted(wanted.items(), key=lambda item: item[1][0]):
        who = f"receipt complaint at entry {index} (ballot {code[:16]})"
        entries = found.get(code, [])
        before = [e for e in entries if e < size]
        if before:
            report.fail(
                "V72",
                f"{who}: filed as missing, but the ballot is on the board at entry {before[0]}, "
                f"within the {size} entries the checker saw (it should have been refused)",
                index,
            )
        elif not entries:
            report.fail(
                "V72",
                f"{who}: well founded: device {receipt['device']!r} signed a receipt for ballot "
                f"{code} cast at {receipt['cast_at']}, and the ballot is not in the record",
                index,
            )
        # else: missing when filed, on the board later (the team synced): settled


def _receipt_problem(state: RecordState, receipt: Mapping[str, str], index: int) -> str | None:
    """Why the receipt is not the device's signed word, or None."""
    if receipt["election"] != state.manifest_hash.hex():
        return "the receipt names another election"
    device = state.devices.get(receipt["device"])
    if device is None or device.enrolled_at > index:
        return f"the receipt names device {receipt['device'][:64]!r}, not enrolled before it"
    message = receipt_message(
        receipt["election"], receipt["device"], receipt["tracking_code"], receipt["cast_at"]
    )
    try:
        VerifyKey.from_hex(device.key).verify(
            RECEIPT_TAG, message, bytes.fromhex(receipt["signature"])
        )
    except (PlebisciteError, ValueError):
        return (
            f"the receipt's signature does not verify under device {receipt['device']!r}'s "
            "enrolled key: a forged or altered receipt"
        )
    if receipt["location"] != device.location:
        return f"the receipt names location {receipt['location']!r}, not the device's"
    return None


def _complaint_problem(state: RecordState, receipt: Mapping[str, str], precinct: str) -> str | None:
    assert state.manifest is not None
    device = state.devices[receipt["device"]]
    location = state.manifest.location_by_id.get(device.location)
    if location is not None and location.precinct_id != precinct:
        return f"filed about precinct {precinct!r}, not the device's {location.precinct_id!r}"
    return None


def _ballot_entries(events: Path, codes: set[str]) -> dict[str, list[int]]:
    """Entries of the ballots (cast or challenged) whose tracking code is one of ``codes``."""
    needles = {f'"tracking_code":"{code}"'.encode(): code for code in codes}
    found: dict[str, list[int]] = {}
    with events.open("rb") as stream:
        for index, line in enumerate(stream):
            hits = [code for needle, code in needles.items() if needle in line]
            if not hits:
                continue
            try:
                event = decode_event(line.rstrip(b"\n"), where=f"entry {index}")
            except PlebisciteError:
                continue  # V2 reports it
            if event.type in _BALLOTS:
                code = str(event.payload.get("tracking_code"))
                if code in hits:
                    found.setdefault(code, []).append(index)
    return found


__all__ = ["check_receipt_complaints"]
