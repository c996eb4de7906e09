"""Public pages: home, receipt check, board, results, legitimacy and forensics reports.

Everything here reads the board through the services (``check_receipt``, ``load_paper``,
``ballot_dispositions``, ``build_report``...) and never writes. Scans of the whole board are
cached by board size, so a page costs one scan per new entry, not one per visit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from plebiscite.domain.manifest import Manifest
from plebiscite.domain.offline import ballot_time
from plebiscite.domain.results import summary
from plebiscite.errors import PlebisciteError
from plebiscite.interfaces.pages import charts
from plebiscite.interfaces.pages.common import (
    STATIC,
    PagesState,
    form,
    language,
    refusal,
    render,
)
from plebiscite.interfaces.pages.i18n import N_, name_in, pick, tr
from plebiscite.interfaces.pages.legitimacy_view import report_context
from plebiscite.record.events import EventType
from plebiscite.record.heads import SignedHead
from plebiscite.services.legitimacy import evaluate
from plebiscite.services.legitimacy.home import read_home_ballots
from plebiscite.services.paper.filing import read_paper
from plebiscite.services.tally.results import ballot_dispositions
from plebiscite.services.voting.codes import expand_on_board
from plebiscite.services.voting.receipts import check_receipt
from plebiscite.services.voting.team_syncs import TeamSync, TeamSyncs

RECENT = 25
HEADS_SHOWN = 10
#: Files of a record folder that the results page offers for download.
RECORD_FILES = (
    "results.json",
    "results-nist.json",
    "results-sidecar.json",
    "manifest.json",
    "events.jsonl",
    "heads.jsonl",
)
STATIC_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


def head_view(head: SignedHead, zone: Any) -> dict[str, Any]:
    when = dt.datetime.fromtimestamp(head.timestamp / 1000, dt.UTC)
    return {
        "size": head.tree_size,
        "root": head.root_hash.hex(),
        "key": head.key.hex() if hasattr(head.key, "hex") else str(head.key),
        "time": (when.astimezone(zone) if zone else when).strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def _entry_summary(kind: EventType, payload: dict[str, Any]) -> str:
    if kind in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
        ballot = payload.get("ballot", {})
        note = ""
        if payload.get("cast_at"):  # an offline device's upload: cast then, synced now
            note += f" cast offline {payload['cast_at']}, synced {payload.get('received_at')}"
        return f"{str(payload.get('tracking_code'))[:16]}… at {ballot.get('location')}{note}"
    if kind is EventType.DEVICE_ENROLMENT:
        if payload.get("revoked"):
            return f"{payload.get('device')} revoked: {payload.get('reason')}"
        return f"{payload.get('device')} at {payload.get('location')}"
    if kind is EventType.CHECK_IN:
        return f"{payload.get('device')} checked in {str(payload.get('voter'))[:12]}…"
    if kind is EventType.ROLL_COMMITMENT:
        return f"{payload.get('region')}: {payload.get('count')} voters"
    if kind is EventType.CEREMONY_MESSAGE:
        return str(payload.get("step", ""))
    if kind is EventType.VOTING_CLOSED:
        return str(payload.get("closed_at"))
    if kind is EventType.PROTOCOL:
        return f"{payload.get('precinct')}/{payload.get('question')} v{payload.get('version')}"
    if kind is EventType.MANIFEST:
        return str(payload.get("hash", ""))[:16] + "…"
    return ""


def activity(state: PagesState) -> dict[str, Any]:
    """Ballots by region and day and by location and day, and the latest results payload."""
    board = state.service.board
    size = board.size()
    hit = state.cached("activity", size)
    if hit is not None:
        return dict(hit)
    manifest = state.service.election.manifest
    zone = manifest.zone if manifest else dt.UTC
    by_region: Counter[tuple[str, str, str]] = Counter()
    by_location: Counter[tuple[str, str, str]] = Counter()
    days: set[str] = set()
    results: dict[str, Any] | None = None
    syncs = TeamSyncs()
    for entry in board.entries(0, size):
        kind = entry.event.type
        if kind is EventType.RESULTS:
            results = entry.event.payload
            continue
        if kind not in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
            continue
        payload = entry.event.payload
        if kind is EventType.BALLOT_CAST:
            syncs.add(payload)
        where = str(payload.get("ballot", {}).get("location"))
        location = manifest.location_by_id.get(where) if manifest else None
        region = location.region_id if location else "?"
        try:
            day = dt.datetime.fromisoformat(ballot_time(payload)).astimezone(zone).date()
        except (KeyError, TypeError, ValueError):
            continue
        label = day.isoformat()
        days.add(label)
        what = "cast" if kind is EventType.BALLOT_CAST else "challenged"
        by_region[(region, label, what)] += 1
        by_location[(where, label, what)] += 1
    value = {
        "days": sorted(days),
        "by_region": by_region,
        "by_location": by_location,
        "results": results,
        "dispositions": ballot_dispositions(board.entries(0, size)),
        "syncs": syncs.rows(),
    }
    return dict(state.remember("activity", size, value))


def sync_rows(teams: list[TeamSync], manifest: Manifest | None) -> list[dict[str, Any]]:
    """The mobile teams' syncs as the board and results pages show them (the manifest's zone)."""
    zone = manifest.zone if manifest else dt.UTC

    def at(t: dt.datetime | None) -> str:
        return "" if t is None else t.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return [
        {
            "device": team.device,
            "location": team.location,
            "ballots": team.ballots,
            "cast": f"{at(team.first_cast)} – {at(team.last_cast)}",
            "first_sync": at(team.first_received),
            "last_sync": at(team.last_received),
            "syncs": team.syncs,
            "wait_h": f"{team.longest_wait.total_seconds() / 3600:.1f}",
            "late": team.custody_late,
        }
        for team in teams
    ]


def _table(
    counts: Counter[tuple[str, str, str]], days: list[str], names: dict[str, str]
) -> list[dict[str, Any]]:
    rows = []
    for key in sorted({k[0] for k in counts}):
        cells = [(counts[(key, d, "cast")], counts[(key, d, "challenged")]) for d in days]
        rows.append(
            {
                "name": names.get(key, key),
                "cells": cells,
                "cast": sum(c for c, _ in cells),
                "challenged": sum(c for _, c in cells),
            }
        )
    return rows


def _channel_label(lang: str, unit: str) -> str:
    return tr(lang, CHANNEL_NAMES[unit]) if unit in CHANNEL_NAMES else unit


#: The board's event types as the board page names them (the type's code is shown beside).
EVENT_NAMES = {
    "manifest": N_("manifest"),
    "ceremony_message": N_("key ceremony message"),
    "roll_commitment": N_("roll commitment"),
    "roll_addition": N_("roll addition"),
    "device_enrolment": N_("device enrolment"),
    "check_in": N_("voter check-in"),
    "ballot_cast": N_("ballot cast"),
    "ballot_challenged": N_("ballot challenged"),
    "voting_closed": N_("voting closed"),
    "shuffle": N_("ballot shuffle"),
    "tag_conversion": N_("voter tag conversion"),
    "tag_shares": N_("voter tag decryption shares"),
    "encrypted_tally": N_("encrypted tally"),
    "decryption_share": N_("decryption share"),
    "results": N_("results"),
    "device_chain_end": N_("end of a device's chain"),
    "head_cosignature": N_("head cosignature"),
    "station_credential": N_("station credential"),
    "protocol": N_("precinct protocol"),
    "mobile_trip": N_("mobile team trip"),
    "custody_act": N_("custody act"),
    "observer_report": N_("observer report"),
    "complaint": N_("complaint"),
}


def _event_name(event_type: str, lang: str) -> str:
    return tr(lang, EVENT_NAMES[event_type]) if event_type in EVENT_NAMES else event_type


#: The channels' names on the pages, translated where the language is known.
CHANNEL_NAMES = {
    "door_to_door": N_("door to door"),  # the count's one door-to-door cell per region
    "mobile_team": N_("door to door"),
    "makeshift_station": N_("makeshift station"),
    "regular_station": N_("regular station"),
}


def charts_channels() -> tuple[str, ...]:
    return tuple(CHANNEL_NAMES)


def _cell_name(manifest: Manifest, level: str, unit: str, lang: str) -> str:
    if level == "channel":
        return _channel_label(lang, unit)
    if level == "day":
        day = manifest.days[int(unit) - 1]
        word = tr(lang, "Day")
        return f"{word} {unit} ({day.date:%d.%m})"
    if level == "district":
        d = manifest.district_by_id.get(unit)
        return name_in(d, lang) if d else unit
    if level == "precinct":
        p = manifest.precinct_by_id.get(unit)
        return name_in(p, lang) if p else unit
    return unit


def territorial_rows(
    manifest: Manifest, cells: list[dict[str, Any]], questions: list[dict[str, Any]], lang: str
) -> list[dict[str, Any]]:
    """The district and precinct cells as a hierarchy: each district, then its precincts;
    a district whose precincts were not published on their own says so (small-cell rule)."""

    def row(c: dict[str, Any], depth: int) -> dict[str, Any]:
        merged = len(c["units"]) > 1 or c["id"].split(":")[-1].startswith("other@")
        return {
            "level": c["level"],
            "depth": depth,
            "name": ", ".join(_cell_name(manifest, c["level"], u, lang) for u in c["units"]),
            "merged": merged,
            "ballots": c["ballots"],
            "votes": [c["questions"][0]["options"][o["id"]] for o in questions[0]["options"]]
            if questions
            else [],
        }

    def district_of(c: dict[str, Any]) -> str:
        last = str(c["id"]).split(":")[-1]
        if last.startswith("other@"):
            return str(last).removeprefix("other@")
        precinct = manifest.precinct_by_id.get(c["units"][0]) if c["units"] else None
        return precinct.district_id if precinct else ""

    districts = [c for c in cells if c["level"] == "district"]
    precincts = [c for c in cells if c["level"] == "precinct"]
    placed: set[str] = set()
    out = []
    for d in districts:
        out.append(row(d, 0))
        mine = [p for p in precincts if district_of(p) in d["units"]]
        out.extend(row(p, 1) for p in mine)
        placed.update(p["id"] for p in mine)
        if not mine:
            out.append(
                {
                    "level": "note",
                    "depth": 1,
                    "name": tr(
                        lang,
                        "this district's precincts are not published one by one (small-cell rule)",
                    ),
                }
            )
    out.extend(row(p, 1) for p in precincts if p["id"] not in placed)
    return out


def results_view(manifest: Manifest, results: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Per region: totals, shares, question texts, charts and the precinct table."""
    regions = []
    for r_i, region in enumerate(summary(results, {})["regions"]):
        spec = manifest.region_by_id.get(region["region"])
        questions = []
        for q_i, q in enumerate(region["questions"]):
            qspec = (
                next((x for x in spec.questions if x.id == q["question"]), None) if spec else None
            )
            labels = {o.id: pick(o.label, lang) for o in qspec.options} if qspec else {}
            order = [o.id for o in qspec.options] if qspec else list(q["options"])
            order += [o for o in q["options"] if o not in order]
            options = [
                {"id": o, "label": labels.get(o, o), "votes": n, "percent": q["percent"][o]}
                for o in order
                if (n := q["options"].get(o)) is not None
            ]
            shares = [
                (o["label"], float(o["percent"]) if o["percent"] != "n/a" else 0.0) for o in options
            ]
            names = [o["label"] for o in options]
            chart_list = []
            for level in ("channel", "day"):
                cells = [c for c in region["cells"] if c["level"] == level]
                bars = [
                    charts.Bar(
                        " + ".join(_cell_name(manifest, level, u, lang) for u in c["units"]),
                        tuple(c["questions"][q_i]["options"][o["id"]] for o in options),
                    )
                    for c in cells
                ]
                title = tr(lang, "By channel") if level == "channel" else tr(lang, "By day")
                detail = "; ".join(
                    f"{b.label}: "
                    + ", ".join(f"{n} {v}" for n, v in zip(names, b.values, strict=True))
                    for b in bars
                )
                chart_list.append(
                    {
                        "title": title,
                        "svg": charts.stacked_bars(
                            bars,
                            names,
                            f"{name_in(spec, lang) if spec else region['name']}: {title}",
                            detail or title,
                            f"c{r_i}{q_i}{level}",
                        )
                        if bars
                        else None,
                    }
                )
            questions.append(
                {
                    "text": pick(qspec.text, lang) if qspec else q["question"],
                    "options": options,
                    "blank": q["blank"],
                    "bar": charts.share_bar(shares, ", ".join(f"{n}: {s:.1f}%" for n, s in shares)),
                    "charts": chart_list,
                }
            )
        territorial = territorial_rows(manifest, region["cells"], questions, lang)
        regions.append(
            {
                "id": region["region"],
                "name": name_in(spec, lang) if spec else region["name"],
                "registered": region["registered"],
                "ballots": region["ballots"],
                "turnout": region["turnout_percent"],
                "questions": questions,
                "territorial": territorial,
            }
        )
    return regions


