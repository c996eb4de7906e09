"""Shared pieces of the load and fault scenarios (``docs/operations.md``).

A scenario sets up a test election on a board (a one-trustee test key; never a real one),
starts ``plebiscite serve`` on it in a subprocess with the demo clock inside a makeshift
station's opening hours, prepares chained ballots for a fleet of devices before any clock
starts, sends them over loopback, and at the end checks the record offline:

* every receipt a client holds is in the exported ``events.jsonl`` at its leaf index with its
  leaf hash, its own proof verifies, and :func:`check_receipt` passes on a sample;
* no tracking code appears twice and no voter (by the board's private check-in index) has two
  cast ballots at one location;
* the record verifies (:func:`verify_record`).

Used by ``bench/load/*.py`` and ``tests/faults/``. Only 127.0.0.1; every loop bounded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from plebiscite.crypto.group import Point
from plebiscite.crypto.randomness import SystemRng
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.domain.roll import build_roll, generate_roll
from plebiscite.interfaces.app import load_board_key
from plebiscite.record.export import export_board, import_export
from plebiscite.record.memory import MemoryBoard
from plebiscite.record.merkle import leaf_hash
from plebiscite.record.sql import SqlBoard
from plebiscite.services.ceremony.steps import TrusteeState, run_local_ceremony
from plebiscite.services.election.definition import Election as ElectionState
from plebiscite.services.election.definition import publish_manifest, publish_roll
from plebiscite.services.tally.count import Waiting, combine, publish_tally, trustee_decrypt
from plebiscite.services.tally.mixing import run_local_mixing
from plebiscite.services.tally.results import ballot_dispositions, write_results
from plebiscite.services.voting.booth import Booth
from plebiscite.services.voting.casting import Receipt
from plebiscite.services.voting.receipts import check_receipt
from plebiscite.verifier.verify import verify_record

ROOT = Path(__file__).resolve().parents[2]
SEED_MANIFEST = ROOT / "examples" / "seed-referendum" / "manifest.toml"
TOKEN = "load-test-token"
#: Trustees who decrypt the tally (3 of 5).
DECRYPTING = (1, 3, 4)
JSON = {"content-type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@cache
def _manifest(path: str) -> Manifest:
    return parse_manifest(Path(path).read_text(encoding="utf-8"), path)


# --- the election -----------------------------------------------------------------------------


@dataclass
class Election:
    """A test election on a board, and the roll's voters not yet given a ballot."""

    db: str
    key_file: Path
    manifest_hash: bytes
    election_key: str  # hex
    start: dt.datetime  # a time inside every makeshift station's first opening span
    stations: list[tuple[str, str]]  # (location id, region id)
    unused: dict[str, list[str]]  # region id -> pseudonyms not yet used
    trustees: list[TrusteeState]
    results: dict[str, Any] | None = None
    applicants: set[str] = field(default_factory=set)  # applied to vote at home (door to door)

    @property
    def manifest(self) -> Manifest:
        return _manifest(str(SEED_MANIFEST))

    def take_voters(self, region: str, n: int) -> list[str]:
        pool = self.unused[region]
        if len(pool) < n:
            raise RuntimeError(f"the roll of {region} has {len(pool)} unused voters, {n} needed")
        taken, self.unused[region] = pool[:n], pool[n:]
        return taken

    def take_applicants(self, region: str, n: int) -> list[str]:
        """Unused voters of ``region`` who applied to vote at home (a mobile team takes no
        one else)."""
        taken = [p for p in self.unused[region] if p in self.applicants][:n]
        if len(taken) < n:
            raise RuntimeError(
                f"the roll of {region} has {len(taken)} unused applicants, {n} needed"
            )
        self.unused[region] = [p for p in self.unused[region] if p not in taken]
        return taken


