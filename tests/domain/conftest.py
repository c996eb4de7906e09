"""Shared fixtures for the domain tests: the seed manifest as text, data and value."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_load import parse_manifest

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
_TEXT = SEED.read_text(encoding="utf-8")
_DATA = tomllib.loads(_TEXT)
_MANIFEST = parse_manifest(_TEXT, str(SEED))


@pytest.fixture
def seed_text() -> str:
    return _TEXT


@pytest.fixture
def seed_data() -> dict[str, Any]:
    """A fresh deep copy of the parsed seed file, for tests to break."""
    return copy.deepcopy(_DATA)


@pytest.fixture
def seed() -> Manifest:
    return _MANIFEST
