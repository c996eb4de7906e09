"""Write ``BENCHMARKS.md`` from the benchmarks' outputs (``bench/run_all.py`` calls it).

Each ``bench/bench_*.py`` prints its figures as one JSON value, ideally on its last line of
stdout; scripts may print other lines before it, or the JSON over several lines. The report
takes the last JSON object in the output (or the last list of objects, one table row each),
shows it as a table, and lists a script whose output has none as "no figures" with the end of
what it printed. A line starting ``skipped:`` says why a script measured nothing.

The page starts with the machine: CPU model, cores, memory, Python and libsodium versions,
the date and the commit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import json
import os
import platform
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TAIL_LINES = 15


@dataclass(frozen=True)
class BenchResult:
    """One benchmark script's run."""

    name: str
    returncode: int
    seconds: float
    stdout: str


# --- finding the figures ----------------------------------------------------------------------


def json_values(text: str) -> Iterator[Any]:
    """Every top-level JSON object or array in ``text``, in order (other text is skipped)."""
    decoder = json.JSONDecoder()
    i = 0
    while True:
        starts = [p for p in (text.find("{", i), text.find("[", i)) if p >= 0]
        if not starts:
            return
        start = min(starts)
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            i = start + 1
            continue
        yield value
        i = end


def is_figures(value: Any) -> bool:
    """An object, or a non-empty list of objects."""
    if isinstance(value, dict):
        return bool(value)
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and v for v in value)


def last_figures(text: str) -> dict[str, Any] | list[dict[str, Any]] | None:
    """The last JSON object (or list of objects) printed, or None."""
    found = None
    for value in json_values(text):
        if is_figures(value):
            found = value
    return found


def skipped_reason(text: str) -> str | None:
    for line in reversed(text.splitlines()):
        if line.strip().lower().startswith("skipped:"):
            return line.strip()[len("skipped:") :].strip()
    return None


# --- rendering ----------------------------------------------------------------------------------


def flatten(figures: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted keys: {"a": {"b": 1}} -> {"a.b": 1}."""
    flat: dict[str, Any] = {}
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def cell(value: Any) -> str:
    """One table cell: numbers with thousands separators, lists joined, pipes escaped."""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int | float):
        text = f"{value:,}"
    elif value is None:
        text = "-"
    elif isinstance(value, list | tuple):
        text = ", ".join(cell(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True)
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool]) -> str:
    align = ["---:" if n else "---" for n in numeric]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(align) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def render_figures(figures: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> str:
    """An object as a figure/value table; a list of objects as one row each."""
    if isinstance(figures, Mapping):
        flat = flatten(figures)
        return table(
            ["figure", "value"],
            ([cell(k), cell(v)] for k, v in flat.items()),
            [False, True],
        )
    rows = [flatten(row) for row in figures]
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    numeric = [all(_is_number(r[c]) for r in rows if c in r) for c in columns]
    return table(
        [cell(c) for c in columns],
        ([cell(r.get(c)) for c in columns] for r in rows),
        numeric,
    )


def render_result(result: BenchResult) -> str:
    status = "ok" if result.returncode == 0 else f"failed (exit {result.returncode})"
    lines = [f"## {result.name}", "", f"{status}, {result.seconds:,.1f} s", ""]
    figures = last_figures(result.stdout)
    reason = skipped_reason(result.stdout)
    if figures is not None:
        lines.append(render_figures(figures))
    elif reason is not None:
        lines.append(f"skipped: {reason}")
    else:
        lines.append("no figures (no JSON object in its output); the end of what it printed:")
        tail = result.stdout.rstrip().splitlines()[-TAIL_LINES:]
        lines += ["", "```text", *tail, "```"] if tail else ["", "(nothing)"]
    return "\n".join(lines)


def render(results: Sequence[BenchResult], machine: Mapping[str, Any], when: dt.datetime) -> str:
    parts = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run_all.py`); what each benchmark measures and how to "
        "rerun one: `docs/benchmarks.md`. Figures as each script printed them.",
        "",
        f"Date: {when.strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        "## Machine",
        "",
        table(
            ["what", "value"],
            ([cell(k), cell(v)] for k, v in machine.items()),
            [False, False],
        ),
        "",
        "## Summary",
        "",
        table(
            ["benchmark", "status", "seconds", "figures"],
            (
                [
                    r.name,
                    "ok" if r.returncode == 0 else f"failed (exit {r.returncode})",
                    f"{r.seconds:,.1f}",
                    "yes"
                    if last_figures(r.stdout) is not None
                    else ("skipped" if skipped_reason(r.stdout) else "no figures"),
                ]
                for r in results
            ),
            [False, False, True, False],
        ),
    ]
    for result in results:
        parts += ["", render_result(result)]
    return "\n".join(parts) + "\n"


# --- the machine --------------------------------------------------------------------------------


def cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "cpu model") and value.strip():
            return value.strip()
    return platform.processor() or platform.machine() or "unknown"


def memory_gib(meminfo: str) -> float | None:
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def libsodium_version() -> str:
    name = ctypes.util.find_library("sodium")
    if name is None:
        return "not found"
    try:
        lib = ctypes.CDLL(name)
        lib.sodium_version_string.restype = ctypes.c_char_p
        version: bytes = lib.sodium_version_string()
    except (OSError, AttributeError):
        return f"{name} (version unknown)"
    return version.decode()


def git_commit(repo: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def machine_info(repo: Path) -> dict[str, Any]:
    memory = memory_gib(_read("/proc/meminfo"))
    return {
        "CPU": cpu_model(_read("/proc/cpuinfo")),
        "cores": os.cpu_count() or 1,
        "memory": f"{memory} GiB" if memory is not None else "unknown",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "libsodium": libsodium_version(),
        "PostgreSQL (PLEBISCITE_TEST_PG)": "set"
        if os.environ.get("PLEBISCITE_TEST_PG")
        else "not set",
        "commit": git_commit(repo),
    }


def write_report(results: Sequence[BenchResult], path: Path, repo: Path) -> None:
    text = render(results, machine_info(repo), dt.datetime.now(dt.UTC))
    path.write_text(text)


__all__ = [
    "BenchResult",
    "cpu_model",
    "last_figures",
    "machine_info",
    "memory_gib",
    "render",
    "render_figures",
    "write_report",
]
