from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from plebiscite.interfaces.cli import cli, main
from plebiscite.services.forensics.synthetic import simulate_election

HEADER = ["station", "district", "electors", "issued", "in_box", "spoilt", "yes", "no", "other"]


def _write_election(path: Path, *, f_extreme: float = 0.0, seed: int = 3) -> Path:
    t = simulate_election(
        np.random.default_rng(seed), 3_000, n_regions=4, f_extreme=f_extreme
    ).table
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(t.n_units):
            w.writerow(
                [
                    t.unit_ids[i],
                    t.regions[i],
                    t.line("registered")[i],
                    t.line("issued")[i],
                    t.line("found")[i],
                    t.line("invalid")[i],
                    *t.votes[i].tolist(),
                ]
            )
    return path


def _args(path: Path) -> list[str]:
    return [
        "forensics",
        str(path),
        "--format",
        "csv",
        "--options",
        "yes,no,other",
        "--line",
        "registered=electors",
        "--line",
        "issued=issued",
        "--line",
        "found=in_box",
        "--line",
        "invalid=spoilt",
        "--unit-column",
        "station",
        "--region-column",
        "district",
    ]


def test_csv_with_mapping_writes_json_and_html(tmp_path: Path) -> None:
    data = _write_election(tmp_path / "results.csv", f_extreme=0.08)
    out_json, out_html = tmp_path / "r.json", tmp_path / "r.html"
    result = CliRunner().invoke(
        cli, [*_args(data), "--json", str(out_json), "--html", str(out_html)]
    )
    assert result.exit_code == 0, result.output
    assert "integer percentages" in result.output
    assert "Most anomalous regions" in result.output
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert report["input"]["format"] == "csv"
    assert report["input"]["n_units"] == 3_000
    fp = report["tests"]["fingerprint"]
    assert fp["corner_units"] > 50
    assert fp["f_extreme"] > 0.03
    assert report["tests"]["control_relations"]["failed"] == 0
    assert out_html.read_text(encoding="utf-8").count("data:image/png;base64,") == 4


def test_mapping_file_gives_the_same_numbers(tmp_path: Path) -> None:
    data = _write_election(tmp_path / "results.csv")
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'unit = "station"\nregion = "district"\noptions = ["yes", "no", "other"]\n'
        '[lines]\nregistered = "electors"\nissued = "issued"\nfound = "in_box"\n'
        'invalid = "spoilt"\n'
    )
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    runner = CliRunner()
    assert runner.invoke(cli, [*_args(data), "--json", str(a)]).exit_code == 0
    r = runner.invoke(cli, ["forensics", str(data), "--mapping", str(mapping), "--json", str(b)])
    assert r.exit_code == 0, r.output
    ta = json.loads(a.read_text())["tests"]["integer_percentages"]
    tb = json.loads(b.read_text())["tests"]["integer_percentages"]
    assert ta == tb


def test_ru_cec_zip_is_detected(tmp_path: Path) -> None:
    header = [
        "region",
        "uik",
        "Число участников голосования, включенных в список участников голосования",
        "Число бюллетеней, выданных участникам голосования",
        "Число бюллетеней, содержащихся в ящиках для голосования",
        "Число недействительных бюллетеней",
        "ДА",
        "НЕТ",
    ]
    t = simulate_election(np.random.default_rng(8), 500, n_regions=3).table
    inner = tmp_path / "2020.csv"
    with inner.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(t.n_units):
            yes, no, other = t.votes[i].tolist()
            w.writerow(
                [
                    t.regions[i],
                    f"УИК №{i + 1}",
                    t.line("registered")[i],
                    t.line("issued")[i],
                    t.line("found")[i],
                    t.line("invalid")[i] + other,
                    yes,
                    no,
                ]
            )
    archive = tmp_path / "2020.csv.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(inner, inner.name)
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["forensics", str(archive), "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["input"]["format"] == "ru-cec"
    assert report["input"]["leader"] == "ДА"
    assert report["tests"]["control_relations"]["failed"] == 0


def test_bad_cell_exits_2_naming_file_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write_election(tmp_path / "results.csv")
    lines = data.read_text(encoding="utf-8").splitlines()
    cells = lines[7].split(",")
    cells[2] = "lots"
    lines[7] = ",".join(cells)
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(_args(data))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("plebiscite: unreadable results data:")
    assert str(data) in err and "row 8" in err and "'electors'" in err and "'lots'" in err
    assert len(err.splitlines()) == 1


def test_unknown_column_and_missing_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write_election(tmp_path / "results.csv")
    with pytest.raises(SystemExit) as exit_info:
        main(["forensics", str(data), "--options", "yes,maybe"])
    assert exit_info.value.code == 2
    assert "row 1, column 'maybe': no such column" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["forensics", str(data)])
    assert exit_info.value.code == 2
    assert "needs a column mapping" in capsys.readouterr().err


def test_bad_line_option_is_a_usage_error(tmp_path: Path) -> None:
    data = _write_election(tmp_path / "results.csv")
    result = CliRunner().invoke(cli, ["forensics", str(data), "--options", "yes", "--line", "x"])
    assert result.exit_code == 2
    assert "LINE=COLUMN" in result.output


def test_clean_turnout_can_be_forced(tmp_path: Path) -> None:
    data = _write_election(tmp_path / "results.csv", f_extreme=0.08)
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, [*_args(data), "--clean-turnout", "40", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["tests"]["shpilkin"]["clean_turnout"] == 40


def test_forensics_is_listed() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "forensics" in result.output


def test_one_p_value_in_table_prose_and_json(tmp_path: Path) -> None:
    from plebiscite.services.forensics.limits import format_p

    data = _write_election(tmp_path / "results.csv", f_extreme=0.08)
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, [*_args(data), "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    text = " ".join(result.output.split())
    for name in ("integer_percentages", "second_digit", "last_digit"):
        t = report["tests"][name]
        shown = format_p(t["p_value"])
        assert shown in t["reading"], name
        assert text.count(shown) >= 2, (name, shown)  # the table and the paragraph
    assert f"p-values below {report['p_floor']:.0e}" in text
    assert "anomaly score = max(z of integer percentages, 0)" in text
