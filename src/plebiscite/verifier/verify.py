"""The independent verifier: check an exported election record from its files alone.

``docs/verifier.md`` is the checklist (V1 ... V48) this module implements; each check cites
``docs/protocol.md``, ``docs/board.md``, ``docs/ceremony.md``, ``docs/voting.md`` or
``docs/tally.md``. :func:`verify_record` reads only the record directory (``manifest.json``,
``events.jsonl``, ``heads.jsonl``, ``results.json`` and ``results-nist.json`` if present),
trusts nothing precomputed in it, and returns a :class:`VerificationReport`; it never raises
for a fault in the record (a fault is a finding).

Memory is flat in the number of ballots, but for a few bytes per ballot: ``events.jsonl`` is
streamed once for every check while the workers sum every booth ballot into the tally's base
cells; the Merkle tree is a frontier of O(log n) hashes, each device keeps only its chain tip,
and the roll and the check-ins go to a temporary SQLite database, not to memory. Of each cast
ballot only its entry and byte offset are kept: after the pass, the shuffles, tag conversions,
tag shares and the filter are checked chunk by chunk, reading back only that chunk's lines
(:mod:`.verify_mixing`), and the few booth ballots cast after the close are read again to be
taken out. The per-ballot cryptography fans out to processes or a Dask cluster
(:mod:`.verify_ballots`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from plebiscite.crypto.group import Point
from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import VerifyKey
from plebiscite.domain.ballot import election_context, genesis_code, region_specs
from plebiscite.domain.ceremony import Transcript, new_transcript
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest_json
from plebiscite.domain.offline import OFFLINE_KEYS
from plebiscite.domain.roll import PublicEntry
from plebiscite.domain.rules import check_location_open
from plebiscite.errors import PlebisciteError, RecordError
from plebiscite.record.codec import decode_event
from plebiscite.record.events import MAX_EVENT_BYTES, Event, EventType
from plebiscite.record.export import EVENTS, HEADS, MANIFEST
from plebiscite.record.heads import SignedHead
from plebiscite.record.merkle import Frontier, leaf_hash
from plebiscite.record.scratch import ScratchCheckins, ScratchRoll
from plebiscite.verifier.alphas import AlphaSeen
from plebiscite.verifier.anchor import anchored_board_key, guarded
from plebiscite.verifier.ballots import BallotChecker, Statics
from plebiscite.verifier.ceremony import check_ceremony_timing
from plebiscite.verifier.chain_ends import apply_chain_end, check_chain_ends
from plebiscite.verifier.checks import (
    check_ceremony,
    check_roll,
    check_tally_and_results,
)
from plebiscite.verifier.mixing import BOOTH, HOME, MixIndex, check_mixing
from plebiscite.verifier.offline import check_check_in_record, check_upload_record
from plebiscite.verifier.paper import PAPER_EVENTS, check_paper
from plebiscite.verifier.receipts import check_receipt_complaints
from plebiscite.verifier.report import PROTOCOL, VerificationReport
from plebiscite.verifier.witnesses import check_witnesses

#: Called with (stage, done, total); stages: "events" (bytes), "tally" (bytes), "results".
Progress = Callable[[str, int, int], None]

CAST_KEYS = frozenset({"ballot", "signature", "tracking_code", "received_at"})
CHALLENGE_KEYS = frozenset({"ballot", "signature", "tracking_code", "received_at", "opening"})
CHECK_IN_KEYS = frozenset({"device", "checkin", "at", "signature"})
CHECK_IN_OFFLINE_KEYS = frozenset({"checked_at", "checked_at_signature"})  # V70 judges them
_BALLOT_FIELDS = ("election", "device", "location", "checkin", "previous_code")
_CHECKIN = re.compile("[0-9a-f]{32}")


@dataclass
class Device:
    location: str
    key: str
    enrolled_at: int  # entry index
    revoked_at: dt.datetime | None = None
    revoked_entry: int | None = None
    tip: str = ""  # tracking code of the device's last ballot (its genesis code at first)
    count: int = 0  # its ballots so far, cast and challenged
    end: tuple[int, int, str] | None = None  # its chain end: entry, count, last code (V34)


@dataclass
class RecordState:
    """Everything the streaming pass learns, flat in the number of ballots."""

    manifest: Manifest | None = None
    manifest_hash: bytes = b""
    transcript: Transcript | None = None
    key_message: tuple[int, dict[str, Any]] | None = None
    confirmations: list[tuple[int, int, str]] = field(default_factory=list)
    election_key: str | None = None
    context: bytes = b""
    qualified: list[int] = field(default_factory=list)  # recomputed from the transcript
    public_shares: dict[int, Point] = field(default_factory=dict)  # recomputed X_l
    voters: ScratchRoll = field(default_factory=ScratchRoll)  # on disk (memory stays flat)
    roll_parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    checkins: ScratchCheckins = field(default_factory=ScratchCheckins)  # on disk (V11, V16)
    board_key: VerifyKey | None = None
    unreported: list[str] = field(default_factory=list)  # devices with no signed chain end
    cosignatures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # V35
    head_roots: dict[int, bytes] = field(default_factory=dict)  # tree size -> signed root
    last_content: int = -1  # the last entry that is not a cosignature
    closed: tuple[int, dt.datetime | None] | None = None
    tallies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    paper: list[tuple[int, Event]] = field(default_factory=list)  # V40-V43 (verify_paper)
    shares: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    results: tuple[int, dict[str, Any]] | None = None
    uncounted: list[int] = field(default_factory=list)  # cast entries that cannot count
    cast: int = 0
    challenged: int = 0
    checker: BallotChecker | None = None
    alphas: AlphaSeen = field(default_factory=AlphaSeen)  # V29
    mix: MixIndex = field(default_factory=MixIndex)  # V45-V48: offsets of rows and events
    offset: int = 0  # byte offset of the line being applied


def verify_record(
    directory: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    board_key: str | None = None,
) -> VerificationReport:
    """Run every check of ``docs/verifier.md`` on the record in ``directory``.

    ``workers`` processes (default: every core) check the ballots' cryptography, or a Dask
    cluster at ``scheduler``. The report's ``ok`` is true only if every check passed.
    ``board_key`` (hex) pins the board's head key obtained out of band (V32).
    """
    started = time.perf_counter()
    report = VerificationReport(str(directory))
    say = progress or (lambda _stage, _done, _total: None)
    events, heads = directory / EVENTS, directory / HEADS
    if not events.is_file() or not heads.is_file():
        report.fail("V1", f"{directory} has no {EVENTS} or no {HEADS}: not an election record")
        report.seconds = time.perf_counter() - started
        return report
    state = RecordState()
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    state.board_key = anchored_board_key(directory, report, board_key)
    try:
        _stream(directory, state, report, n_workers, scheduler, say)
        if state.manifest is not None:
            guarded(report, "V9", check_roll, state, report)
            guarded(report, "V8", check_ceremony, state, report)
            guarded(report, "V33", check_ceremony_timing, state, report)
            guarded(report, "V34", check_chain_ends, state, report)
            guarded(report, "V35", check_witnesses, state, report)
            doors = guarded(report, "V45", check_mixing, directory, state, report)
            guarded(report, "V23", check_tally_and_results, directory, state, report, doors, say)
            guarded(
                report,
                "V40",
                check_paper,
                state.manifest,
                state.paper,
                report,
                devices=state.devices,
                election=state.manifest_hash,
            )
            guarded(report, "V72", check_receipt_complaints, directory, state, report)
    finally:
        if state.checker is not None:
            state.checker.close()
        state.voters.close()
        state.checkins.close()
    report.seconds = time.perf_counter() - started
    return report


# --- the log: lines, heads, Merkle roots (V1-V5) --------------------------------------------


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """(entry index, line without newline, whether it ended with a newline)."""
    index = 0
    while True:
        raw = stream.readline(MAX_EVENT_BYTES + 2)
        if not raw:
            return
        ended = raw.endswith(b"\n")
        yield index, raw[:-1] if ended else raw, ended
        index += 1


def _read_heads(
    path: Path, report: VerificationReport, key: VerifyKey | None
) -> list[tuple[int, SignedHead]]:
    """Every head that parses and is signed by the board key (V3, V5): the anchored one (V32),
    or, when the record anchors none, the first head's."""
    out: list[tuple[int, SignedHead]] = []
    previous: SignedHead | None = None
    with path.open("rb") as stream:
        for number, raw, ended in _lines(stream):
            where = f"{HEADS} line {number + 1}"
            report.count("V3")
            try:
                if not ended:
                    raise RecordError(f"{where}: no newline at its end (file cut short?)")
                head = SignedHead.decode(raw, where=where)
                head.verify(key)
            except PlebisciteError as exc:
                report.fail("V3", str(exc) if str(exc).startswith(HEADS) else f"{where}: {exc}")
                continue
            key = head.key
            report.count("V5")
            if previous is not None and head.tree_size < previous.tree_size:
                report.fail(
                    "V5",
                    f"{where}: tree size {head.tree_size} after a head of tree size "
                    f"{previous.tree_size}: the log shrank (or heads were reordered)",
                )
            elif previous is not None and head.timestamp < previous.timestamp:
                report.fail("V5", f"{where}: its timestamp is earlier than the previous head's")
            previous = head
            out.append((number + 1, head))
    if not out:
        report.fail("V3", f"{HEADS} holds no valid signed head: nothing vouches for the log")
    return out


