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


def _one_alpha_copied(events: Lines, where: dict[str, int], *, top_bit: bool = False) -> None:
    """The target ballot keeps its own ciphertexts but for one alpha, the source's first."""
    cast = ballots(events)
    source, target = cast[0], cast[1]
    alpha = bytearray.fromhex(source["payload"]["ballot"]["answers"][0]["selections"][0][0])
    if top_bit:
        alpha[31] |= 0x80
    target["payload"]["ballot"]["answers"][0]["selections"][0][0] = alpha.hex()
    where["source"], where["target"] = events.index(source), events.index(target)


@pytest.mark.parametrize("top_bit", [False, True], ids=["as-is", "top-bit-set"])
def test_one_copied_alpha_alone_is_a_copy(built: Built, tmp_path: Path, top_bit: bool) -> None:
    """Only the alpha is copied (the beta is the target's own): still one copied ciphertext,
    found once, at the target, naming the source; with the top bit set too."""
    where: dict[str, int] = {}
    report = verify_record(
        tampered(built, tmp_path, lambda e: _one_alpha_copied(e, where, top_bit=top_bit)),
        workers=1,
    )
    findings = report.checks["V29"].findings
    assert len(findings) == 1, [str(f) for f in findings]
    assert findings[0].entry == where["target"]
    assert f"already appears in entry {where['source']} (a copied ciphertext)" in (
        findings[0].message
    )


def test_a_copied_tag_alpha_is_a_copy(built: Built, tmp_path: Path) -> None:
    """The voter tag is a ciphertext too (protocol 6.3): its alpha copied is flagged."""
    where: dict[str, int] = {}

    def edit(events: Lines) -> None:
        cast = ballots(events)
        source, target = cast[0], cast[1]
        target["payload"]["ballot"]["tag"]["ciphertext"][0] = source["payload"]["ballot"]["tag"][
            "ciphertext"
        ][0]
        where["source"], where["target"] = events.index(source), events.index(target)

    report = verify_record(tampered(built, tmp_path, edit), workers=1)
    findings = report.checks["V29"].findings
    assert [f.entry for f in findings] == [where["target"]]
    assert f"entry {where['source']}" in findings[0].message


def test_an_alpha_repeated_inside_one_ballot_names_this_ballot(
    built: Built, tmp_path: Path
) -> None:
    where: dict[str, int] = {}

    def edit(events: Lines) -> None:
        target = ballots(events)[2]
        selections = target["payload"]["ballot"]["answers"][0]["selections"]
        selections[1][0] = selections[0][0]
        where["target"] = events.index(target)

    report = verify_record(tampered(built, tmp_path, edit), workers=1)
    findings = report.checks["V29"].findings
    assert [f.entry for f in findings] == [where["target"]]
    assert "already appears in this ballot (a copied ciphertext)" in findings[0].message