def _verification(record_dir: Path | None) -> dict[str, Any] | None:
    if record_dir is None:
        return None
    for path in (record_dir / "verification.json", record_dir.parent / "verification.json"):
        if path.is_file():
            try:
                data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            return data
    return None


def build(state: PagesState) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    service = state.service

    def manifest() -> Manifest | None:
        service.catch_up()
        return service.election.manifest

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        m = manifest()
        return render(
            request,
            state,
            "home.html",
            {
                "manifest": m,
                "size": service.board.size(),
                "closed": service.election.closed_at is not None,
            },
        )

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        path = STATIC / name
        if "/" in name or path.suffix not in STATIC_TYPES or not path.is_file():
            return Response(status_code=404)
        return FileResponse(path, media_type=STATIC_TYPES[path.suffix])

    # --- receipt check ----------------------------------------------------------------------

    def _receipt_page(request: Request, code: str, receipt_text: str) -> HTMLResponse:
        code = "".join(code.split()).lower()
        context: dict[str, Any] = {"code": code, "receipt_text": receipt_text}
        if not code and receipt_text.strip():
            try:
                code = str(json.loads(receipt_text).get("tracking_code", ""))
                context["code"] = code
            except (ValueError, AttributeError):
                context["error"] = tr(language(request), "the receipt is not JSON")
        if not code:
            return render(request, state, "receipt.html", context)
        receipt = None
        if receipt_text.strip():
            try:
                receipt = json.loads(receipt_text)
            except ValueError:
                context["error"] = tr(language(request), "the receipt is not JSON")
                return render(request, state, "receipt.html", context, status=422)
        if not isinstance(receipt, dict | None):
            context["error"] = tr(language(request), "the receipt is not a JSON object")
            return render(request, state, "receipt.html", context, status=422)
        service.flush_head()  # the head the latest receipts were given, stored if newer
        try:
            code = context["code"] = expand_on_board(service.board, code)  # a prefix will do
            found = check_receipt(service.board, code, receipt)
        except PlebisciteError as exc:
            missing = "no ballot with tracking code" in str(exc)
            context["not_found" if missing else "error"] = (
                str(exc) if missing else refusal(language(request), exc)
            )
            return render(request, state, "receipt.html", context, status=404 if missing else 422)
        head = service.board.latest_head()
        m = manifest()
        entry = service.board.entry(found.leaf_index)
        opened = None
        if found.kind == "challenged" and m is not None:
            opened = _opened(m, entry.event.payload, language(request))
        context.update(
            found=found,
            head=head_view(head, m.zone if m else None) if head else None,
            path_length=len(service.board.inclusion_proof(found.leaf_index, found.head_size).path),
            leaf_hash=entry.leaf_hash.hex(),
            device=entry.event.payload.get("ballot", {}).get("device"),
            opened=opened,
        )
        return render(request, state, "receipt.html", context)

    @router.get("/receipt", response_class=HTMLResponse)
    def receipt_get(request: Request, code: str = "") -> HTMLResponse:
        return _receipt_page(request, code, "")

    @router.post("/receipt", response_class=HTMLResponse)
    async def receipt_post(request: Request) -> HTMLResponse:
        data = await form(request)
        return _receipt_page(request, data.get("code", ""), data.get("receipt", ""))

    # --- board ------------------------------------------------------------------------------

    @router.get("/board", response_class=HTMLResponse)
    def board_page(request: Request) -> HTMLResponse:
        m = manifest()
        zone = m.zone if m else None
        service.flush_head()
        size = service.board.size()
        heads = list(service.board.heads())
        recent = [
            {
                "index": e.index,
                "type": e.event.type.value,
                "type_name": _event_name(e.event.type.value, language(request)),
                "summary": _entry_summary(e.event.type, e.event.payload),
            }
            for e in service.board.entries(max(0, size - RECENT), size)
        ]
        recent.reverse()
        act = activity(state)
        lang = language(request)
        region_names = {r.id: name_in(r, lang) for r in m.regions} if m else {}
        location_names = (
            {loc.id: f"{loc.id} ({tr(lang, CHANNEL_NAMES[loc.kind.value])})" for loc in m.locations}
            if m
            else {}
        )
        return render(
            request,
            state,
            "board.html",
            {
                "size": size,
                "latest": head_view(heads[-1], zone) if heads else None,
                "heads": [head_view(h, zone) for h in reversed(heads[-HEADS_SHOWN:])],
                "head_count": len(heads),
                "recent": recent,
                "days": act["days"],
                "regions": _table(act["by_region"], act["days"], region_names),
                "locations": _table(act["by_location"], act["days"], location_names),
                "syncs": sync_rows(act["syncs"], m),
            },
        )

    # --- results ----------------------------------------------------------------------------

    @router.get("/results", response_class=HTMLResponse)
    def results_page(request: Request) -> HTMLResponse:
        m = manifest()
        act = activity(state)
        results = act["results"]
        record = state.record_dir
        files = [n for n in RECORD_FILES if record and (record / n).is_file()]
        context: dict[str, Any] = {
            "manifest": m,
            "results": results,
            "dispositions": act["dispositions"],
            "files": files,
            "verification": _verification(record),
            "syncs": sync_rows(act["syncs"], m),
        }
        if m is not None and results is not None:
            context["regions"] = results_view(m, results, language(request))
            context["threshold"] = results.get("small_cell_threshold")
        return render(request, state, "results.html", context)

    @router.get("/files/{name}")
    def record_file(name: str) -> Response:
        record = state.record_dir
        if record is None or name not in RECORD_FILES or not (record / name).is_file():
            return JSONResponse({"detail": "no such file"}, status_code=404)
        media = "application/json" if name.endswith(".json") else "application/jsonl"
        return FileResponse(record / name, media_type=media, filename=name)

    @router.get("/results/results-nist.json")
    def nist_live() -> Response:
        from plebiscite.domain.nist import build_report

        m = manifest()
        results = activity(state)["results"]
        if m is None or results is None:
            return JSONResponse({"detail": "no results on the board yet"}, status_code=404)
        report = build_report(m, results, dt.datetime.now(dt.UTC), is_test=False)
        return JSONResponse(report)

    # --- reports ----------------------------------------------------------------------------

    @router.get("/legitimacy", response_class=HTMLResponse)
    def legitimacy_page(request: Request) -> HTMLResponse:
        m = manifest()
        if m is None:
            return render(request, state, "legitimacy.html", {"report": None})
        size = service.board.size()
        report = state.cached("legitimacy", size)
        if report is None:
            paper = read_paper(service.board.entries(0, size))
            home = read_home_ballots(m, service.board.entries(0, size))
            report = state.remember(
                "legitimacy",
                size,
                evaluate(m, None if paper.empty else paper, "board", home),
            )
        return render(request, state, "legitimacy.html", report_context(report, language(request)))

    @router.get("/forensics", response_class=HTMLResponse)
    def forensics_page(request: Request) -> HTMLResponse:
        source = state.forensics_file
        if source is None and state.record_dir is not None:
            # the record's own results, read as `plebiscite forensics --format record` does
            has_results = (state.record_dir / "results.json").is_file()
            source = state.record_dir if has_results else None
        context: dict[str, Any] = {"source": source}
        if source is not None:
            context.update(_forensics(state, source, language(request)))
        if state.record_dir is not None and (state.record_dir / "results.json").is_file():
            context["paper"] = _paper_compare(state, state.record_dir)
        return render(request, state, "forensics.html", context)

    return router