def _stream(
    directory: Path,
    state: RecordState,
    report: VerificationReport,
    workers: int,
    scheduler: str | None,
    say: Progress,
) -> None:
    heads = sorted(
        _read_heads(directory / HEADS, report, state.board_key), key=lambda h: h[1].tree_size
    )
    state.head_roots = {head.tree_size: head.root_hash for _, head in heads}
    pending = 0
    frontier = Frontier()
    total = (directory / EVENTS).stat().st_size
    done_bytes = 0
    manifest_file = directory / MANIFEST

    def match_heads() -> None:
        nonlocal pending
        while pending < len(heads) and heads[pending][1].tree_size == frontier.size:
            number, head = heads[pending]
            report.count("V4")
            if head.root_hash != frontier.root():
                report.fail(
                    "V4",
                    f"{HEADS} line {number}: the root of tree size {head.tree_size} does not "
                    f"match the first {head.tree_size} lines of {EVENTS} (changed, dropped, "
                    "inserted or reordered lines)",
                )
            pending += 1

    match_heads()
    with (directory / EVENTS).open("rb") as stream:
        for index, raw, ended in _lines(stream):
            report.count("V2")
            frontier.append(leaf_hash(raw))
            match_heads()
            state.offset = done_bytes
            done_bytes += len(raw) + 1
            if index % 2000 == 0:
                say("events", done_bytes, total)
            if not ended:
                report.fail("V2", "no newline at the end of the file (cut short?)", index)
            try:
                event = decode_event(raw, where=f"{EVENTS} line {index + 1}")
            except RecordError as exc:
                report.fail("V2", str(exc), index)
                continue
            try:
                _apply(event, index, state, report, manifest_file, workers, scheduler)
            except (PlebisciteError, KeyError, TypeError, ValueError, AttributeError) as exc:
                report.fail(_check_of(event.type), f"{event.type} event: malformed: {exc}", index)
            if state.checker is not None:
                for failed_index, check, message in state.checker.take():
                    report.fail(check, message, failed_index)
    report.entries = frontier.size
    for number, head in heads[pending:]:
        report.count("V4")
        report.fail(
            "V4",
            f"{HEADS} line {number}: a head of tree size {head.tree_size}, but {EVENTS} has "
            f"only {frontier.size} lines (lines missing at the end)",
        )
    signed = max((h.tree_size for _, h in heads), default=0)
    report.count("V5")
    if signed < frontier.size:
        report.fail(
            "V5",
            f"entries {signed} to {frontier.size - 1} are not covered by any signed head",
        )
    report.count("V1")
    if state.manifest is None and manifest_file.exists():
        report.fail("V1", f"{MANIFEST} is present but {EVENTS} has no manifest event")
    if state.checker is not None:
        for failed_index, check, message in state.checker.finish():
            report.fail(check, message, failed_index)
    say("events", total, total)


