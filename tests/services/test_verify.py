"""The verifier: an untouched record passes; each kind of tampering fails the right check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_verify_support import (
    HEAD_KEY,
    Built,
    Lines,
    ballots,
    build_record,
    sign_as_trustee,
    tampered,
)

from plebiscite.crypto.signing import SigningKey
from plebiscite.errors import VerificationError
from plebiscite.record.heads import sign_head
from plebiscite.verifier.report import CHECKS, VerificationReport
from plebiscite.verifier.verify import verify_record


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_record(tmp_path_factory.mktemp("verify") / "record")


def _verify(record: Path) -> VerificationReport:
    return verify_record(record, workers=1)


def _failed(report: VerificationReport, check: str, *words: str) -> str:
    """The failed check's first finding; assert it mentions every word."""
    assert check in report.failed_checks(), (check, [str(f) for f in report.findings()][:5])
    text = " | ".join(str(f) for f in report.checks[check].findings)
    for word in words:
        assert word in text, (word, text)
    return text


def _edit(
    built: Built, tmp_path: Path, edit: Callable[[Lines], Any], **kw: bool
) -> VerificationReport:
    return _verify(tampered(built, tmp_path, edit, **kw))


def test_untouched_record_passes(built: Built) -> None:
    report = verify_record(built.record, workers=2)
    assert report.ok, [str(f) for f in report.findings()]
    assert set(report.checks) == set(CHECKS)
    assert report.ballots == 122
    unchecked = [c.id for c in report.checks.values() if c.checked == 0]
    assert unchecked in ([], ["V72"]), unchecked  # V72: the record holds no receipt complaint
    report.raise_for_failure()  # nothing to raise
    as_json = report.to_json()
    assert as_json["ok"] is True and len(as_json["checks"]) == len(CHECKS)


def test_a_rewritten_record_that_changes_nothing_passes(built: Built, tmp_path: Path) -> None:
    """The tamper helper itself (rewrite, re-chain, re-sign) leaves a valid record valid."""
    report = _edit(built, tmp_path, lambda events: None, chain=True)
    assert report.ok, [str(f) for f in report.findings()]


# --- the log ----------------------------------------------------------------------------------


