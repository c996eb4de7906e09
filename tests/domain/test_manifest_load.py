"""Loading manifests: the seed example, round trips, and every validation rule with its path."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plebiscite.crypto.hashing import canonical_json
from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.domain.manifest_hash import canonical_manifest, manifest_document
from plebiscite.domain.manifest_load import (
    parse_manifest,
    parse_manifest_data,
    parse_manifest_json,
)
from plebiscite.errors import ManifestError


def test_seed_loads_with_four_regions_and_three_kinds(seed: Manifest) -> None:
    assert [r.id for r in seed.regions] == ["donetsk", "kherson", "luhansk", "zaporizhzhia"]
    assert {loc.kind for loc in seed.locations} == set(LocationKind)
    assert seed.trustees.k == 3
    assert seed.trustees.n == 5
    assert [t.index for t in seed.trustees.members] == [1, 2, 3, 4, 5]
    assert seed.time_zone == "Europe/Moscow"
    assert seed.languages == ("uk", "ru", "en")
    assert not seed.context.independent_observers_admitted
    for region in seed.regions:
        assert [e.kind for e in seed.emergencies_in(region.id)] == ["martial_law"]
        for question in region.questions:
            assert question.option_ids == ("yes", "no")
            assert set(question.text) == {"uk", "ru", "en"}


def test_seed_schedule_is_friday_to_tuesday(seed: Manifest) -> None:
    dates = [day.date for day in seed.days]
    assert dates == [dt.date(2022, 9, d) for d in range(23, 28)]
    assert [day.number for day in seed.days] == [1, 2, 3, 4, 5]
    assert dates[0].strftime("%A") == "Friday"
    for day in seed.days[:4]:
        kinds = set().union(*(w.kinds for w in day.windows))
        assert kinds == {LocationKind.MOBILE_TEAM, LocationKind.MAKESHIFT_STATION}
    assert set().union(*(w.kinds for w in seed.days[4].windows)) == {LocationKind.REGULAR_STATION}


def test_every_location_resolves_to_its_region(seed: Manifest) -> None:
    for loc in seed.locations:
        precinct = seed.precinct_by_id[loc.precinct_id]
        district = seed.district_by_id[precinct.district_id]
        assert loc.region_id == precinct.region_id == district.region_id
        assert seed.open_spans(loc), loc.id


def test_json_round_trip_gives_an_equal_manifest(seed: Manifest) -> None:
    again = parse_manifest_json(canonical_manifest(seed), "manifest.json")
    assert again == seed
    assert canonical_manifest(again) == canonical_manifest(seed)


def test_document_round_trip_is_a_fixed_point(seed: Manifest) -> None:
    document = manifest_document(seed)
    again = parse_manifest_json(canonical_json(document), "manifest.json")
    assert manifest_document(again) == document


def test_defaults_are_made_explicit(seed_data: dict[str, Any]) -> None:
    for location in seed_data["locations"]:
        location.pop("hours", None)
    seed_data["referendum"].pop("quorum")
    document = manifest_document(parse_manifest_data(seed_data, "m.toml"))
    assert document["referendum"]["quorum"] == {
        "turnout_min_percent": None,
        "approval_min_percent": None,
    }
    assert all(loc["hours"] is None for loc in document["locations"])
    assert all(w["regions"] for day in document["days"] for w in day["windows"])


def _error(data: dict[str, Any]) -> str:
    with pytest.raises(ManifestError) as info:
        parse_manifest_data(data, "bad.toml")
    return str(info.value)


def test_not_toml_names_the_file_and_line() -> None:
    with pytest.raises(ManifestError, match=r"^bad\.toml: not valid TOML: .*line 2"):
        parse_manifest('[referendum]\nid = "x\n', "bad.toml")


def test_unknown_key_names_its_path(seed_data: dict[str, Any]) -> None:
    seed_data["locations"][3]["colour"] = "red"
    assert "bad.toml: locations[3].colour: unknown key" in _error(seed_data)


def test_unknown_top_level_table(seed_data: dict[str, Any]) -> None:
    seed_data["observers"] = {}
    assert "bad.toml: observers: unknown key" in _error(seed_data)


def test_missing_key_names_its_path(seed_data: dict[str, Any]) -> None:
    del seed_data["referendum"]["time_zone"]
    assert "bad.toml: referendum.time_zone: missing key" in _error(seed_data)


def test_wrong_type_is_not_coerced(seed_data: dict[str, Any]) -> None:
    seed_data["precincts"][0]["registered_voters"] = "1200"
    assert "precincts[0].registered_voters: Input should be a valid integer" in _error(seed_data)


def test_bad_kind_names_the_allowed_ones(seed_data: dict[str, Any]) -> None:
    seed_data["locations"][0]["kind"] = "postal"
    message = _error(seed_data)
    assert "locations[0].kind" in message
    assert "'mobile_team'" in message


def test_bad_id_and_clock_patterns(seed_data: dict[str, Any]) -> None:
    seed_data["regions"][0]["id"] = "Donetsk Region"
    seed_data["days"][0]["windows"][0]["opens"] = "8am"
    message = _error(seed_data)
    assert "regions[0].id: String should match pattern" in message
    assert "days[0].windows[0].opens: String should match pattern" in message


@pytest.mark.parametrize(
    ("collection", "index", "what"),
    [
        ("regions", 1, "region"),
        ("districts", 2, "district"),
        ("precincts", 5, "precinct"),
        ("locations", 7, "location"),
    ],
)
def test_duplicate_ids(seed_data: dict[str, Any], collection: str, index: int, what: str) -> None:
    items = seed_data[collection]
    duplicate = dict(items[index])
    items.append(duplicate)
    message = _error(seed_data)
    assert f"{collection}[{len(items) - 1}].id: duplicate {what} id {duplicate['id']!r}" in message


def test_duplicate_trustee_question_and_option_ids(seed_data: dict[str, Any]) -> None:
    members = seed_data["trustees"]["members"]
    members[4]["id"] = members[0]["id"]
    seed_data["regions"][1]["questions"][0]["id"] = seed_data["regions"][0]["questions"][0]["id"]
    options = seed_data["regions"][2]["questions"][0]["options"]
    options[1]["id"] = "yes"
    message = _error(seed_data)
    assert "trustees.members[4].id: duplicate trustee id" in message
    assert "regions[1].questions[0].id: duplicate question id" in message
    assert "regions[2].questions[0].options[1].id: duplicate option id 'yes'" in message


def test_dangling_references(seed_data: dict[str, Any]) -> None:
    seed_data["districts"][0]["region"] = "crimea"
    seed_data["precincts"][1]["district"] = "nowhere"
    seed_data["locations"][2]["precinct"] = "xx-9999"
    seed_data["days"][0]["windows"][0]["regions"] = ["donetsk", "crimea"]
    seed_data["context"]["emergencies"][0]["regions"].append("crimea")
    message = _error(seed_data)
    assert "districts[0].region: no region has the id 'crimea'" in message
    assert "precincts[1].district: no district has the id 'nowhere'" in message
    assert "locations[2].precinct: no precinct has the id 'xx-9999'" in message
    assert "days[0].windows[0].regions[1]: no region has the id 'crimea'" in message
    assert "context.emergencies[0].regions[4]: no region has the id 'crimea'" in message


def test_window_lists_a_region_twice(seed_data: dict[str, Any]) -> None:
    seed_data["days"][0]["windows"][0]["regions"] = ["donetsk", "kherson", "donetsk"]
    assert "days[0].windows[0].regions[2]: duplicate region 'donetsk'" in _error(seed_data)


def test_empty_window(seed_data: dict[str, Any]) -> None:
    window = seed_data["days"][2]["windows"][0]
    window["opens"], window["closes"] = "20:00", "08:00"
    assert "days[2].windows[0]: empty window 20:00-08:00" in _error(seed_data)


def test_zero_length_window(seed_data: dict[str, Any]) -> None:
    window = seed_data["days"][4]["windows"][0]
    window["closes"] = window["opens"]
    assert "days[4].windows[0]: empty window 08:00-08:00" in _error(seed_data)


def test_overlapping_windows(seed_data: dict[str, Any]) -> None:
    seed_data["days"][1]["windows"].append(
        {"kinds": ["mobile_team"], "opens": "19:00", "closes": "21:00"}
    )
    message = _error(seed_data)
    assert "days[1].windows[1]: overlaps days[1].windows[0] for mobile_team" in message


def test_adjacent_windows_do_not_overlap(seed_data: dict[str, Any]) -> None:
    seed_data["days"][1]["windows"].append(
        {"kinds": ["mobile_team"], "opens": "20:00", "closes": "21:00"}
    )
    manifest = parse_manifest_data(seed_data, "ok.toml")
    assert len(manifest.days[1].windows) == 2


def test_windows_for_other_regions_may_share_hours(seed_data: dict[str, Any]) -> None:
    day = seed_data["days"][4]
    day["windows"][0]["regions"] = ["donetsk", "luhansk"]
    day["windows"].append(
        {
            "kinds": ["regular_station"],
            "opens": "09:00",
            "closes": "18:00",
            "regions": ["kherson", "zaporizhzhia"],
        }
    )
    manifest = parse_manifest_data(seed_data, "ok.toml")
    assert len(manifest.days[4].windows) == 2


def test_duplicate_day_and_day_before_call(seed_data: dict[str, Any]) -> None:
    seed_data["days"].append(dict(seed_data["days"][0]))
    seed_data["days"][1]["date"] = dt.date(2022, 9, 1)
    message = _error(seed_data)
    assert "days[5].date: duplicate voting day 2022-09-23" in message
    assert "days[1].date: a voting day before the referendum was called" in message


def test_k_greater_than_n(seed_data: dict[str, Any]) -> None:
    seed_data["trustees"]["k"] = 6
    assert "bad.toml: trustees.k: k = 6 > n = 5" in _error(seed_data)


def test_n_must_match_the_members(seed_data: dict[str, Any]) -> None:
    seed_data["trustees"]["members"].pop()
    assert "trustees.members: 4 members listed but n = 5" in _error(seed_data)


def test_zero_threshold(seed_data: dict[str, Any]) -> None:
    seed_data["trustees"]["k"] = 0
    assert "trustees.k: k is 0" in _error(seed_data)


def test_question_without_options(seed_data: dict[str, Any]) -> None:
    seed_data["regions"][3]["questions"][0]["options"] = []
    assert "regions[3].questions[0].options: question 'ks-q1' has no options" in _error(seed_data)


def test_question_with_one_option(seed_data: dict[str, Any]) -> None:
    del seed_data["regions"][0]["questions"][0]["options"][1]
    assert "regions[0].questions[0].options: question 'dn-q1' has only one option" in _error(
        seed_data
    )


def test_region_without_questions(seed_data: dict[str, Any]) -> None:
    seed_data["regions"][0]["questions"] = []
    assert "regions[0].questions: region 'donetsk' has no questions" in _error(seed_data)


def test_missing_and_unknown_language(seed_data: dict[str, Any]) -> None:
    question = seed_data["regions"][1]["questions"][0]
    del question["text"]["en"]
    question["options"][0]["label"]["de"] = "Ja"
    message = _error(seed_data)
    assert "regions[1].questions[0].text: missing the 'en' text" in message
    assert "regions[1].questions[0].options[0].label.de: 'de' is not one of the" in message


def test_location_kind_never_opened(seed_data: dict[str, Any]) -> None:
    for day in seed_data["days"][:4]:
        day["windows"][0]["kinds"] = ["makeshift_station"]
    message = _error(seed_data)
    index = next(i for i, loc in enumerate(seed_data["locations"]) if loc["kind"] == "mobile_team")
    assert f"locations[{index}].kind: the schedule never opens mobile_team locations" in message


def test_kind_never_opened_in_one_region(seed_data: dict[str, Any]) -> None:
    seed_data["days"][4]["windows"][0]["regions"] = ["donetsk", "luhansk", "zaporizhzhia"]
    message = _error(seed_data)
    assert "never opens regular_station locations in region 'kherson'" in message


def test_location_hours_outside_every_window(seed_data: dict[str, Any]) -> None:
    seed_data["locations"][0]["hours"] = "20:00-22:00"
    assert "locations[0].hours: 20:00-22:00 never meets a window" in _error(seed_data)


def test_empty_location_hours(seed_data: dict[str, Any]) -> None:
    seed_data["locations"][1]["hours"] = "12:00-12:00"
    assert "locations[1].hours: empty hours '12:00-12:00'" in _error(seed_data)


def test_structure_gaps(seed_data: dict[str, Any]) -> None:
    seed_data["districts"].append({"id": "dn-empty", "region": "donetsk", "name": "Empty"})
    seed_data["precincts"].append(
        {"id": "dn-9999", "district": "dn-donetsk", "name": "No place", "registered_voters": 5}
    )
    message = _error(seed_data)
    assert "district 'dn-empty' has no precincts" in message
    assert "precinct 'dn-9999' has no voting locations" in message


def test_referendum_level_rules(seed_data: dict[str, Any]) -> None:
    referendum = seed_data["referendum"]
    referendum["protocol_version"] = "plebiscite-v0"
    referendum["time_zone"] = "Europe/Atlantis"
    referendum["languages"].append("uk")
    referendum["legal_basis"]["called"] = dt.date(2022, 9, 1)
    seed_data["context"]["emergencies"][0]["end"] = dt.date(2022, 1, 1)
    message = _error(seed_data)
    assert "referendum.protocol_version: 'plebiscite-v0' is not supported" in message
    assert "referendum.time_zone: 'Europe/Atlantis' is not a known IANA time zone" in message
    assert "referendum.languages[3]: duplicate language 'uk'" in message
    assert "referendum.legal_basis.called: the referendum is called before the act" in message
    assert "context.emergencies[0].end: ends before it starts" in message


def test_every_problem_is_reported_at_once(seed_data: dict[str, Any]) -> None:
    seed_data["trustees"]["k"] = 9
    seed_data["locations"][0]["precinct"] = "nowhere"
    message = _error(seed_data)
    assert message.startswith("bad.toml: 2 problems\n")
    assert len(message.splitlines()) == 3


def test_error_from_toml_text_names_file_and_path(seed_text: str) -> None:
    text = seed_text.replace("[trustees]\nn = 5\nk = 3", "[trustees]\nn = 5\nk = 7")
    with pytest.raises(ManifestError, match=r"^seed\.toml: trustees\.k: k = 7 > n = 5"):
        parse_manifest(text, "seed.toml")


def test_json_form_errors_name_the_path(seed: Manifest) -> None:
    document = manifest_document(seed)
    document["regions"][0]["extra"] = 1
    with pytest.raises(ManifestError, match=r"m\.json: regions\[0\]\.extra: unknown key"):
        parse_manifest_json(canonical_json(document), "m.json")


def test_package_exports_exist() -> None:
    from plebiscite import domain

    missing = [name for name in domain.__all__ if not hasattr(domain, name)]
    assert missing == []
    assert domain.parse_manifest is parse_manifest
