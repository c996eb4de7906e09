"""Fixtures for the forensics tests: synthetic elections, and ../shared when present."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from plebiscite.services.forensics.synthetic import SyntheticElection, simulate_election

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def _shared_file(relative: str) -> Path:
    """A file under ../shared/data, or skip the test: users do not have ../shared."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent (reference data live in ../shared, outside the repo)")
    return path


@pytest.fixture(scope="session")
def shared_file() -> Callable[[str], Path]:
    """Locates ../shared/data relative to the repository root, skipping when absent."""
    return _shared_file


@pytest.fixture(scope="session")
def clean_election() -> SyntheticElection:
    return simulate_election(np.random.default_rng(11), 20_000)


@pytest.fixture(scope="session")
def stuffed_election() -> SyntheticElection:
    return simulate_election(np.random.default_rng(12), 20_000, f_incremental=0.3, f_extreme=0.05)


@pytest.fixture(scope="session")
def rounded_election() -> SyntheticElection:
    return simulate_election(np.random.default_rng(13), 20_000, rounded=0.05)
