"""The forensic report: every method on one table, as a JSON-ready dict.

Field names are the contract documented in ``docs/forensics.md`` (``tests.<method>.<field>``).
Methods whose lines the input does not publish are listed under ``skipped`` with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np

from plebiscite.services.forensics import readings, summary
from plebiscite.services.forensics.channels import ChannelResult, channel_outliers
from plebiscite.services.forensics.control_relations import RELATIONS, control_relations
from plebiscite.services.forensics.fingerprint import fingerprint, rates
from plebiscite.services.forensics.integer_percentages import station_integerness, summarise
from plebiscite.services.forensics.klimek import klimek_fit
from plebiscite.services.forensics.last_digit import last_digit
from plebiscite.services.forensics.limits import (
    MIN_UNITS,
    P_FLOOR,
    TOO_FEW,
    enough,
    floor_p,
    too_few,
)
from plebiscite.services.forensics.regions import per_region
from plebiscite.services.forensics.second_digit import second_digit
from plebiscite.services.forensics.shpilkin import shpilkin
from plebiscite.services.forensics.sobyanin import sobyanin
from plebiscite.services.forensics.table import StationTable

Json = dict[str, Any]
#: ``step(name)`` is called before each method runs, for a progress display.
StepCallback = Callable[[str], None]

REPORT_FORMAT = "plebiscite-forensics-v2"
MAX_LISTED_UNITS = 200

NULLS = {
    "control_relations": "arithmetic identities of the protocol; bounds that honest protocols"
    " respect",
    "integer_percentages": "per station W* ~ Bin(R, W/R), G* ~ Bin(N, G/N), independent; exact"
    " expectation and variance; normal upper tail",
    "fingerprint": "Klimek fair model: turnout and leader share independent, truncated normal;"
    " f_i = f_e = 0",
    "shpilkin": "leader share independent of turnout (an assumption, not a test)",
    "sobyanin": "slope of W/N on G/N equals the leader's share; t statistic, normal upper tail",
    "second_digit": "Benford's second-digit law, chi-square with 9 df",
    "last_digit": "uniform last digit, chi-square with 9 df",
    "channels": "a station's channel share against its class (abroad, or its region): z above 5"
    " class standard deviations",
}
REFERENCES = {
    "control_relations": "Federal Law 67-FZ art. 67-68; Venice Commission CDL-AD(2007)008rev"
    " I.3.2.a",
    "integer_percentages": "Kobak, Shpilkin & Pshenichnikov (2016), Ann. Appl. Stat."
    " 10(1):54-73, doi:10.1214/16-AOAS904",
    "fingerprint": "Klimek, Yegorov, Hanel & Thurner (2012), PNAS 109(41):16469-16473,"
    " doi:10.1073/pnas.1210722109",
    "shpilkin": "Shpilkin (2009, 2011), Troitsky Variant; Cedar-Russia/electoral_statistics",
    "sobyanin": "Sobyanin & Sukhovolsky (1995), Democracy limited by falsification",
    "second_digit": "Mebane (2006), Election Forensics: Vote Counts and Benford's Law",
    "last_digit": "Beber & Scacco (2012), Political Analysis 20(2):211-234,"
    " doi:10.1093/pan/mps003",
    "channels": "Venice Commission CDL-AD(2007)008rev I.3.2.a (mobile boxes)",
}


def _clean(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    return value


def _unit(table: StationTable, i: int) -> Json:
    return {
        "unit": str(table.unit_ids[i]),
        "region": str(table.regions[i]),
        "row": int(table.source_rows[i]),
    }


def _guarded(name: str, n: int, body: Callable[[], Json]) -> Json:
    """The method's numbers, or "too few units" below its minimum."""
    if not enough(name, n):
        return too_few(name, n)
    return {"status": "ok", **body()}