def setup_election(db: str, key_file: Path, voters: int, seed: int = 7) -> Election:
    """Publish the seed manifest and a synthetic roll of ``voters`` on ``db``, and run the
    3-of-5 key ceremony (all five trustees honest, their states kept for the tally)."""
    manifest = _manifest(str(SEED_MANIFEST))
    digest = manifest_hash(manifest)
    entries = generate_roll(manifest, voters, random.Random(seed), home_share=0.3)
    roll = build_roll(manifest, digest, entries, random.Random(seed).randbytes(32))
    trustees = [TrusteeState.create(i, digest) for i in range(1, 6)]
    board = SqlBoard.open(db, create=True)
    try:
        publish_manifest(board, manifest, load_board_key(key_file, create=True).verify_key)
        publish_roll(board, roll)
        run_local_ceremony(board, trustees, SystemRng())
        folded = ElectionState()
        for entry in board.entries():
            folded.apply(entry)
    finally:
        board.close()
    assert folded.election_key is not None
    stations = [
        (loc.id, loc.region_id)
        for loc in manifest.locations
        if loc.kind is LocationKind.MAKESHIFT_STATION
    ]
    first = manifest.open_spans(manifest.location_by_id[stations[0][0]])[0][0]
    unused: dict[str, list[str]] = {}
    for public in roll.public_entries.values():
        unused.setdefault(public.region_id, []).append(public.pseudonym)
    return Election(
        db,
        key_file,
        digest,
        folded.election_key.hex(),
        first.replace(minute=1),
        stations,
        unused,
        trustees,
        applicants={p.pseudonym for p in roll.public_entries.values() if p.home_voting},
    )


def tally(election: Election, workers: int = 2) -> None:
    """After the close: the shuffle, three trustees' tag conversions and tag shares, the
    encrypted tally, their tally shares, the results (in the board), as the authority and the
    trustees would."""
    board = SqlBoard.open(election.db)
    try:
        decrypting = [election.trustees[index - 1] for index in DECRYPTING]
        run_local_mixing(board, decrypting, SystemRng(), workers=workers)
        publish_tally(board, db=election.db, workers=workers)
        for index in DECRYPTING:
            trustee_decrypt(board, election.trustees[index - 1], SystemRng())
        results = combine(board)
        if isinstance(results, Waiting):
            raise RuntimeError(str(results))
        election.results = results
    finally:
        board.close()


# --- devices and their ballots ----------------------------------------------------------------


@dataclass
class Device:
    """A booth with its chain of prepared ballots (request bodies), in chain order, and the
    check-ins (request bodies) its ballots follow: :meth:`Server.enrol` posts them."""

    id: str
    location: str
    seed: bytes
    voters: list[str]
    bodies: list[bytes] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    check_ins: list[bytes] = field(default_factory=list)

    def enrolment(self) -> dict[str, str]:
        return {
            "device": self.id,
            "location": self.location,
            "public_key": SigningKey(self.seed).verify_key.hex(),
        }


def _prepare_one(
    manifest_hash: bytes,
    election_key: str,
    device: str,
    location: str,
    seed: bytes,
    voters: list[str],
) -> tuple[list[bytes], list[str], list[bytes]]:
    manifest = _manifest(str(SEED_MANIFEST))
    booth = Booth(
        manifest, manifest_hash, Point.from_hex(election_key), device, location, SigningKey(seed)
    )
    bodies, codes, check_ins = [], [], []
    for n, voter in enumerate(voters):
        check_ins.append(json.dumps(booth.check_in(voter)).encode())
        prepared = booth.prepare_vectors(voter, [[1, 0] if n % 3 else [0, 1]])
        booth.accepted(prepared)  # chain the next one to it: the server takes them in order
        bodies.append(json.dumps(prepared.cast_body()).encode())
        codes.append(prepared.tracking_code)
    return bodies, codes, check_ins


