"""The seed manifest and a fair variant of it, for the legitimacy tests.

The fair variant is the seed's referendum held the way a state could hold it: called by the
state concerned under its constitution after negotiations, no occupation, no martial law, no
armed presence, observers admitted and both sides campaigning and observing, a regular station
open on every day (mobile teams beside it, on application), single-issue questions, effects set
by law. It keeps two defects on purpose, so the report has something it should find: the rules
were enacted eight months before the vote (LB3, procedural) and a 50 % turnout quorum (Q1,
advisory). Its facts are hypothetical, and its provenance says so.

``examples/fair-variant/manifest.json`` is its normalised JSON form, for anyone to run
``plebiscite legitimacy`` on; ``python tests/legitimacy_support.py`` writes it again, and a test
checks it is current.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import manifest_document
from plebiscite.domain.manifest_load import parse_manifest_data

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-referendum" / "manifest.toml"
SEED_DATA: dict[str, Any] = tomllib.loads(SEED.read_text(encoding="utf-8"))
FAIR = SEED.parents[1] / "fair-variant" / "manifest.json"

#: What the fair variant should fail, and nothing else.
FAIR_FAILS = {"LB3", "Q1"}

_SINGLE = {
    "uk": "Ви за те, щоб {r} область залишалася у складі України з розширеним самоврядуванням?",
    "ru": "Вы за то, чтобы {r} область оставалась в составе Украины с расширенным самоуправлением?",
    "en": "Are you in favour of {r} region remaining part of Ukraine with wider self-government?",
}
_NAMES = {
    "zaporizhzhia": {"uk": "Запорізька", "ru": "Запорожская", "en": "Zaporizhzhia"},
    "kherson": {"uk": "Херсонська", "ru": "Херсонская", "en": "Kherson"},
}


def fair_data() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(SEED_DATA)
    data["referendum"]["id"] = "fair-variant"
    data["referendum"]["title"] = (
        "A fair variant of the seed referendum (hypothetical): a status vote held by Ukraine"
    )
    data["referendum"]["legal_basis"] = {
        "act": "Law on local referendums, enacted by the national parliament",
        "enacted": dt.date(2022, 1, 20),
        "called": dt.date(2022, 8, 1),
    }
    data["referendum"]["quorum"] = {"turnout_min_percent": 50}
    data["context"] = {
        "independent_observers_admitted": True,
        "observers_note": "an ODIHR mission and both sides' observers were accredited",
        "emergencies": [],
        "notes": [],
    }
    for region in data["regions"]:
        if region["id"] in _NAMES:
            names = _NAMES[region["id"]]
            region["questions"][0]["text"] = {k: v.format(r=names[k]) for k, v in _SINGLE.items()}
    for day in data["days"]:
        day["windows"] = [
            {
                "kinds": ["regular_station", "makeshift_station", "mobile_team"],
                "opens": "08:00",
                "closes": "20:00",
            }
        ]
    issue = ["the region's status within Ukraine"]
    data["facts"] = {
        "sovereignty": {
            "state_concerned": "Ukraine",
            "organised_by_state_concerned": True,
            "state_consents": True,
            "constitutional_basis": True,
            "status_question": True,
            "negotiations_held": True,
            "occupied": False,
        },
        "armed_presence": {"at_stations": False, "with_mobile_teams": False},
        "displaced": {
            "displaced_can_vote": True,
            "abroad_can_vote": True,
            "polling_in_other_state": False,
        },
        "registration": {"station_registers_on_voting_day": False},
        "campaign": {"no_side_campaigned": True, "no_side_observers": True, "media_free": True},
        "rules": {
            "options_set_in_advance": True,
            "majority_rule_set_in_advance": True,
            "effect_set_by": "law",
            "question_issues": {q["id"]: issue for r in data["regions"] for q in r["questions"]},
        },
        "voting": {"makeshift_booths": True},
    }
    data["provenance"] = [
        {"keys": ["facts", "referendum", "context"], "kind": "hypothetical", "note": "a test"},
        {"keys": ["precincts", "locations"], "kind": "illustrative", "note": "the seed's sample"},
    ]
    return data


def fair_manifest(**facts: dict[str, Any]) -> Manifest:
    """The fair variant, with ``facts`` sections (``sovereignty={...}``) updated."""
    data = fair_data()
    for section, values in facts.items():
        data["facts"][section].update(values)
    return parse_manifest_data(data, "fair variant")


def fair_text() -> str:
    """The fair variant's normalised JSON form, as ``examples/fair-variant/manifest.json``."""
    return json.dumps(manifest_document(fair_manifest()), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    FAIR.parent.mkdir(exist_ok=True)
    FAIR.write_text(fair_text(), encoding="utf-8")
    print(f"wrote {FAIR}")
