"""The seed referendum end to end, as `plebiscite demo` runs it (SQLite, and PostgreSQL)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from plebiscite.errors import BoardError, InputError, PlebisciteError
from plebiscite.interfaces import cli
from plebiscite.interfaces.demo import DemoResult, run_demo
from plebiscite.record.export import check_export, import_export
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.definition import load_election
from plebiscite.services.tally.count import counted, latest_tally
from plebiscite.services.voting.receipts import check_receipt
from subtraction_support import small_group_openings


def _assert_demo(result: DemoResult) -> None:
    assert result.matches_truth()
    sim = result.simulation
    assert sim["challenged"] > 0 and sim["superseded"] > 0
    assert sim["offline"]["ballots"] > 0 and sim["offline"]["teams"]  # synced next morning
    assert sim["offline"]["challenged"] == len(sim["offline"]["teams"])  # one test per team
    assert sim["refusals"] and all(r["board_unchanged"] for r in sim["refusals"])
    assert result.ceremony["qualified"] == [1, 3, 4, 5]
    assert result.results["decrypted_by"] == [1, 3, 4]
    if result.verification is not None:
        assert result.verification["ok"], json.dumps(result.verification)[:3000]
    check_export(result.record)
    for name in ("results.json", "results-nist.json", "results-sidecar.json"):
        assert (result.record / name).exists()
    assert (result.out / "README.txt").read_text().count("plebiscite verify") == 1
    # Every receipt a voter got is in the record, proven against its latest head.
    board = MemoryBoard()
    import_export(result.record, board)
    receipts = [
        json.loads(line) for line in (result.out / "receipts.jsonl").read_text().splitlines()
    ]
    assert len(receipts) >= sim["cast"]
    for receipt in receipts[:40]:
        check = check_receipt(board, receipt["tracking_code"], receipt)
        assert check.receipt_checked and check.status in ("counted", "home", "challenged")


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("demo") / "out"
    return run_demo(out, voters=220, seed=7)


def test_demo_on_sqlite(sqlite_demo: DemoResult) -> None:
    _assert_demo(sqlite_demo)


def test_no_subtraction_of_the_demo_cells_opens_a_small_group(sqlite_demo: DemoResult) -> None:
    """The observer's attack on the published record: add and subtract its cells."""
    board = MemoryBoard()
    import_export(sqlite_demo.record, board)
    election = load_election(board)
    manifest = election.require_manifest()
    tally = latest_tally(board).event.payload
    counts = counted(board, election, tally["closed_entry"]).counts  # door-to-door cell included
    district_of = {p.id: p.district_id for p in manifest.precincts}
    field = {"precinct": 1, "channel": 2}
    threshold = tally["small_cell_threshold"]
    for region in manifest.regions:
        sets = []
        for cell in (c for c in tally["cells"] if c["region"] == region.id):
            level, units = cell["level"], set(cell["units"])
            sets.append(
                frozenset(
                    k
                    for k in counts
                    if k[0] == region.id
                    and (
                        level == "region"
                        or (level == "district" and district_of.get(k[1]) in units)
                        or (level == "day" and str(k[3]) in units)
                        or (level in field and k[field[level]] in units)
                    )
                )
            )
            assert sum(counts[k] for k in sets[-1]) == cell["ballots"]
        assert small_group_openings(sets, counts, threshold) == [], region.id


def test_demo_paper_count_differs_where_it_was_rewritten(sqlite_demo: DemoResult) -> None:
    from plebiscite.services.forensics import analyse, read_results
    from plebiscite.services.paper.compare import compare_record

    assert sqlite_demo.verification is not None
    checks = {c["id"]: c for c in sqlite_demo.verification["checks"]}
    assert all(
        checks[c]["checked"] > 0 and checks[c]["passed"] for c in ("V40", "V41", "V42", "V49")
    )
    # every protocol and act was filed and signed by its precinct commission's device
    filed = [
        json.loads(line)["payload"]
        for line in (sqlite_demo.record / "events.jsonl").read_text("utf-8").splitlines()
        if '"type":"protocol"' in line or '"type":"custody_act"' in line
    ]
    assert filed and all(f["device"] == f"commission-{f['precinct']}" for f in filed)
    assert (sqlite_demo.out / "private" / "commission-dn-0101.key").stat().st_mode & 0o077 == 0
    result = compare_record(sqlite_demo.record)
    assert result.protocols > 0
    # votes are compared where both sides hold every channel (the region: door-to-door ballots
    # are counted per region); the rewritten protocols show there, and nothing else differs
    assert result.differing and all(r.level == "region" for r in result.differing)
    assert all(set(r.differences) <= {"yes", "no"} for r in result.differing)
    # the record's own results as forensic input: each published cell once, never its parent
    table, fmt = read_results(sqlite_demo.record)
    assert fmt == "record"
    counted = sum(
        sum(q["options"].values())
        for r in sqlite_demo.results["regions"]
        for q in r["questions"][:1]
    )
    assert int(table.votes.sum()) == counted
    assert analyse(table, input_format=fmt)["national"]["registered"] > 0


def test_demo_refuses_a_used_output_folder(sqlite_demo: DemoResult) -> None:
    with pytest.raises(InputError, match="exists and is not empty"):
        run_demo(sqlite_demo.out, voters=50)


def test_demo_refuses_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(InputError, match=f"port {port}"):
            run_demo(tmp_path / "out", voters=50, port=port)
    assert not (tmp_path / "out").exists()


def test_demo_with_an_unreachable_database_leaves_nothing_in_the_way(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(PlebisciteError) as exc:
        run_demo(out, voters=50, db="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert isinstance(exc.value, BoardError)
    assert not out.exists() and (tmp_path / "out.failed").exists()


def test_demo_cli_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["demo", "--voters", "60", "--out", str(tmp_path / "d"), "--seed", "3"])
    out = capsys.readouterr().out
    assert "results beside the simulation's plaintext truth" in out
    assert "plebiscite verify" in out


@pytest.mark.postgres
def test_demo_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    _assert_demo(run_demo(tmp_path / "out", voters=150, db=pg_url, seed=11))


@pytest.mark.slow
@pytest.mark.postgres
def test_demo_on_postgresql_with_two_serving_processes_and_double_votes(
    tmp_path: Path, pg_url: str
) -> None:
    result = run_demo(
        tmp_path / "out", voters=150, db=pg_url, seed=13, serve_workers=2, duplicates=0.3
    )
    _assert_demo(result)
    assert result.simulation["duplicates"] == result.simulation["duplicates_refused"] > 0
