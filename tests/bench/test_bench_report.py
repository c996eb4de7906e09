"""bench/report.py: finding each benchmark's figures in its output, and the tables."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import report  # noqa: E402
import run_all  # noqa: E402

WHEN = dt.datetime(2025, 3, 4, 5, 6, tzinfo=dt.UTC)
MACHINE = {"CPU": "Test CPU", "cores": 2, "memory": "23.5 GiB", "libsodium": "1.0.18"}


def test_json_on_the_last_line_after_other_lines() -> None:
    out = 'file  2012.csv\nread {fast}\n[1/3] done\n{"ballots": 10, "rate": 1.5}\n'
    assert report.last_figures(out) == {"ballots": 10, "rate": 1.5}


def test_indented_json_over_several_lines() -> None:
    figures = {"encrypt_ballots_per_s": 1200.5, "cores": 2}
    out = "progress...\n" + json.dumps(figures, indent=2) + "\n"
    assert report.last_figures(out) == figures


def test_the_last_object_wins_and_trailing_text_is_ignored() -> None:
    out = '{"run": 1}\nsome text\n{"run": 2}\ntrailing words, [not json]\n'
    assert report.last_figures(out) == {"run": 2}


def test_a_list_of_objects_counts_but_a_list_of_numbers_does_not() -> None:
    rows = [{"backend": "sqlite", "p50_ms": 3.1}, {"backend": "postgresql", "p50_ms": 4.0}]
    assert report.last_figures(json.dumps(rows) + "\n[1, 2, 3]\n") == rows


@pytest.mark.parametrize("out", ["", "read 1.2 s\nanalyse 3.4 s\n", "{broken\n", "{}\n[]\n"])
def test_no_figures(out: str) -> None:
    assert report.last_figures(out) is None


def test_skipped_reason() -> None:
    out = "hello\nskipped: electionguard 1.4.0 is unavailable: no Python 3.10\n"
    assert report.skipped_reason(out) == "electionguard 1.4.0 is unavailable: no Python 3.10"
    assert report.skipped_reason('{"a": 1}') is None


def test_object_table_flattens_and_formats() -> None:
    text = report.render_figures(
        {"rate": 12345.5, "n": 1000, "ok": True, "inner": {"p99": 2}, "note": "a|b"}
    )
    lines = text.splitlines()
    assert lines[0] == "| figure | value |"
    assert lines[1] == "|---|---:|"
    assert "| rate | 12,345.5 |" in lines
    assert "| n | 1,000 |" in lines
    assert "| ok | yes |" in lines
    assert "| inner.p99 | 2 |" in lines
    assert "| note | a\\|b |" in lines


def test_list_table_has_one_row_per_object_and_every_column() -> None:
    rows = [{"backend": "sqlite", "p50_ms": 3.1}, {"backend": "pg", "p99_ms": 9}]
    lines = report.render_figures(rows).splitlines()
    assert lines[0] == "| backend | p50_ms | p99_ms |"
    assert lines[1] == "|---|---:|---:|"
    assert lines[2:] == ["| sqlite | 3.1 | - |", "| pg | - | 9 |"]


def test_whole_page() -> None:
    results = [
        report.BenchResult("bench_crypto.py", 0, 12.25, json.dumps({"verify": 1000.0}, indent=2)),
        report.BenchResult("bench_forensics.py", 0, 3.0, "read 1.0 s\nwhole report 2.0 s\n"),
        report.BenchResult("bench_peers.py", 0, 0.5, "skipped: no Python 3.10\n"),
        report.BenchResult("bench_tally.py", 1, 1.0, "Traceback ...\n"),
    ]
    page = report.render(results, MACHINE, WHEN)
    assert page.startswith("# Benchmarks\n")
    assert "Date: 2025-03-04 05:06 UTC" in page
    assert "| CPU | Test CPU |" in page
    assert "| libsodium | 1.0.18 |" in page
    assert "| bench_crypto.py | ok | 12.2 | yes |" in page
    assert "| bench_forensics.py | ok | 3.0 | no figures |" in page
    assert "| bench_peers.py | ok | 0.5 | skipped |" in page
    assert "| bench_tally.py | failed (exit 1) | 1.0 | no figures |" in page
    assert "| verify | 1,000.0 |" in page
    assert "```text\nread 1.0 s\nwhole report 2.0 s\n```" in page
    assert "skipped: no Python 3.10" in page


def test_machine_parsing() -> None:
    cpuinfo = "processor\t: 0\nvendor_id\t: X\nmodel name\t: Intel(R) Xeon(R) Processor\n"
    assert report.cpu_model(cpuinfo) == "Intel(R) Xeon(R) Processor"
    assert report.memory_gib("MemTotal:       24683520 kB\nMemFree: 1 kB\n") == 23.5
    assert report.memory_gib("") is None
    info = report.machine_info(BENCH.parent)
    assert {"CPU", "cores", "memory", "Python", "libsodium", "commit"} <= set(info)


def test_run_one_captures_output_and_exit_code(tmp_path: Path) -> None:
    script = tmp_path / "bench_fake.py"
    script.write_text('print("warming up")\nprint(\'{"x": 1}\')\nraise SystemExit(3)\n')
    result = run_all.run_one(script)
    assert result.name == "bench_fake.py"
    assert result.returncode == 3
    assert report.last_figures(result.stdout) == {"x": 1}


def test_write_report(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    report.write_report([report.BenchResult("bench_x.py", 0, 1.0, '{"a": 1}')], out, tmp_path)
    text = out.read_text()
    assert "## bench_x.py" in text
    assert "| a | 1 |" in text