#: The forensics tests' titles, as ``services/forensics/html.py`` writes them in English (a
#: test keeps the two equal), marked for the catalogs.
FORENSICS_TITLES = {
    "control_relations": N_("Control relations of the protocol"),
    "integer_percentages": N_("Integer percentages (Kobak, Shpilkin & Pshenichnikov 2016)"),
    "fingerprint": N_("Fingerprint and fraud model (Klimek et al. 2012)"),
    "shpilkin": N_("Excess leader votes (Shpilkin)"),
    "sobyanin": N_("Leader votes against turnout (Sobyanin-Sukhovolsky)"),
    "second_digit": N_("Second digits (Mebane's 2BL)"),
    "last_digit": N_("Last digits (Beber & Scacco 2012)"),
    "channels": N_("Ballots by channel"),
}


def _forensics(state: PagesState, source: Path, lang: str) -> dict[str, Any]:
    from plebiscite.services.forensics import analyse, read_results
    from plebiscite.services.forensics.html import TITLES

    key = f"forensics:{source}"
    stamp_of = source / "results.json" if source.is_dir() else source
    stamp = int(stamp_of.stat().st_mtime_ns) if stamp_of.exists() else 0
    hit = state.cached(key, stamp)
    if hit is None:
        try:
            table, fmt = read_results(source)
            hit = {"report": analyse(table, input_format=fmt)}
        except Exception as exc:  # the analysis is someone else's data: show why, never crash
            hit = {"error": f"{type(exc).__name__}: {exc}"}
        state.remember(key, stamp, hit)
    titles = {
        name: tr(lang, FORENSICS_TITLES[name]) if name in FORENSICS_TITLES else title
        for name, title in TITLES.items()
    }
    return {**hit, "titles": titles}


