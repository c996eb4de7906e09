"""Trustees decrypt only what the rules allow: an operator's forged "tally" gets no share.

The attacker can write to the board. Before closing, and again after it, they post an
``encrypted_tally`` whose one cell is a single voter's ballot (a threshold of 1, or the
right threshold with one ballot's ciphertexts in a real cell's place), hoping the trustees will
open it. Every trustee must refuse, naming why, and post nothing; the honest tally is decrypted.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from plebiscite.crypto.randomness import SeededRng
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.domain.roll import build_roll, generate_roll
from plebiscite.errors import RuleError
from plebiscite.record.events import Event, EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.ceremony.steps import TrusteeState, run_local_ceremony
from plebiscite.services.election.definition import (
    load_election,
    publish_close,
    publish_manifest,
    publish_roll,
)
from plebiscite.services.simulation.synthetic import enrolment_events, synthetic_ballots
from plebiscite.services.tally.count import latest_tally, publish_tally, trustee_decrypt
from plebiscite.services.tally.mixing import run_local_mixing

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
MANIFEST = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))


@pytest.fixture(scope="module")
def setup() -> tuple[MemoryBoard, list[TrusteeState], list[tuple[str, Any]]]:
    board = MemoryBoard()
    publish_manifest(board, MANIFEST)
    digest = manifest_hash(MANIFEST)
    publish_roll(
        board,
        build_roll(MANIFEST, digest, generate_roll(MANIFEST, 120, random.Random(3)), b"k" * 32),
    )
    trustees = [TrusteeState.create(i, digest) for i in range(1, 6)]
    run_local_ceremony(board, trustees, SeededRng(b"guard ceremony"))
    election = load_election(board)
    board.append_batch(enrolment_events(election.require_manifest()))
    ballots = []
    for made in synthetic_ballots(election, 80, random.Random(5), SeededRng(b"guard ballots")):
        board.append_batch(made.events)
        ballots.append((made.region, made.event.payload["ballot"]["answers"]))
    return board, trustees, ballots


def _sums(victim: tuple[str, Any]) -> list[list[Any]]:
    return [list(answer["selections"]) for answer in victim[1]]


def _victim_tally(victim: tuple[str, Any], threshold: int, closed: int, cell_id: str) -> Event:
    """A "tally" whose one cell is the victim's ballot alone."""
    region, sums = victim[0], _sums(victim)
    return Event.create(
        EventType.ENCRYPTED_TALLY,
        {
            "closed_entry": closed,
            "entries": closed,
            "small_cell_threshold": threshold,
            "cells": [
                {
                    "id": cell_id,
                    "level": "region",
                    "region": region,
                    "units": [region],
                    "ballots": 1,
                    "sums": sums,
                }
            ],
        },
    )


def _refused_by_all(board: MemoryBoard, trustees: list[TrusteeState], match: str) -> None:
    before = board.size()
    for trustee in trustees:
        with pytest.raises(RuleError, match=match):
            trustee_decrypt(board, trustee, SeededRng(b"share"))
    assert board.size() == before  # no share, nothing else either


def test_forged_tallies_get_no_share_and_the_honest_one_does(
    setup: tuple[MemoryBoard, list[TrusteeState], list[tuple[str, Any]]],
) -> None:
    board, trustees, ballots = setup
    victim = ballots[0]
    # 1. Before closing: one ballot, threshold 1.
    board.append(_victim_tally(victim, 1, board.size(), "region:x"))
    _refused_by_all(board, trustees, "voting is not closed")

    closed = publish_close(board, dt.datetime(2022, 9, 28, tzinfo=dt.UTC))
    run_local_mixing(board, trustees[:3], SeededRng(b"guard mixing"))
    # 2. After closing, a threshold of 1.
    board.append(_victim_tally(victim, 1, closed, "region:x"))
    _refused_by_all(board, trustees, "small_cell_threshold")

    # 3. The right header, but a real cell's sums replaced by the victim's ballot alone.
    publish_tally(board)
    honest = latest_tally(board).event.payload
    forged = {**honest, "cells": [dict(c) for c in honest["cells"]]}
    target = next(c for c in forged["cells"] if c["region"] == victim[0] and c["level"] == "region")
    target["sums"] = _sums(victim)
    board.append(Event.create(EventType.ENCRYPTED_TALLY, forged))
    _refused_by_all(board, trustees, f"cell {target['id']} is not the sum")

    # 4. A cell the small-cell rule would not publish (a one-precinct cell under the threshold).
    extra = {**honest, "cells": [*honest["cells"], {**honest["cells"][0], "id": "precinct:x:y"}]}
    board.append(Event.create(EventType.ENCRYPTED_TALLY, extra))
    _refused_by_all(board, trustees, "not a cell the small-cell rule publishes")

    # 5. The honest tally, posted again, is decrypted by every trustee.
    publish_tally(board)
    for trustee in trustees[:3]:
        assert trustee_decrypt(board, trustee, SeededRng(b"share")) > 0
