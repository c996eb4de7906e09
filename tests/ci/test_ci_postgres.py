"""CI must run the PostgreSQL tests: ``.ci/check-pg`` fails when the server does not answer,
and ``PLEBISCITE_REQUIRE_PG`` turns a PostgreSQL test that would skip into a failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEAD = "postgresql+psycopg://postgres@127.0.0.1:9/test"  # the discard port: nothing listens


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLEBISCITE_")}
    return {**env, "PYTHON": sys.executable, **extra}


def test_check_pg_fails_on_an_unreachable_server() -> None:
    done = subprocess.run(
        [str(ROOT / ".ci" / "check-pg")],
        env=_env(PLEBISCITE_TEST_PG=DEAD),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "unreachable" in done.stderr and done.stderr.count("\n") == 1


def test_check_pg_fails_without_the_variable() -> None:
    done = subprocess.run(
        [str(ROOT / ".ci" / "check-pg")],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "PLEBISCITE_TEST_PG is not set" in done.stderr


def test_ci_run_checks_postgres_before_the_tests() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.index(".ci/check-pg") < script.rindex("make check")
    assert "PLEBISCITE_REQUIRE_PG=1" in script


def test_a_postgres_test_fails_instead_of_skipping_when_required(tmp_path: Path) -> None:
    probe = ROOT / "tests" / "record" / "test_sql.py"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            str(probe),
            "-k",
            "pg",
        ],
        env=_env(PLEBISCITE_TEST_PG=DEAD, PLEBISCITE_REQUIRE_PG="1"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stdout[-2000:]
    assert "PLEBISCITE_REQUIRE_PG is set" in done.stdout
