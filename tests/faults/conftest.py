"""Fault scenarios against ``plebiscite serve`` in a subprocess (``docs/operations.md``)."""

from __future__ import annotations

import sys
from pathlib import Path

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load"
if str(LOAD) not in sys.path:
    sys.path.insert(0, str(LOAD))