def _check_of(kind: EventType) -> str:
    return {
        EventType.MANIFEST: "V6",
        EventType.CEREMONY_MESSAGE: "V7",
        EventType.ROLL_COMMITMENT: "V9",
        EventType.ROLL_ADDITION: "V10",
        EventType.DEVICE_ENROLMENT: "V11",
        EventType.CHECK_IN: "V11",
        EventType.BALLOT_CAST: "V12",
        EventType.BALLOT_CHALLENGED: "V12",
        EventType.VOTING_CLOSED: "V22",
        EventType.ENCRYPTED_TALLY: "V23",
        EventType.DECRYPTION_SHARE: "V24",
        EventType.RESULTS: "V26",
        EventType.DEVICE_CHAIN_END: "V34",
        EventType.SHUFFLE: "V45",
        EventType.TAG_CONVERSION: "V46",
        EventType.TAG_SHARES: "V47",
    }.get(kind, "V2")


# --- the stateful checks, event by event ----------------------------------------------------


def _apply(
    event: Event,
    index: int,
    state: RecordState,
    report: VerificationReport,
    manifest_file: Path,
    workers: int,
    scheduler: str | None,
) -> None:
    kind, payload = event.type, event.payload
    if kind is EventType.HEAD_COSIGNATURE:
        state.cosignatures.append((index, payload))
        return
    state.last_content = index
    if kind is EventType.MANIFEST:
        _manifest(event, index, state, report, manifest_file)
        return
    if state.manifest is None:
        report.count("V6")
        report.fail("V6", f"a {kind} event before the manifest", index)
        return
    if kind is EventType.ROLL_COMMITMENT:
        _roll_part(payload, index, state, report)
    elif kind is EventType.ROLL_ADDITION:
        _roll_addition(payload, index, state, report)
    elif kind is EventType.CEREMONY_MESSAGE:
        _ceremony_message(payload, index, state, report, workers, scheduler)
    elif kind is EventType.DEVICE_ENROLMENT:
        _device(payload, index, state, report)
    elif kind is EventType.CHECK_IN:
        _check_in(event, index, state, report)
    elif kind in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
        _ballot(event, index, state, report)
    elif kind is EventType.VOTING_CLOSED:
        report.count("V22")
        if state.closed is not None:
            report.fail("V22", f"voting closed a second time (first at entry {state.closed[0]})")
        else:
            closed_at = dt.datetime.fromisoformat(payload["closed_at"])
            if closed_at.tzinfo is None:
                report.fail("V22", "the closing time has no UTC offset", index)
            state.closed = (index, closed_at)
    elif kind is EventType.ENCRYPTED_TALLY:
        state.tallies.append((index, payload))
    elif kind is EventType.DECRYPTION_SHARE:
        state.shares.append((index, payload))
    elif kind is EventType.RESULTS:
        state.results = (index, payload)
    elif kind in PAPER_EVENTS:
        state.paper.append((index, event))
    elif kind is EventType.DEVICE_CHAIN_END:
        apply_chain_end(payload, index, state, report)
    elif kind in _MIXING:
        _mixing(event, index, state, report)


