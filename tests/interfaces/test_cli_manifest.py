"""``plebiscite manifest`` and ``plebiscite roll`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plebiscite.interfaces.cli import main
from plebiscite.interfaces.cli.manifest import schema_text

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "seed-referendum" / "manifest.toml"
SCHEMA = ROOT / "docs" / "manifest.schema.json"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_check_prints_the_seed_summary_and_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "manifest", "check", str(SEED))
    assert code == 0, err
    for text in ("donetsk", "luhansk", "zaporizhzhia", "kherson", "41,787", "3 of 5"):
        assert text in out
    rows = [line for line in out.splitlines() if "Sep 2022" in line]
    assert len(rows) == 5
    assert "Fri 23 Sep 2022" in rows[0]
    assert rows[0].count("08:00-20:00") == 2
    assert "Tue 27 Sep 2022" in rows[4]
    assert rows[4].count("08:00-20:00") == 1
    assert "independent observers: NOT admitted" in out
    assert "martial law" in out
    assert "facts stated: 13; provenance entries: 10 (hypothetical, illustrative, reported)" in out


def test_check_reports_errors_with_key_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    text = SEED.read_text(encoding="utf-8").replace("k = 3", "k = 8", 1)
    text = text.replace('precinct = "dn-0101"', 'precinct = "dn-0199"', 1)
    bad.write_text(text, encoding="utf-8")
    code, out, err = _run(capsys, "manifest", "check", str(bad))
    assert code == 2
    assert out == ""
    assert "plebiscite: invalid manifest:" in err
    assert f"{bad}: trustees.k: k = 8 > n = 5" in err
    assert f"{bad}: locations[0].precinct: no precinct has the id 'dn-0199'" in err


def test_check_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "manifest", "check", str(tmp_path / "none.toml"))
    assert code == 2
    assert "none.toml: no such file" in err


def test_published_schema_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert SCHEMA.read_text(encoding="utf-8") == schema_text()
    code, out, _ = _run(capsys, "manifest", "schema", "--out", str(SCHEMA), "--check")
    assert code == 0
    assert "up to date" in out
    schema = json.loads(schema_text())
    assert "referendum" in schema["required"]
    assert schema["additionalProperties"] is False


def test_schema_check_fails_on_a_stale_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    code, _, err = _run(capsys, "manifest", "schema", "--out", str(stale), "--check")
    assert code == 2
    assert "is not up to date" in err


def test_roll_generate_check_and_commit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    roll = tmp_path / "roll.csv"
    again = tmp_path / "again.csv"
    key = tmp_path / "roll.key"
    code, out, _ = _run(
        capsys,
        "roll",
        "generate",
        "--manifest",
        str(SEED),
        "--voters",
        "400",
        "--seed",
        "5",
        "--out",
        str(roll),
    )
    assert code == 0
    assert "wrote 400 voters" in out
    _run(
        capsys,
        "roll",
        "generate",
        "--manifest",
        str(SEED),
        "--voters",
        "400",
        "--seed",
        "5",
        "--out",
        str(again),
    )
    assert roll.read_bytes() == again.read_bytes()
    assert len(roll.read_text().splitlines()) == 401

    code, out, err = _run(capsys, "roll", "check", "--manifest", str(SEED), str(roll))
    assert code == 0, err
    assert "400 voters, no errors" in out

    assert _run(capsys, "roll", "keygen", "--out", str(key))[0] == 0
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    assert _run(capsys, "roll", "keygen", "--out", str(key))[0] == 2  # never overwrites

    commitments = tmp_path / "commitments.json"
    code, out, err = _run(
        capsys,
        "roll",
        "commit",
        "--manifest",
        str(SEED),
        "--key-file",
        str(key),
        "--json",
        str(commitments),
        str(roll),
    )
    assert code == 0, err
    document = json.loads(commitments.read_text())
    assert set(document["regions"]) == {"donetsk", "kherson", "luhansk", "zaporizhzhia"}
    assert sum(r["voters"] for r in document["regions"].values()) == 400
    for region_id, region in document["regions"].items():
        assert f"{region_id}\t{region['voters']}\t{region['commitment']}" in out


def test_roll_check_reports_line_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    roll = tmp_path / "roll.csv"
    roll.write_text(
        "voter_id,region,precinct,home_voting\nA1,donetsk,dn-0101,no\nA1,donetsk,dn-0101,no\n",
        encoding="utf-8",
    )
    code, out, err = _run(capsys, "roll", "check", "--manifest", str(SEED), str(roll))
    assert code == 2
    assert "Roll" not in out
    assert f"{roll}: line 3: duplicate voter id 'A1' (first on line 2)" in err


def test_roll_commit_refuses_a_bad_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    roll = tmp_path / "roll.csv"
    roll.write_text("voter_id,region,precinct\nA1,donetsk,dn-0101\n", encoding="utf-8")
    key = tmp_path / "bad.key"
    key.write_text("not hex\n", encoding="utf-8")
    code, _, err = _run(
        capsys, "roll", "commit", "--manifest", str(SEED), "--key-file", str(key), str(roll)
    )
    assert code == 2
    assert "hex digits only" in err
