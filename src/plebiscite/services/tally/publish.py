"""The published record: the board's export plus, once results exist, the results files.

``board export`` writes ``manifest.json``, ``events.jsonl`` and ``heads.jsonl``
(:func:`plebiscite.record.export.export_board`) and, when the board holds a ``results`` event,
``results.json``, ``results-nist.json``, ``results-sidecar.json`` and ``charts/`` computed
from the board alone, so that the folder verifies as it is (``docs/runbook.md``). Everything is
written into a staging folder renamed into place at the end.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from plebiscite.record.board import Board
from plebiscite.record.events import EventType
from plebiscite.record.export import Progress, RecordSummary, export_board
from plebiscite.services.election.definition import load_election


def latest_results(board: Board) -> dict[str, Any] | None:
    """The payload of the board's latest ``results`` event, if any."""
    found: dict[str, Any] | None = None
    for entry in board.entries():
        if entry.event.type is EventType.RESULTS:
            found = entry.event.payload
    return found


def export_record(
    board: Board,
    out: Path,
    *,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> tuple[RecordSummary, bool]:
    """Export ``board`` to ``out`` with its results files; return the summary and whether
    results were written."""
    results = latest_results(board)

    def write(staging: Path) -> None:
        if results is None:
            return
        from plebiscite.services.tally.results import ballot_dispositions, write_results

        manifest = load_election(board).require_manifest()
        write_results(
            staging,
            manifest,
            results,
            ballot_dispositions(board.entries()),
            generated=now or dt.datetime.now(dt.UTC),
            is_test=False,
        )

    summary = export_board(board, out, progress=progress, extra=write)
    return summary, results is not None


__all__ = ["export_record", "latest_results"]
