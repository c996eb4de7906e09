"""``plebiscite verify``: the table, the JSON report, exit codes and the one-line reason."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from test_verify_support import Built, ballots, build_record, tampered

from plebiscite.interfaces import cli


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_record(tmp_path_factory.mktemp("cli-verify") / "record", voters=60)


def test_a_valid_record_exits_zero_and_writes_json(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    cli.main(["verify", str(built.record), "--json", str(out), "--workers", "2"])
    printed = capsys.readouterr().out
    assert "every check passed" in printed
    assert "V17" in printed and "V25" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] is True
    assert report["ballots"] == 62
    assert [c["id"] for c in report["checks"]][:3] == ["V1", "V2", "V3"]
    assert report["arithmetic"] in ("libdecaf", "libsodium")
    assert f"arithmetic: {report['arithmetic']}" in printed


def test_a_tampered_record_exits_8_naming_the_check(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def edit(events: list[dict[str, object]]) -> None:
        payload = ballots(events)[3]["payload"]
        payload["received_at"] = "2022-09-23T23:30:00+00:00"

    record = tampered(built, tmp_path, edit)
    out = tmp_path / "report.json"
    with pytest.raises(SystemExit) as exc:
        cli.main(["verify", str(record), "--workers", "1", "--json", str(out)])
    assert exc.value.code == 8
    captured = capsys.readouterr()
    err_lines = captured.err.strip().splitlines()
    assert len(err_lines) == 1
    assert err_lines[0].startswith("plebiscite: verification failed: V15: ")
    assert "is closed at" in err_lines[0]
    assert "FAIL" in captured.out and "findings" in captured.out
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] is False
    failed = {c["id"]: c for c in report["checks"] if not c["passed"]}
    assert list(failed) == ["V15"]
    assert failed["V15"]["findings"][0]["entry"] is not None


def test_a_directory_that_is_not_a_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["verify", str(tmp_path)])
    assert exc.value.code == 8
    assert "V1: " in capsys.readouterr().err
