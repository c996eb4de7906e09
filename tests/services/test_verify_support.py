"""Builds a complete small election record for the verifier's tests, and tampers with copies.

Not a test module of its own (it holds no tests); ``test_verify.py`` and the CLI tests import
it. The record: the seed manifest, a roll with one addition, a 3-of-5 ceremony with a cheating
dealer, synthetic enrolment, check-ins and ballots, a challenged ballot, a booth ballot that
overrides its voter's door-to-door ballot, the close, the shuffles in chunks of
:data:`CHUNK_ROWS`, two trustees' tag conversions and three trustees' tag shares
(``services/tally/mixing.py``), the tally with the door-to-door cells, three trustees' shares,
the results, signed heads, the export and ``results.json`` with the NIST file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import pickle
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verify_mixing_support import (
    Mixed,
    observe,
    post_tally_shares,
    publish_counted_tally,
    run_mixing,
)

from paper_support import file, protocol_data
from plebiscite.crypto.ballot import encrypt_answer
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ballot import Ballot, encrypt_tag, genesis_code, region_specs
from plebiscite.domain.ceremony import SIGNATURE_TAG
from plebiscite.domain.manifest import LocationKind
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.domain.roll import RollAddition, RollEntry, build_roll, generate_roll
from plebiscite.record.events import Event, EventType
from plebiscite.record.export import export_board
from plebiscite.record.heads import sign_head
from plebiscite.record.memory import MemoryBoard
from plebiscite.record.merkle import Frontier, leaf_hash
from plebiscite.services.ceremony.steps import TrusteeState, run_local_ceremony
from plebiscite.services.election.definition import (
    load_election,
    publish_close,
    publish_manifest,
    publish_roll,
    publish_roll_addition,
)
from plebiscite.services.simulation.synthetic import device_key, enrolment_events, synthetic_ballots
from plebiscite.services.tally.count import Waiting, combine, publish_tally, trustee_decrypt
from plebiscite.services.tally.mixing import convert, mix, post_tag_shares
from plebiscite.services.tally.results import ballot_dispositions, write_results
from plebiscite.services.voting.chain_ends import ChainEnds, sign_chain_end
from plebiscite.services.voting.records import sign_check_in

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
MANIFEST = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))
DIGEST = manifest_hash(MANIFEST)
HEAD_KEY = SigningKey(bytes(range(32)))
HEAD_TIME = 1_664_300_000_000


@dataclass
class Built:
    record: Path
    trustees: list[TrusteeState]
    challenged: str  # tracking code of the challenged ballot
    overridden: str  # the door-to-door ballot a booth ballot of the same voter overrides
    overriding: str
    mixed: Mixed


CHUNK_ROWS = 8
CONVERTERS = (0, 2)  # trustees 1 and 3 convert the tags
DECRYPTERS = (0, 2, 3)  # trustees 1, 3 and 4 decrypt tags and tally


def _tips(board: MemoryBoard) -> dict[str, str]:
    tips: dict[str, str] = {}
    for entry in board.entries():
        if entry.event.type in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
            tips[entry.event.payload["ballot"]["device"]] = entry.event.payload["tracking_code"]
    return tips


def check_in(location_id: str, checkin: str, at: dt.datetime, voter: str) -> Event:
    """The synthetic device of ``location_id`` checks ``voter`` in under ``checkin``."""
    device = f"synthetic-{location_id}"
    payload = {
        "device": device,
        "checkin": checkin,
        "at": at.astimezone(dt.UTC).isoformat(),
        "signature": sign_check_in(device_key(location_id), DIGEST.hex(), device, checkin),
    }
    return Event.create(EventType.CHECK_IN, payload, private={"voter": voter})


def make_ballot(
    board: MemoryBoard,
    voter: str,
    location_id: str,
    previous: str,
    seed: bytes,
    pick: int = 0,
    checkin: str | None = None,
) -> tuple[Ballot, list[list[int]]]:
    """A ballot of ``voter`` (its tag theirs) under ``checkin`` (by default derived from the
    seed; the caller posts the check-in)."""
    election = load_election(board)
    assert election.election_key is not None
    location = MANIFEST.location_by_id[location_id]
    answers, choices = [], []
    for spec in region_specs(MANIFEST, location.region_id):
        choice = [1 if i == pick else 0 for i in range(spec.n_options)]
        choices.append(choice)
        answers.append(
            encrypt_answer(
                election.election_key, election.context, spec, choice, seed, SeededRng(seed)
            )
        )
    device = f"synthetic-{location_id}"
    checkin = checkin or seed[:16].hex()
    tag, _ = encrypt_tag(
        election.election_key, election.context, device, checkin, voter, SeededRng(seed + b"t")
    )
    ballot = Ballot(DIGEST.hex(), device, location_id, checkin, previous, tag, tuple(answers))
    return ballot, choices


def _station(precinct: str, kind: LocationKind) -> str:
    return next(
        loc.id for loc in MANIFEST.locations if loc.precinct_id == precinct and loc.kind is kind
    )


#: A directory where honest records are kept between test processes (``make mutation``: the
#: verifier's mutants all read the same honest record, which only the producer's code builds).
CACHE_ENV = "PLEBISCITE_RECORD_CACHE"


def build_record(
    out: Path, voters: int = 120, extra: Callable[[MemoryBoard, str], None] | None = None
) -> Built:
    """:func:`_build_record`, or a copy of the one kept under ``$PLEBISCITE_RECORD_CACHE``."""
    cache = os.environ.get(CACHE_ENV)
    if not cache or extra is not None:
        return _build_record(out, voters, extra)
    kept = Path(cache) / f"record-{voters}"
    if not (kept / "built.pickle").exists():
        built = _build_record(kept / "record", voters)
        (kept / "built.pickle").write_bytes(pickle.dumps(built))
    built = pickle.loads((kept / "built.pickle").read_bytes())
    shutil.copytree(kept / "record", out)
    return dataclasses.replace(built, record=out)


def _build_record(
    out: Path, voters: int = 120, extra: Callable[[MemoryBoard, str], None] | None = None
) -> Built:
    """The record; ``extra(board, voter)`` appends events before the close (a dishonest
    board's additions, which the count after the close then processes as it finds them);
    ``voter`` is the pseudonym of the voter who overrode a door-to-door ballot."""
    board = MemoryBoard()
    publish_manifest(board, MANIFEST, HEAD_KEY.verify_key)
    roll = build_roll(MANIFEST, DIGEST, generate_roll(MANIFEST, 300, random.Random(7)), b"r" * 32)
    publish_roll(board, roll)
    addition = RollAddition(
        RollEntry("V999999999", "donetsk", "dn-0101"), "court order", "decision-17"
    )
    publish_roll_addition(board, roll, addition)
    trustees = [TrusteeState.create(i, DIGEST) for i in range(1, 6)]
    run_local_ceremony(board, trustees, SeededRng(b"ceremony"), cheaters={2: [4]})
    board.append_batch(enrolment_events(MANIFEST))
    board.sign_head(HEAD_KEY, HEAD_TIME)
    election = load_election(board)
    made = list(synthetic_ballots(election, voters, random.Random(3), SeededRng(b"ballots")))
    for synthetic in made[: voters // 2]:
        board.append_batch(synthetic.events)
    board.sign_head(HEAD_KEY, HEAD_TIME + 1000)
    for synthetic in made[voters // 2 :]:
        board.append_batch(synthetic.events)

    # A challenged ballot by a voter who has not voted.
    voted = {s.event.private["voter"] for s in made if s.event.private}
    fresh = next(
        p for p, e in sorted(election.voters.items()) if p not in voted and e.region_id == "donetsk"
    )
    station = _station(election.voters[fresh].precinct_id, LocationKind.MAKESHIFT_STATION)
    tips = _tips(board)
    device = f"synthetic-{station}"
    ballot, choices = make_ballot(
        board, fresh, station, tips.get(device, genesis_code(DIGEST, device)), b"c" * 32
    )
    at = MANIFEST.open_spans(MANIFEST.location_by_id[station])[3][0] + dt.timedelta(hours=2)
    board.append(check_in(station, ballot.checkin, at, fresh))
    challenged = ballot.tracking_code()
    board.append(
        Event.create(
            EventType.BALLOT_CHALLENGED,
            {
                "ballot": ballot.to_json(),
                "signature": ballot.sign(device_key(station)),
                "tracking_code": challenged,
                "received_at": at.astimezone(dt.UTC).isoformat(),
                "opening": {"nonce_seed": (b"c" * 32).hex(), "choices": choices},
            },
        )
    )

    # A booth ballot on day 5 that overrides its voter's door-to-door ballot.
    home = next(
        s
        for s in made
        if MANIFEST.location_by_id[s.event.payload["ballot"]["location"]].kind
        is LocationKind.MOBILE_TEAM
    )
    assert home.event.private is not None
    voter = home.event.private["voter"]
    booth = _station(election.voters[voter].precinct_id, LocationKind.REGULAR_STATION)
    device = f"synthetic-{booth}"
    tips = _tips(board)
    ballot, _ = make_ballot(
        board, voter, booth, tips.get(device, genesis_code(DIGEST, device)), b"s" * 32, pick=1
    )
    at = MANIFEST.open_spans(MANIFEST.location_by_id[booth])[0][0] + dt.timedelta(hours=3)
    board.append(check_in(booth, ballot.checkin, at, voter))
    overriding = ballot.tracking_code()
    board.append(
        Event.create(
            EventType.BALLOT_CAST,
            {
                "ballot": ballot.to_json(),
                "signature": ballot.sign(device_key(booth)),
                "tracking_code": overriding,
                "received_at": at.astimezone(dt.UTC).isoformat(),
            },
            private={"voter": voter},
        )
    )

    if extra is not None:
        extra(board, voter)
    publish_close(board, dt.datetime(2022, 9, 27, 21, tzinfo=MANIFEST.zone))
    end_chains(board)
    rng = SeededRng(b"mix")
    if extra is None:  # the services the authority and trustees run
        mix(board, rng, chunk_rows=CHUNK_ROWS)
        for index in CONVERTERS:
            convert(board, trustees[index], rng)
        for index in DECRYPTERS:
            post_tag_shares(board, trustees[index], rng)
        publish_tally(board)
        for index in DECRYPTERS:
            trustee_decrypt(board, trustees[index], rng)
        mixed = observe(board)
    else:  # the same steps by hand, counting whatever the filter finds (the services refuse)
        mixed = run_mixing(
            board,
            [trustees[i] for i in CONVERTERS],
            [trustees[i] for i in DECRYPTERS],
            rng,
            chunk_rows=CHUNK_ROWS,
            strict=False,
        )
        publish_counted_tally(board, mixed)
        for index in DECRYPTERS:
            post_tally_shares(board, trustees[index], rng)
    results = combine(board)
    assert not isinstance(results, Waiting)
    _file_paper(board)
    board.sign_head(HEAD_KEY, HEAD_TIME + 2000)
    export_board(board, out)
    write_results(
        out,
        MANIFEST,
        results,
        ballot_dispositions(board.entries()),
        generated=dt.datetime(2022, 9, 28, 9, tzinfo=dt.UTC),
        is_test=True,
    )
    return Built(out, trustees, challenged, home.event.payload["tracking_code"], overriding, mixed)


# --- tampering -------------------------------------------------------------------------------

Lines = list[dict[str, Any]]


def _file_paper(board: MemoryBoard) -> None:
    """An honest paper side for V40-V43 and V49: a protocol and its correction, a trip, custody
    acts, each filed and signed by the precinct's station device."""
    first = {**protocol_data(), "version": 1}
    file(board, "protocol", [first, {**first, "version": 2, "reason": "recount"}])
    trip = {
        "trip": "dn-0101-t1",
        "precinct": "dn-0101",
        "date": "2022-09-23",
        "team": ["member-a", "member-b"],
        "observers": [],
        "box": "MB-1",
        "seal_out": "S-1",
        "seal_in": "S-1",
        "applications": 40,
        "taken": 42,
        "issued": 38,
        "spoiled": 1,
        "returned": 3,
        "found": 38,
    }
    file(board, "trip", trip)
    act = {"precinct": "dn-0101", "seal": "S-7", "signatories": ["a", "b"], "observers": []}
    file(
        board,
        "custody",
        [
            {**act, "date": "2022-09-23", "box": "MB-1", "box_kind": "mobile", "packet": "P-1",
             "count": 900},
            {**act, "date": "2022-09-27", "box": "SB-1", "box_kind": "stationary",
             "packet": "P-2", "count": 600},
        ],
    )  # fmt: skip


def read_events(record: Path) -> Lines:
    text = (record / "events.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def encode(event: dict[str, Any]) -> bytes:
    return Event.create(event["type"], event["payload"]).data


def resign_heads(record: Path, lines: list[bytes], sizes: list[int] | None = None) -> None:
    """Sign heads over ``lines`` with the board key (a dishonest board re-signing its log)."""
    targets = sorted(set(sizes or []) | {len(lines)})
    frontier = Frontier()
    heads = []
    for size in targets:
        while frontier.size < size:
            frontier.append(leaf_hash(lines[frontier.size]))
        head = sign_head(HEAD_KEY, size, frontier.root(), HEAD_TIME + size)
        heads.append(head.encode() + b"\n")
    (record / "heads.jsonl").write_bytes(b"".join(heads))


def rechain(events: Lines) -> Lines:
    """Re-sign and re-chain every synthetic device's ballots (the devices' keys are known)."""
    tips: dict[str, str] = {}
    counts: dict[str, int] = {}
    renamed: dict[str, str] = {}
    for event in events:
        if event["type"] == "device_chain_end":
            _reend(event["payload"], tips, counts)
        if event["type"] not in ("ballot_cast", "ballot_challenged"):
            continue
        payload = event["payload"]
        ballot = Ballot.from_json(payload["ballot"])
        device = ballot.device
        ballot = Ballot(
            ballot.election,
            device,
            ballot.location,
            ballot.checkin,
            tips.get(device, genesis_code(DIGEST, device)),
            ballot.tag,
            ballot.answers,
        )
        code = ballot.tracking_code()
        renamed[payload["tracking_code"]] = code
        payload["ballot"] = ballot.to_json()
        payload["signature"] = ballot.sign(device_key(ballot.location))
        payload["tracking_code"] = code
        tips[device] = code
        counts[device] = counts.get(device, 0) + 1
    return events


def _reend(payload: dict[str, Any], tips: dict[str, str], counts: dict[str, int]) -> None:
    """Move a device's chain end to where its re-chained ballots now end, re-signed."""
    device = payload["device"]
    payload["count"] = counts.get(device, 0)
    payload["last_code"] = tips.get(device, genesis_code(DIGEST, device))
    if "signature" in payload:
        body = sign_chain_end(
            device_key(device.removeprefix("synthetic-")),
            DIGEST.hex(),
            device,
            payload["count"],
            payload["last_code"],
        )
        payload["signature"] = body["signature"]


def tampered(
    built: Built,
    into: Path,
    edit: Callable[[Lines], Lines | None],
    *,
    chain: bool = False,
    heads: bool = True,
) -> Path:
    """A copy of the record with its events edited, optionally re-chained and re-signed."""
    out = into / "record"
    shutil.copytree(built.record, out)
    events = read_events(out)
    edited = edit(events)
    events = events if edited is None else edited
    if chain:
        events = rechain(events)
    lines = [encode(e) for e in events]
    (out / "events.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    if heads:
        resign_heads(out, lines)
    return out


def end_chains(board: MemoryBoard, skip: tuple[str, ...] = ()) -> None:
    """Every synthetic device that cast a ballot signs where its chain ends (the others are
    named unreported by the tally)."""
    ends = ChainEnds(board)
    at = dt.datetime(2022, 9, 27, 21, 5, tzinfo=dt.UTC)
    for device, row in sorted(board.devices().items()):
        if row.chain_count and device not in skip:
            location = device.removeprefix("synthetic-")
            body = sign_chain_end(
                device_key(location), DIGEST.hex(), device, row.chain_count, row.chain_head
            )
            ends.post(device, body, at)


def sign_as_trustee(state: TrusteeState, payload: dict[str, Any]) -> dict[str, Any]:
    """Re-sign a ceremony or decryption message with a trustee's key."""
    from plebiscite.crypto.hashing import canonical_json

    body = {k: v for k, v in payload.items() if k != "signature"}
    body["signature"] = state.signing_key.sign(SIGNATURE_TAG, canonical_json(body)).hex()
    return body


def ballots(events: Lines, kind: str = "ballot_cast") -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]