_MIXING = {
    EventType.SHUFFLE: "V45",
    EventType.TAG_CONVERSION: "V46",
    EventType.TAG_SHARES: "V47",
}


def _mixing(event: Event, index: int, state: RecordState, report: VerificationReport) -> None:
    """Keep where a mixing event is (checked after the pass, chunk by chunk: V45-V47)."""
    if state.closed is None:
        check = _MIXING[event.type]
        report.count(check)
        report.fail(check, f"a {event.type} event before voting closed", index)
        return
    where = (index, state.offset)
    if event.type is EventType.SHUFFLE:
        state.mix.shuffles.append(where)
    elif event.type is EventType.TAG_CONVERSION:
        state.mix.conversions.append(where)
    else:
        state.mix.shares.append(where)


def _manifest(
    event: Event, index: int, state: RecordState, report: VerificationReport, manifest_file: Path
) -> None:
    report.count("V6")
    if state.manifest is not None:
        report.fail("V6", "a second manifest event", index)
        return
    if index != 0:
        report.fail("V6", "the manifest is not the first event", index)
    payload = event.payload
    manifest = parse_manifest_json(canonical_json(payload["manifest"]), f"entry {index}")
    digest = manifest_hash(manifest)
    if digest.hex() != payload.get("hash"):
        report.fail(
            "V6",
            f"the manifest hashes to {digest.hex()[:16]}..., the event states "
            f"{str(payload.get('hash'))[:16]}...",
            index,
        )
    if manifest.protocol_version != PROTOCOL:
        report.fail(
            "V6", f"protocol {manifest.protocol_version!r}: this verifier checks {PROTOCOL}", index
        )
    report.count("V1")
    if not manifest_file.is_file():
        report.fail("V1", f"the record has no {MANIFEST}")
    elif manifest_file.read_bytes() != canonical_json(payload) + b"\n":
        report.fail("V1", f"{MANIFEST} differs from the manifest event (entry {index})")
    state.manifest, state.manifest_hash = manifest, digest
    anchored = payload.get("board_key")
    state.transcript = new_transcript(
        manifest, digest, anchored if isinstance(anchored, str) else ""
    )


