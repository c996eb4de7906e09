"""The seed referendum end to end (``plebiscite demo``; ``docs/demo.md``).

Phases, each reported to a progress callback:

1. board: a new board (SQLite in the output folder, or ``--db``), the seed manifest and a roll
   of N synthetic voters;
2. ceremony: five trustees run the 3-of-5 key ceremony; trustee 2 sends trustee 4 a bad share,
   is caught by the complaint and disqualified;
3. voting: the real HTTP service on a loopback port, on a simulated clock, driven by
   ``simulate`` through the five days (door to door and makeshift stations on days 1-4, regular
   stations on day 5, challenges, booth overrides, refused attempts), then closed;
4. tally: the encrypted tally, decryption shares from trustees 1, 3 and 4 (5 is absent, 2 is
   excluded), the combination, and the qualified trustees cosigning the final head as
   witnesses;
5. record: the exported record with ``results.json``, the NIST file, charts;
6. verify: the independent verifier over the exported record alone.

This module starts an HTTP server, so it lives among the interfaces; everything it does to the
referendum goes through the services.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import importlib
import json
import random
import resource
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plebiscite.crypto import keyfile
from plebiscite.crypto.randomness import SystemRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import Manifest, Observer
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.roll import build_roll, generate_roll, render_roll_csv
from plebiscite.errors import BoardError, InputError, PlebisciteError
from plebiscite.record.export import export_board
from plebiscite.record.sql import SqlBoard
from plebiscite.services.ceremony.steps import TrusteeState, key_file_purpose, run_local_ceremony
from plebiscite.services.election.definition import load_election, publish_manifest, publish_roll
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.election.witness import LocalBoardView, cosign
from plebiscite.services.paper.demo import enrol_commissions, file_demo_paper
from plebiscite.services.simulation.simulate import simulate
from plebiscite.services.tally.count import Waiting, combine, publish_tally, trustee_decrypt
from plebiscite.services.tally.mixing import convert, mix, post_tag_shares
from plebiscite.services.tally.results import ballot_dispositions, write_results

SEED_MANIFEST = (
    Path(__file__).resolve().parents[3] / "examples" / "seed-referendum" / "manifest.toml"
)
#: Trustee 2 cheats against trustee 4 in the ceremony; trustee 5 is absent after the close
#: (the three others convert the tags and decrypt).
CHEATERS = {2: [4]}
DECRYPTING = (1, 3, 4)
DEMO_PASSPHRASE = "demo passphrase: use your own in a real referendum"

Progress = Callable[[str, int, int], None]


@dataclass
class DemoResult:
    out: Path
    db: str
    record: Path
    results: dict[str, Any]
    truth: dict[str, dict[str, dict[str, int]]]
    simulation: dict[str, Any]
    ceremony: dict[str, Any]
    verification: dict[str, Any] | None
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss_mib: float = 0.0
    receipt_example: str | None = None

    def matches_truth(self) -> bool:
        for region in self.results["regions"]:
            for q in region["questions"]:
                want = self.truth.get(region["region"], {}).get(q["question"], {})
                got = {o: n for o, n in q["options"].items() if n or o in want}
                if {o: n for o, n in want.items() if n} != {o: n for o, n in got.items() if n}:
                    return False
        return True


def check_out_dir(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"--out {out} exists and is not empty: choose a new folder")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            raise InputError(f"port {port} on {host} is in use ({exc.strerror})") from exc


@contextlib.contextmanager
def running_server(app: Any, host: str, port: int) -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread on ``host:port`` until the block ends."""
    import uvicorn

    from plebiscite.interfaces.api.guards import GuardedHttpToolsProtocol

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        http=GuardedHttpToolsProtocol,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="plebiscite-demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise BoardError(f"the service did not start on {host}:{port}")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextlib.contextmanager
def serving_processes(
    db: str, key: Path, token: str, start: dt.datetime, host: str, port: int, workers: int
) -> Iterator[str]:
    """``plebiscite serve --workers N`` in a subprocess, until the block ends."""
    import subprocess
    import sys

    import httpx

    command = [
        str(Path(sys.executable).parent / "plebiscite"),
        "serve",
        *("--db", db, "--host", host, "--port", str(port), "--workers", str(workers)),
        *("--admin-token", token, "--board-key", str(key)),
        *("--demo-clock", "--demo-start", start.isoformat()),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                error = (process.stderr.read() if process.stderr else b"").decode()[-500:]
                raise BoardError(f"plebiscite serve --workers {workers} exited: {error}")
            try:
                httpx.get(f"{url}/clock", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise BoardError(f"the service did not start on {host}:{port}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _phase(timings: dict[str, float], name: str, started: float) -> None:
    timings[name] = round(time.perf_counter() - started, 2)


def run_demo(
    out: Path,
    *,
    voters: int = 5000,
    db: str | None = None,
    seed: int = 2022,
    port: int | None = None,
    workers: int = 2,
    manifest_path: Path = SEED_MANIFEST,
    progress: Progress | None = None,
    serve_workers: int = 1,
    duplicates: float = 0.0,
) -> DemoResult:
    """Run the whole seed referendum into ``out``; see the module docstring."""

    report = progress or (lambda _phase, _done, _total: None)
    if voters < 20:
        raise InputError("--voters must be at least 20")
    check_out_dir(out)
    host = "127.0.0.1"
    if port is not None:
        check_port(host, port)
    manifest = load_manifest(manifest_path)
    out.mkdir(parents=True, exist_ok=True)
    try:
        serving = (serve_workers, duplicates)
        return _run(out, manifest, voters, db, seed, host, port, workers, report, serving)
    except BaseException:
        # Leave nothing half-written where a second run would trip over it.
        failed = out.with_name(out.name + ".failed")
        if failed.exists():
            shutil.rmtree(failed)
        out.rename(failed)
        raise


def _run(
    out: Path,
    manifest: Manifest,
    voters: int,
    db: str | None,
    seed: int,
    host: str,
    port: int | None,
    workers: int,
    report: Progress,
    serving: tuple[int, float] = (1, 0.0),
) -> DemoResult:
    from plebiscite.interfaces.api.client import HttpVotingServer
    from plebiscite.interfaces.app import load_board_key, open_app
    from plebiscite.interfaces.board_key import write_secret

    private = out / "private"
    private.mkdir()
    db = db or str(out / "board.sqlite")
    timings: dict[str, float] = {}

    started = time.perf_counter()
    board = _new_board(db)
    manifest = _witnessed(manifest, private)
    digest = manifest_hash(manifest)
    roll_entries = generate_roll(manifest, voters, random.Random(seed))
    roll_key = secrets.token_bytes(32)
    write_secret(private / "roll.csv", render_roll_csv(roll_entries))  # 0600 from the start
    write_secret(private / "roll.key", roll_key.hex() + "\n")
    key_path = private / "board.key"
    publish_manifest(board, manifest, load_board_key(key_path, create=True).verify_key)
    publish_roll(board, build_roll(manifest, digest, roll_entries, roll_key))
    report("board", 1, 1)
    _phase(timings, "board", started)

    started = time.perf_counter()
    trustees = [TrusteeState.create(i, digest) for i in range(1, 6)]
    ceremony = run_local_ceremony(
        board,
        trustees,
        SystemRng(),
        cheaters=CHEATERS,
        progress=lambda step: report("ceremony", 1 + _STEPS.index(step), len(_STEPS)),
    )
    for state in trustees:
        path = private / f"trustee-{state.index}.key"
        write_secret(
            path,
            keyfile.seal(
                state.to_json(), DEMO_PASSPHRASE, key_file_purpose(manifest.id, state.index)
            ),
        )
    _phase(timings, "ceremony", started)

    started = time.perf_counter()
    token = secrets.token_urlsafe(24)
    first = min(d.date for d in manifest.days)
    demo_start = dt.datetime.combine(first, dt.time(0), manifest.zone)
    commissions = enrol_commissions(board, manifest, demo_start)  # the paper's filing devices
    for device, key in commissions.values():  # for `plebiscite paper sign --key`
        write_secret(private / f"{device}.key", key.seed.hex() + "\n")
    app, service = open_app(
        db, admin_token=token, board_key=key_path, demo_clock=True, demo_start=demo_start
    )
    voting = max(1, voters * 4 // 5)
    serve_workers, duplicates = serving
    if serve_workers > 1:
        service.board.close()
        server = serving_processes(
            db, key_path, token, demo_start, host, port or free_port(host), serve_workers
        )
    else:
        server = running_server(app, host, port or free_port(host))
    with server as url:
        client = HttpVotingServer(url, token)
        try:
            simulation = simulate(
                client,
                voting,
                seed=seed,
                concurrency=8,
                refusals=4,
                duplicates=duplicates,
                receipts_path=out / "receipts.jsonl",
                close=True,
                offline_dir=out / "devices",
                progress=lambda stage, done, total: report(f"voting: {stage}", done, total),
            )
        finally:
            client.close_client()
    with contextlib.suppress(Exception):
        service.board.close()
    if simulation.unexpected:
        raise PlebisciteError(
            "the simulation saw unexpected answers: " + "; ".join(simulation.unexpected[:3])
        )
    _phase(timings, "voting", started)

    started = time.perf_counter()
    # after the close (docs/runbook.md): mix, each present trustee converts the voter tags,
    # k trustees decrypt them, then the tally (booth ballots, and the home ballots no booth
    # ballot of the same voter overrides), then k trustees decrypt the tally
    mix(
        board,
        SystemRng(),
        workers=workers,
        progress=lambda _step, done, total: report("count: shuffle", done, total),
    )
    for n, index in enumerate(DECRYPTING, start=1):
        convert(board, trustees[index - 1], SystemRng())
        report("count: trustees convert the tags", n, len(DECRYPTING))
    for n, index in enumerate(DECRYPTING, start=1):
        post_tag_shares(board, trustees[index - 1], SystemRng())
        report("count: trustees decrypt the tags", n, len(DECRYPTING))
    publish_tally(
        board,
        db=db,
        workers=workers,
        progress=lambda done, total: report("tally: aggregate", done, total),
    )
    for n, index in enumerate(DECRYPTING, start=1):
        trustee_decrypt(board, trustees[index - 1], SystemRng())
        report("tally: trustees decrypt", n, len(DECRYPTING))
    results = combine(board)
    if isinstance(results, Waiting):  # pragma: no cover - three qualified trustees decrypted
        raise PlebisciteError(str(results))
    # the commissions' paper count, with a few deliberate differences (docs/paper.md 8)
    file_demo_paper(
        board, manifest, roll_entries, simulation.cells, random.Random(seed), commissions
    )
    board_key = load_board_key(key_path, create=False)
    board.sign_head(board_key)
    _witness(board, trustees, private)
    board.sign_head(board_key)  # covers the cosignatures: nothing after them is unsigned
    _phase(timings, "tally", started)

    started = time.perf_counter()
    record = out / "record"
    export_board(board, record, progress=lambda done, total: report("record", done, total))
    dispositions = ballot_dispositions(board.entries())
    write_results(
        record,
        manifest,
        results,
        dispositions,
        generated=dt.datetime.now(dt.UTC),
        is_test=True,
    )
    board.close()
    _phase(timings, "record", started)

    started = time.perf_counter()
    verification = _verify(record, workers, progress=report)
    if verification is not None:
        (out / "verification.json").write_text(json.dumps(verification, indent=1) + "\n")
    _phase(timings, "verify", started)

    receipt = None
    receipts = out / "receipts.jsonl"
    if receipts.exists():
        with receipts.open() as lines:
            first_line = lines.readline()
        if first_line:
            receipt = json.loads(first_line).get("tracking_code")
    result = DemoResult(
        out=out,
        db=db,
        record=record,
        results=results,
        truth=simulation.truth,
        simulation=simulation.to_json(),
        ceremony=ceremony,
        verification=verification,
        timings=timings,
        peak_rss_mib=peak_rss_mib(),
        receipt_example=receipt,
    )
    (out / "README.txt").write_text(readme_text(result, manifest), encoding="utf-8")
    (out / "summary.json").write_text(
        json.dumps(
            {
                "voters_on_roll": voters,
                "simulation": simulation.to_json(),
                "ceremony": ceremony,
                "matches_truth": result.matches_truth(),
                "verified": None if verification is None else verification.get("ok"),
                "timings_s": timings,
                "peak_rss_mib": result.peak_rss_mib,
            },
            indent=1,
        )
        + "\n"
    )
    return result


_STEPS = [
    "announced",
    "dealt",
    "shares checked",
    "complaints answered",
    "election key published",
    "key shares confirmed",
]


#: The demo's observer mission, a witness beside the trustees (``docs/board.md`` 8).
DEMO_OBSERVER = "observers"


def _witnessed(manifest: Manifest, private: Path) -> Manifest:
    """The seed referendum as the demo runs it: an observer mission named as a witness (its
    key made now, kept in ``private/observer.key``), and the final head needing the
    cosignatures of k trustees and the observer (the seed file itself asks for none, so that
    tests may re-sign tampered records)."""
    from plebiscite.interfaces.board_key import write_secret

    key = SigningKey.generate()
    write_secret(private / "observer.key", key.seed.hex() + "\n")
    observer = Observer(DEMO_OBSERVER, "Observer mission (demo)", key.verify_key.hex())
    trustees = dataclasses.replace(
        manifest.trustees,
        observers=(*manifest.trustees.observers, observer),
        head_cosignatures=manifest.trustees.k + 1,
    )
    return dataclasses.replace(manifest, trustees=trustees)


def _witness(board: SqlBoard, trustees: list[TrusteeState], private: Path) -> None:
    """The qualified trustees and the observer mission, as witnesses, cosign the final head
    (``docs/board.md`` 8); each keeps its checkpoint where ``plebiscite witness cosign
    --state`` would."""
    view = LocalBoardView(board)
    election = load_election(board)
    manifest = election.require_manifest()
    signers = [(s.index, s.signing_key) for s in trustees if s.index in election.qualified]
    observer = SigningKey(bytes.fromhex((private / "observer.key").read_text().strip()))
    signers.append((manifest.trustees.observer_witness(DEMO_OBSERVER), observer))
    for witness, key in signers:
        checkpoint, _ = cosign(view, None, key, witness, int(time.time() * 1000))
        path = private / f"witness-{witness}.json"
        path.write_text(json.dumps(checkpoint.to_json(), sort_keys=True) + "\n")


def _new_board(db: str) -> SqlBoard:
    try:
        board = SqlBoard.open(db, create=True)
    except PlebisciteError:
        raise
    except Exception as exc:  # pragma: no cover - depends on the database
        raise BoardError(f"cannot open the board at {db}: {exc}") from exc
    if board.size():
        board.close()
        raise InputError(f"the board at {db} already holds {board.size()} entries: use a new one")
    return board


def _verify(record: Path, workers: int, progress: Progress) -> dict[str, Any] | None:
    """Run the independent verifier if this installation has it."""
    try:
        verifier = importlib.import_module("plebiscite.verifier.verify")
    except ImportError:  # pragma: no cover - the verifier ships with plebiscite
        return None
    run = getattr(verifier, "verify_record", None)
    if run is None:  # pragma: no cover
        return None
    report = run(
        record, workers=workers, progress=lambda stage, d, t: progress(f"verify: {stage}", d, t)
    )
    data: dict[str, Any] = report.to_json()
    return data


def readme_text(result: DemoResult, manifest: Manifest) -> str:
    verified = result.verification
    status = "not run" if verified is None else ("passed" if verified.get("ok") else "FAILED")
    code = result.receipt_example or "TRACKING-CODE"
    from plebiscite.interfaces.cli.options import program

    prog = program()  # .venv/bin/plebiscite when that is how this one runs
    return f"""plebiscite demo: {manifest.title}

What is here
  record/                the election record: everything needed to verify the referendum
    manifest.json        the referendum's definition (regions, questions, schedule, trustees)
    events.jsonl         every board event, one canonical JSON line each, in log order
    heads.jsonl          the board's signed Merkle tree heads
    results.json         the decrypted results per region, with the published breakdowns
    results-nist.json    the same results in NIST SP 1500-100 v2 JSON
    results-sidecar.json what NIST cannot carry: counts by day, challenged and superseded ballots
    charts/              yes/no by channel and by day, one picture per region
  receipts.jsonl         every receipt the simulated voters received
  verification.json      the verifier's report on record/ ({status})
  summary.json           the simulation's plaintext truth, timings, peak memory
  board.sqlite           the board itself (when the demo ran on SQLite)
  private/               what the authority and trustees keep to themselves: the roll with
                         voter ids, the pseudonym key, the board's signing key, and the
                         trustees' key files (passphrase: "{DEMO_PASSPHRASE}")

Check it yourself
  {prog} verify {result.record}
  {prog} board check-export {result.record}
  {prog} receipt {code} --record {result.record}
  {prog} serve --db {result.db}      (then open http://127.0.0.1:8000/ in a browser)
"""


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


__all__ = ["DemoResult", "check_out_dir", "run_demo"]
