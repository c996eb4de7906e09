from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from plebiscite.errors import DataFormatError
from plebiscite.services.forensics import ColumnMapping, detect_format, read_results
from plebiscite.services.forensics.readers.ru_cec import classify_header

RU_HEADER = [
    "region",
    "tik",
    "uik",
    "Число избирателей, включенных в список избирателей",
    "Число избирательных бюллетеней, полученных участковой избирательной комиссией",
    "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
    "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
    "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования",
    "Число погашенных избирательных бюллетеней",
    "Число избирательных бюллетеней в переносных ящиках для голосования",
    "Число бюллетеней в стационарных ящиках для голосования",
    "Число недействительных избирательных бюллетеней",
    "Число действительных избирательных бюллетеней",
    "Число утраченных избирательных бюллетеней",
    "Число избирательных бюллетеней, не учтенных при получении",
    "Иванов Иван",
    "Петров Пётр",
]
RU_ROWS = [
    [
        "Область А",
        "1 Тик",
        "УИК №1",
        "1000",
        "900",
        "0",
        "500",
        "50",
        "350",
        "50",
        "500",
        "10",
        "540",
        "0",
        "0",
        "300",
        "240",
    ],
    [
        "Область А",
        "1 Тик",
        "УИК №2",
        "800",
        "700",
        "10",
        "400",
        "0",
        "290",
        "0",
        "410",
        "5",
        "405",
        "0",
        "0",
        "205",
        "200",
    ],
    [
        "Область Б",
        "2 Тик",
        "УИК №3",
        "1200",
        "1100",
        "0",
        "900",
        "100",
        "100",
        "100",
        "900",
        "0",
        "1000",
        "0",
        "0",
        "990",
        "10",
    ],
]