def _roll_part(
    payload: dict[str, Any], index: int, state: RecordState, report: VerificationReport
) -> None:
    manifest = state.manifest
    assert manifest is not None
    region = payload["region"]
    report.count("V9")
    if region not in manifest.region_by_id:
        report.fail("V9", f"a roll commitment for unknown region {region!r}", index)
        return
    info = state.roll_parts.setdefault(
        region,
        {
            "commitment": payload["commitment"],
            "parts": payload["parts"],
            "count": payload["count"],
            "seen": [],
            "listed": 0,
        },
    )
    if payload["commitment"] != info["commitment"] or payload["count"] != info["count"]:
        report.fail("V9", f"region {region!r}: parts state different commitments or counts", index)
    info["seen"].append(payload["part"])
    for pseudonym, precinct, home in payload["voters"]:
        info["listed"] += 1
        where = manifest.precinct_by_id.get(precinct)
        if where is None or where.region_id != region:
            report.fail("V9", f"voter {pseudonym[:16]}...: precinct {precinct!r} not in {region}")
        if pseudonym in state.voters:
            report.fail("V9", f"voter {pseudonym[:16]}... is on the roll twice", index)
        state.voters[pseudonym] = PublicEntry(pseudonym, region, precinct, bool(home))


def _roll_addition(
    payload: dict[str, Any], index: int, state: RecordState, report: VerificationReport
) -> None:
    manifest = state.manifest
    assert manifest is not None
    report.count("V10")
    voter, region, precinct = payload["voter"], payload["region"], payload["precinct"]
    if not all(isinstance(x, str) for x in (voter, region, precinct)):
        report.fail("V10", "roll addition: voter, region and precinct must be strings", index)
        return
    problems = []
    for name in ("reason", "decision"):
        if not isinstance(payload.get(name), str) or not payload[name].strip():
            problems.append(f"no {name}")
    where = manifest.precinct_by_id.get(precinct)
    if where is None or where.region_id != region:
        problems.append(f"precinct {precinct!r} is not in region {region!r}")
    if voter in state.voters:
        problems.append("the voter is already on the roll")
    if problems:
        report.fail("V10", f"roll addition of {str(voter)[:16]}...: {'; '.join(problems)}", index)
        if voter in state.voters:
            return
    state.voters[voter] = PublicEntry(
        voter, region, precinct, bool(payload.get("home_voting")), str(payload.get("decision"))
    )


