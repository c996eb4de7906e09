"""Shared pieces of the readers: byte-counting streams, count parsing, chunked columns."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np

from plebiscite.errors import DataFormatError
from plebiscite.services.forensics.table import IntArray, LeftOutRow

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


#: Bytes looked at to choose the text encoding.
SNIFF_BYTES = 1 << 16


def choose_encoding(head: bytes, where: str) -> str:
    """``utf-8-sig`` or ``cp1251`` (the CEC's own downloads), from the first bytes of a table.

    NUL bytes mean binary data (a spreadsheet, a damaged zip): refused with one line.
    """
    if b"\x00" in head:
        raise DataFormatError(
            f"{where}: row 1: binary data, not a text table (a spreadsheet or a damaged zip?)"
        )
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        text = head.decode("cp1251")
    except UnicodeDecodeError:
        text = ""
    if sum("\u0400" <= ch <= "\u04ff" for ch in text) >= 4:
        return "cp1251"
    raise DataFormatError(f"{where}: row 1: neither UTF-8 nor Windows-1251 text")


@contextmanager
def _opened_bytes(path: Path) -> Iterator[tuple[IO[bytes], int]]:
    """The raw bytes of a CSV, or of the single CSV inside a ``.zip``, and their size."""
    try:
        is_zip = zipfile.is_zipfile(path)
    except OSError as exc:
        raise DataFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not is_zip:
        try:
            raw = path.open("rb")
        except OSError as exc:
            raise DataFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
        with raw:
            yield raw, path.stat().st_size
        return
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataFormatError(f"{path}: a damaged zip ({exc})") from None
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        csvs = [i for i in members if i.filename.lower().endswith((".csv", ".txt"))]
        chosen = csvs or members
        if len(chosen) != 1:
            names = ", ".join(i.filename for i in members) or "nothing"
            raise DataFormatError(
                f"{path}: a zipped results table must hold exactly one CSV, found {names}"
            )
        info = chosen[0]
        try:
            member = zf.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise DataFormatError(f"{path}: cannot open {info.filename} ({exc})") from None
        with member:
            yield member, info.file_size


@contextmanager
def open_text(path: Path, progress: Progress | None = None) -> Iterator[IO[str]]:
    """Open a CSV or the single CSV inside a ``.zip`` as text, counting bytes.

    The encoding is UTF-8 (with or without a byte-order mark) or Windows-1251, chosen from
    the first 64 KiB; iterate the rows with :func:`guarded_rows` so that a damaged or
    truncated file ends in one line naming the row, never a traceback.
    """
    with _opened_bytes(path) as (raw, _):
        try:
            head = raw.read(SNIFF_BYTES)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise DataFormatError(f"{path}: row 1: damaged or truncated data ({exc})") from None
        encoding = choose_encoding(head, str(path))
    with _opened_bytes(path) as (raw, size):
        counting = _CountingReader(raw, size, progress)
        buffered = io.BufferedReader(counting, buffer_size=1 << 16)
        text = io.TextIOWrapper(buffered, encoding=encoding, newline="")
        text.source_path = str(path)  # type: ignore[attr-defined]
        try:
            yield text
        finally:
            text.detach()


def guarded_rows(
    reader: Iterator[list[str]], path: Path, first: int = 2
) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` from a csv reader; a damaged stream becomes one
    :class:`DataFormatError` naming the row where reading stopped."""
    number = first - 1
    try:
        for number, row in enumerate(reader, start=first):
            yield number, row
    except UnicodeDecodeError as exc:
        # the text layer decodes ahead of the rows handed out, so the row is a lower bound
        encoding = exc.encoding.removesuffix("-sig")
        raise DataFormatError(
            f"{path}: after row {number}: not {encoding} text (a file in two encodings?)"
        ) from None
    except csv.Error as exc:
        raise DataFormatError(f"{path}: row {number + 1}: not a CSV row ({exc})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise DataFormatError(
            f"{path}: row {number + 1}: damaged or truncated data ({exc})"
        ) from None


def read_header(reader: Iterator[list[str]], path: Path) -> list[str]:
    """The header row, stripped; one line for an empty or damaged file."""
    for _, row in guarded_rows(reader, path, first=1):
        return [h.strip() for h in row]
    raise DataFormatError(f"{path}: row 1: the file is empty")


def peek_lines(text: IO[str], n: int = 5) -> tuple[str, Iterator[str]]:
    """The first ``n`` lines of ``text`` as a sample, and an iterator over all its lines."""
    try:
        first = [line for line in (text.readline() for _ in range(n)) if line]
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{name_of(text)}: row 1: not {exc.encoding} text") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise DataFormatError(
            f"{name_of(text)}: row 1: damaged or truncated data ({exc})"
        ) from None
    return "".join(first), itertools.chain(first, text)