def make_fleet(
    election: Election, devices: int, per_device: int, prefix: str, workers: int = 2
) -> list[Device]:
    """``devices`` booths spread over the makeshift stations, each with ``per_device`` chained
    ballots of distinct voters, prepared on ``workers`` processes."""
    fleet = []
    for i in range(devices):
        location, region = election.stations[i % len(election.stations)]
        fleet.append(
            Device(
                f"{prefix}-{i}", location, os.urandom(32), election.take_voters(region, per_device)
            )
        )
    if per_device == 0:
        return fleet
    args = [
        (election.manifest_hash, election.election_key, d.id, d.location, d.seed, d.voters)
        for d in fleet
    ]
    if workers <= 1:
        results = [_prepare_one(*a) for a in args]
    else:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_prepare_one, *zip(*args, strict=True)))
    for device, (bodies, codes, check_ins) in zip(fleet, results, strict=True):
        device.bodies, device.codes, device.check_ins = bodies, codes, check_ins
    return fleet


# --- the server -------------------------------------------------------------------------------


class Server:
    """``plebiscite serve`` in a subprocess on 127.0.0.1, with the demo clock."""

    def __init__(
        self,
        db: str,
        key_file: Path,
        start: dt.datetime,
        port: int | None = None,
        extra: Sequence[str] = (),
    ) -> None:
        self.extra = list(extra)  # more `plebiscite serve` options, e.g. --workers 2
        self.db = db
        self.key_file = key_file
        self.start_time = start
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(f"/tmp/plebiscite-load-{os.getpid()}-{self.port}.log")

    def start(self, ready_s: float = 60) -> None:
        command = [
            str(Path(sys.executable).parent / "plebiscite"),
            "serve",
            "--db",
            self.db,
            "--port",
            str(self.port),
            "--admin-token",
            TOKEN,
            "--board-key",
            str(self.key_file),
            "--demo-clock",
            "--demo-start",
            self.start_time.isoformat(),
            *self.extra,
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log)
        deadline = time.monotonic() + ready_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            try:
                httpx.get(f"{self.url}/clock", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"the server did not answer within {ready_s} s")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def rss_kib(self) -> int:
        """Resident memory of the server process, from /proc (0 if it is gone)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return 0
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def enrol(self, fleet: Sequence[Device], check_ins: bool = True) -> None:
        """Enrol the fleet and (unless the caller sends them itself) post its check-ins: a
        ballot follows its voter's check-in on the same device."""
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=self.url, timeout=30) as http:
            for device in fleet:
                http.post(
                    "/authority/devices", json=device.enrolment(), headers=auth
                ).raise_for_status()
                for body in device.check_ins if check_ins else ():
                    http.post(
                        f"/devices/{device.id}/check-ins", content=body, headers=JSON
                    ).raise_for_status()

    def close_voting(self) -> int:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        r = httpx.post(f"{self.url}/authority/close", headers=auth, timeout=60)
        return r.status_code


def preload(election: Election, fleet: Sequence[Device], at: dt.datetime) -> None:
    """Enrol the fleet and record its check-ins straight on the board (through the casting
    rules, in batches), as the service would have recorded them at ``at``: for a long run,
    where posting a hundred thousand check-ins over HTTP first would take longer than the run."""
    from plebiscite.record.events import Event, EventType

    events: list[Event] = []
    for device in fleet:
        events.append(
            Event.create(
                EventType.DEVICE_ENROLMENT,
                {**device.enrolment(), "enrolled_at": at.isoformat()},
            )
        )
        for body in device.check_ins:
            sent = json.loads(body)
            payload = {
                "device": device.id,
                "checkin": sent["checkin"],
                "at": at.isoformat(),
                "signature": sent["signature"],
            }
            private = {"voter": sent["voter"]}
            events.append(Event.create(EventType.CHECK_IN, payload, private=private))
    board = SqlBoard.open(election.db)
    try:
        for start in range(0, len(events), 2000):
            board.append_batch(events[start : start + 2000])
    finally:
        board.close()