def test_changed_byte_in_a_ballot_breaks_the_head_roots(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        proof = ballots(events)[5]["payload"]["ballot"]["answers"][0]["sum_proof"]
        proof["c"][0] = proof["c"][0][:-1] + ("0" if proof["c"][0][-1] != "0" else "1")

    report = _edit(built, tmp_path, edit, heads=False)
    _failed(report, "V4", "does not match", "heads.jsonl line")
    _failed(report, "V14")  # the device signature covers the proof too


def test_dropped_line_breaks_the_device_chain(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        by_device: dict[str, list[dict[str, Any]]] = {}
        for e in ballots(events):
            by_device.setdefault(e["payload"]["ballot"]["device"], []).append(e)
        victim = next(v for v in by_device.values() if len(v) >= 2)[0]
        return [e for e in events if e is not victim]

    report = _edit(built, tmp_path, edit)
    assert "V4" not in report.failed_checks()  # the heads were re-signed over the new log
    _failed(report, "V19", "continues from", "device")


def test_duplicated_line_is_a_chain_fork(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        i = events.index(ballots(events)[3])
        return [*events[: i + 1], events[i], *events[i + 1 :]]

    report = _edit(built, tmp_path, edit)
    _failed(report, "V19", "previous ballot")


def test_reordered_lines_break_the_chain(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        by_device: dict[str, list[int]] = {}
        for i, e in enumerate(events):
            if e["type"] == "ballot_cast":
                by_device.setdefault(e["payload"]["ballot"]["device"], []).append(i)
        a, b = next(v for v in by_device.values() if len(v) >= 2)[:2]
        events[a], events[b] = events[b], events[a]
        return events

    report = _edit(built, tmp_path, edit)
    _failed(report, "V19")


def test_bad_head_signature(built: Built, tmp_path: Path) -> None:
    record = tampered(built, tmp_path, lambda e: None, heads=False)
    lines = (record / "heads.jsonl").read_bytes().splitlines()
    head = json.loads(lines[1])
    sig = head["signature"]
    head["signature"] = sig[:10] + ("0" if sig[10] != "0" else "1") + sig[11:]
    lines[1] = json.dumps(head, sort_keys=True, separators=(",", ":")).encode()
    (record / "heads.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    _failed(_verify(record), "V3", "heads.jsonl line 2")


def test_head_with_a_wrong_root(built: Built, tmp_path: Path) -> None:
    record = tampered(built, tmp_path, lambda e: None, heads=False)
    lines = (record / "heads.jsonl").read_bytes().splitlines()
    first = json.loads(lines[0])
    forged = sign_head(HEAD_KEY, first["tree_size"], b"\x07" * 32, first["timestamp"])
    lines[0] = forged.encode()
    (record / "heads.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    _failed(_verify(record), "V4", "heads.jsonl line 1", f"tree size {first['tree_size']}")


def test_head_of_another_key(built: Built, tmp_path: Path) -> None:
    record = tampered(built, tmp_path, lambda e: None, heads=False)
    lines = (record / "heads.jsonl").read_bytes().splitlines()
    last = json.loads(lines[-1])
    other = sign_head(
        SigningKey(b"\x09" * 32), last["tree_size"], bytes.fromhex(last["root_hash"]), 1
    )
    lines[-1] = other.encode()
    (record / "heads.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    _failed(_verify(record), "V3", "signed by key")


def test_unsigned_entries_at_the_end(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        return [*events, {"type": "observer_report", "payload": {"note": "late"}}]

    record = tampered(built, tmp_path, edit, heads=False)
    _failed(_verify(record), "V5", "not covered by any signed head")


def test_missing_lines_at_the_end(built: Built, tmp_path: Path) -> None:
    record = tampered(built, tmp_path, lambda events: events[:-3], heads=False)
    _failed(_verify(record), "V4", "lines missing at the end")


def test_non_canonical_line(built: Built, tmp_path: Path) -> None:
    record = tampered(built, tmp_path, lambda e: None)
    lines = (record / "events.jsonl").read_bytes().splitlines()
    lines[4] = json.dumps(json.loads(lines[4]), sort_keys=True).encode()  # spaces
    (record / "events.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    report = _verify(record)
    _failed(report, "V2", "not in canonical form")
    _failed(report, "V4")


# --- the election's definition ----------------------------------------------------------------


def test_manifest_json_edited(built: Built, tmp_path: Path) -> None:
    record = tampered(built, tmp_path, lambda e: None)
    text = (record / "manifest.json").read_text(encoding="utf-8")
    (record / "manifest.json").write_text(text.replace('"k":3', '"k":2'), encoding="utf-8")
    _failed(_verify(record), "V1", "manifest.json differs")


def test_roll_commitment_changed(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        part = next(e for e in events if e["type"] == "roll_commitment")
        part["payload"]["voters"].pop()
        part["payload"]["count"] -= 1

    report = _edit(built, tmp_path, edit)
    _failed(report, "V9", "commitment is not the hash")


def test_roll_addition_without_reason(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        next(e for e in events if e["type"] == "roll_addition")["payload"]["reason"] = " "

    _failed(_edit(built, tmp_path, edit), "V10", "no reason")


def test_election_key_replaced(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        message = next(e for e in events if e["payload"].get("step") == "election_key")
        message["payload"]["qualified"] = [1, 2, 3, 4, 5]

    _failed(_edit(built, tmp_path, edit), "V8", "qualified set")


def test_ceremony_message_forged(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        answer = next(e for e in events if e["payload"].get("step") == "answer")
        answer["payload"]["share"] = "01" + "00" * 31

    report = _edit(built, tmp_path, edit)
    _failed(report, "V7", "signature")


# --- ballots ----------------------------------------------------------------------------------


def test_forged_ballot_signature(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        payload = ballots(events)[7]["payload"]
        payload["signature"] = "ab" * 64

    text = _failed(_edit(built, tmp_path, edit), "V14", "invalid ballot signature")
    assert "device 'synthetic-" in text


def test_wrong_proof(built: Built, tmp_path: Path) -> None:
    """A proof taken from another ballot, re-signed by the device: only the proof fails."""

    def edit(events: Lines) -> None:
        cast = ballots(events)
        mine, other = cast[8]["payload"]["ballot"], cast[9]["payload"]["ballot"]
        mine["answers"][0]["sum_proof"] = other["answers"][0]["sum_proof"]

    report = _edit(built, tmp_path, edit, chain=True)
    assert report.failed_checks() == ["V17"], [str(f) for f in report.findings()]
    _failed(report, "V17", "selection count")


def test_ballot_outside_its_window(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        ballots(events)[4]["payload"]["received_at"] = "2022-09-23T23:30:00+00:00"

    _failed(_edit(built, tmp_path, edit), "V15", "is closed at")


def test_ballot_from_an_unenrolled_device(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        device = ballots(events)[0]["payload"]["ballot"]["device"]
        return [
            e
            for e in events
            if not (e["type"] == "device_enrolment" and e["payload"]["device"] == device)
        ]

    _failed(_edit(built, tmp_path, edit), "V13", "never enrolled")


def test_ballot_under_a_check_in_its_device_never_posted(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        ballots(events)[6]["payload"]["ballot"]["checkin"] = "ee" * 16

    report = _edit(built, tmp_path, edit, chain=True)
    _failed(report, "V16", "was not posted earlier by the device")
    _failed(report, "V44", "tag proof")  # the tag proof binds the check-in


def test_two_cast_ballots_under_one_check_in(built: Built, tmp_path: Path) -> None:
    """A device (or whoever holds its key) casts a second ballot on a voter's check-in."""

    def edit(events: Lines) -> None:
        cast = ballots(events)
        first = cast[6]["payload"]["ballot"]
        second = next(
            b["payload"]["ballot"]
            for b in cast[7:]
            if b["payload"]["ballot"]["device"] == first["device"]
        )
        second["checkin"] = first["checkin"]

    report = _edit(built, tmp_path, edit, chain=True)
    _failed(report, "V16", "a second cast ballot under the check-in")


def test_a_check_in_id_used_twice_by_a_device(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        first = next(i for i, e in enumerate(events) if e["type"] == "check_in")
        return [*events[: first + 1], events[first], *events[first + 1 :]]

    _failed(_edit(built, tmp_path, edit), "V11", "reuses check-in id")


def test_a_check_in_that_names_the_voter(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        next(e for e in events if e["type"] == "check_in")["payload"]["voter"] = "ab" * 32

    _failed(_edit(built, tmp_path, edit), "V11", "check-in fields")


def test_wrong_tracking_code(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        ballots(events)[-1]["payload"]["tracking_code"] = "00" * 32

    _failed(_edit(built, tmp_path, edit), "V18", "tracking code")


def test_challenged_ballot_with_a_false_opening(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        opening = ballots(events, "ballot_challenged")[0]["payload"]["opening"]
        opening["choices"] = [[1 - c for c in row] for row in opening["choices"]]

    _failed(_edit(built, tmp_path, edit), "V20", "re-encrypt")


def test_challenged_ballot_counted(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        challenged = ballots(events, "ballot_challenged")[0]
        challenged["type"] = "ballot_cast"

    report = _edit(built, tmp_path, edit)
    _failed(report, "V20", "recorded as cast")


# --- nothing in the record says which ballot counts (V12) --------------------------------


@pytest.mark.parametrize("key", ["supersedes", "overruled_by"])
def test_a_cast_ballot_that_says_what_it_overrides(built: Built, tmp_path: Path, key: str) -> None:
    """The old record format named the overridden ballot: a coercer's reading; V12 refuses it."""

    def edit(events: Lines) -> None:
        booth = next(
            e for e in ballots(events) if e["payload"]["tracking_code"] == built.overriding
        )
        booth["payload"][key] = built.overridden

    _failed(_edit(built, tmp_path, edit), "V12", key)


# --- close, tally, decryption, results --------------------------------------------------------


def _payload(events: Lines, kind: str, n: int = 0) -> dict[str, Any]:
    return [e for e in events if e["type"] == kind][n]["payload"]  # type: ignore[no-any-return]


def test_ballot_after_the_close(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        close = next(i for i, e in enumerate(events) if e["type"] == "voting_closed")
        last = max(i for i, e in enumerate(events) if e["type"] == "ballot_cast")
        moved = events.pop(last)
        events.insert(close, moved)  # the close is now one earlier: the ballot follows it
        return events

    _failed(_edit(built, tmp_path, edit), "V15", "after voting closed")


def test_tally_cell_changed(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        cells = _payload(events, "encrypted_tally")["cells"]
        row = cells[0]["sums"][0]
        row[0], row[1] = row[1], row[0]

    report = _edit(built, tmp_path, edit)
    _failed(report, "V23", "region:", "sums")


def test_tally_ballot_count_changed(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        _payload(events, "encrypted_tally")["cells"][1]["ballots"] += 1

    _failed(_edit(built, tmp_path, edit), "V23", "ballots")


def test_wrong_decryption_share(built: Built, tmp_path: Path) -> None:
    """A share value swapped for another, re-signed by the trustee: its proof fails."""

    def edit(events: Lines) -> None:
        for event in events:
            if event["type"] == "decryption_share" and event["payload"]["trustee"] == 3:
                shares = event["payload"]["shares"]
                cell = next(iter(shares))
                a, b = shares[cell][0][0], shares[cell][0][1]
                a["value"], b["value"] = b["value"], a["value"]
                event["payload"] = sign_as_trustee(built.trustees[2], event["payload"])

    report = _edit(built, tmp_path, edit)
    _failed(report, "V24", "trustee 3", "question 0 option 0")
    _failed(report, "V25", "no valid decryption share")


def test_share_from_a_non_trustee(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        share = dict(_payload(events, "decryption_share"))
        share["trustee"] = 9
        share["signature"] = "00" * 64
        results = next(i for i, e in enumerate(events) if e["type"] == "results")
        return [
            *events[:results],
            {"type": "decryption_share", "payload": share},
            *events[results:],
        ]

    _failed(_edit(built, tmp_path, edit), "V24", "unknown trustee 9")


def test_share_from_the_disqualified_trustee(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        share = dict(_payload(events, "decryption_share"))
        share["trustee"] = 2
        share = sign_as_trustee(built.trustees[1], share)
        results = next(i for i, e in enumerate(events) if e["type"] == "results")
        return [
            *events[:results],
            {"type": "decryption_share", "payload": share},
            *events[results:],
        ]

    _failed(_edit(built, tmp_path, edit), "V24", "trustee 2", "not qualified")


def test_missing_share_below_k(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        return [
            e
            for e in events
            if not (e["type"] == "decryption_share" and e["payload"]["trustee"] == 4)
        ]

    _failed(_edit(built, tmp_path, edit), "V25", "[4] have no valid decryption share")


def test_results_number_changed(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        region = next(r for r in _payload(events, "results")["regions"] if r["ballots"])
        options = region["questions"][0]["options"]
        options["yes"] += 1
        options["no"] -= 1

    report = _edit(built, tmp_path, edit)
    _failed(report, "V25", "the results say", "another number")
    _failed(report, "V27", "results.json differs")


def test_results_json_edited(built: Built, tmp_path: Path) -> None:
    record = tampered(built, tmp_path, lambda e: None)
    data = json.loads((record / "results.json").read_text(encoding="utf-8"))
    region = next(r for r in data["regions"] if r["ballots"])
    region["questions"][0]["options"]["no"] += 5
    (record / "results.json").write_text(json.dumps(data), encoding="utf-8")
    report = _verify(record)
    assert report.failed_checks() == ["V27"]
    _failed(report, "V27", "options.no")


def test_nist_file_edited(built: Built, tmp_path: Path) -> None:
    record = tampered(built, tmp_path, lambda e: None)
    text = (record / "results-nist.json").read_text(encoding="utf-8")
    (record / "results-nist.json").write_text(text.replace('"Count": 1', '"Count": 2', 1))
    assert '"Count": 1' in text
    _failed(_verify(record), "V28", "results-nist.json differs")


def test_failure_raises_verification_error_with_the_check(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        ballots(events)[4]["payload"]["received_at"] = "2022-09-23T23:30:00+00:00"

    report = _edit(built, tmp_path, edit)
    with pytest.raises(VerificationError) as caught:
        report.raise_for_failure()
    assert caught.value.check_id == "V15"
    assert caught.value.exit_code == 8


def test_not_a_record(tmp_path: Path) -> None:
    report = _verify(tmp_path)
    _failed(report, "V1", "not an election record")


def test_garbage_never_crashes(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        payload = ballots(events)[2]["payload"]
        payload["ballot"]["answers"] = "nothing"
        _payload(events, "encrypted_tally")["cells"] = "nothing"

    report = _edit(built, tmp_path, edit)
    _failed(report, "V12")
    assert not report.ok


def test_dask_local_cluster(built: Built) -> None:
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False) as cluster:
        report = verify_record(built.record, scheduler=cluster.scheduler_address)
    assert report.ok, [str(f) for f in report.findings()]
    assert report.checks["V17"].checked == 122


def test_one_false_proof_among_many_is_found_and_named(built: Built, tmp_path: Path) -> None:
    """A device slips one ballot whose proof has a wrong response (its challenge still the hash)
    among honest ones: the batch's combined equation fails and the one-by-one pass names
    exactly that ballot (``docs/protocol.md`` section 5.4)."""
    from plebiscite.crypto import linear
    from plebiscite.crypto.group import L

    where: list[int] = []

    def edit(events: Lines) -> None:
        cast = ballots(events)
        proof = cast[8]["payload"]["ballot"]["answers"][0]["selection_proofs"][0]
        v = (int.from_bytes(bytes.fromhex(proof["v"][0]), "little") + 1) % L
        proof["v"][0] = v.to_bytes(32, "little").hex()
        where.append(events.index(cast[8]))

    report = _edit(built, tmp_path, edit, chain=True)
    assert report.failed_checks() == ["V17"], [str(f) for f in report.findings()]
    assert report.checks["V17"].failed == 1
    finding = report.checks["V17"].findings[0]
    assert finding.entry == where[0]
    assert "option 0" in finding.message
    assert report.to_json()["arithmetic"] == linear.backend()
