"""A door-to-door ballot only for a voter who applied to vote at home (issue 18 item 6).

Plays a mobile team that takes a ballot at the door of a voter who never applied: the board's
append refuses it (online as for an upload), and takes it where the manifest says applications
are not required. A check-in on the same device comes before every ballot in any case."""

from __future__ import annotations

import dataclasses

import pytest
from voting_support import MANIFEST, location, new_day, open_at

from plebiscite.domain.manifest import LocationKind
from plebiscite.errors import EligibilityError
from plebiscite.record.memory import MemoryBoard

HOME = LocationKind.MOBILE_TEAM


def test_a_door_to_door_ballot_without_an_application_is_refused() -> None:
    day = new_day(MemoryBoard(), voters=60)
    day.clock.set(open_at(location(HOME)))
    team = day.booth(location(HOME))
    applied = next(v for v in day.voters() if v.home_voting)
    other = next(v for v in day.voters() if not v.home_voting)
    ok = team.prepare(applied.pseudonym, {"dn-q1": "yes"})
    body = ok.cast_body()
    day.service.cast(body["ballot"], body["signature"], tag_opening=body["tag_opening"])
    team.accepted(ok)
    refused = team.prepare(other.pseudonym, {"dn-q1": "no"})  # checks `other` in first
    size = day.board.size()
    body = refused.cast_body()
    with pytest.raises(EligibilityError, match="did not apply to vote at home"):
        day.service.cast(body["ballot"], body["signature"], tag_opening=body["tag_opening"])
    assert day.board.size() == size


def test_where_the_manifest_does_not_require_applications_the_team_takes_it() -> None:
    free = dataclasses.replace(MANIFEST, home_voting_by_application=False)
    day = new_day(MemoryBoard(), voters=60, manifest=free)
    day.clock.set(open_at(location(HOME)))
    team = day.booth(location(HOME))
    other = next(v for v in day.voters() if not v.home_voting)
    prepared = team.prepare(other.pseudonym, {"dn-q1": "no"})
    body = prepared.cast_body()
    receipt = day.service.cast(body["ballot"], body["signature"], tag_opening=body["tag_opening"])
    assert receipt.kind == "cast"
