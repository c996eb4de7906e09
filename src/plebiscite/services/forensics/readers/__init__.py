"""Readers of published results, all into one :class:`StationTable`.

``read_results`` picks the reader by ``fmt`` or, with ``auto``, by looking at the file: JSON
with NIST ``ElectionResults`` types is ``nist-err``; a CSV (or zipped CSV) whose header has a
``uik`` column and Russian protocol lines is ``ru-cec``; any other table needs a column
mapping and is read as ``csv``.
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
from plebiscite.services.forensics.readers.ru_cec import looks_like_ru_cec, read_ru_cec
from plebiscite.services.forensics.table import StationTable

FORMATS = ("auto", "ru-cec", "nist-err", "csv")

__all__ = ["FORMATS", "ColumnMapping", "Progress", "detect_format", "read_results"]


def detect_format(path: Path) -> str:
    """``ru-cec``, ``nist-err`` or ``csv``, from the file's contents."""
    if looks_like_nist(path):
        return "nist-err"
    if path.suffix.lower() == ".json":
        raise DataFormatError(f"{path}: JSON that is not a NIST SP 1500-100 results file")
    try:
        with open_text(path) as text:
            sample, _ = peek_lines(text)
    except UnicodeDecodeError:
        raise DataFormatError(f"{path}: row 1: not UTF-8 text") from None
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
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file")
    if fmt not in FORMATS:
        raise DataFormatError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    used = detect_format(path) if fmt == "auto" else fmt
    if used == "ru-cec":
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
        raise DataFormatError(f"{path}: no polling-station rows")
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
