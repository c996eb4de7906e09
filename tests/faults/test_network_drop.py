"""A device submits the same ballots twice after a network drop (issue 12, faults).

Three ways a connection can fail a device, each followed by the device resending the same
signed bytes: the connection closes mid-body (the server never saw the whole ballot), the
connection closes right after the whole request was sent (the server records it, the device
never sees the receipt), and the device's read times out before the answer comes. Passing:
each ballot is on the board exactly once, the resend gets the same receipt as any earlier
answer, and the record verifies.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import httpx
from harness import Server, check_record, make_fleet, setup_election, submit

PER_DEVICE = 6


def _raw_post(port: int, body: bytes, *, cut_at: int | None) -> None:
    """POST /ballots on a raw socket; send ``cut_at`` bytes of the body (all if None), then
    close the connection without reading any answer."""
    head = (
        f"POST /ballots HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(head + (body if cut_at is None else body[:cut_at]))


def _board_size(http: httpx.Client) -> int:
    return int(http.get("/election").json()["board_size"])


def test_resending_after_a_network_drop_records_each_ballot_once(tmp_path: Path) -> None:
    db = str(tmp_path / "board.db")
    election = setup_election(db, tmp_path / "board.key", voters=400)
    (device,) = make_fleet(election, 1, PER_DEVICE, "net", workers=1)
    server = Server(db, election.key_file, election.start)
    server.start()
    receipts: dict[str, dict[str, Any]] = {}
    seen: list[tuple[str, int, int]] = []  # (how, board size before, after)
    try:
        server.enrol([device])
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for n, (code, body) in enumerate(zip(device.codes, device.bodies, strict=True)):
                before = _board_size(http)
                how = ("cut mid-body", "closed before the answer", "read timeout")[n % 3]
                if how == "cut mid-body":
                    _raw_post(server.port, body, cut_at=len(body) // 2)
                elif how == "closed before the answer":
                    _raw_post(server.port, body, cut_at=None)
                else:
                    with httpx.Client(base_url=server.url, timeout=0.0005) as hasty:
                        try:
                            r = hasty.post(
                                "/ballots",
                                content=body,
                                headers={"content-type": "application/json"},
                            )
                            assert r.status_code == 201  # the answer beat the timeout
                        except httpx.TimeoutException:
                            pass
                # The device does not know what happened: it sends the same bytes again,
                # once the server has had time to finish what it received (bounded wait).
                deadline = time.monotonic() + 5
                while how != "cut mid-body" and _board_size(http) == before:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.02)
                first = submit(http, body, deadline_s=30)
                again = submit(http, body, deadline_s=30)
                assert first.receipt is not None, first.problem
                assert again.receipt is not None, again.problem
                assert again.receipt["leaf_index"] == first.receipt["leaf_index"]
                assert again.receipt["tracking_code"] == code
                receipts[code] = first.receipt
                seen.append((how, before, _board_size(http)))
        assert server.close_voting() == 201
    finally:
        server.stop()

    # Each ballot added exactly one entry, whichever way its first attempt failed.
    assert [after - before for _, before, after in seen] == [1] * PER_DEVICE
    figures = check_record(election, receipts, tmp_path / "record")
    assert figures["ballots_on_board"] == PER_DEVICE
    assert figures["duplicate_tracking_codes"] == 0
    assert figures["receipts_missing"] == figures["receipts_wrong"] == 0
    assert figures["verify_ok"], figures["verify_failed_checks"]
