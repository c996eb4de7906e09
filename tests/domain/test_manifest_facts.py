"""Facts and provenance in the manifest: optional, checked, hashed, and read back equal."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import canonical_manifest, manifest_document, manifest_hash
from plebiscite.domain.manifest_load import parse_manifest_data, parse_manifest_json
from plebiscite.errors import ManifestError


def _without(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data.pop("facts", None)
    data.pop("provenance", None)
    return data


def test_the_seed_states_its_facts_and_their_provenance(seed: Manifest) -> None:
    assert seed.facts.flag("sovereignty.occupied") is True
    assert seed.facts.text("sovereignty.state_concerned") == "Ukraine"
    assert seed.facts.flag("campaign.media_free") is None  # not stated: unknown, never false
    assert len(seed.facts.issues()["zp-q1"]) == 3
    found = seed.provenance_of("facts.sovereignty.declared_invalid_by")
    assert found is not None and found.kind == "reported" and found.date is not None
    assert str(found) == "reported: UN General Assembly resolution A/RES/ES-11/4, 2022-10-12"
    # the longest prefix at a key boundary applies
    assert seed.provenance_of("precincts[3].registered_voters").kind == "illustrative"  # type: ignore[union-attr]
    assert seed.provenance_of("days[0].date").kind == "reported"  # type: ignore[union-attr]
    assert seed.provenance_of("daysx") is None
    assert seed.provenance_of("referendum.effect") is None


def test_facts_are_optional(seed_data: dict[str, Any]) -> None:
    bare = parse_manifest_data(_without(seed_data), "bare.toml")
    assert all(v in (None, (), {}) for v in bare.facts.values.values())
    assert bare.provenance == ()


def test_facts_are_read_back_equal_and_change_the_hash(
    seed_data: dict[str, Any], seed: Manifest
) -> None:
    again = parse_manifest_json(canonical_manifest(seed), "record manifest.json")
    assert again == seed and manifest_hash(again) == manifest_hash(seed)
    bare = parse_manifest_data(_without(seed_data), "bare.toml")
    assert manifest_hash(bare) != manifest_hash(seed)
    flipped = copy.deepcopy(seed_data)
    flipped["facts"]["sovereignty"]["occupied"] = False
    assert manifest_hash(parse_manifest_data(flipped, "x.toml")) != manifest_hash(seed)
    document = manifest_document(bare)
    assert document["facts"]["sovereignty"]["occupied"] is None  # every key written
    assert document["provenance"] == []
    assert json.loads(canonical_manifest(bare))["facts"]["rules"]["question_issues"] == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["provenance"][0].pop("date"),
            "provenance[0]: a reported fact needs its source and date",
        ),
        (
            lambda d: d["provenance"][1]["keys"].append("facts.campaign.media_free"),
            "provenance[1].keys[1]: 'facts.campaign.media_free' names nothing the manifest states",
        ),
        (
            lambda d: d["provenance"][1]["keys"].append("facts.sovereignty.occupied"),
            "provenance[1].keys[1]: 'facts.sovereignty.occupied' already has a provenance",
        ),
        (
            lambda d: d["provenance"][1]["keys"].append("precincts[99]"),
            "provenance[1].keys[1]: 'precincts[99]' names nothing the manifest states",
        ),
        (
            lambda d: d["facts"]["rules"]["question_issues"].update({"xx-q9": ["a"]}),
            "facts.rules.question_issues.xx-q9: no question has the id 'xx-q9'",
        ),
        (
            lambda d: d["facts"]["sovereignty"].update({"occupied": "yes"}),
            "facts.sovereignty.occupied: Input should be a valid boolean",
        ),
        (
            lambda d: d["facts"]["sovereignty"].update({"colour": "red"}),
            "facts.sovereignty.colour: unknown key",
        ),
        (
            lambda d: d["provenance"][0].update({"kind": "rumoured"}),
            "provenance[0].kind: Input should be 'reported', 'illustrative' or 'hypothetical'",
        ),
    ],
)
def test_bad_facts_are_named_by_key_path(
    seed_data: dict[str, Any], change: Any, message: str
) -> None:
    change(seed_data)
    with pytest.raises(ManifestError) as caught:
        parse_manifest_data(seed_data, "bad.toml")
    assert f"bad.toml: {message}" in str(caught.value).splitlines()
