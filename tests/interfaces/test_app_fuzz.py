"""Schemathesis from the app's own OpenAPI: no 500s, and no rejected request changes the board."""

from __future__ import annotations

import sys
from pathlib import Path

import hypothesis
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from voting_support import new_day

from plebiscite.interfaces.app import create_app
from plebiscite.record.memory import MemoryBoard

DAY = new_day(MemoryBoard(), voters=40)
APP = create_app(DAY.service, admin_token="fuzz-token", demo_clock=DAY.clock)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@hypothesis.settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)
def test_api_never_fails_and_refusals_change_nothing(case: schemathesis.Case) -> None:
    before = DAY.board.size()
    response = case.call()
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert DAY.board.size() == before
        assert response.json()["type"].startswith("urn:plebiscite:problem:")
    # A schema-valid request may still be refused for what it means (a leaf beyond the tree,
    # a ballot that does not verify): the other checks stand.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
