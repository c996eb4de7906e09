"""Shared pieces of the readers: byte-counting streams, count parsing, chunked columns."""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np

from plebiscite.errors import DataFormatError
from plebiscite.services.forensics.table import IntArray

#: ``progress(done, total)`` in bytes of (uncompressed) input; called now and then.
Progress = Callable[[int, int], None]

CHUNK_ROWS = 20_000


class _CountingReader(io.RawIOBase):
    """A binary stream that reports how many bytes have been read through it."""

    def __init__(self, inner: IO[bytes], total: int, progress: Progress | None) -> None:
        self._inner = inner
        self._total = total
        self._progress = progress
        self.done = 0
        self._last = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.done += n
        if self._progress is not None and (self.done - self._last >= 1 << 20 or n == 0):
            self._last = self.done
            self._progress(self.done, self._total)
        return n


@contextmanager
def open_text(path: Path, progress: Progress | None = None) -> Iterator[IO[str]]:
    """Open a CSV or the single CSV inside a ``.zip`` as UTF-8 text, counting bytes."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            members = [i for i in zf.infolist() if not i.is_dir()]
            csvs = [i for i in members if i.filename.lower().endswith((".csv", ".txt"))]
            chosen = csvs or members
            if len(chosen) != 1:
                names = ", ".join(i.filename for i in members) or "nothing"
                raise DataFormatError(
                    f"{path}: a zipped results table must hold exactly one CSV, found {names}"
                )
            info = chosen[0]
            with zf.open(info) as raw:
                counting = _CountingReader(raw, info.file_size, progress)
                buffered = io.BufferedReader(counting, buffer_size=1 << 16)
                text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
                try:
                    yield text
                finally:
                    text.detach()
    else:
        with path.open("rb") as raw:
            counting = _CountingReader(raw, path.stat().st_size, progress)
            buffered = io.BufferedReader(counting, buffer_size=1 << 16)
            text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
            try:
                yield text
            finally:
                text.detach()


def peek_lines(text: IO[str], n: int = 5) -> tuple[str, Iterator[str]]:
    """The first ``n`` lines of ``text`` as a sample, and an iterator over all its lines."""
    first = [line for line in (text.readline() for _ in range(n)) if line]
    return "".join(first), itertools.chain(first, text)


def sniff_dialect(sample: str) -> type[csv.Dialect]:
    """Comma, semicolon or tab: the delimiter that splits the sample's lines into the most
    fields, preferring one that gives every line the same number."""
    lines = [line for line in sample.splitlines() if line.strip()]
    best, best_score = ",", (False, 0)
    for delimiter in (",", ";", "\t"):
        rows = list(csv.reader(lines, delimiter=delimiter))
        width = len(rows[0]) if rows else 0
        score = (width > 1 and all(len(r) == width for r in rows), width)
        if score > best_score:
            best, best_score = delimiter, score

    class Dialect(csv.excel):
        delimiter = best

    return Dialect


def parse_counts(cells: list[str], *, path: Path, first_row: int, column: str) -> IntArray:
    """Whole non-negative numbers from ``cells``; the error names file, row and column.

    ``first_row`` is the 1-based source row of ``cells[0]`` (the header is row 1).
    """
    try:
        values = np.asarray(cells, dtype=np.str_).astype(np.int64)
    except ValueError:
        values = np.empty(len(cells), dtype=np.int64)
        for i, cell in enumerate(cells):
            values[i] = parse_count(cell, path=path, row=first_row + i, column=column)
    negative = np.flatnonzero(values < 0)
    if negative.size:
        i = int(negative[0])
        raise DataFormatError(
            f"{path}: row {first_row + i}, column {column!r}: negative count {cells[i]!r}"
        )
    return values


def parse_count(cell: str, *, path: Path, row: int, column: str) -> int:
    """One whole non-negative number (``"12"``, ``" 12 "``, ``"12.0"``)."""
    text = cell.strip().replace("\u00a0", "").replace(" ", "")
    try:
        value = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if not np.isfinite(number) or number != int(number):
            shown = cell if cell.strip() else "an empty cell"
            raise DataFormatError(
                f"{path}: row {row}, column {column!r}: {shown!r} is not a whole number"
            ) from None
        value = int(number)
    if value < 0:
        raise DataFormatError(f"{path}: row {row}, column {column!r}: negative count {cell!r}")
    return value


class ColumnCollector:
    """Collects selected CSV columns row by row and converts them in chunks.

    Only ``CHUNK_ROWS`` rows of text are held at a time, so memory stays flat however long
    the file is.
    """

    def __init__(
        self,
        path: Path,
        count_columns: dict[str, int],
        text_columns: dict[str, int],
        header: list[str],
    ) -> None:
        self._path = path
        self._count_columns = count_columns
        self._text_columns = text_columns
        self._header = header
        self._width = len(header)
        self._pending: dict[str, list[str]] = {k: [] for k in count_columns}
        self._pending_rows: list[int] = []
        self._chunks: dict[str, list[IntArray]] = {k: [] for k in count_columns}
        self._texts: dict[str, list[str]] = {k: [] for k in text_columns}
        self._rows: list[int] = []

    def add(self, row_number: int, row: list[str]) -> None:
        if len(row) < self._width:
            missing = self._header[len(row)]
            raise DataFormatError(
                f"{self._path}: row {row_number}, column {missing!r}: the row has "
                f"{len(row)} cells, the header {self._width}"
            )
        for key, idx in self._count_columns.items():
            self._pending[key].append(row[idx])
        for key, idx in self._text_columns.items():
            self._texts[key].append(row[idx].strip())
        self._pending_rows.append(row_number)
        if len(self._pending_rows) >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending_rows:
            return
        first = self._pending_rows[0]
        contiguous = self._pending_rows[-1] - first == len(self._pending_rows) - 1
        for key, cells in self._pending.items():
            column = self._header[self._count_columns[key]]
            if contiguous:
                arr = parse_counts(cells, path=self._path, first_row=first, column=column)
            else:
                arr = np.array(
                    [
                        parse_count(c, path=self._path, row=r, column=column)
                        for c, r in zip(cells, self._pending_rows, strict=True)
                    ],
                    dtype=np.int64,
                )
            self._chunks[key].append(arr)
            cells.clear()
        self._rows.extend(self._pending_rows)
        self._pending_rows = []

    def finish(self) -> tuple[dict[str, IntArray], dict[str, list[str]], IntArray]:
        self._flush()
        counts = {
            k: (np.concatenate(v) if v else np.zeros(0, dtype=np.int64))
            for k, v in self._chunks.items()
        }
        return counts, self._texts, np.asarray(self._rows, dtype=np.int64)