def name_of(text: IO[str]) -> str:
    """The file behind a text stream, for error messages."""
    return str(getattr(text, "source_path", "input"))


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


def parse_counts(cells: list[str], *, path: Path, rows: list[int], column: str) -> IntArray:
    """Whole non-negative numbers from ``cells``; the error names file, row and column.

    ``rows[i]`` is the 1-based source row of ``cells[i]`` (the header is row 1).
    """
    try:
        values = np.asarray(cells, dtype=np.str_).astype(np.int64)
    except ValueError:
        values = np.empty(len(cells), dtype=np.int64)
        for i, cell in enumerate(cells):
            values[i] = parse_count(cell, path=path, row=rows[i], column=column)
    negative = np.flatnonzero(values < 0)
    if negative.size:
        i = int(negative[0])
        raise DataFormatError(
            f"{path}: row {rows[i]}, column {column!r}: negative count {cells[i]!r}"
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


#: ``label(texts, row)`` -> (unit, region) of a row left out, from its text columns.
Labeller = Callable[[dict[str, str], int], tuple[str, str]]


class ColumnCollector:
    """Collects selected CSV columns row by row and converts them in chunks.

    Only ``CHUNK_ROWS`` rows of text are held at a time, so memory stays flat however long
    the file is.  A row whose count cells are all empty (or all but voters on the list) is
    *unpublished*; a row with some count cells empty is *partial*.  Both are kept apart, with
    their row, unit and region, and left out of the table.
    """

    def __init__(
        self,
        path: Path,
        count_columns: dict[str, int],
        text_columns: dict[str, int],
        header: list[str],
        label: Labeller | None = None,
    ) -> None:
        self._path = path
        self._count_columns = count_columns
        self._text_columns = text_columns
        self._header = header
        self._width = len(header)
        self._label = label or (
            lambda texts, row: (texts.get("unit", f"row {row}"), texts.get("region", "all"))
        )
        self._pending: dict[str, list[str]] = {k: [] for k in count_columns}
        self._pending_rows: list[int] = []
        self._chunks: dict[str, list[IntArray]] = {k: [] for k in count_columns}
        self._texts: dict[str, list[str]] = {k: [] for k in text_columns}
        self._rows: list[int] = []
        self.unpublished: list[LeftOutRow] = []
        self.partial: list[LeftOutRow] = []

    def add(self, row_number: int, row: list[str]) -> None:
        if len(row) < self._width:
            missing = self._header[len(row)]
            raise DataFormatError(
                f"{self._path}: row {row_number}, column {missing!r}: the row has "
                f"{len(row)} cells, the header {self._width} (a truncated file?)"
            )
        empty = [k for k, idx in self._count_columns.items() if not row[idx].strip()]
        if empty:
            self._leave_out(row_number, row, empty)
            return
        for key, idx in self._count_columns.items():
            self._pending[key].append(row[idx])
        for key, idx in self._text_columns.items():
            self._texts[key].append(row[idx].strip())
        self._pending_rows.append(row_number)
        if len(self._pending_rows) >= CHUNK_ROWS:
            self._flush()

    def _leave_out(self, row_number: int, row: list[str], empty: list[str]) -> None:
        texts = {k: row[i].strip() for k, i in self._text_columns.items()}
        unit, region = self._label(texts, row_number)
        registered = None
        if "registered" in self._count_columns and "registered" not in empty:
            registered = parse_count(
                row[self._count_columns["registered"]],
                path=self._path,
                row=row_number,
                column=self._header[self._count_columns["registered"]],
            )
        names = tuple(self._header[self._count_columns[k]] for k in empty)
        entry = LeftOutRow(row_number, unit, region, registered, names)
        unpublished = len(empty) == len(self._count_columns) or set(empty) == (
            set(self._count_columns) - {"registered"}
        )
        (self.unpublished if unpublished else self.partial).append(entry)

    def _flush(self) -> None:
        if not self._pending_rows:
            return
        for key, cells in self._pending.items():
            column = self._header[self._count_columns[key]]
            arr = parse_counts(cells, path=self._path, rows=self._pending_rows, column=column)
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
