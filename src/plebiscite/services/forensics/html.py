"""The self-contained HTML report: readings, numbers, pictures (base64 PNG) and regions."""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from plebiscite.services.forensics import figures
from plebiscite.services.forensics.limits import format_p
from plebiscite.services.forensics.table import StationTable

Json = dict[str, Any]

TITLES = {
    "control_relations": "Control relations of the protocol",
    "integer_percentages": "Integer percentages (Kobak, Shpilkin & Pshenichnikov 2016)",
    "fingerprint": "Fingerprint and fraud model (Klimek et al. 2012)",
    "shpilkin": "Excess leader votes (Shpilkin)",
    "sobyanin": "Leader votes against turnout (Sobyanin-Sukhovolsky)",
    "second_digit": "Second digits (Mebane's 2BL)",
    "last_digit": "Last digits (Beber & Scacco 2012)",
    "channels": "Ballots by channel",
}

# Readable on a 390 px phone: nothing is wider than the screen; wide tables scroll inside
# their own box, long names and numbers wrap.
_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;max-width:1000px;margin:1em auto;padding:0 .75em;
color:#222;line-height:1.45;overflow-wrap:anywhere}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
.scroll{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ddd;padding:2px 6px;
text-align:right;overflow-wrap:normal}th{background:#f4f4f4}td.l,th.l{text-align:left;
overflow-wrap:anywhere}
.num{font-family:ui-monospace,monospace;font-size:.85em;color:#444}
img{max-width:100%;height:auto}.ref{color:#666;font-size:.85em}code{overflow-wrap:anywhere}
"""


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<p><img alt="{escape(alt)}" src="data:image/png;base64,{data}"></p>'


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def _numbers(test: Json) -> str:
    skip = {"reading", "null", "reference", "histogram", "leader_by_bin", "others_by_bin"}
    cells = [
        f"{escape(k)} {escape(format_p(v))}" if k == "p_value" else f"{escape(k)} = {_fmt(v)}"
        for k, v in test.items()
        if k not in skip and isinstance(v, int | float) and not isinstance(v, bool)
    ]
    return f'<p class="num">{"; ".join(cells)}</p>' if cells else ""


def render_html(table: StationTable, report: Json, max_regions: int = 100) -> str:
    """The whole report as one HTML page with embedded pictures."""
    inp = report["input"]
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Forensics: {escape(inp['source'])}</title><style>{_CSS}</style></head><body>",
        "<h1>Forensics of precinct results</h1>",
        f"<p>Source <code>{escape(inp['source'])}</code> ({escape(inp['format'])}): "
        f"{inp['n_units']:,} units in {inp['n_regions']:,} regions; leader "
        f"<b>{escape(str(inp['leader']))}</b>.</p>",
    ]
    totals = report["totals"]
    if totals.get("turnout") is not None:
        out.append(
            f"<p>Turnout {100 * totals['turnout']:.2f} %, leader's share of ballots found "
            f"{100 * (totals['leader_share'] or 0):.2f} %.</p>"
        )
    out.append(national_html(report))
    out.append(left_out_html(report))
    out.append("<h2>Summary</h2><ul>")
    for name, text in report["readings"].items():
        out.append(f"<li><b>{escape(TITLES.get(name, name))}.</b> {escape(text)}</li>")
    out.append("</ul>")
    for name, reason in report["skipped"].items():
        out.append(
            f"<p class='ref'>{escape(TITLES.get(name, name))}: not run, {escape(reason)}.</p>"
        )

    tests = report["tests"]
    for name, test in tests.items():
        out.append(f"<h2>{escape(TITLES.get(name, name))}</h2>")
        out.append(f"<p>{escape(test['reading'])}</p>")
        out.append(_numbers(test))
        out.append(
            f"<p class='ref'>Null: {escape(test['null'])}. Reference: "
            f"{escape(test['reference'])}.</p>"
        )
        if test.get("status") != "ok":
            continue
        if name == "fingerprint":
            out.append(_img(figures.fingerprint_png(test["histogram"]), "fingerprint"))
            out.append(_img(figures.comet_png(table), "comet plot"))
        elif name == "integer_percentages":
            out.append(_img(figures.integer_histogram_png(table), "integer peaks"))
        elif name == "shpilkin" and test.get("clean_turnout") is not None:
            out.append(
                _img(
                    figures.shpilkin_png(
                        test["leader_by_bin"], test["others_by_bin"], test["clean_turnout"]
                    ),
                    "votes by turnout",
                )
            )
        elif name == "control_relations" and test["failing_units"]:
            out.append(
                "<div class='scroll'><table><tr><th class='l'>unit</th><th class='l'>region</th>"
                "<th>row</th><th class='l'>relations</th></tr>"
            )
            for u in test["failing_units"][:50]:
                out.append(
                    f"<tr><td class='l'>{escape(u['unit'])}</td><td class='l'>"
                    f"{escape(u['region'])}</td><td>{u['row']}</td><td class='l'>"
                    f"{escape(', '.join(u['relations']))}</td></tr>"
                )
            out.append("</table></div>")
    regions = report["regions"]
    if regions:
        out.append("<h2>Regions, most anomalous first</h2>")
        out.append(
            f"<p class='ref'>{escape(report['score'])}. An empty cell: too few units for that "
            f"figure. p-values below {report['p_floor']:.0e} are shown as &lt; "
            f"{report['p_floor']:.0e}.</p>"
        )
        head = (
            "<tr><th>#</th><th class='l'>region</th><th>stations</th><th>turnout %</th>"
            "<th>leader %</th><th>integer excess</th><th>z</th><th>corner %</th>"
            "<th>slope</th><th>Shpilkin excess</th><th>score</th></tr>"
        )
        out.append("<div class='scroll'><table>" + head)
        for i, r in enumerate(regions[:max_regions], start=1):
            out.append(
                f"<tr><td>{i}</td><td class='l'>{escape(r['region'])}</td>"
                f"<td>{r['n_units']:,}</td><td>{_pct(r['turnout'])}</td>"
                f"<td>{_pct(r['leader_share'])}</td><td>{_num(r['integer_excess'], 1)}</td>"
                f"<td>{_num(r['integer_z'], 1)}</td><td>{_pct(r['corner_unit_share'])}</td>"
                f"<td>{_num(r['sobyanin_slope'], 2)}</td>"
                f"<td>{_num(r['shpilkin_excess_votes'], 0)}</td><td>{_num(r['score'], 1)}</td></tr>"
            )
        out.append("</table></div>")
    out.append(breakdown_html(report))
    out.append(
        "<p class='ref'>Made by plebiscite forensics. Statistics point at protocols "
        "that are unlikely to be honest counts; they do not prove who did what.</p>"
    )
    out.append("</body></html>")
    return "\n".join(out)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}"


def _num(x: float | None, digits: int) -> str:
    return "" if x is None else f"{x:,.{digits}f}"


def _table(head: list[str], rows: list[list[str]], left: int = 1) -> str:
    """A scrolling table; the first ``left`` columns are text."""

    def cls(i: int) -> str:
        return " class='l'" if i < left else ""

    out = ["<div class='scroll'><table><tr>"]
    out += [f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(head)]
    out.append("</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>")
    out.append("</table></div>")
    return "".join(out)


def national_html(report: Json) -> str:
    nat = report["national"]
    rows = [["units with figures", f"{nat['units']:,}", ""]]
    if nat["registered"] is not None:
        rows.append(["voters on the list", f"{nat['registered']:,}", ""])
    if nat["issued"] is not None:
        rows.append(["ballots issued", f"{nat['issued']:,}", f"turnout {_pct(nat['turnout'])} %"])
    rows.append(["ballots found", f"{nat['found']:,}", ""])
    for o in nat["options"]:
        rows.append(
            [escape(o["option"]), f"{o['votes']:,}", f"{_pct(o['share_of_valid'])} % of valid"]
        )
    return "<h2>National summary</h2>" + _table(["", "count", "share"], rows)


def left_out_html(report: Json) -> str:
    unp, part = report["unpublished"], report["partial"]
    out = []
    if unp["units"]:
        out.append(
            f"<h2>Stations without published figures ({unp['units']:,})</h2><p>Left out of "
            "every test. Not publishing station results is itself a finding.</p>"
        )
        rows = [
            [
                escape(r["region"]),
                f"{r['units']:,}",
                "not published" if r["registered"] is None else f"{r['registered']:,}",
            ]
            for r in unp["by_region"]
        ]
        out.append(_table(["region", "stations", "voters on the list"], rows))
    if part["units"]:
        out.append(f"<h2>Partly filled rows ({part['units']:,})</h2><p>Left out of every test.</p>")
        rows = [
            [
                str(r["row"]),
                escape(r["unit"]),
                escape(r["region"]),
                escape(", ".join(r["empty"])),
            ]
            for r in part["rows"][:100]
        ]
        out.append(_table(["row", "unit", "region", "empty columns"], rows, left=4))
    return "".join(out)


def breakdown_html(report: Json) -> str:
    rows = report.get("breakdown") or []
    if not rows:
        return ""
    body = [
        [
            escape(b["unit"]),
            escape(b["channel"]),
            f"{sum(b['votes'].values()):,}",
            _pct(b["leader_share"]),
            _num(b.get("z_vs_rest"), 1),
        ]
        for b in rows[:200]
    ]
    return (
        "<h2>Votes by channel and day (as published)</h2>"
        + _table(["unit", "channel or day", "votes", "leader %", "z vs rest"], body, left=2)
        + "<p class='ref'>z vs rest: the leader's share in the cell against the unit's other "
        "cells of the same level, in standard deviations; empty below 30 votes.</p>"
    )
