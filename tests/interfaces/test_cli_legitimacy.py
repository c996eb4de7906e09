"""``plebiscite legitimacy`` and ``plebiscite paper`` through the real entry point."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from paper_support import protocol_data
from plebiscite.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "seed-referendum" / "manifest.toml"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _protocol(precinct: str, **lines: int) -> dict[str, Any]:
    return protocol_data(precinct, **lines)


def _sign(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    db: str,
    kind: str,
    data: Any,
    precinct: str,
) -> Any:
    """``data`` signed by ``plebiscite paper sign`` as the station device of ``precinct``."""
    path = _write(tmp_path / "unsigned.json", data)
    key = str(tmp_path / f"{precinct}.key")
    code, out, err = _run(
        capsys, "paper", "sign", kind, path, "--db", db, "--device", f"st-{precinct}", "--key", key
    )
    assert code == 0, err
    return json.loads(out)


def test_legitimacy_of_the_seed_manifest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_json, out_html = tmp_path / "l.json", tmp_path / "l.html"
    code, out, err = _run(
        capsys, "legitimacy", str(SEED), "--json", str(out_json), "--html", str(out_html)
    )
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith("verdict: tier 1, void from the outset: Invalid whatever")
    fail_line = next(line for line in out.splitlines() if line.startswith("fail ("))
    for cid in ("TI1", "OC1", "LB1", "CX1", "LB5", "CX2", "CX3", "F9", "P2"):
        assert re.search(rf"\b{cid}\b", fail_line), cid
    assert not re.search(r"\bF5\b", fail_line)
    repeats = next(line for line in out.splitlines() if line.startswith("not counted again"))
    assert "P3 (same fact as P2)" in repeats and "SH1 (same fact as CX3)" in repeats
    counted = next(line for line in out.splitlines() if line.startswith("failures counted"))
    assert "P9" not in counted and "SH1" not in counted
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert doc["verdict"]["tier"] == 1
    statuses = {c["id"]: c["status"] for c in doc["conditions"]}
    assert statuses["LB1"] == statuses["CX3"] == statuses["F9"] == "fail"
    assert statuses["F5"] == "pass" and statuses["F6"] == "not applicable"
    html = out_html.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Void from the outset" in html


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("uk", "Недійсний за будь-якої процедури"),
        ("ru", "Недействителен при любой процедуре"),
        ("en", "Invalid whatever the procedure"),
    ],
)
def test_the_html_report_speaks_each_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str, words: str
) -> None:
    out_html = tmp_path / f"l-{lang}.html"
    code, _, err = _run(capsys, "legitimacy", str(SEED), "--html", str(out_html), "--lang", lang)
    assert code == 0, err
    html = out_html.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and f'<html lang="{lang}">' in html
    assert words in html
    assert not re.search(r"<(script|link|img)\b|https?://", html)
    # the verdict links to the failing conditions; each finding's evidence, keys, provenance
    # and sources are one click away
    assert '<a href="#c-TI1">TI1</a>' in html and 'id="c-TI1"' in html
    assert html.count("<details>") == 58
    lb1 = html[html.index('id="c-LB1"') :]
    lb1 = lb1[: lb1.index("</tr>")]
    assert "facts.sovereignty.constitutional_basis" in lb1 and "reported: " in lb1
    assert "CDL-AD(2014)002, paras 27-28" in lb1


def test_legitimacy_refuses_an_unknown_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(capsys, "legitimacy", str(SEED), "--lang", "de")
    assert code == 2 and "'de' is not one of" in err


def test_legitimacy_names_a_bad_subject(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "legitimacy", str(tmp_path))
    assert code == 2
    assert "without events.jsonl: not an exported record" in err
    bad = tmp_path / "bad.toml"
    bad.write_text(SEED.read_text(encoding="utf-8").replace("k = 3", "k = 9", 1), "utf-8")
    code, _, err = _run(capsys, "legitimacy", str(bad))
    assert code == 2 and "invalid manifest" in err


def test_paper_entry_results_and_the_legitimacy_of_the_board(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "board.db")
    code, out, err = _run(capsys, "paper", "init", "--db", db, "--manifest", str(SEED))
    assert code == 0 and "published" in out, err

    for precinct in ("dn-0101", "dn-0102"):  # each commission's filing device
        code, out, err = _run(
            capsys, "paper", "enrol", "--db", db, "--device", f"st-{precinct}",
            "--location", f"{precinct}-rs", "--key-out", str(tmp_path / f"{precinct}.key"),
        )  # fmt: skip
        assert code == 0 and f"enrolled st-{precinct} at {precinct}-rs" in out, err
    signed = [
        _sign(capsys, tmp_path, db, "protocol", _protocol("dn-0101"), "dn-0101"),
        _sign(capsys, tmp_path, db, "protocol", _protocol("dn-0102", ballots_received=2000),
              "dn-0102"),
    ]  # fmt: skip
    code, out, err = _run(
        capsys, "paper", "protocol", _write(tmp_path / "p.json", signed), "--db", db
    )
    assert code == 0, err
    assert "stored, FLAGGED protocol dn-0102/dn-q1 v1" in out
    assert "K2 (hard: line 2 = lines 3 + 4 + 5 + 6 + 11 - 12)" in out

    trip = {
        "trip": "t-1", "precinct": "dn-0101", "date": "2022-09-23", "team": ["a", "b"],
        "observers": [], "box": "MB-1", "seal_out": "S-1", "seal_in": "S-1",
        "applications": 30, "taken": 40, "issued": 35, "spoiled": 0, "returned": 5, "found": 35,
    }  # fmt: skip
    trip = _sign(capsys, tmp_path, db, "trip", trip, "dn-0101")
    code, out, err = _run(capsys, "paper", "trip", _write(tmp_path / "t.json", trip), "--db", db)
    assert code == 0 and "T3" in out and "the box is void" in out, err

    complaint = {
        "complaint": "c-1", "precinct": "dn-0102", "filed_by": "a voter",
        "filed_at": "2022-09-28", "grounds": "stock does not balance",
        "decision": {"outcome": "upheld", "annul": True, "decided_by": "court",
                     "decided_at": "2022-09-30", "reasons": "K2 fails"},
    }  # fmt: skip
    path = _write(tmp_path / "c.json", complaint)
    assert _run(capsys, "paper", "complaint", path, "--db", db)[0] == 0

    out_json = tmp_path / "results.json"
    code, out, err = _run(capsys, "paper", "results", "--db", db, "--json", str(out_json))
    assert code == 0, err
    assert "annulled by complaints: dn-0102" in out
    units = {u["unit"]: u for u in json.loads(out_json.read_text("utf-8"))["units"]}
    assert units["donetsk"]["lines"]["valid"] == 1490
    assert units["donetsk"]["reporting"] == 1 and units["donetsk"]["excluded"] == ["dn-0102"]

    code, out, _ = _run(
        capsys, "paper", "results", "--db", db, "--keep-annulled", "--json", str(out_json)
    )
    units = {u["unit"]: u for u in json.loads(out_json.read_text("utf-8"))["units"]}
    assert units["donetsk"]["lines"]["valid"] == 2 * 1490

    code, out, _ = _run(capsys, "paper", "checks", "--db", db)
    assert code == 0 and "K2" in out and "T3" in out

    code, out, err = _run(capsys, "legitimacy", db, "--json", str(tmp_path / "l.json"))
    assert code == 0, err
    statuses = {
        c["id"]: c["status"]
        for c in json.loads((tmp_path / "l.json").read_text("utf-8"))["conditions"]
    }
    assert statuses["M5"] == statuses["F10"] == statuses["D1"] == "fail"
    assert statuses["P5"] == "pass"


def test_paper_refuses_bad_input_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "board.db")
    _run(capsys, "paper", "init", "--db", db, "--manifest", str(SEED))
    complaint = {"complaint": "c-9", "precinct": "xx-0000", "filed_by": "v", "filed_at": "d",
                 "grounds": "g"}  # fmt: skip
    code, _, err = _run(
        capsys, "paper", "complaint", _write(tmp_path / "c.json", complaint), "--db", db
    )
    assert code == 2
    assert err.strip() == "plebiscite: invalid input: complaint c-9: unknown precinct 'xx-0000'"
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    code, _, err = _run(capsys, "paper", "protocol", str(tmp_path / "broken.json"), "--db", db)
    assert code == 2 and "not JSON" in err
    code, _, err = _run(capsys, "paper", "results", "--db", db, "--exclude", "nowhere")
    assert code == 2 and "cannot exclude unknown precinct(s): nowhere" in err


def test_paper_refuses_what_its_station_did_not_sign(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An unsigned protocol, one signed by another precinct's device and one edited after
    signing: each refused with one line and its exit code; the board holds none of them."""
    db = str(tmp_path / "board.db")
    _run(capsys, "paper", "init", "--db", db, "--manifest", str(SEED))
    for precinct in ("dn-0101", "dn-0102"):
        _run(
            capsys, "paper", "enrol", "--db", db, "--device", f"st-{precinct}",
            "--location", f"{precinct}-rs", "--key-out", str(tmp_path / f"{precinct}.key"),
        )  # fmt: skip
    unsigned = _write(tmp_path / "u.json", _protocol("dn-0101"))
    code, _, err = _run(capsys, "paper", "protocol", unsigned, "--db", db)
    assert code == 4 and len(err.strip().splitlines()) == 1
    assert "protocol for dn-0101/dn-q1: not signed" in err
    foreign = _sign(capsys, tmp_path, db, "protocol", _protocol("dn-0101"), "dn-0102")
    code, _, err = _run(
        capsys, "paper", "protocol", _write(tmp_path / "f.json", foreign), "--db", db
    )
    assert code == 5 and len(err.strip().splitlines()) == 1
    assert "device 'st-dn-0102' is enrolled at 'dn-0102-rs' of precinct 'dn-0102'" in err
    edited = _sign(capsys, tmp_path, db, "protocol", _protocol("dn-0101"), "dn-0101")
    edited["lines"]["voters_on_list"] += 100
    code, _, err = _run(
        capsys, "paper", "protocol", _write(tmp_path / "e.json", edited), "--db", db
    )
    assert code == 4 and "the signature of device 'st-dn-0101' does not verify" in err
    code, out, _ = _run(capsys, "paper", "results", "--db", db)
    assert code == 0 and "0/6" in out  # no Donetsk protocol was stored
    # bad keys and enrolments: one line, exit 2
    (tmp_path / "bad.key").write_text("not hex", encoding="utf-8")
    code, _, err = _run(
        capsys, "paper", "sign", "protocol", unsigned, "--db", db, "--device", "st-dn-0101",
        "--key", str(tmp_path / "bad.key"),
    )  # fmt: skip
    assert code == 2 and "bad.key: not a device key" in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(
        capsys, "paper", "enrol", "--db", db, "--device", "x", "--location", "nowhere",
        "--key-out", str(tmp_path / "x.key"),
    )  # fmt: skip
    assert code == 2 and "no location has the id 'nowhere'" in err
    assert not (tmp_path / "x.key").exists()
    code, _, err = _run(
        capsys, "paper", "enrol", "--db", db, "--device", "st-dn-0101", "--location",
        "dn-0101-rs", "--key-out", str(tmp_path / "dn-0101.key"),
    )  # fmt: skip
    assert code == 2 and "exists already" in err
    # after the close no device is enrolled, and no key file is left behind
    from plebiscite.record.sql import SqlBoard
    from plebiscite.services.election.definition import publish_close

    with SqlBoard.open(db) as board:
        publish_close(board, dt.datetime(2022, 9, 27, 21, tzinfo=dt.UTC))
    code, _, err = _run(
        capsys, "paper", "enrol", "--db", db, "--device", "late", "--location", "dn-0101-rs",
        "--key-out", str(tmp_path / "late.key"),
    )  # fmt: skip
    assert code == 5 and "voting closed" in err and not (tmp_path / "late.key").exists()