def _write_csv(path: Path, header: list[str], rows: list[list[str]], sep: str = ",") -> Path:
    def q(cell: str) -> str:
        return f'"{cell}"' if sep in cell else cell

    text = "\n".join(sep.join(q(c) for c in row) for row in [header, *rows]) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def _zip(path: Path, inner: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(inner, inner.name)
    return path


def test_headers_of_every_layout_are_classified() -> None:
    assert classify_header(RU_HEADER[3]) == "registered"
    assert (
        classify_header("Число участников голосования, включенных в список участников голосования")
        == "registered"
    )
    assert classify_header("Число бюллетеней, выданных участникам голосования") == "issued"
    assert classify_header("Число бюллетеней, содержащихся в ящиках для голосования") == "found"
    assert classify_header("Число полученных открепительных  удостоверений") == "certificate"
    assert classify_header("ДА") is None
    assert classify_header("Число чего-то ещё") == "unknown"


@pytest.mark.parametrize("zipped", [False, True])
def test_ru_cec_reads_lines_options_and_regions(tmp_path: Path, zipped: bool) -> None:
    path = _write_csv(tmp_path / "ru.csv", RU_HEADER, RU_ROWS)
    if zipped:
        path = _zip(tmp_path / "ru.csv.zip", path)
    seen: list[tuple[int, int]] = []
    table, fmt = read_results(path, progress=lambda d, t: seen.append((d, t)))
    assert fmt == "ru-cec"
    assert table.options == ("Иванов Иван", "Петров Пётр")
    assert table.leader == "Иванов Иван"
    assert table.line("registered").tolist() == [1000, 800, 1200]
    assert table.line("issued").tolist() == [550, 410, 1000]  # early + in room + outside
    assert table.line("found").tolist() == [550, 410, 1000]  # mobile + stationary boxes
    assert table.regions.tolist() == ["Область А", "Область А", "Область Б"]
    assert table.source_rows.tolist() == [2, 3, 4]
    assert seen and seen[-1][0] == seen[-1][1]  # progress reached the end


def test_ru_cec_region_column_can_be_the_tik(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "ru.csv", RU_HEADER, RU_ROWS)
    table, _ = read_results(path, "ru-cec", region_column="tik")
    assert table.regions.tolist() == ["1 Тик", "1 Тик", "2 Тик"]


def test_semicolon_separated_tables_read(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "ru.csv", RU_HEADER, RU_ROWS, sep=";")
    table, _ = read_results(path)
    assert table.n_units == 3


@pytest.mark.parametrize(
    ("row", "col", "cell", "message"),
    [
        (1, 5, "12a", "'12a' is not a whole number"),
        (2, 3, "-4", "negative count"),
        (2, 12, "4.5", "'4.5' is not a whole number"),
    ],
)
def test_bad_cells_name_file_row_and_column(
    tmp_path: Path, row: int, col: int, cell: str, message: str
) -> None:
    rows = [r.copy() for r in RU_ROWS]
    rows[row][col] = cell
    path = _write_csv(tmp_path / "bad.csv", RU_HEADER, rows)
    with pytest.raises(DataFormatError) as err:
        read_results(path, "ru-cec")
    text = str(err.value)
    assert str(path) in text
    assert f"row {row + 2}," in text
    assert repr(RU_HEADER[col]) in text
    assert message in text


def test_unknown_protocol_line_is_named(tmp_path: Path) -> None:
    header = [*RU_HEADER[:15], "Число странных бюллетеней", *RU_HEADER[15:]]
    rows = [[*r[:15], "0", *r[15:]] for r in RU_ROWS]
    path = _write_csv(tmp_path / "odd.csv", header, rows)
    with pytest.raises(DataFormatError, match="row 1, column 'Число странных бюллетеней'"):
        read_results(path, "ru-cec")


def test_short_row_is_named(tmp_path: Path) -> None:
    rows = [RU_ROWS[0], RU_ROWS[1][:10]]
    path = _write_csv(tmp_path / "short.csv", RU_HEADER, rows)
    with pytest.raises(DataFormatError, match="row 3, column"):
        read_results(path, "ru-cec")


def test_more_ballots_than_voters_is_a_finding_or_with_strict_an_error(tmp_path: Path) -> None:
    rows = [r.copy() for r in RU_ROWS]
    rows[1][3] = "300"  # 410 ballots issued, 300 voters on the list
    path = _write_csv(tmp_path / "over.csv", RU_HEADER, rows)
    table, _ = read_results(path)
    assert table.n_units == 3
    with pytest.raises(DataFormatError) as err:
        read_results(path, strict=True)
    assert "row 3" in str(err.value)
    assert "410 ballots but 300 voters" in str(err.value)
    assert "выданных" in str(err.value)  # the column of ballots issued


def test_generic_csv_with_a_mapping(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "generic.csv",
        ["precinct", "district", "electors", "ballots", "spoilt", "yes", "no"],
        [
            ["P1", "D1", "500", "300", "3", "200", "97"],
            ["P2", "D2", "400", "200", "0", "50", "150"],
        ],
    )
    mapping = ColumnMapping(
        options=("yes", "no"),
        lines={
            "registered": "electors",
            "issued": "ballots",
            "found": "ballots",
            "invalid": "spoilt",
        },
        unit="precinct",
        region="district",
    )
    assert detect_format(path) == "csv"
    table, fmt = read_results(path, mapping=mapping)
    assert fmt == "csv"
    assert table.unit_ids.tolist() == ["P1", "P2"]
    assert table.regions.tolist() == ["D1", "D2"]
    assert table.votes.tolist() == [[200, 97], [50, 150]]
    with pytest.raises(DataFormatError, match="needs a column mapping"):
        read_results(path)
    bad = ColumnMapping(options=("yes", "maybe"), lines={"registered": "electors"})
    with pytest.raises(DataFormatError, match="row 1, column 'maybe': no such column"):
        read_results(path, mapping=bad)
    with pytest.raises(DataFormatError, match="unknown protocol line 'voters'"):
        ColumnMapping(options=("yes",), lines={"voters": "electors"})


def test_mapping_files_in_json_and_toml(tmp_path: Path) -> None:
    j = tmp_path / "m.json"
    j.write_text(json.dumps({"unit": "u", "lines": {"registered": "n"}, "options": ["a", "b"]}))
    t = tmp_path / "m.toml"
    t.write_text('unit = "u"\noptions = ["a", "b"]\n[lines]\nregistered = "n"\n')
    assert ColumnMapping.from_file(j) == ColumnMapping.from_file(t)
    broken = tmp_path / "b.json"
    broken.write_text('{"options": "a"}')
    with pytest.raises(DataFormatError, match="'options' must be a list"):
        ColumnMapping.from_file(broken)


def _nist_doc() -> dict[str, object]:
    def vc(unit: str, n: int) -> dict[str, object]:
        return {
            "@type": "ElectionResults.VoteCounts",
            "GpUnitId": unit,
            "Type": "total",
            "Count": n,
        }

    def name(text: str) -> dict[str, object]:
        return {"Text": [{"Content": text, "Language": "en"}]}

    return {
        "@type": "ElectionResults.ElectionReport",
        "GpUnit": [
            {
                "@id": "p1",
                "Type": "precinct",
                "Name": name("One"),
                "VotersRegistered": 900,
                "VotersParticipated": 500,
            },
            {
                "@id": "p2",
                "Type": "precinct",
                "Name": name("Two"),
                "VotersRegistered": 700,
                "VotersParticipated": 300,
            },
            {"@id": "d", "Type": "district", "Name": name("North"), "ComposingGpUnitIds": ["p1"]},
        ],
        "Election": [
            {
                "ElectionScopeId": "d",
                "BallotCounts": [
                    {"GpUnitId": "p1", "Type": "total", "BallotsCast": 500},
                    {"GpUnitId": "p2", "Type": "total", "BallotsCast": 300},
                ],
                "Contest": [
                    {
                        "@type": "ElectionResults.BallotMeasureContest",
                        "@id": "q1",
                        "ContestSelection": [
                            {
                                "Selection": name("Yes"),
                                "VoteCounts": [vc("p1", 400), vc("p2", 100)],
                            },
                            {"Selection": name("No"), "VoteCounts": [vc("p1", 90), vc("p2", 195)]},
                        ],
                        "OtherCounts": [
                            {"GpUnitId": "p1", "Undervotes": 10},
                            {"GpUnitId": "p2", "Overvotes": 2, "Undervotes": 3},
                        ],
                    }
                ],
            }
        ],
    }


def test_nist_err_reads_a_ballot_measure(tmp_path: Path) -> None:
    path = tmp_path / "err.json"
    path.write_text(json.dumps(_nist_doc()))
    table, fmt = read_results(path, region_column="district")
    assert fmt == "nist-err"
    assert table.options == ("Yes", "No")
    assert table.votes.tolist() == [[400, 90], [100, 195]]
    assert table.line("invalid").tolist() == [10, 5]
    assert table.line("found").tolist() == [500, 300]
    assert table.line("registered").tolist() == [900, 700]
    assert table.regions.tolist() == ["North", "North"]  # p2 keeps the scope's name
    doc = _nist_doc()
    doc["Election"][0]["Contest"][0]["ContestSelection"][1]["VoteCounts"][0]["Count"] = "x"  # type: ignore[index]
    path.write_text(json.dumps(doc))
    with pytest.raises(DataFormatError, match=r"ContestSelection\[1\], VoteCounts\[0\], Count"):
        read_results(path)


def test_missing_and_empty_inputs(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="no such file"):
        read_results(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataFormatError, match="empty|mapping"):
        read_results(empty)
    header_only = _write_csv(tmp_path / "h.csv", RU_HEADER, [])
    with pytest.raises(DataFormatError, match="no polling-station rows"):
        read_results(header_only)
    assert np.asarray([]).size == 0