def _receipts_against(
    receipts: dict[str, dict[str, Any]], where: dict[str, tuple[int, bytes]], key: VerifyKey
) -> tuple[list[str], list[str]]:
    """The tracking codes of the receipts whose ballot is not on the board, and of those on it
    at another leaf, with another leaf hash, or whose head or proof does not verify."""
    missing, wrong = [], []
    for code, receipt in receipts.items():
        found = where.get(code)
        if found is None:
            missing.append(code)
            continue
        index, digest = found
        if receipt["leaf_index"] != index or receipt["leaf_hash"] != digest.hex():
            wrong.append(code)
            continue
        try:
            Receipt.from_json(receipt).verify(key)
        except Exception:
            wrong.append(code)
    return missing, wrong


def check_acknowledged(election: Election, receipts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Without a tally: every receipt a client holds is on the board at its leaf with its leaf
    hash, and verifies (the head's signature, the inclusion proof); no tracking code twice, no
    voter with two cast ballots of one kind; the tree recomputes (``board.check()``)."""
    key = load_board_key(election.key_file, create=False)
    board = SqlBoard.open(election.db)
    where: dict[str, tuple[int, bytes]] = {}
    copies: Counter[str] = Counter()
    cast_per_voter: Counter[tuple[str | None, str]] = Counter()
    try:
        check_ok = board.check() > 0
        for entry in board.entries():
            event = entry.event
            if event.type.value in ("ballot_cast", "ballot_challenged"):
                code = event.payload["tracking_code"]
                copies[code] += 1
                where[code] = (entry.index, entry.leaf_hash)
                if event.type.value == "ballot_cast":
                    ballot = event.payload["ballot"]
                    voter = board.check_in_voter(ballot["device"], ballot["checkin"])
                    cast_per_voter[(voter, ballot["location"])] += 1
    finally:
        board.close()
    missing, wrong = _receipts_against(receipts, where, key.verify_key)
    return {
        "ballots_on_board": len(where),
        "receipts_held": len(receipts),
        "receipts_missing": len(missing),
        "receipts_wrong": len(wrong),
        "duplicate_tracking_codes": sum(1 for n in copies.values() if n > 1),
        "voters_with_two_cast": sum(1 for n in cast_per_voter.values() if n > 1),
        "board_check_ok": check_ok,
        "verify_ok": True,  # not run: the record is not tallied (see --no-tally)
    }


# --- a device sending with retries ------------------------------------------------------------


@dataclass
class Outcome:
    """What one ballot's submission came to: the receipt, or the last answer, and every
    attempt's status (an int, or the name of the transport error)."""

    receipt: dict[str, Any] | None
    attempts: list[int | str]
    problem: dict[str, Any] | None = None


def is_problem(response: httpx.Response) -> bool:
    if response.headers.get("content-type", "") != "application/problem+json":
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("type", "")).startswith(
        "urn:plebiscite:problem:"
    )


def submit(
    http: httpx.Client,
    body: bytes,
    *,
    max_attempts: int = 200,
    deadline_s: float = 120,
    pause_s: float = 0.1,
    on_answer: Callable[[httpx.Response], None] | None = None,
    path: str = "/ballots",
) -> Outcome:
    """POST /ballots (or a check-in's ``path``) until a 201, or a refusal that a retry cannot
    change (4xx), retrying the same signed bytes after a transport error, a timeout or a 5xx
    (idempotent on the server)."""
    attempts: list[int | str] = []
    deadline = time.monotonic() + deadline_s
    while len(attempts) < max_attempts and time.monotonic() < deadline:
        try:
            r = http.post(path, content=body, headers=JSON)
        except httpx.TransportError as exc:
            attempts.append(type(exc).__name__)
            time.sleep(pause_s)
            continue
        attempts.append(r.status_code)
        if on_answer is not None:
            on_answer(r)
        if r.status_code == 201:
            return Outcome(r.json(), attempts)
        problem = r.json() if is_problem(r) else {"raw": r.text[:300]}
        if r.status_code < 500:
            return Outcome(None, attempts, problem)
        retry_after = r.headers.get("retry-after", "")
        time.sleep(min(2.0, float(retry_after)) if retry_after.isdigit() else pause_s)
    return Outcome(None, attempts, {"gave_up": True})


# --- the record, checked offline ----------------------------------------------------------------


def check_record(
    election: Election,
    receipts: dict[str, dict[str, Any]],
    out: Path,
    *,
    sample: int = 20,
    workers: int = 2,
) -> dict[str, Any]:
    """After the close: tally (three trustees decrypt), sign a head over everything, export
    the board and the results to ``out``, verify the record, and check every receipt held by
    a client against it. ``election.results`` is None without a tally (then the verifier's
    tally checks fail: run it only after the close)."""
    db, key_file = election.db, election.key_file
    tally(election, workers)
    key = load_board_key(key_file, create=False)
    board = SqlBoard.open(db)
    try:
        head = board.latest_head()
        if head is None or head.tree_size < board.size():
            board.sign_head(key)
        export_board(board, out)
        assert election.results is not None
        write_results(
            out,
            election.manifest,
            election.results,
            ballot_dispositions(board.entries()),
            generated=dt.datetime.now(dt.UTC),
            is_test=True,
        )
        check_ok = board.check() > 0
    finally:
        board.close()
    t0 = time.perf_counter()
    report = verify_record(out, workers=workers)
    verify_s = time.perf_counter() - t0

    where: dict[str, tuple[int, bytes]] = {}
    copies: Counter[str] = Counter()
    cast_check_ins: list[tuple[str, str, str]] = []  # (device, check-in id, location)
    with (out / "events.jsonl").open("rb") as events:
        for index, line in enumerate(events):
            data = line.rstrip(b"\n")
            event = json.loads(data)
            if event["type"] in ("ballot_cast", "ballot_challenged"):
                code = event["payload"]["tracking_code"]
                copies[code] += 1
                where[code] = (index, leaf_hash(data))
                if event["type"] == "ballot_cast":
                    ballot = event["payload"]["ballot"]
                    cast_check_ins.append((ballot["device"], ballot["checkin"], ballot["location"]))
    # Which voter a ballot's check-in checked in is in the board's private index only.
    cast_per_voter: Counter[tuple[str | None, str]] = Counter()
    board = SqlBoard.open(db)
    try:
        for device, checkin, location in cast_check_ins:
            cast_per_voter[(board.check_in_voter(device, checkin), location)] += 1
    finally:
        board.close()
    missing, wrong = _receipts_against(receipts, where, key.verify_key)
    sampled_ok = 0
    if receipts and sample:
        memory = MemoryBoard()
        import_export(out, memory)
        for code in list(receipts)[:: max(1, len(receipts) // sample)][:sample]:
            check_receipt(memory, code, receipts[code])
            sampled_ok += 1
    return {
        "board_size": len(where) and max(i for i, _ in where.values()) + 1,
        "ballots_on_board": len(where),
        "receipts_held": len(receipts),
        "receipts_missing": len(missing),
        "receipts_wrong": len(wrong),
        "duplicate_tracking_codes": sum(1 for n in copies.values() if n > 1),
        "voters_with_two_cast": sum(1 for n in cast_per_voter.values() if n > 1),
        "check_receipt_sampled_ok": sampled_ok,
        "board_check_ok": check_ok,
        "verify_ok": report.ok,
        "verify_failed_checks": report.failed_checks(),
        "verify_s": round(verify_s, 1),
    }


__all__ = [
    "TOKEN",
    "Device",
    "Election",
    "Outcome",
    "Server",
    "check_acknowledged",
    "check_record",
    "free_port",
    "is_problem",
    "make_fleet",
    "preload",
    "setup_election",
    "submit",
]
