"""V29: a ciphertext copied into another ballot is flagged (issue 20 item 5, second half).

Plays the operator who holds the devices' keys and write access to the board, and casts a
copy of one voter's ciphertexts (valid proofs, a valid device signature, an intact chain) in
the name of another voter of the region, to move the tally.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_verify_support import Built, Lines, ballots, build_record, tampered

from plebiscite.verifier.verify import verify_record


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_record(tmp_path_factory.mktemp("alphas") / "record")


def _region(event: dict[str, Any]) -> str:
    return str(event["payload"]["ballot"]["location"]).split("-")[0]


def test_a_copied_ciphertext_fails_v29_naming_both_entries(built: Built, tmp_path: Path) -> None:
    copied: dict[str, int] = {}

    def edit(events: Lines) -> None:
        cast = ballots(events)
        source = cast[0]
        target = next(e for e in cast[1:] if _region(e) == _region(source))
        target["payload"]["ballot"]["answers"] = source["payload"]["ballot"]["answers"]
        copied["source"] = events.index(source)
        copied["target"] = events.index(target)

    report = verify_record(tampered(built, tmp_path, edit, chain=True), workers=1)
    assert "V29" in report.failed_checks()
    findings = report.checks["V29"].findings
    assert [f.entry for f in findings] == [copied["target"]] * len(findings)
    assert all(f"entry {copied['source']}" in f.message for f in findings)
    # The copy is otherwise a well-formed ballot: signature, proofs and chain all hold.
    for check in ("V14", "V17", "V18", "V19"):
        assert check not in report.failed_checks(), check


def test_the_honest_record_repeats_no_ciphertext(built: Built) -> None:
    report = verify_record(built.record, workers=1)
    assert report.checks["V29"].checked == report.ballots
    assert "V29" not in report.failed_checks()


def test_a_copy_with_the_top_bit_set_is_the_same_ciphertext(built: Built, tmp_path: Path) -> None:
    copied: dict[str, int] = {}

    def edit(events: Lines) -> None:
        cast = ballots(events)
        source, target = cast[0], cast[1]
        answers = json.loads(json.dumps(source["payload"]["ballot"]["answers"]))
        alpha = bytearray.fromhex(answers[0]["selections"][0][0])
        alpha[31] |= 0x80
        answers[0]["selections"][0][0] = alpha.hex()
        target["payload"]["ballot"]["answers"] = answers
        copied["target"] = events.index(target)

    report = verify_record(tampered(built, tmp_path, edit), workers=1)
    assert "V29" in report.failed_checks()
    assert {f.entry for f in report.checks["V29"].findings} == {copied["target"]}
