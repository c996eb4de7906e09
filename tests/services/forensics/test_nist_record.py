"""NIST files with several contests and levels, and plebiscite's own record as an input
(issue 17, item 2): units at the lowest published level only, never a unit and its parent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from plebiscite.errors import DataFormatError
from plebiscite.interfaces.cli import main
from plebiscite.services.forensics import analyse, read_results


def _unit(uid: str, name: str, parts: list[str] | None = None, kind: str = "other") -> Any:
    unit: dict[str, Any] = {"@id": uid, "@type": "ElectionResults.ReportingUnit", "Type": kind}
    unit["Name"] = {"Text": [{"Content": name, "Language": "en"}]}
    if parts:
        unit["ComposingGpUnitIds"] = parts
    return unit


def _contest(cid: str, district: str, counts: dict[str, tuple[int, int]], labels=("Yes", "No")):  # type: ignore[no-untyped-def]
    return {
        "@id": cid,
        "@type": "ElectionResults.BallotMeasureContest",
        "ElectionDistrictId": district,
        "ContestSelection": [
            {
                "@id": f"{cid}-{i}",
                "Selection": {"Text": [{"Content": label}]},
                "VoteCounts": [
                    {"GpUnitId": u, "Count": c[i], "Type": "total"} for u, c in counts.items()
                ]
                + ([{"GpUnitId": district, "Count": 1, "Type": "early"}] if i == 0 else []),
            }
            for i, label in enumerate(labels)
        ],
    }


def _nist(tmp_path: Path) -> Path:
    doc = {
        "@type": "ElectionResults.ElectionReport",
        "GpUnit": [
            _unit("area", "Area", ["r1", "r2"]),
            _unit("r1", "North", ["d1"], "state"),
            _unit("d1", "North district", ["p1", "p2"], "county"),
            _unit("p1", "P1", kind="precinct"),
            _unit("p2", "P2", kind="precinct"),
            _unit("r2", "South", ["p3"], "state"),
            _unit("p3", "P3", kind="precinct"),
        ],
        "Election": [
            {
                "ElectionScopeId": "area",
                "Contest": [
                    _contest(
                        "q-north",
                        "r1",
                        {"r1": (30, 12), "d1": (30, 12), "p1": (10, 2), "p2": (20, 10)},
                    ),
                    _contest("q-north-2", "r1", {"p1": (1, 1), "p2": (2, 2)}),
                    _contest("q-south", "r2", {"r2": (7, 9), "p3": (7, 9)}),
                    _contest("q-cand", "r2", {"p3": (3, 13)}, labels=("Ann", "Bob")),
                ],
            }
        ],
    }
    path = tmp_path / "err.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_nist_units_are_the_lowest_published_and_contests_combine(tmp_path: Path) -> None:
    table, fmt = read_results(_nist(tmp_path))
    assert fmt == "nist-err"
    assert table.unit_ids.tolist() == ["P1", "P2", "P3"]  # never North or its district
    assert table.regions.tolist() == ["North", "North", "South"]
    assert table.votes.sum(axis=0).tolist() == [37, 21]  # = North + South, once
    assert table.info["contests"] == ["q-north", "q-south"]
    reasons = {c["contest"]: c["reason"] for c in table.info["contests_left_out"]}
    assert "same units" in reasons["q-north-2"] and reasons["q-cand"] == "other options"
    assert {b["channel"] for b in table.info["breakdown"]} == {"early"}


def test_nist_one_contest_by_id(tmp_path: Path) -> None:
    table, _ = read_results(_nist(tmp_path), contest="q-north-2")
    assert table.unit_ids.tolist() == ["P1", "P2"]
    with pytest.raises(DataFormatError, match="no such contest"):
        read_results(_nist(tmp_path), contest="q-none")


def _cell(cid: str, level: str, units: list[str], yes: int, no: int) -> dict[str, Any]:
    return {
        "id": cid,
        "level": level,
        "units": units,
        "ballots": yes + no,
        "questions": [{"question": "q", "options": {"yes": yes, "no": no}, "blank": 0}],
    }


def _record(tmp_path: Path) -> Path:
    folder = tmp_path / "record"
    folder.mkdir()
    manifest = {
        "hash": "x",
        "manifest": {
            "precincts": [
                {"id": "p1", "district": "d1"},
                {"id": "p2", "district": "d1"},
                {"id": "p3", "district": "d2"},
                {"id": "p4", "district": "d2"},
            ]
        },
    }
    results = {
        "regions": [
            {
                "region": "a",
                "name": "Region A",
                "registered": 200,
                "ballots": 100,
                "questions": [{"question": "q", "options": {"yes": 60, "no": 40}, "blank": 0}],
                "cells": [
                    _cell("district:a:d1", "district", ["d1"], 40, 20),
                    _cell("district:a:d2", "district", ["d2"], 20, 20),
                    _cell("precinct:a:p1", "precinct", ["p1"], 25, 10),
                    _cell("precinct:a:p2", "precinct", ["p2"], 15, 10),
                    _cell("channel:a:mobile_team", "channel", ["mobile_team"], 30, 5),
                    _cell("channel:a:other@a", "channel", ["regular_station"], 30, 35),
                    _cell("day:a:1", "day", ["1"], 60, 40),
                ],
            }
        ]
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
    return folder


def test_record_reads_the_lowest_cells_and_the_channels(tmp_path: Path) -> None:
    table, fmt = read_results(_record(tmp_path))
    assert fmt == "record"
    assert table.unit_ids.tolist() == ["precinct p1", "precinct p2", "district d2"]
    assert table.votes.sum(axis=0).tolist() == [60, 40]  # the region's total, once
    report = analyse(table, input_format=fmt)
    assert report["national"]["registered"] == 200
    channels = {b["channel"]: b for b in report["breakdown"]}
    assert channels["door to door"]["leader_share"] == pytest.approx(30 / 35)
    # door to door favours the leader far more than the stations: 3.9 sd against the rest
    assert channels["door to door"]["z_vs_rest"] == pytest.approx(3.86, abs=0.01)
    assert channels["regular station"]["z_vs_rest"] == pytest.approx(-3.86, abs=0.01)
    assert channels["day 1"]["z_vs_rest"] is None  # no other day cell to compare with
    assert "integer_percentages" in report["skipped"]


def test_record_cli_and_bad_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _record(tmp_path)
    main(["forensics", str(folder), "--format", "record"])
    assert "door to door" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    for argv in (
        ["forensics", str(empty)],
        ["forensics", str(empty), "--format", "record"],
        ["forensics", str(folder / "results.json"), "--format", "record"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