def analyse(
    table: StationTable,
    *,
    input_format: str = "unknown",
    step: StepCallback | None = None,
    fit_seed: int = 2012,
    clean_turnout: int | None = None,
) -> Json:
    """Run every method the table allows and return the report.

    ``clean_turnout`` forces Shpilkin's clean turnout bin (percent); by default it is the
    bin where the other options' votes peak.  Every method below its minimum sample reports
    ``status: "too few units"`` instead of numbers (``limits.MIN_UNITS``).
    """

    def say(name: str) -> None:
        if step is not None:
            step(name)

    tests: Json = {}
    skipped: dict[str, str] = {}
    W = table.leader_votes
    R = table.ballots_found
    has_turnout = table.has("registered", "issued")

    say("control relations")
    tests["control_relations"] = _control_relations(table)

    national_clean: tuple[int, float] | None = None
    parts = None
    if has_turnout:
        N, G = table.line("registered"), table.line("issued")
        say("integer percentages")
        parts = station_integerness(N, G, R, W)
        n_kept = int(np.count_nonzero(parts.included))
        tests["integer_percentages"] = _guarded(
            "integer_percentages", n_kept, lambda: _floored(asdict(summarise(parts)))
        )

        say("fingerprint")
        fp = fingerprint(N, G, R, W)

        def fingerprint_numbers() -> Json:
            out: Json = {
                "n_units": fp.n_units,
                "corner_units": fp.corner_units,
                "corner_unit_share": fp.corner_unit_share,
                "corner_leader_vote_share": fp.corner_leader_vote_share,
            }
            fit_units = int(np.count_nonzero((N > 0) & (R > 0) & (R <= N)))
            if enough("klimek", fit_units):
                say("Klimek fraud model fit")
                fit = klimek_fit(N, R, W, seed=fit_seed)
                out.update(
                    fit_status="ok",
                    f_incremental=fit.f_incremental,
                    f_extreme=fit.f_extreme,
                    alpha=fit.alpha,
                    theta=fit.theta,
                    turnout_peak=fit.turnout_peak,
                    share_peak=fit.share_peak,
                    turnout_sd=fit.turnout_sd,
                    share_sd=fit.share_sd,
                    fit_distance=fit.distance,
                    fair_distance=fit.fair_distance,
                    fit_units=fit.n_units,
                )
            else:
                out.update(
                    fit_status=TOO_FEW, fit_units=fit_units, fit_min_units=MIN_UNITS["klimek"]
                )
            out["histogram"] = fp.histogram.astype(np.int64)
            return out

        tests["fingerprint"] = _guarded("fingerprint", fp.n_units, fingerprint_numbers)

        say("Shpilkin estimate")
        sh = shpilkin(N, R, W, clean_bin=clean_turnout)
        tests["shpilkin"] = _guarded("shpilkin", sh.n_units, lambda: asdict(sh))
        if enough("shpilkin", sh.n_units) and math.isfinite(sh.clean_turnout):
            k0 = int(sh.clean_turnout)
            national_clean = (k0, float(sh.leader_by_bin[k0] / sh.others_by_bin[k0]))

        say("Sobyanin-Sukhovolsky slope")
        sob = sobyanin(N, G, R, W)
        tests["sobyanin"] = _guarded("sobyanin", sob.n_units, lambda: _floored(asdict(sob)))
    else:
        for name in ("integer_percentages", "fingerprint", "shpilkin", "sobyanin"):
            skipped[name] = "needs voters on the list and ballots issued per unit"

    say("digit tests")
    positive = R > 0
    if has_turnout:
        positive &= table.line("registered") > 0
    second = second_digit(W[positive])
    tests["second_digit"] = _guarded(
        "second_digit", second.n_counts, lambda: _floored(asdict(second))
    )
    turnout = (
        rates(table.line("registered"), table.line("issued"), R, W)[0] if has_turnout else None
    )
    last = last_digit(W[positive], None if turnout is None else turnout[positive])
    tests["last_digit"] = _guarded("last_digit", last.n_counts, lambda: _floored(asdict(last)))

    say("channels")
    chans = channel_outliers(table)
    if chans:
        tests["channels"] = {"status": "ok", "channels": [_channel(table, c) for c in chans]}
    else:
        skipped["channels"] = "the input does not break ballots issued down by channel per unit"

    for name, test in tests.items():
        test["null"] = NULLS[name]
        test["reference"] = REFERENCES[name]

    regions: list[Json] = []
    if has_turnout and len(np.unique(table.regions)) > 1:
        say("regions")
        clean_bin, ratio = national_clean if national_clean else (None, None)
        regions = [
            asdict(r) for r in per_region(table, parts, clean_bin=clean_bin, reference_ratio=ratio)
        ]

    report: Json = {
        "format": REPORT_FORMAT,
        "p_floor": P_FLOOR,
        "min_units": dict(MIN_UNITS),
        "input": {
            "source": table.source,
            "format": input_format,
            "n_units": table.n_units,
            "n_regions": len(np.unique(table.regions)),
            "options": list(table.options),
            "leader": table.leader if table.options else None,
            "lines": sorted(table.lines),
            **{k: v for k, v in table.info.items() if k in INPUT_INFO},
        },
        "national": summary.national(table),
        "unpublished": summary.unpublished(table),
        "partial": summary.partial(table),
        "breakdown": summary.breakdown(table),
        "totals": _totals(table),
        "tests": tests,
        "skipped": skipped,
        "regions": regions,
        "score": SCORE_TEXT,
    }
    report = _clean(report)
    report["readings"] = {
        name: readings.READERS[name](report["tests"][name]) for name in report["tests"]
    }
    for name, text in report["readings"].items():
        report["tests"][name]["reading"] = text
    return report


