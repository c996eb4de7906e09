"""The verifier's check of device chain ends (V34; ``docs/voting.md``, chain ends).

Each enrolled device's chain must end where the device signed that it ends: the number of its
ballots (cast and challenged) and the last tracking code, both as the streaming pass found them
at the ``device_chain_end`` entry, and no ballot of the device after it. A device with no
chain end at all, neither signed nor named by the authority as unreported, is a finding: its
last ballots could have been dropped unseen. An unreported device is listed in the report
(its chain is only as good as the board's word, ``docs/verifier.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plebiscite.domain.chain_end import CHAIN_END_TAG, chain_end_message
from plebiscite.errors import PlebisciteError
from plebiscite.verifier.anchor import parse_key
from plebiscite.verifier.report import VerificationReport

if TYPE_CHECKING:
    from plebiscite.verifier.verify import RecordState


def apply_chain_end(
    payload: dict[str, Any], index: int, state: RecordState, report: VerificationReport
) -> None:
    """One ``device_chain_end`` entry, against the device's chain so far."""
    report.count("V34")
    device_id = payload["device"]
    device = state.devices.get(device_id)
    if device is None:
        report.fail("V34", f"a chain end for device {device_id!r}, never enrolled", index)
        return
    if device.end is not None:
        report.fail(
            "V34",
            f"device {device_id!r}: a second chain end (first at entry {device.end[0]})",
            index,
        )
        return
    count, last = payload["count"], payload["last_code"]
    if type(count) is not int or not isinstance(last, str):
        report.fail("V34", f"device {device_id!r}: count or last_code malformed", index)
        return
    if payload.get("unreported") is True:
        if not isinstance(payload.get("reason"), str) or not payload["reason"].strip():
            report.fail("V34", f"device {device_id!r}: named unreported with no reason", index)
        state.unreported.append(device_id)
    else:
        key = parse_key(device.key)
        try:
            if key is None:
                raise PlebisciteError("the device's enrolled key is malformed")
            message = chain_end_message(state.manifest_hash.hex(), device_id, count, last)
            key.verify(CHAIN_END_TAG, message, bytes.fromhex(str(payload["signature"])))
        except (PlebisciteError, ValueError) as exc:
            report.fail("V34", f"device {device_id!r}: the chain end's signature: {exc}", index)
    device.end = (index, count, last)
    if (count, last) != (device.count, device.tip):
        report.fail(
            "V34",
            f"device {device_id!r} signed that its chain ends after {count} ballots at "
            f"{last[:16]}...; the log holds {device.count} ending at {device.tip[:16]}... "
            "(a ballot dropped or added)",
            index,
        )


def check_chain_ends(state: RecordState, report: VerificationReport) -> None:
    """After the pass: every device has an end, and no ballot came after it. The devices named
    unreported are listed in the report."""
    report.unreported_devices = sorted(state.unreported)
    for device_id, device in sorted(state.devices.items()):
        report.count("V34")
        if device.end is None:
            report.fail(
                "V34",
                f"device {device_id!r} has no chain end, neither signed by it nor named as "
                f"unreported: its last ballots could be missing unseen",
            )
        elif device.count != device.end[1]:
            report.fail(
                "V34",
                f"device {device_id!r}: {device.count - device.end[1]} ballot(s) after the end "
                "of its chain",
                device.end[0],
            )
