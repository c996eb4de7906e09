"""Parse and validate a manifest (``docs/manifest.md``, section "Validation").

The functions take the file's text and its name (for messages) and do no I/O. Loading is
strict: every problem found is reported, each as ``FILE: KEY.PATH: what is wrong``, in one
:class:`~plebiscite.errors.ManifestError`. Key paths count array items from 0, in the order of
the file (``locations[3].kind``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from plebiscite.domain.manifest import (
    PROTOCOL_VERSION,
    Context,
    District,
    Emergency,
    Hours,
    LegalBasis,
    Location,
    LocationKind,
    Manifest,
    Observer,
    Option,
    Precinct,
    Question,
    Quorum,
    Region,
    Trustee,
    Trustees,
    VotingDay,
    Window,
)
from plebiscite.domain.manifest_facts import build_facts, build_provenance, check_facts
from plebiscite.domain.manifest_file import LocationFile, ManifestFile, WindowFile
from plebiscite.errors import ManifestError

Problem = tuple[str, str]  # (key path, what is wrong)


def parse_manifest(text: str, source: str) -> Manifest:
    """Parse a TOML manifest; raise :class:`ManifestError` naming every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{source}: not valid TOML: {exc}") from None
    return parse_manifest_data(data, source)


def parse_manifest_data(data: Mapping[str, Any], source: str) -> Manifest:
    """Check and build a manifest from parsed TOML (dates as ``date`` objects)."""
    try:
        model = ManifestFile.model_validate(data)
    except ValidationError as exc:
        raise _format_error(source, _pydantic_problems(exc)) from None
    return build_manifest(model, source)


def parse_manifest_json(text: str | bytes, source: str) -> Manifest:
    """Parse the JSON form (e.g. the canonical document in an election record)."""
    try:
        model = ManifestFile.model_validate_json(text)
    except ValidationError as exc:
        raise _format_error(source, _pydantic_problems(exc)) from None
    return build_manifest(model, source)


def build_manifest(model: ManifestFile, source: str) -> Manifest:
    """Check the rules that span several values, then build the :class:`Manifest`."""
    problems = list(_check(model))
    if problems:
        raise _format_error(source, problems)
    return _build(model)


def _format_error(source: str, problems: Sequence[Problem]) -> ManifestError:
    lines = [
        f"{source}: {path}: {what}" if path else f"{source}: {what}" for path, what in problems
    ]
    if len(lines) > 1:
        lines.insert(0, f"{source}: {len(lines)} problems")
    return ManifestError("\n".join(lines))


def _path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_PYDANTIC_WORDING = {
    "extra_forbidden": "unknown key",
    "missing": "missing key",
}