def _paper_compare(state: PagesState, record: Path) -> dict[str, Any]:
    """The paper count beside the decrypted one (``plebiscite paper compare``), cached."""
    from plebiscite.services.paper.compare import compare_record

    events = record / "events.jsonl"
    stamp = int(events.stat().st_mtime_ns) if events.exists() else 0
    hit: dict[str, Any] | None = state.cached("paper-compare", stamp)
    if hit is None:
        try:
            hit = {"comparison": compare_record(record).to_json()}
        except Exception as exc:  # someone else's record: show why, never crash
            hit = {"error": f"{type(exc).__name__}: {exc}"}
        state.remember("paper-compare", stamp, hit)
    return hit


def _opened(manifest: Manifest, payload: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """A challenged ballot's published opening, in words: question and chosen option."""
    location = manifest.location_by_id.get(str(payload.get("ballot", {}).get("location")))
    if location is None:
        return []
    questions = manifest.region_by_id[location.region_id].questions
    choices = payload.get("opening", {}).get("choices", [])
    out = []
    for question, vector in zip(questions, choices, strict=False):
        chosen = [
            pick(o.label, lang) for o, bit in zip(question.options, vector, strict=False) if bit
        ]
        out.append(
            {
                "question": pick(question.text, lang),
                "answer": ", ".join(chosen) or tr(lang, "blank"),
            }
        )
    return out


__all__ = ["build", "head_view"]
