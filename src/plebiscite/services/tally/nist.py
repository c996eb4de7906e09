"""Validating a NIST SP 1500-100 v2 report (``docs/tally.md`` section 5).

The report and its sidecar are built by :mod:`plebiscite.domain.nist`. :func:`validate` checks a
report against the vendored official schema (``nist_schema/``) and the cross-reference rules of
NIST's Schematron (every reference points to an element of the type the schema's ``refTypes``
allows; every ``GpUnit`` but the election scope is referenced by something).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any


@cache
def _schema() -> dict[str, Any]:
    text = (
        resources.files("plebiscite.services.tally.nist_schema")
        .joinpath("NIST_V2_election_results_reporting.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate(report: dict[str, Any]) -> list[str]:
    """Every problem with ``report``: schema errors, then cross-reference errors."""
    import jsonschema

    schema = _schema()
    validator = jsonschema.Draft4Validator(schema)
    problems = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
    ]
    return problems + _cross_reference_problems(report, schema)


def _objects(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "@type" in node:
            yield path, node
        for key, value in node.items():
            yield from _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, f"{path}/{i}")


def _cross_reference_problems(report: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    definitions = schema["definitions"]
    types = {o["@id"]: o["@type"] for _, o in _objects(report) if "@id" in o}
    referenced: set[str] = set()
    problems = []
    for path, obj in _objects(report):
        properties = definitions.get(obj["@type"], {}).get("properties", {})
        for key, value in obj.items():
            spec = properties.get(key, {})
            allowed = spec.get("refTypes") or spec.get("items", {}).get("refTypes")
            if not allowed:
                continue
            for ref in value if isinstance(value, list) else [value]:
                referenced.add(ref)
                if types.get(ref) not in allowed:
                    problems.append(
                        f"{path}/{key}: {ref!r} must point to one of {allowed}, "
                        f"found {types.get(ref, 'nothing')}"
                    )
    scopes = {e["ElectionScopeId"] for e in report.get("Election", [])}
    for unit in report.get("GpUnit", []):
        if unit["@id"] not in referenced and unit["@id"] not in scopes:
            problems.append(f"GpUnit {unit['@id']!r} is referenced by nothing")
    return problems
