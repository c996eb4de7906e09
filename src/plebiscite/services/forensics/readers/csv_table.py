"""Reader for any results table (CSV or zipped CSV) with a column mapping.

The mapping says which column holds the unit id, the region, each protocol line (names from
:data:`~plebiscite.services.forensics.table.LINE_NAMES`) and the votes per option.  It is given
on the command line or in a small JSON or TOML file::

    {"unit": "precinct", "region": "district",
     "lines": {"registered": "electors", "issued": "ballots_issued", "invalid": "spoilt"},
     "options": ["yes", "no"]}

Every mapped column must exist (else the error names the file, row 1 and the column); every
count cell must be a whole non-negative number (else the error names file, row and column).
The file is read in chunks, so its size does not matter.
"""

from __future__ import annotations

import csv
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from plebiscite.services.forensics.table import LINE_NAMES, StationTable


@dataclass(frozen=True)
class ColumnMapping:
    """Which source column holds what."""

    options: tuple[str, ...]
    lines: dict[str, str] = field(default_factory=dict)
    unit: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        for line in self.lines:
            if line not in LINE_NAMES:
                raise DataFormatError(
                    f"column mapping: unknown protocol line {line!r} "
                    f"(known: {', '.join(LINE_NAMES)})"
                )

    @classmethod
    def from_file(cls, path: Path) -> ColumnMapping:
        """Load a mapping from a JSON or TOML file."""
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DataFormatError(f"{path}: cannot read the column mapping ({exc})") from None
        try:
            data: Any = tomllib.loads(raw) if path.suffix.lower() == ".toml" else json.loads(raw)
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise DataFormatError(f"{path}: not a valid column mapping ({exc})") from None
        if not isinstance(data, dict):
            raise DataFormatError(f"{path}: a column mapping is an object")
        options = data.get("options", [])
        lines = data.get("lines", {})
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise DataFormatError(f"{path}: 'options' must be a list of column names")
        if not isinstance(lines, dict) or not all(isinstance(v, str) for v in lines.values()):
            raise DataFormatError(f"{path}: 'lines' must map protocol lines to column names")
        unit, region = data.get("unit"), data.get("region")
        return cls(
            options=tuple(options),
            lines={str(k): v for k, v in lines.items()},
            unit=str(unit) if unit else None,
            region=str(region) if region else None,
        )


def read_csv_table(
    path: Path, mapping: ColumnMapping, *, progress: Progress | None = None
) -> StationTable:
    """Read a table of units with ``mapping``."""
    if not mapping.options:
        raise DataFormatError(f"{path}: the column mapping names no option columns")
    with open_text(path, progress) as text:
        sample, lines_iter = peek_lines(text)
        reader = csv.reader(lines_iter, sniff_dialect(sample))
        header = read_header(reader, path)
        position = {name: i for i, name in enumerate(header)}

        def col(name: str) -> int:
            if name not in position:
                raise DataFormatError(
                    f"{path}: row 1, column {name!r}: no such column "
                    f"(columns: {', '.join(header[:12])}{', ...' if len(header) > 12 else ''})"
                )
            return position[name]

        counts = {line: col(name) for line, name in mapping.lines.items()}
        counts.update({f"option:{o}": col(o) for o in mapping.options})
        texts: dict[str, int] = {}
        if mapping.unit:
            texts["unit"] = col(mapping.unit)
        if mapping.region:
            texts["region"] = col(mapping.region)
        collector = ColumnCollector(path, counts, texts, header)
        for number, row in guarded_rows(reader, path):
            if not row or all(not cell.strip() for cell in row):
                continue
            collector.add(number, row)
        values, labels, rows = collector.finish()
    n = len(rows)
    votes = (
        np.stack([values[f"option:{o}"] for o in mapping.options], axis=1)
        if n
        else np.zeros((0, len(mapping.options)), dtype=np.int64)
    )
    unit_ids = labels.get("unit") or [f"row {r}" for r in rows.tolist()]
    regions = labels.get("region") or ["all"] * n
    return StationTable(
        source=str(path),
        unit_ids=np.asarray(unit_ids, dtype=np.str_),
        regions=np.asarray(regions, dtype=np.str_),
        source_rows=rows,
        options=mapping.options,
        votes=votes.astype(np.int64),
        lines={line: values[line] for line in mapping.lines},
        columns=dict(mapping.lines),
        unpublished=tuple(collector.unpublished),
        partial=tuple(collector.partial),
    )