INPUT_INFO = ("contests", "contests_left_out", "units_at", "encoding")
SCORE_TEXT = (
    "anomaly score = max(z of integer percentages, 0) + 20 x share of stations at >= 95 % "
    "turnout and >= 95 % for the leader (one standard deviation per 5 % of stations in that "
    "corner); a ranking aid, not a test"
)


def _floored(numbers: Json) -> Json:
    if "p_value" in numbers:
        numbers["p_value"] = floor_p(numbers["p_value"])
    return numbers


def _control_relations(table: StationTable) -> Json:
    cr = control_relations(table)
    failing_sets = {r.id: set(r.failing_units.tolist()) for r in cr.relations}
    needs = {rel.id: rel.needs for rel in RELATIONS}
    failing = []
    for i in cr.failing_units[:MAX_LISTED_UNITS].tolist():
        entry = _unit(table, i)
        broken = [rid for rid, units in failing_sets.items() if i in units]
        entry["relations"] = broken
        entry["columns"] = sorted(
            {table.columns[line] for rid in broken for line in needs[rid] if line in table.columns}
        )
        failing.append(entry)
    return {
        "status": "ok",
        "checked": cr.checked,
        "failed": cr.failed,
        "relations": [
            {"id": r.id, "kind": r.kind, "text": r.text, "checked": r.checked, "failed": r.failed}
            for r in cr.relations
        ],
        "skipped": list(cr.skipped),
        "failing_units": failing,
        "failing_units_listed": len(failing),
    }


def _channel(table: StationTable, c: ChannelResult) -> Json:
    return {
        "channel": c.channel,
        "n_units": c.n_units,
        "not_scored": c.not_scored,
        "classes": c.n_classes,
        "abroad_units": c.abroad_units,
        "total_share": c.total_share,
        "abroad_share": c.abroad_share,
        "median_share": c.median_share,
        "outliers": len(c.outliers),
        "z_scale": "standard deviations of the station's class (see docs/forensics.md)",
        "top": [
            {**_unit(table, int(i)), "class": k, "share": float(s), "z": float(z)}
            for i, s, z, k in zip(
                c.outliers[:20],
                c.outlier_shares[:20],
                c.outlier_z[:20],
                c.outlier_class[:20],
                strict=False,
            )
        ],
    }


def _totals(table: StationTable) -> Json:
    out: Json = {name: int(arr.sum()) for name, arr in table.lines.items()}
    out["votes"] = {o: int(v) for o, v in zip(table.options, table.votes.sum(axis=0), strict=True)}
    found = int(table.ballots_found.sum())
    out["leader_share"] = int(table.leader_votes.sum()) / found if found else None
    if table.has("registered", "issued"):
        reg = int(table.line("registered").sum())
        out["turnout"] = int(table.line("issued").sum()) / reg if reg else None
    return out
