"""A published record read back into a board: check-ins there name no voter, so the board
copy is a replica that does not judge the casting rules again (``record/board.py``), while a
live board refuses the same check-in without its voter."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from voting_support import location, new_day

from plebiscite.domain.manifest import LocationKind
from plebiscite.errors import EligibilityError
from plebiscite.record.events import EventType
from plebiscite.record.export import export_board, import_export
from plebiscite.record.memory import MemoryBoard


def test_a_record_reads_back_as_a_replica_and_its_check_ins_stay_anonymous(
    tmp_path: Path,
) -> None:
    day = new_day(MemoryBoard(), voters=20)
    booth = day.booth(location(LocationKind.MAKESHIFT_STATION))
    voter = day.voters()[0].pseudonym
    prepared = booth.prepare(voter, {"dn-q1": "yes"})
    body = prepared.cast_body()
    day.service.cast(body["ballot"], body["signature"], tag_opening=body["tag_opening"])
    day.board.sign_head(day.head_key)
    export_board(day.board, tmp_path / "record")
    lines = (tmp_path / "record" / "events.jsonl").read_text(encoding="utf-8").splitlines()
    voting = [line for line in lines if '"check_in"' in line or '"ballot_cast"' in line]
    assert len(voting) == 2 and not any(voter in line for line in voting)

    copy = MemoryBoard()
    import_export(tmp_path / "record", copy)
    assert copy.replica and copy.size() == day.board.size()
    assert copy.ballot_code(prepared.tracking_code) is not None
    assert copy.check_in_voter(booth.device_id, prepared.ballot.checkin) == ""

    live = MemoryBoard()
    entries = list(day.board.entries())
    check_in = next(e.event for e in entries if e.event.type is EventType.CHECK_IN)
    live.append_batch([e.event for e in entries[: entries.index(
        next(e for e in entries if e.event is check_in)
    )]])  # fmt: skip
    with pytest.raises(EligibilityError, match="with the voter it checks in"):
        live.append(check_in)