def _pydantic_problems(exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        what = _PYDANTIC_WORDING.get(error["type"], error["msg"])
        problems.append((_path(loc), what))
    return problems


def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _hours(text: str) -> Hours:
    opens, closes = text.split("-")
    return Hours(_clock(opens), _clock(closes))


def _duplicates(path: str, ids: Sequence[str], what: str) -> Iterable[Problem]:
    seen: set[str] = set()
    for i, item_id in enumerate(ids):
        if item_id in seen:
            yield f"{path}[{i}].id", f"duplicate {what} id {item_id!r}"
        seen.add(item_id)


def _check_text(path: str, text: Mapping[str, str], languages: Sequence[str]) -> Iterable[Problem]:
    for language in languages:
        if language not in text:
            yield path, f"missing the {language!r} text"
    for language in text:
        if language not in languages:
            yield f"{path}.{language}", f"{language!r} is not one of the languages {languages}"


def _check_name(
    path: str, name: str | Mapping[str, str], languages: Sequence[str]
) -> Iterable[Problem]:
    """A name given per language must be given in every language the manifest declares."""
    if isinstance(name, str):
        return
    for language in languages:
        if language not in name:
            yield (
                path,
                (
                    f"no {language!r} text, and referendum.languages declares {language!r} "
                    "(give one string for every language, or one text per language)"
                ),
            )
    for language in name:
        if language not in languages:
            yield f"{path}.{language}", f"{language!r} is not one of the languages {languages}"


def _one_name(
    name: str | Mapping[str, str], languages: Sequence[str]
) -> tuple[str, dict[str, str]]:
    """(the name the CLI and exports use, the names by language): English if declared, else
    the first language's; a single string serves every language (no names by language)."""
    if isinstance(name, str):
        return name, {}
    for language in ("en", *languages):
        if name.get(language):
            return name[language], dict(name)
    return next(iter(name.values()), ""), dict(name)


def _check_names(f: ManifestFile) -> Iterable[Problem]:
    languages = f.referendum.languages
    yield from _check_name("referendum.title", f.referendum.title, languages)
    names: list[tuple[str, str | dict[str, str]]] = [
        *((f"regions[{i}].name", r.name) for i, r in enumerate(f.regions)),
        *((f"districts[{i}].name", d.name) for i, d in enumerate(f.districts)),
        *((f"precincts[{i}].name", p.name) for i, p in enumerate(f.precincts)),
    ]
    for path, name in names:
        yield from _check_name(path, name, languages)


def _check(f: ManifestFile) -> Iterable[Problem]:
    yield from _check_referendum(f)
    yield from _check_names(f)
    yield from _check_trustees(f)
    yield from _check_regions(f)
    yield from _check_territory(f)
    yield from _check_days(f)
    yield from _check_locations_open(f)
    yield from _check_context(f)
    questions = {q.id for r in f.regions for q in r.questions}
    yield from check_facts(f.facts, f.provenance, questions, f.model_dump())


def _check_referendum(f: ManifestFile) -> Iterable[Problem]:
    r = f.referendum
    if r.protocol_version != PROTOCOL_VERSION:
        yield (
            "referendum.protocol_version",
            f"{r.protocol_version!r} is not supported (this is {PROTOCOL_VERSION!r})",
        )
    try:
        ZoneInfo(r.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        yield "referendum.time_zone", f"{r.time_zone!r} is not a known IANA time zone"
    if not r.languages:
        yield "referendum.languages", "at least one language is needed"
    for i, language in enumerate(r.languages):
        if language in r.languages[:i]:
            yield f"referendum.languages[{i}]", f"duplicate language {language!r}"
    if r.legal_basis.called < r.legal_basis.enacted:
        yield "referendum.legal_basis.called", "the referendum is called before the act exists"


def _check_trustees(f: ManifestFile) -> Iterable[Problem]:
    t = f.trustees
    if t.n < 1:
        yield "trustees.n", f"n is {t.n}; at least one trustee is needed"
    if t.k < 1:
        yield "trustees.k", f"k is {t.k}; it must be at least 1"
    if t.k > t.n:
        yield "trustees.k", f"k = {t.k} > n = {t.n}: no {t.k} of {t.n} trustees exist"
    if len(t.members) != t.n:
        yield "trustees.members", f"{len(t.members)} members listed but n = {t.n}"
    yield from _duplicates("trustees.members", [m.id for m in t.members], "trustee")
    if t.head_cosignatures > t.n + len(t.observers):
        yield (
            "trustees.head_cosignatures",
            f"{t.head_cosignatures} cosignatures of {t.n} trustees and "
            f"{len(t.observers)} observers",
        )
    ids = [o.id for o in t.observers]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        yield "trustees.observers", f"observer id {dup!r} appears twice"


def _check_regions(f: ManifestFile) -> Iterable[Problem]:
    languages = f.referendum.languages
    if not f.regions:
        yield "regions", "no regions"
    yield from _duplicates("regions", [r.id for r in f.regions], "region")
    question_ids: set[str] = set()
    for i, region in enumerate(f.regions):
        rpath = f"regions[{i}]"
        if not region.questions:
            yield f"{rpath}.questions", f"region {region.id!r} has no questions"
        for j, question in enumerate(region.questions):
            qpath = f"{rpath}.questions[{j}]"
            if question.id in question_ids:
                yield f"{qpath}.id", f"duplicate question id {question.id!r}"
            question_ids.add(question.id)
            yield from _check_text(f"{qpath}.text", question.text, languages)
            yield from _check_text(f"{qpath}.explanation", question.explanation, languages)
            if not question.options:
                yield f"{qpath}.options", f"question {question.id!r} has no options"
            elif len(question.options) == 1:
                yield f"{qpath}.options", f"question {question.id!r} has only one option"
            yield from _duplicates(f"{qpath}.options", [o.id for o in question.options], "option")
            for m, option in enumerate(question.options):
                yield from _check_text(f"{qpath}.options[{m}].label", option.label, languages)


def _check_territory(f: ManifestFile) -> Iterable[Problem]:
    region_ids = {r.id for r in f.regions}
    district_ids = {d.id for d in f.districts}
    precinct_ids = {p.id for p in f.precincts}
    yield from _duplicates("districts", [d.id for d in f.districts], "district")
    yield from _duplicates("precincts", [p.id for p in f.precincts], "precinct")
    yield from _duplicates("locations", [loc.id for loc in f.locations], "location")
    for i, district in enumerate(f.districts):
        if district.region not in region_ids:
            yield f"districts[{i}].region", f"no region has the id {district.region!r}"
    for i, precinct in enumerate(f.precincts):
        if precinct.district not in district_ids:
            yield f"precincts[{i}].district", f"no district has the id {precinct.district!r}"
    for i, location in enumerate(f.locations):
        if location.precinct not in precinct_ids:
            yield f"locations[{i}].precinct", f"no precinct has the id {location.precinct!r}"
        if location.hours is not None:
            hours = _hours(location.hours)
            if hours.opens >= hours.closes:
                yield f"locations[{i}].hours", f"empty hours {location.hours!r}"
    with_districts = Counter(d.region for d in f.districts)
    for i, region in enumerate(f.regions):
        if not with_districts[region.id]:
            yield f"regions[{i}]", f"region {region.id!r} has no districts"
    with_precincts = Counter(p.district for p in f.precincts)
    for i, district in enumerate(f.districts):
        if not with_precincts[district.id]:
            yield f"districts[{i}]", f"district {district.id!r} has no precincts"
    with_locations = Counter(loc.precinct for loc in f.locations)
    for i, precinct in enumerate(f.precincts):
        if not with_locations[precinct.id]:
            yield f"precincts[{i}]", f"precinct {precinct.id!r} has no voting locations"


def _window_regions(window: WindowFile, f: ManifestFile) -> list[str]:
    return window.regions if window.regions is not None else [r.id for r in f.regions]


def _check_days(f: ManifestFile) -> Iterable[Problem]:
    region_ids = {r.id for r in f.regions}
    if not f.days:
        yield "days", "the schedule has no voting days"
    seen: set[dt.date] = set()
    for i, day in enumerate(f.days):
        dpath = f"days[{i}]"
        if day.date in seen:
            yield f"{dpath}.date", f"duplicate voting day {day.date.isoformat()}"
        seen.add(day.date)
        if day.date < f.referendum.legal_basis.called:
            yield f"{dpath}.date", "a voting day before the referendum was called"
        if not day.windows:
            yield f"{dpath}.windows", f"no windows on {day.date.isoformat()}"
        for j, window in enumerate(day.windows):
            wpath = f"{dpath}.windows[{j}]"
            if _clock(window.opens) >= _clock(window.closes):
                yield wpath, f"empty window {window.opens}-{window.closes}"
            if not window.kinds:
                yield f"{wpath}.kinds", "no location kinds"
            for m, kind in enumerate(window.kinds):
                if kind in window.kinds[:m]:
                    yield f"{wpath}.kinds[{m}]", f"duplicate kind {kind!r}"
            if window.regions is not None:
                if not window.regions:
                    yield f"{wpath}.regions", "an empty list of regions (omit it for all)"
                for m, region_id in enumerate(window.regions):
                    if region_id not in region_ids:
                        yield f"{wpath}.regions[{m}]", f"no region has the id {region_id!r}"
                    elif region_id in window.regions[:m]:
                        yield f"{wpath}.regions[{m}]", f"duplicate region {region_id!r}"
        yield from _check_overlaps(f, i)


def _check_overlaps(f: ManifestFile, i: int) -> Iterable[Problem]:
    windows = f.days[i].windows
    for j, first in enumerate(windows):
        for m in range(j + 1, len(windows)):
            second = windows[m]
            kinds = sorted(set(first.kinds) & set(second.kinds))
            regions = sorted(set(_window_regions(first, f)) & set(_window_regions(second, f)))
            if not kinds or not regions:
                continue
            if _clock(first.opens) < _clock(second.closes) and _clock(second.opens) < _clock(
                first.closes
            ):
                yield (
                    f"days[{i}].windows[{m}]",
                    f"overlaps days[{i}].windows[{j}] for {', '.join(kinds)} "
                    f"in {', '.join(regions)}",
                )


def _check_locations_open(f: ManifestFile) -> Iterable[Problem]:
    precinct_district = {p.id: p.district for p in f.precincts}
    district_region = {d.id: d.region for d in f.districts}
    for i, location in enumerate(f.locations):
        region_id = district_region.get(precinct_district.get(location.precinct, ""))
        if region_id is None:
            continue  # a dangling reference, reported already
        windows = [
            w
            for day in f.days
            for w in day.windows
            if location.kind in w.kinds and region_id in _window_regions(w, f)
        ]
        if not windows:
            yield (
                f"locations[{i}].kind",
                f"the schedule never opens {location.kind} locations in region {region_id!r}",
            )
        elif location.hours is not None and not any(
            _intersects(location, window) for window in windows
        ):
            yield (
                f"locations[{i}].hours",
                f"{location.hours} never meets a window of the schedule for {location.kind}",
            )


def _intersects(location: LocationFile, window: WindowFile) -> bool:
    assert location.hours is not None
    hours = _hours(location.hours)
    return max(hours.opens, _clock(window.opens)) < min(hours.closes, _clock(window.closes))


def _check_context(f: ManifestFile) -> Iterable[Problem]:
    region_ids = {r.id for r in f.regions}
    for i, emergency in enumerate(f.context.emergencies):
        epath = f"context.emergencies[{i}]"
        if not emergency.regions:
            yield f"{epath}.regions", "no regions"
        for j, region_id in enumerate(emergency.regions):
            if region_id not in region_ids:
                yield f"{epath}.regions[{j}]", f"no region has the id {region_id!r}"
        if emergency.end is not None and emergency.end < emergency.start:
            yield f"{epath}.end", "ends before it starts"


def _build(f: ManifestFile) -> Manifest:
    r = f.referendum
    district_region = {d.id: d.region for d in f.districts}
    precinct_region = {p.id: district_region[p.district] for p in f.precincts}
    all_regions = [region.id for region in f.regions]
    days = sorted(f.days, key=lambda day: day.date)
    languages = r.languages
    title, titles = _one_name(r.title, languages)
    return Manifest(
        id=r.id,
        title=title,
        titles=titles,
        protocol_version=r.protocol_version,
        time_zone=r.time_zone,
        effect=r.effect,
        languages=tuple(r.languages),
        small_cell_threshold=r.small_cell_threshold,
        home_voting_by_application=r.home_voting_by_application,
        legal_basis=LegalBasis(r.legal_basis.act, r.legal_basis.enacted, r.legal_basis.called),
        quorum=Quorum(r.quorum.turnout_min_percent, r.quorum.approval_min_percent),
        trustees=Trustees(
            k=f.trustees.k,
            members=tuple(
                Trustee(i + 1, m.id, m.name, m.nominated_by, m.independent_of_authority)
                for i, m in enumerate(f.trustees.members)
            ),
            complaint_window_minutes=f.trustees.complaint_window_minutes,
            head_cosignatures=f.trustees.head_cosignatures,
            observers=tuple(Observer(o.id, o.name, o.public_key) for o in f.trustees.observers),
        ),
        regions=tuple(
            Region(
                id=region.id,
                name=_one_name(region.name, languages)[0],
                names=_one_name(region.name, languages)[1],
                questions=tuple(
                    Question(
                        id=q.id,
                        text=dict(q.text),
                        explanation=dict(q.explanation),
                        options=tuple(Option(o.id, dict(o.label)) for o in q.options),
                        allow_blank=q.allow_blank,
                    )
                    for q in region.questions
                ),
            )
            for region in sorted(f.regions, key=lambda region: region.id)
        ),
        districts=tuple(
            District(d.id, d.region, *_one_name(d.name, languages))
            for d in sorted(f.districts, key=lambda d: d.id)
        ),
        precincts=tuple(
            Precinct(
                p.id,
                p.district,
                precinct_region[p.id],
                _one_name(p.name, languages)[0],
                p.registered_voters,
                _one_name(p.name, languages)[1],
            )
            for p in sorted(f.precincts, key=lambda p: p.id)
        ),
        locations=tuple(
            Location(
                id=loc.id,
                precinct_id=loc.precinct,
                region_id=precinct_region[loc.precinct],
                kind=LocationKind(loc.kind),
                address=loc.address,
                hours=None if loc.hours is None else _hours(loc.hours),
                custody_hours=loc.custody_hours,
            )
            for loc in sorted(f.locations, key=lambda loc: loc.id)
        ),
        days=tuple(
            VotingDay(
                number=n,
                date=day.date,
                windows=tuple(
                    sorted(
                        (
                            Window(
                                kinds=frozenset(LocationKind(k) for k in w.kinds),
                                hours=Hours(_clock(w.opens), _clock(w.closes)),
                                regions=frozenset(
                                    w.regions if w.regions is not None else all_regions
                                ),
                            )
                            for w in day.windows
                        ),
                        key=_window_key,
                    )
                ),
            )
            for n, day in enumerate(days, start=1)
        ),
        context=Context(
            independent_observers_admitted=f.context.independent_observers_admitted,
            observers_note=f.context.observers_note,
            emergencies=tuple(
                sorted(
                    (
                        Emergency(
                            e.kind,
                            frozenset(e.regions),
                            e.start,
                            e.end,
                            e.declared_by,
                            e.source,
                        )
                        for e in f.context.emergencies
                    ),
                    key=_emergency_key,
                )
            ),
            notes=tuple(f.context.notes),
        ),
        facts=build_facts(f.facts),
        provenance=build_provenance(f.provenance),
    )


def _window_key(window: Window) -> tuple[dt.time, dt.time, list[str], list[str]]:
    return (
        window.hours.opens,
        window.hours.closes,
        sorted(window.kinds),
        sorted(window.regions),
    )


def _emergency_key(e: Emergency) -> tuple[dt.date, str, list[str], str, str]:
    return (e.start, e.kind, sorted(e.regions), e.declared_by, e.source)
