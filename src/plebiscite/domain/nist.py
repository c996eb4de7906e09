"""Results in NIST SP 1500-100 v2 JSON (``docs/tally.md`` section 5).

One ``ElectionReport`` with one ``Election`` whose scope is the whole referendum area. Each
region is a ``ReportingUnit`` composed of its districts, each district of its precincts, so
the NIST tree is the manifest's territory. Each question of each region is a
``BallotMeasureContest`` whose district is the region; each option a
``BallotMeasureSelection`` with ``VoteCounts``:

* ``Type = total`` for every published cell of the territory: the region, each district and
  precinct published on its own, and a ``combined-precinct`` unit for each "other" cell that
  merges small precincts (or small districts) under the small-cell rule;
* per channel at the region: regular stations as ``election-day``, makeshift stations as
  ``early``, mobile teams as ``other`` with ``OtherType = door-to-door``; a merged channel cell
  as ``other`` with ``OtherType`` naming the channels it merges.

What NIST cannot carry (counts by voting day, challenged and superseded ballots, the channel
windows of the schedule) goes into the sidecar ``results-sidecar.json`` (:func:`sidecar`).

Both are functions of the manifest and the ``results`` payload alone (and the report's time):
the results writer (:mod:`plebiscite.services.tally.results`, which also validates the report
against NIST's schema, :mod:`plebiscite.services.tally.nist`) and the verifier (V28) build them
with these one definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.errors import InputError

_CHANNEL_TYPE: dict[str, tuple[str, str | None]] = {
    LocationKind.REGULAR_STATION.value: ("election-day", None),
    LocationKind.MAKESHIFT_STATION.value: ("early", None),
    LocationKind.MOBILE_TEAM.value: ("other", "door-to-door"),
    "door_to_door": ("other", "door-to-door"),  # the region's kept home ballots (tally.md 2)
}


def _text(texts: dict[str, str] | str, languages: tuple[str, ...] = ("en",)) -> dict[str, Any]:
    strings = texts if isinstance(texts, dict) else {languages[0]: texts}
    return {
        "@type": "ElectionResults.InternationalizedText",
        "Text": [
            {"@type": "ElectionResults.LanguageString", "Content": v, "Language": k}
            for k, v in sorted(strings.items())  # language order: reproducible from the record
        ],
    }


def _unit(
    uid: str, kind: str, name: str, parts: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    unit: dict[str, Any] = {
        "@id": uid,
        "@type": "ElectionResults.ReportingUnit",
        "Name": _text(name),
    }
    if kind in ("precinct", "combined-precinct", "state", "county", "country"):
        unit["Type"] = kind
    else:
        unit["Type"], unit["OtherType"] = "other", kind
    if parts:
        unit["ComposingGpUnitIds"] = parts
    unit.update(extra)
    return unit


def _ru(level: str, *ids: str) -> str:
    return "ru-" + "-".join((level, *ids))


def build_report(
    manifest: Manifest, results: dict[str, Any], generated: dt.datetime, *, is_test: bool
) -> dict[str, Any]:
    """The NIST ElectionReport for the published results."""
    if generated.tzinfo is None:
        raise InputError("the report time must carry a time zone")
    area = _ru("area", manifest.id)
    units: list[dict[str, Any]] = []
    contests: list[dict[str, Any]] = []
    units.append(
        _unit(area, "country", manifest.title, [_ru("region", r.id) for r in manifest.regions])
    )
    for region in results["regions"]:
        r = region["region"]
        districts = [d for d in manifest.districts if d.region_id == r]
        units.append(
            _unit(
                _ru("region", r),
                "state",
                region["name"],
                [_ru("district", d.id) for d in districts],
                VotersRegistered=region["registered"],
                VotersParticipated=region["ballots"],
            )
        )
        for d in districts:
            precincts = [p for p in manifest.precincts if p.district_id == d.id]
            units.append(
                _unit(
                    _ru("district", d.id),
                    "county",
                    d.name,
                    [_ru("precinct", p.id) for p in precincts],
                )
            )
            units += [_unit(_ru("precinct", p.id), "precinct", p.name) for p in precincts]
        for cell in region["cells"]:
            if "other@" in cell["id"] and cell["level"] in ("district", "precinct"):
                level = cell["level"]
                units.append(
                    _unit(
                        _ru("merged", *cell["id"].split(":")[1:]).replace("@", "-in-"),
                        "combined-precinct",
                        f"{level}s merged under the small-cell rule: {', '.join(cell['units'])}",
                        [_ru(level, u) for u in cell["units"]],
                    )
                )
        for qi, question_result in enumerate(region["questions"]):
            question = next(
                q
                for reg in manifest.regions
                if reg.id == r
                for q in reg.questions
                if q.id == question_result["question"]
            )
            selections = []
            for oi, option in enumerate(question.options):
                counts = list(_vote_counts(region, qi, option.id, r))
                selections.append(
                    {
                        "@id": f"sel-{r}-{question.id}-{option.id}",
                        "@type": "ElectionResults.BallotMeasureSelection",
                        "Selection": _text(dict(option.label)),
                        "SequenceOrder": oi + 1,
                        "VoteCounts": counts,
                    }
                )
            contests.append(
                {
                    "@id": f"contest-{r}-{question.id}",
                    "@type": "ElectionResults.BallotMeasureContest",
                    "ElectionDistrictId": _ru("region", r),
                    "Name": f"{region['name']}: {question.id}",
                    "FullText": _text(dict(question.text)),
                    "ContestSelection": selections,
                    "SequenceOrder": qi + 1,
                }
            )
    days = [d.date for d in manifest.days]
    return {
        "@type": "ElectionResults.ElectionReport",
        "Format": "precinct-level",
        "GeneratedDate": generated.replace(microsecond=0).isoformat(),
        "Issuer": manifest.title,
        "IssuerAbbreviation": manifest.id,
        "IsTest": is_test,
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": "unofficial-complete",
        "VendorApplicationId": "plebiscite",
        "GpUnit": units,
        "Election": [
            {
                "@type": "ElectionResults.Election",
                "ElectionScopeId": area,
                "Name": _text(manifest.title),
                "StartDate": min(days).isoformat(),
                "EndDate": max(days).isoformat(),
                "Type": "other",
                "OtherType": "referendum",
                "Contest": contests,
            }
        ],
    }


def _vote_counts(region: dict[str, Any], qi: int, option: str, r: str) -> Iterator[dict[str, Any]]:
    def count(gp: str, n: int, kind: str = "total", other: str | None = None) -> dict[str, Any]:
        vc: dict[str, Any] = {
            "@type": "ElectionResults.VoteCounts",
            "Count": n,
            "GpUnitId": gp,
            "Type": kind,
        }
        if other:
            vc["OtherType"] = other
        return vc

    yield count(_ru("region", r), region["questions"][qi]["options"][option])
    for cell in region["cells"]:
        n = cell["questions"][qi]["options"][option]
        level, merged = cell["level"], "other@" in cell["id"]
        if level in ("district", "precinct"):
            gp = (
                _ru("merged", *cell["id"].split(":")[1:]).replace("@", "-in-")
                if merged
                else _ru(level, cell["units"][0])
            )
            yield count(gp, n)
        elif level == "channel":
            if merged:
                yield count(
                    _ru("region", r), n, "other", "merged-channels:" + "+".join(cell["units"])
                )
            else:
                kind, other = _CHANNEL_TYPE[cell["units"][0]]
                yield count(_ru("region", r), n, kind, other)


def sidecar(manifest: Manifest, results: dict[str, Any], ballots: dict[str, int]) -> dict[str, Any]:
    """What NIST cannot carry: counts by day, ballot dispositions, the schedule's windows."""
    return {
        "format": "plebiscite-results-sidecar-v1",
        "referendum": manifest.id,
        "ballots": ballots,
        "by_day": {
            region["region"]: [c for c in region["cells"] if c["level"] == "day"]
            for region in results["regions"]
        },
        "windows": [
            {
                "day": day.number,
                "date": day.date.isoformat(),
                "windows": [
                    {
                        "kinds": sorted(k.value for k in w.kinds),
                        "opens": w.hours.opens.isoformat(),
                        "closes": w.hours.closes.isoformat(),
                        "regions": sorted(w.regions),
                    }
                    for w in day.windows
                ],
            }
            for day in manifest.days
        ],
    }


__all__ = ["build_report", "sidecar"]