def _ceremony_message(
    payload: dict[str, Any],
    index: int,
    state: RecordState,
    report: VerificationReport,
    workers: int,
    scheduler: str | None,
) -> None:
    transcript = state.transcript
    assert transcript is not None and state.manifest is not None
    step = payload.get("step")
    if step == "election_key":
        report.count("V8")
        transcript.apply(index, payload)
        if state.key_message is not None:
            return  # the first key stands; a later one does not count (V33)
        state.key_message = (index, payload)
        state.election_key = str(payload["election_key"])
        state.context = election_context(state.manifest_hash, Point.from_hex(state.election_key))
        manifest = state.manifest
        specs = {
            r.id: tuple(
                (s.question_id, s.n_options, s.min_selections, s.max_selections)
                for s in region_specs(manifest, r.id)
            )
            for r in manifest.regions
        }
        statics = Statics(
            state.manifest_hash.hex(),
            state.election_key,
            state.context,
            specs,
            {
                loc.id: (loc.region_id, loc.precinct_id, loc.kind.value)
                for loc in manifest.locations
            },
            {day.date.isoformat(): day.number for day in manifest.days},
            manifest.time_zone,
        )
        state.checker = BallotChecker(statics, workers=workers, scheduler=scheduler)
        return
    report.count("V7")
    before = len(transcript.problems)
    transcript.apply(index, payload)
    for problem in transcript.problems[before:]:
        report.fail("V7", problem, index)
    if step == "confirm" and len(transcript.problems) == before:
        state.confirmations.append((index, int(payload["trustee"]), str(payload["public_share"])))


def _device(
    payload: dict[str, Any], index: int, state: RecordState, report: VerificationReport
) -> None:
    manifest = state.manifest
    assert manifest is not None
    report.count("V11")
    device_id = payload["device"]
    if payload.get("revoked"):
        device = state.devices.get(device_id)
        if device is None:
            report.fail("V11", f"revocation of device {device_id!r}, which was never enrolled")
            return
        device.revoked_at = dt.datetime.fromisoformat(payload["revoked_at"])
        device.revoked_entry = index
        return
    if device_id in state.devices:
        report.fail("V11", f"device {device_id!r} enrolled a second time", index)
        return
    location = payload["location"]
    if location not in manifest.location_by_id:
        report.fail("V11", f"device {device_id!r} enrolled at unknown location {location!r}", index)
    key = str(payload["public_key"])
    if len(key) != 64 or key != key.lower():
        report.fail("V11", f"device {device_id!r}: the public key is not 32 bytes of hex", index)
    state.devices[device_id] = Device(
        location, key, index, tip=genesis_code(state.manifest_hash, device_id)
    )


def _check_in(event: Event, index: int, state: RecordState, report: VerificationReport) -> None:
    report.count("V11")
    payload = event.payload
    device = state.devices.get(payload["device"])
    if set(payload) - CHECK_IN_OFFLINE_KEYS != CHECK_IN_KEYS:
        report.fail(
            "V11", f"check-in fields {sorted(payload)}, expected {sorted(CHECK_IN_KEYS)}", index
        )
    if _time(payload.get("at")) is None:
        report.fail("V11", "the check-in's time is not an ISO-8601 time with an offset", index)
    checkin = payload.get("checkin")
    if not isinstance(checkin, str) or not _CHECKIN.fullmatch(checkin):
        report.fail(
            "V11", f"check-in id {str(checkin)[:40]!r} is not 16 bytes of lowercase hex", index
        )
    elif device is not None:
        earlier = state.checkins.add(payload["device"], checkin, index)
        if earlier is not None:
            report.fail(
                "V11",
                f"device {payload['device']!r} reuses check-in id {checkin} (first at entry "
                f"{earlier})",
                index,
            )
    if device is None:
        report.fail("V11", f"check-in by unknown device {payload['device']!r}", index)
    elif state.checker is not None:
        state.checker.add((index, event.data, device.key, None))
    if device is not None and state.manifest is not None:  # an offline check-in: V70
        location = state.manifest.location_by_id.get(device.location)
        check_check_in_record(event.payload, device.key, location, state, report, index)


