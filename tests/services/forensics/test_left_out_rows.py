"""Readers on real-looking files: rows without figures, partly filled rows, odd encodings and
damaged files (issue 17, item 1).  Synthetic tables made here, so no ../shared is needed."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from plebiscite.errors import DataFormatError
from plebiscite.interfaces.cli import main
from plebiscite.services.forensics import analyse, read_results, render_html
from plebiscite.services.forensics.synthetic import simulate_election

HEADER = [
    "region",
    "tik",
    "uik",
    "Число избирателей, включенных в список избирателей",
    "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
    "Число бюллетеней в стационарных ящиках для голосования",
    "Число недействительных избирательных бюллетеней",
    "Иванов Иван",
    "Петров Пётр",
    "Сидоров Сидор",
]


def _rows(n: int, seed: int = 5) -> list[list[str]]:
    t = simulate_election(np.random.default_rng(seed), n, n_regions=3).table
    return [
        [
            f"Область {t.regions[i][-1]}",
            "ТИК 1",
            f"УИК №{i + 1}",
            *(str(int(t.line(k)[i])) for k in ("registered", "issued", "found", "invalid")),
            *(str(int(v)) for v in t.votes[i]),
        ]
        for i in range(n)
    ]


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def _blank(region: str, uik: str, registered: str = "") -> list[str]:
    return [region, "ТИК 9", uik, registered, *[""] * (len(HEADER) - 4)]


def test_unpublished_rows_are_kept_apart_per_region_and_left_out(tmp_path: Path) -> None:
    rows = _rows(400)
    rows.insert(10, _blank("Область X", "УИК №9001"))
    rows.insert(20, _blank("Область X", "УИК №9002", registered="1500"))
    rows.insert(30, _blank("Область Y", "УИК №9003"))
    partial = _rows(1, seed=9)[0]
    partial[5] = ""  # ballots in the boxes left empty
    rows.insert(40, partial)
    path = _write(tmp_path / "ru.csv", rows)
    table, _ = read_results(path)
    assert table.n_units == 400
    assert "Область X" not in table.regions.tolist()
    assert [r.row for r in table.unpublished] == [12, 22, 32]
    assert [r.row for r in table.partial] == [42]
    assert table.partial[0].empty == (HEADER[5],)

    report = analyse(table, input_format="ru-cec")
    unp = report["unpublished"]
    assert unp["units"] == 3 and unp["registered"] == 1500
    by_region = {r["region"]: r for r in unp["by_region"]}
    assert by_region["Область X"]["units"] == 2 and by_region["Область X"]["registered"] == 1500
    assert by_region["Область Y"]["registered"] is None
    assert report["partial"]["rows"][0]["row"] == 42
    assert report["national"]["units"] == 400
    assert report["national"]["unpublished_units"] == 3
    assert report["tests"]["control_relations"]["checked"] == 400
    page = render_html(table, report)
    assert "Stations without published figures (3)" in page and "Область Y" in page
    assert "Partly filled rows (1)" in page


def test_cli_prints_and_writes_the_left_out_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [*_rows(150), _blank("Донецкая Народная Республика", "УИК №1")]
    path = _write(tmp_path / "ru.csv", rows)
    out = tmp_path / "r.json"
    main(["forensics", str(path), "--json", str(out)])
    text = capsys.readouterr().out
    assert "Stations without published figures (1, left out)" in text
    assert "Донецкая Народная Республика" in text
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["unpublished"]["by_region"][0]["rows"] == [152]


def test_a_table_of_only_unpublished_rows_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "ru.csv", [_blank("A", "1"), _blank("B", "2")])
    with pytest.raises(SystemExit) as exit_info:
        main(["forensics", str(path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "no polling-station rows with figures (2 rows left out" in err
    assert len(err.splitlines()) == 1


def test_cp1251_reads_like_utf8(tmp_path: Path) -> None:
    rows = _rows(120)
    a, _ = read_results(_write(tmp_path / "utf8.csv", rows))
    b, _ = read_results(_write(tmp_path / "cp1251.csv", rows, encoding="cp1251"))
    assert b.options == a.options
    assert (b.votes == a.votes).all()
    assert b.regions.tolist() == a.regions.tolist()


def _expect_one_line(argv: list[str], capsys: pytest.CaptureFixture[str], *words: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("plebiscite: unreadable results data:")
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_binary_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "results.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00garbage\x00\x01\x02" * 50)
    _expect_one_line(["forensics", str(path)], capsys, "binary data")


def test_truncated_zip_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inner = _write(tmp_path / "ru.csv", _rows(3000))
    archive = tmp_path / "ru.csv.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(inner, inner.name)
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    _expect_one_line(["forensics", str(archive)], capsys, str(archive))


def test_damaged_zip_member_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inner = _write(tmp_path / "ru.csv", _rows(3000))
    archive = tmp_path / "ru.csv.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(inner, inner.name)
    data = bytearray(archive.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = b"\xff" * 64  # the compressed stream, not the directory
    archive.write_bytes(bytes(data))
    _expect_one_line(["forensics", str(archive)], capsys, str(archive))


def test_truncated_csv_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "ru.csv", _rows(200))
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) - 25], encoding="utf-8")
    _expect_one_line(["forensics", str(path)], capsys, "row 201", "truncated")


def test_mixed_encodings_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "ru.csv", _rows(3000))
    with path.open("ab") as f:
        f.write("Область Ж,ТИК,УИК,1,1,1,0,1,0,0\n".encode("cp1251"))
    _expect_one_line(["forensics", str(path)], capsys, "after row", "not utf-8 text")


def test_bad_nist_shapes_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "err.json"
    for doc in (
        {"Election": [{"Contest": [{"@id": "c", "ContestSelection": "yes"}]}]},
        {"Election": [{"Contest": [{"@id": "c", "ContestSelection": [{"VoteCounts": [1]}]}]}]},
        {"Election": "none", "GpUnit": 3},
    ):
        path.write_text(json.dumps(doc), encoding="utf-8")
        _expect_one_line(["forensics", str(path)], capsys, str(path))
    path.write_text('{"Election": [', encoding="utf-8")
    _expect_one_line(["forensics", str(path)], capsys, "not JSON")


def test_a_header_with_two_stations_says_too_few_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "ru.csv", _rows(2))
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    main(["forensics", str(path), "--json", str(out), "--html", str(page)])
    text = capsys.readouterr().out
    assert "too few units" in text
    report = json.loads(out.read_text(encoding="utf-8"))
    for name in ("integer_percentages", "fingerprint", "shpilkin", "sobyanin", "last_digit"):
        assert report["tests"][name]["status"] == "too few units", name
        assert "p_value" not in report["tests"][name]
    assert "Too few units" in page.read_text(encoding="utf-8")


def test_strict_still_refuses_over_full_boxes(tmp_path: Path) -> None:
    rows = _rows(50)
    rows[3][4] = str(int(rows[3][3]) + 10)  # more ballots issued than voters on the list
    path = _write(tmp_path / "ru.csv", rows)
    with pytest.raises(DataFormatError, match="row 5"):
        read_results(path, strict=True)


@pytest.mark.parametrize(
    "row",
    [
        ["0", "0", "0", "0", "0", "0", "0"],  # nobody on the list, nothing cast
        ["1000", "500", "500", "500", "0", "0", "0"],  # every ballot invalid: no leader votes
        ["1000", "990", "990", "0", "980", "10", "0"],  # every station in the corner
    ],
)
def test_degenerate_tables_give_a_report_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: list[str]
) -> None:
    rows = [[f"Область {i % 3}", "ТИК", f"УИК №{i}", *row] for i in range(1_200)]
    path = _write(tmp_path / "ru.csv", rows)
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    main(["forensics", str(path), "--json", str(out), "--html", str(page)])
    assert "Findings" in capsys.readouterr().out
    assert json.loads(out.read_text(encoding="utf-8"))["national"]["units"] == 1_200
