"""Reading the subject (a manifest, an exported record or a board file) and writing the report
as JSON (``docs/legitimacy.md``, "Input" and "Output"). The HTML report is the interfaces'
(``interfaces/legitimacy_html.py``): it speaks the pages' languages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plebiscite.crypto.hashing import canonical_json
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_load import parse_manifest_json
from plebiscite.errors import InputError, ManifestError
from plebiscite.record.events import EventType
from plebiscite.record.export import EVENTS, import_export
from plebiscite.record.memory import MemoryBoard
from plebiscite.record.sql import SqlBoard
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.legitimacy.evidence import Status
from plebiscite.services.legitimacy.home import read_home_ballots
from plebiscite.services.legitimacy.report import Report, evaluate
from plebiscite.services.paper.filing import load_paper

REPORT_FORMAT = "plebiscite-legitimacy-v2"


def _manifest_file(path: Path) -> Manifest:
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ManifestError(f"{path}: not a readable JSON file: {exc}") from None
        if isinstance(data, dict) and {"hash", "manifest"} <= set(data):
            # the manifest.json of an exported record: the manifest event's payload
            return parse_manifest_json(canonical_json(data["manifest"]), str(path))
    return load_manifest(path)


def evaluate_path(path: Path) -> Report:
    """The report for a manifest file (TOML or JSON), an exported record directory
    (``events.jsonl``; checked and imported) or a board database file."""
    if path.is_dir():
        if not (path / EVENTS).is_file():
            raise InputError(f"{path} is a directory without {EVENTS}: not an exported record")
        memory = MemoryBoard()
        import_export(path, memory)
        manifest, record = load_paper(memory)
        home = read_home_ballots(manifest, memory.entries())
        return evaluate(manifest, record, f"record {path}", home)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.suffix in (".toml", ".json"):
        return evaluate(_manifest_file(path), None, f"manifest {path}")
    with SqlBoard.open(str(path)) as sql:
        manifest, record = load_paper(sql)
        home = read_home_ballots(
            manifest,
            sql.entries_of_type(
                (EventType.ROLL_COMMITMENT, EventType.ROLL_ADDITION, EventType.BALLOT_CAST)
            ),
        )
    return evaluate(manifest, record, f"board {path}", home)


def _provenance_entry(key: str, text: str) -> dict[str, str]:
    return {"key": key, "provenance": text}


def report_document(report: Report) -> dict[str, Any]:
    """The whole report: the verdict first, then every condition with every field."""
    summary = report.summary
    return {
        "format": REPORT_FORMAT,
        "referendum": report.referendum_id,
        "title": report.title,
        "subject": report.subject,
        "paper_events": report.paper_events,
        "verdict": {
            "tier": None if summary.tier is None else int(summary.tier),
            "tier_label": None if summary.tier is None else summary.tier.label,
            "headline": summary.headline,
            "conditions": list(summary.failing),
        },
        "counts": {s.value: len(report.ids(s)) for s in Status},
        "counted_failures": [c.id for c in report.conditions if c.counted],
        "conditions": [
            {
                "id": c.id,
                "tier": int(c.tier),
                "tier_label": c.tier.label,
                "theme": c.theme,
                "title": c.title,
                "status": c.status.value,
                "repeats": c.repeats,
                "evidence": c.evidence,
                "keys": list(c.keys),
                "provenance": [_provenance_entry(k, t) for k, t in c.provenance],
                "source": c.source,
                "citations": [
                    {
                        "document": x.document.symbol,
                        "title": x.document.title,
                        "date": x.document.date,
                        "at": x.at,
                    }
                    for x in c.citations
                ],
            }
            for c in report.conditions
        ],
    }


__all__ = ["REPORT_FORMAT", "evaluate_path", "report_document"]
