"""The manifest hash: the same manifest, however the file is written, hashes the same."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plebiscite.crypto.hashing import canonical_json, hash_bytes
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import canonical_manifest, manifest_document, manifest_hash
from plebiscite.domain.manifest_load import parse_manifest, parse_manifest_data

_ID_KEYED = ("regions", "districts", "precincts", "locations")


def _value(value: Any) -> str:
    """A TOML inline value (strings as JSON strings, which TOML basic strings accept)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    raise TypeError(type(value))


def _shuffled(value: Any, rng: random.Random) -> Any:
    """The same data with every table's keys in a random order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


def _rewrite(data: dict[str, Any], rng: random.Random) -> str:
    """Write the data again in another layout: inline tables, shuffled keys and id-keyed
    arrays, days in another order, comments and blank lines."""
    data = copy.deepcopy(data)
    for key in _ID_KEYED:
        rng.shuffle(data[key])
    rng.shuffle(data["days"])
    for day in data["days"]:
        rng.shuffle(day["windows"])
    data = _shuffled(data, rng)
    lines = []
    for key, value in data.items():
        lines.append(f"# {key}, written inline{' ' * rng.randrange(4)}")
        lines.append(f"{key}  ={' ' * rng.randrange(3)}{_value(value)}  # end of {key}")
        lines.extend([""] * rng.randrange(3))
    return "\n".join(lines) + "\n"


def test_hash_is_64_bytes_and_tagged(seed: Manifest) -> None:
    digest = manifest_hash(seed)
    assert len(digest) == 64
    assert digest == hash_bytes("manifest", canonical_manifest(seed))


def test_canonical_bytes_are_canonical_json_of_the_document(seed: Manifest) -> None:
    canonical = canonical_manifest(seed)
    assert canonical == canonical_json(json.loads(canonical))
    assert json.loads(canonical) == manifest_document(seed)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rng=st.randoms(use_true_random=False))
def test_hash_ignores_layout_key_order_and_comments(
    rng: random.Random, seed_data: dict[str, Any], seed: Manifest
) -> None:
    text = _rewrite(seed_data, rng)
    again = parse_manifest(text, "rewritten.toml")
    assert again == seed
    assert manifest_hash(again) == manifest_hash(seed)


def test_hash_ignores_whitespace_and_comments_in_the_file(seed_text: str, seed: Manifest) -> None:
    stripped = "\n".join(
        line.rstrip() + "   " for line in seed_text.splitlines() if not line.startswith("#")
    )
    assert manifest_hash(parse_manifest(stripped, "x.toml")) == manifest_hash(seed)


def test_hash_ignores_explicit_defaults(seed_data: dict[str, Any], seed: Manifest) -> None:
    for region in seed_data["regions"]:
        for question in region["questions"]:
            question.pop("allow_blank")  # false is the default
    for day in seed_data["days"]:
        for window in day["windows"]:
            window["regions"] = ["zaporizhzhia", "kherson", "luhansk", "donetsk"]
    assert manifest_hash(parse_manifest_data(seed_data, "x.toml")) == manifest_hash(seed)


def test_hash_changes_with_meaning(seed_data: dict[str, Any], seed: Manifest) -> None:
    base = manifest_hash(seed)
    changes = []
    one = copy.deepcopy(seed_data)
    one["precincts"][0]["registered_voters"] += 1
    changes.append(one)
    two = copy.deepcopy(seed_data)
    two["days"][0]["windows"][0]["closes"] = "19:59"
    changes.append(two)
    three = copy.deepcopy(seed_data)
    options = three["regions"][0]["questions"][0]["options"]
    options.reverse()  # ballot order is meaningful
    changes.append(three)
    four = copy.deepcopy(seed_data)
    members = four["trustees"]["members"]
    members[0], members[1] = members[1], members[0]  # trustee indices are meaningful
    changes.append(four)
    digests = {manifest_hash(parse_manifest_data(c, "x.toml")) for c in changes}
    assert base not in digests
    assert len(digests) == len(changes)
