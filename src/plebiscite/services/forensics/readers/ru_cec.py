"""Reader for the Russian CEC precinct protocol tables (CSV or zipped CSV).

The tables as compiled from izbirkom.ru by S. Shpilkin and I. Shukshin (one row per polling
station, Russian headers naming the protocol lines, then one column per candidate, party or
referendum answer).  Protocol lines are recognised by words in their headers, so the layouts of
2004-2024 and of the 2020 "all-Russian vote" all read; absentee-certificate lines (2004-2012)
are recognised and left out.  A header that starts with "Число" (a protocol line) but is not
recognised is an error, since guessing would silently misread a count.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from plebiscite.errors import DataFormatError
from plebiscite.services.forensics.readers._common import (
    ColumnCollector,
    Progress,
    guarded_rows,
    open_text,
    peek_lines,
    read_header,
    sniff_dialect,
)
from plebiscite.services.forensics.table import StationTable

#: Identity columns (not counts).
_IDENTITY = frozenset({"region", "oik", "tik", "uik", "name", "url", "level", "kind", "type"})


def classify_header(header: str) -> str | None:
    """The protocol line a Russian header names; ``"certificate"`` for absentee lines; None
    for a header that is not a protocol line (a candidate, party or answer)."""
    h = " ".join(header.lower().split())
    if not h.startswith("число"):
        return None
    if "открепительн" in h:
        return "certificate"
    if "в список" in h:
        return "registered"
    if "полученных" in h:
        return "received"
    if "выданных" in h:
        if "досрочно" in h:
            return "issued_early"
        if "вне помещения" in h:
            return "issued_outside"
        if "в помещении" in h:
            return "issued_in_room"
        return "issued"
    if "погашенных" in h:
        return "cancelled"
    if "переносных" in h:
        return "found_mobile"
    if "стационарных" in h:
        return "found_stationary"
    if "ящиках" in h or "содержащихся" in h:
        return "found"
    if "недействительных" in h:
        return "invalid"
    if "действительных" in h:
        return "valid"
    if "утраченных" in h:
        return "lost"
    if "не учтенных" in h or "не учтённых" in h:
        return "unaccounted"
    return "unknown"


def looks_like_ru_cec(header: list[str]) -> bool:
    """True for a header with a region/uik column and at least one protocol line."""
    names = {h.strip().lower() for h in header}
    return "uik" in names and any(classify_header(h) not in (None, "unknown") for h in header)


def read_ru_cec(
    path: Path, *, region_column: str | None = None, progress: Progress | None = None
) -> StationTable:
    """Read a CEC protocol table; ``region_column`` defaults to ``region``."""
    region_name = region_column or "region"
    with open_text(path, progress) as text:
        sample, lines_iter = peek_lines(text)
        reader = csv.reader(lines_iter, sniff_dialect(sample))
        header = read_header(reader, path)
        lower = [h.lower() for h in header]
        if region_name.lower() not in lower:
            raise DataFormatError(
                f"{path}: row 1, column {region_name!r}: no such column "
                f"(columns: {', '.join(header[:6])}, ...)"
            )
        counts: dict[str, int] = {}
        options: list[str] = []
        for idx, name in enumerate(header):
            kind = classify_header(name)
            if kind is None:
                if name.lower() in _IDENTITY or not name:
                    continue
                options.append(name)
                counts[f"option:{name}"] = idx
            elif kind == "unknown":
                raise DataFormatError(
                    f"{path}: row 1, column {name!r}: unknown protocol line in a ru-cec table"
                )
            elif kind == "certificate":
                continue
            elif kind in counts:
                raise DataFormatError(
                    f"{path}: row 1, column {name!r}: a second column for line {kind!r}"
                )
            else:
                counts[kind] = idx
        if "registered" not in counts:
            raise DataFormatError(
                f"{path}: row 1: no column of voters on the list ('Число избирателей, "
                "включенных в список ...')"
            )
        if not options:
            raise DataFormatError(f"{path}: row 1: no option (candidate or answer) columns")
        texts = {"region": lower.index(region_name.lower())}
        if "uik" in lower:
            texts["uik"] = lower.index("uik")
        if "tik" in lower:
            texts["tik"] = lower.index("tik")
        collector = ColumnCollector(path, counts, texts, header, _label)
        for number, row in guarded_rows(reader, path):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            collector.add(number, row)
        values, labels, rows = collector.finish()

    lines = {k: v for k, v in values.items() if not k.startswith("option:")}
    parts = [k for k in ("issued_early", "issued_in_room", "issued_outside") if k in lines]
    if "issued" not in lines and parts:
        lines["issued"] = np.asarray(np.sum([lines[k] for k in parts], axis=0), dtype=np.int64)
    boxes = [k for k in ("found_mobile", "found_stationary") if k in lines]
    if "found" not in lines and boxes:
        lines["found"] = np.asarray(np.sum([lines[k] for k in boxes], axis=0), dtype=np.int64)
    votes = np.stack([values[f"option:{o}"] for o in options], axis=1).astype(np.int64)
    uik = labels.get("uik", [str(r) for r in rows.tolist()])
    tik = labels.get("tik")
    unit_ids = [f"{t} / {u}" for t, u in zip(tik, uik, strict=True)] if tik else uik
    columns = {k: header[i] for k, i in counts.items() if not k.startswith("option:")}
    if "issued" not in columns and parts:
        columns["issued"] = " + ".join(columns[k] for k in parts)
    if "found" not in columns and boxes:
        columns["found"] = " + ".join(columns[k] for k in boxes)
    return StationTable(
        source=str(path),
        unit_ids=np.asarray(unit_ids, dtype=np.str_),
        regions=np.asarray(labels["region"], dtype=np.str_),
        source_rows=rows,
        options=tuple(options),
        votes=votes.reshape(len(rows), len(options)),
        lines=lines,
        columns=columns,
        unpublished=tuple(collector.unpublished),
        partial=tuple(collector.partial),
    )


def _label(texts: dict[str, str], row: int) -> tuple[str, str]:
    uik = texts.get("uik") or str(row)
    unit = f"{texts['tik']} / {uik}" if "tik" in texts else uik
    return unit, texts.get("region", "")