def _ballot(event: Event, index: int, state: RecordState, report: VerificationReport) -> None:
    manifest = state.manifest
    assert manifest is not None
    payload = event.payload
    cast = event.type is EventType.BALLOT_CAST
    report.ballots += 1
    state.cast += cast
    state.challenged += not cast
    for check in ("V12", "V13", "V14", "V15", "V16", "V17", "V18", "V19", "V44"):
        report.count(check)
    if not cast:
        report.count("V20")
    keys = set(payload) - OFFLINE_KEYS  # an upload, cast or challenged on the device
    if cast and "opening" in keys:
        report.count("V20")
        report.fail("V20", "a challenged ballot (it carries its opening) recorded as cast", index)
    expected = CAST_KEYS if cast else CHALLENGE_KEYS
    if keys != expected and not (cast and keys == expected | {"opening"}):
        report.fail("V12", f"payload fields {sorted(keys)}, expected {sorted(expected)}", index)
    ballot = payload["ballot"]
    if not isinstance(ballot, dict) or not all(
        isinstance(ballot.get(f), str) for f in _BALLOT_FIELDS
    ):
        report.fail(
            "V12", "the ballot lacks its election, device, location, check-in or chain", index
        )
        return
    state.alphas.check(ballot, index, report)
    code = str(payload["tracking_code"])
    device_id, location_id = ballot["device"], ballot["location"]
    who = f"device {device_id!r}, ballot {code[:16]}"
    if ballot["election"] != state.manifest_hash.hex():
        report.fail("V12", f"{who}: the ballot names election {ballot['election'][:16]}...", index)
    received = _time(payload.get("received_at"))
    device = state.devices.get(device_id)
    if device is None:
        report.fail("V13", f"{who}: the device was never enrolled (before this entry)", index)
    elif device.location != location_id:
        report.fail("V13", f"{who}: the device is enrolled at {device.location!r}", index)
    elif device.revoked_entry is not None or (
        device.revoked_at is not None and received is not None and received >= device.revoked_at
    ):
        report.fail("V13", f"{who}: the device was revoked", index)
    location = manifest.location_by_id.get(location_id)
    if received is None:
        report.fail("V15", f"{who}: received_at is not an ISO-8601 time with an offset", index)
    elif location is not None and "cast_at" not in payload:  # an upload's window: V70
        try:
            check_location_open(manifest, location_id, received)
        except PlebisciteError as exc:
            report.fail("V15", f"{who}: {exc}", index)
    if state.closed is not None:
        report.fail("V15", f"{who}: recorded after voting closed (entry {state.closed[0]})", index)
    region = None if location is None else location.region_id
    if location is None:
        report.fail("V16", f"{who}: unknown location {location_id!r}", index)
    used = state.checkins.use(device_id, ballot["checkin"], cast)
    if used is None:
        report.fail(
            "V16", f"{who}: check-in {ballot['checkin'][:32]} was not posted earlier by the device",
            index,
        )  # fmt: skip
    elif cast and used[1]:
        report.fail(
            "V16", f"{who}: a second cast ballot under the check-in of entry {used[0]}", index
        )
    tip = device.tip if device is not None else genesis_code(state.manifest_hash, device_id)
    if ballot["previous_code"] != tip:
        report.fail(
            "V19",
            f"{who}: continues from {ballot['previous_code'][:16]}..., but the device's "
            f"previous ballot is {tip[:16]}... (a ballot dropped, inserted, reordered or forked)",
            index,
        )
    if device is not None:
        device.tip = code
        device.count += 1
    if state.checker is not None:
        state.checker.add((index, event.data, None if device is None else device.key, region))
    else:
        report.fail("V17", f"{who}: a ballot before the election key", index)
    check_upload_record(  # a ballot challenged offline is an upload too
        payload, None if device is None else device.key, location, manifest, received, report,
        index, who,
    )  # fmt: skip
    if cast and location is not None and state.closed is None:  # a row (domain/mixing.py)
        batch = BOOTH if location.kind.is_booth else HOME
        state.mix.ballot(location.region_id, batch, index, state.offset)
    if cast and (location is None or received is None or state.closed is not None):
        state.uncounted.append(index)  # no location, no time or after the close (V15, V16)


def _time(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.utcoffset() is not None else None


__all__ = ["Progress", "RecordState", "VerificationReport", "verify_record"]
