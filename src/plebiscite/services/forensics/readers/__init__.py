"""Readers of published results, all into one :class:`StationTable`.

``read_results`` picks the reader by ``fmt`` or, with ``auto``, by looking at the file: JSON
with NIST ``ElectionResults`` types is ``nist-err``; a CSV (or zipped CSV) whose header has a
``uik`` column and Russian protocol lines is ``ru-cec``; a folder holding ``results.json`` is a
plebiscite election ``record``; any other table needs a column mapping and is read as ``csv``.
Rows without figures and partly filled rows are kept apart in the table (``unpublished``,
``partial``), never read as numbers.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from plebiscite.errors import DataFormatError
from plebiscite.services.forensics.readers._common import (
    Progress,
    open_text,
    peek_lines,
    sniff_dialect,
)
from plebiscite.services.forensics.readers.csv_table import ColumnMapping, read_csv_table
from plebiscite.services.forensics.readers.nist_err import looks_like_nist, read_nist_err
from plebiscite.services.forensics.readers.record import looks_like_record, read_record
from plebiscite.services.forensics.readers.ru_cec import looks_like_ru_cec, read_ru_cec
from plebiscite.services.forensics.table import StationTable

FORMATS = ("auto", "ru-cec", "nist-err", "csv", "record")

__all__ = ["FORMATS", "ColumnMapping", "Progress", "detect_format", "read_results"]


def detect_format(path: Path) -> str:
    """``record``, ``ru-cec``, ``nist-err`` or ``csv``, from the file's contents."""
    if path.is_dir():
        if looks_like_record(path):
            return "record"
        raise DataFormatError(f"{path}: a folder without results.json (not an election record)")
    if looks_like_nist(path):
        return "nist-err"
    if path.suffix.lower() == ".json":
        raise DataFormatError(f"{path}: JSON that is not a NIST SP 1500-100 results file")
    with open_text(path) as text:
        sample, _ = peek_lines(text)
    header = next(csv.reader(sample.splitlines(), sniff_dialect(sample)), [])
    return "ru-cec" if looks_like_ru_cec(header) else "csv"


def read_results(
    path: Path,
    fmt: str = "auto",
    *,
    region_column: str | None = None,
    mapping: ColumnMapping | None = None,
    contest: str | None = None,
    progress: Progress | None = None,
    strict: bool = False,
) -> tuple[StationTable, str]:
    """Read ``path``; returns the table and the format actually used.

    With ``strict``, a unit with more ballots than voters on the list is an error naming the
    file, row and column; otherwise it is left to the control relations as a finding.
    """
    if not path.is_file() and not (path.is_dir() and fmt in ("auto", "record")):
        raise DataFormatError(
            f"{path}: no such file" if not path.exists() else f"{path}: not a file"
        )
    if fmt not in FORMATS:
        raise DataFormatError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    used = detect_format(path) if fmt == "auto" else fmt
    if used == "record":
        table = read_record(path)
    elif used == "ru-cec":
        table = read_ru_cec(path, region_column=region_column, progress=progress)
    elif used == "nist-err":
        table = read_nist_err(path, contest=contest, region_column=region_column, progress=progress)
    else:
        if mapping is None:
            raise DataFormatError(
                f"{path}: a generic table needs a column mapping (--options and --line, "
                "or --mapping FILE)"
            )
        if region_column and mapping.region is None:
            mapping = ColumnMapping(
                options=mapping.options,
                lines=mapping.lines,
                unit=mapping.unit,
                region=region_column,
            )
        table = read_csv_table(path, mapping, progress=progress)
    if table.n_units == 0:
        left = len(table.unpublished) + len(table.partial)
        raise DataFormatError(
            f"{path}: no polling-station rows with figures"
            + (f" ({left:,} rows left out as unpublished or partly filled)" if left else "")
        )
    if strict:
        _check_bounds(table)
    return table, used


def _check_bounds(table: StationTable) -> None:
    if "registered" not in table.lines:
        return
    registered = table.line("registered")
    for line in ("issued", "found"):
        if line not in table.lines:
            continue
        bad = np.flatnonzero(table.line(line) > registered)
        if bad.size:
            i = int(bad[0])
            raise DataFormatError(
                f"{table.source}: row {int(table.source_rows[i])}, column "
                f"{table.columns.get(line, line)!r}: {int(table.line(line)[i])} ballots but "
                f"{int(registered[i])} voters on the list"
            )
