"""The verifier against a board operator who rewrites the record (V32-V34), and against
records malformed on purpose (it never crashes; every fault is a finding)."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_verify_support import (
    DIGEST,
    HEAD_KEY,
    Built,
    Lines,
    build_record,
    encode,
    read_events,
    sign_as_trustee,
    tampered,
)

from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import SigningKey
from plebiscite.interfaces.cli import main
from plebiscite.record.heads import sign_head
from plebiscite.record.merkle import Frontier, leaf_hash
from plebiscite.services.simulation.synthetic import device_key
from plebiscite.services.voting.chain_ends import sign_chain_end
from plebiscite.verifier.report import VerificationReport
from plebiscite.verifier.verify import verify_record


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_record(tmp_path_factory.mktemp("trust") / "record")


def _verify(record: Path, **kw: Any) -> VerificationReport:
    return verify_record(record, workers=1, **kw)


def _findings(report: VerificationReport, check: str) -> str:
    assert check in report.failed_checks(), (check, [str(f) for f in report.findings()][:5])
    return " | ".join(str(f) for f in report.checks[check].findings)


def _resign(record: Path, key: SigningKey) -> None:
    """Every head re-signed under ``key`` (a board operator with a key of its own)."""
    lines = (record / "events.jsonl").read_bytes().splitlines()
    heads = [json.loads(h) for h in (record / "heads.jsonl").read_text().splitlines()]
    frontier, out = Frontier(), []
    for head in heads:
        while frontier.size < head["tree_size"]:
            frontier.append(leaf_hash(lines[frontier.size]))
        out.append(sign_head(key, frontier.size, frontier.root(), head["timestamp"]).encode())
    (record / "heads.jsonl").write_bytes(b"".join(h + b"\n" for h in out))


def _write_manifest_json(record: Path, events: Lines) -> None:
    (record / "manifest.json").write_bytes(canonical_json(events[0]["payload"]) + b"\n")


# --- item 1: the anchored board key ----------------------------------------------------------


def test_a_wholly_resigned_record_fails(built: Built, tmp_path: Path) -> None:
    record = tampered(built, tmp_path, lambda e: None, heads=False)
    _resign(record, SigningKey(b"\x05" * 32))
    text = _findings(_verify(record), "V3")
    assert "signed by key" in text


def test_moving_the_anchor_to_a_fresh_key_breaks_the_ceremony(built: Built, tmp_path: Path) -> None:
    fresh = SigningKey(b"\x06" * 32)

    def edit(events: Lines) -> None:
        events[0]["payload"]["board_key"] = fresh.verify_key.hex()

    record = tampered(built, tmp_path, edit, heads=False)
    _write_manifest_json(record, read_events(record))
    _resign(record, fresh)
    report = _verify(record)
    assert "V3" not in report.failed_checks() and "V32" not in report.failed_checks()
    assert "another ceremony context" in _findings(report, "V7")
    assert "V8" in report.failed_checks()


def test_a_pinned_board_key(built: Built) -> None:
    assert _verify(built.record, board_key=HEAD_KEY.verify_key.hex()).ok
    other = SigningKey(b"\x07" * 32).verify_key.hex()
    report = _verify(built.record, board_key=other)
    assert "not the pinned" in _findings(report, "V32")
    assert "V3" in report.failed_checks()
    code, err = _cli(["verify", str(built.record), "--board-key", other])
    assert code == 8 and ("V32" in err or "V3" in err)
    code, err = _cli(["verify", str(built.record), "--board-key", "zz"])
    assert code == 2 and "--board-key" in err


@pytest.mark.parametrize("pinned", ["zz", "AB" * 32, "ab" * 31, "ab" * 33])
def test_a_pinned_key_that_is_not_lower_case_hex_is_a_v32_finding(
    built: Built, pinned: str
) -> None:
    """Called as a library (the CLI refuses such a key before verifying): a key in upper case
    or of the wrong length is not the anchor's spelling, and is named."""
    report = _verify(built.record, board_key=pinned)
    (finding,) = report.checks["V32"].findings
    assert finding.message == f"--board-key {pinned!r} is not 32 bytes of lower-case hex"


def test_a_record_that_anchors_no_key_fails(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        events[0]["payload"]["board_key"] = None

    record = tampered(built, tmp_path, edit)
    _write_manifest_json(record, read_events(record))
    assert "anchors no board key" in _findings(_verify(record), "V32")


# --- item 3: device chains committed at their end ---------------------------------------------


def test_a_devices_last_challenged_ballot_removed_is_caught(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        position = next(
            i
            for i, e in enumerate(events)
            if e["type"] == "ballot_challenged"
            and e["payload"]["tracking_code"] == built.challenged
        )
        device = events[position]["payload"]["ballot"]["device"]
        later = [
            e
            for e in events[position + 1 :]
            if e["type"] in ("ballot_cast", "ballot_challenged")
            and e["payload"]["ballot"]["device"] == device
        ]
        assert later == []  # it is the device's last ballot: no chain link points back to it
        return events[:position] + events[position + 1 :]

    report = _verify(tampered(built, tmp_path, edit))  # every head re-signed with the board key
    assert "V19" not in report.failed_checks()
    assert "signed that its chain ends after" in _findings(report, "V34")


def test_a_device_with_no_chain_end_is_named(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        first = next(i for i, e in enumerate(events) if e["type"] == "device_chain_end")
        return events[:first] + events[first + 1 :]

    report = _verify(tampered(built, tmp_path, edit))
    assert "has no chain end" in _findings(report, "V34")


def test_devices_that_never_reported_are_named_unreported(built: Built) -> None:
    ends = [e for e in read_events(built.record) if e["type"] == "device_chain_end"]
    signed = [e for e in ends if "signature" in e["payload"]]
    unreported = [e for e in ends if e["payload"].get("unreported")]
    assert signed and unreported
    assert all(e["payload"]["count"] == 0 for e in unreported)


def test_a_forged_chain_end_signature(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        end = next(
            e
            for e in events
            if "signature" in e.get("payload", {}) and e["type"] == "device_chain_end"
        )
        end["payload"]["signature"] = "00" * 64

    assert "signature" in _findings(_verify(tampered(built, tmp_path, edit)), "V34")


def _chain_end_at(events: Lines, *, signed: bool) -> int:
    return next(
        i
        for i, e in enumerate(events)
        if e["type"] == "device_chain_end" and ("signature" in e["payload"]) is signed
    )


def _ballot_device(event: dict[str, Any]) -> str | None:
    if event["type"] in ("ballot_cast", "ballot_challenged"):
        return str(event["payload"]["ballot"]["device"])
    return None


def _duplicate_end(events: Lines) -> tuple[int, str]:
    """The next device's chain end replaced by a copy of this one (no entry moves)."""
    at = _chain_end_at(events, signed=True)
    second = next(i for i in range(at + 1, len(events)) if events[i]["type"] == "device_chain_end")
    events[second] = json.loads(json.dumps(events[at]))
    device = events[at]["payload"]["device"]
    return second, re.escape(f"device {device!r}: a second chain end (first at entry {at})")


def _end_before_last_ballot(events: Lines, *, resign: bool = False) -> tuple[int, str]:
    """The device's signed end moved to just before its last ballot; with ``resign``, signed
    again by the device for the chain as it stands there (a ballot added after the end)."""
    at = _chain_end_at(events, signed=True)
    payload = events[at]["payload"]
    device, count, last = payload["device"], payload["count"], payload["last_code"]
    mine = [i for i, e in enumerate(events[:at]) if _ballot_device(e) == device]
    assert len(mine) >= 2
    before = events[mine[-2]]["payload"]["tracking_code"]
    if resign:
        payload.update(
            sign_chain_end(
                device_key(device.removeprefix("synthetic-")),
                DIGEST.hex(),
                device,
                count - 1,
                before,
            )
        )
    events.insert(mine[-1], events.pop(at))
    return mine[-1], re.escape(
        f"device {device!r} signed that its chain ends after {count} ballots at {last[:16]}...; "
        f"the log holds {count - 1} ending at {before[:16]}... (a ballot dropped or added)"
    )


def _edit_end(signed: bool, change: Any, message: str) -> Any:
    """Edit the first signed (or unreported) chain end; ``message`` (``{device}`` filled in)
    is the whole finding expected at it, as a regular expression."""

    def edit(events: Lines) -> tuple[int, str]:
        at = _chain_end_at(events, signed=signed)
        device = events[at]["payload"]["device"]
        change(events[at]["payload"])
        return at, message.replace("{device}", re.escape(repr(device)))

    return edit


@pytest.mark.parametrize(
    "edit",
    [
        _edit_end(
            True,
            lambda p: p.update(device="ghost-device"),
            re.escape("a chain end for device 'ghost-device', never enrolled"),
        ),
        _duplicate_end,
        _edit_end(
            True,
            lambda p: p.update(count=str(p["count"])),
            "device {device}: count or last_code malformed",
        ),
        _edit_end(
            True, lambda p: p.update(last_code=7), "device {device}: count or last_code malformed"
        ),
        _edit_end(
            False,
            lambda p: p.update(reason="  "),
            "device {device}: named unreported with no reason",
        ),
        _edit_end(
            True,
            lambda p: p.update(signature="00" * 64),
            "device {device}: the chain end's signature: invalid chain-end signature .*",
        ),
        _end_before_last_ballot,
    ],
    ids=["unenrolled", "second", "count", "last-code", "no-reason", "signature", "moved"],
)
def test_each_bad_chain_end_is_a_v34_finding_at_its_entry(
    built: Built, tmp_path: Path, edit: Any
) -> None:
    """A chain end that names no enrolled device, repeats, is malformed, names a device
    unreported without a reason, is forged, or sits before the device's last ballot: each is a
    V34 finding at that entry, worded as V34 words it, and nothing else fails."""
    where: list[tuple[int, str]] = []
    report = _verify(tampered(built, tmp_path, lambda events: where.append(edit(events))))
    failed = report.failed_checks()
    # a moved entry also moves the close by one (V23); nothing else may fail
    assert failed in (["V34"], ["V23", "V34"]), [str(f) for f in report.findings()][:5]
    index, pattern = where[0]
    hit = [f for f in report.checks["V34"].findings if re.fullmatch(pattern, f.message)]
    assert hit, (pattern, [str(f) for f in report.checks["V34"].findings])
    assert hit[0].entry == index


def test_a_ballot_after_its_devices_chain_end_is_named(built: Built, tmp_path: Path) -> None:
    """A device's honest end, then one more ballot on its chain (the end signed for the chain
    without its last ballot): the end matches, the ballot after it is named."""
    where: list[int] = []

    def edit(events: Lines) -> None:
        where.append(_end_before_last_ballot(events, resign=True)[0])

    report = _verify(tampered(built, tmp_path, edit))
    # the end now comes before the close, which moves by one entry (V23)
    assert report.failed_checks() == ["V23", "V34"], [str(f) for f in report.findings()][:5]
    (finding,) = report.checks["V34"].findings
    assert finding.entry == where[0]
    assert re.fullmatch(
        r"device '[^']+': 1 ballot\(s\) after the end of its chain", finding.message
    ), finding.message


def test_the_report_lists_the_devices_named_unreported(built: Built) -> None:
    ends = [e["payload"] for e in read_events(built.record) if e["type"] == "device_chain_end"]
    unreported = sorted(p["device"] for p in ends if p.get("unreported"))
    report = _verify(built.record)
    assert report.ok
    assert report.unreported_devices == unreported
    assert report.to_json()["unreported_devices"] == unreported


# --- item 4: the ceremony, as the verifier sees it ----------------------------------------------


def test_a_late_complaint_after_the_results_changes_nothing(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        deal = next(e for e in events if e["payload"].get("step") == "deal")
        complaint = {
            "step": "complaint",
            "trustee": 1,
            "against": 3,
            "reason": "baseless, and late",
            "context": deal["payload"]["context"],
            "at": "2030-01-01T00:00:00+00:00",
        }
        late = {
            "type": "ceremony_message",
            "payload": sign_as_trustee(built.trustees[0], complaint),
        }
        return [*events, late]

    report = _verify(tampered(built, tmp_path, edit))
    assert report.ok, [str(f) for f in report.findings()]


def test_a_key_published_inside_a_complaint_window_fails(built: Built, tmp_path: Path) -> None:
    """Trustee 2's answer removed: its complaint is unanswered, and the key came too soon."""

    def edit(events: Lines) -> Lines:
        return [e for e in events if e["payload"].get("step") != "answer"]

    report = _verify(tampered(built, tmp_path, edit))
    assert "could still answer" in _findings(report, "V33")


def _key_edit(change: Any) -> Any:
    """Edit the ``election_key`` message (the authority's, signed by no trustee)."""

    def edit(events: Lines) -> int:
        at = next(i for i, e in enumerate(events) if e["payload"].get("step") == "election_key")
        before = max(
            dt.datetime.fromisoformat(e["payload"]["at"])
            for e in events[:at]
            if e["type"] == "ceremony_message"
        )
        change(events[at]["payload"], before)
        return at

    return edit


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p, _: p.update(context="00" * 64),
            "the election key names another ceremony context",
        ),
        (lambda p, _: p.update(at="soon"), "the election key message: .+"),
        (
            lambda p, before: p.update(at=(before - dt.timedelta(seconds=1)).isoformat()),
            "the election key is dated before the message it follows",
        ),
    ],
    ids=["context", "unreadable-time", "dated-before"],
)
def test_an_election_key_message_that_lies_fails_v33(
    built: Built, tmp_path: Path, change: Any, message: str
) -> None:
    where: list[int] = []
    report = _verify(tampered(built, tmp_path, lambda e: where.append(_key_edit(change)(e))))
    hit = [f for f in report.checks["V33"].findings if re.fullmatch(message, f.message)]
    assert hit, [str(f) for f in report.findings()][:5]
    assert hit[0].entry == where[0]


def test_an_election_key_at_the_same_instant_as_the_last_message_passes(
    built: Built, tmp_path: Path
) -> None:
    """Equal times are in order (the rule is "not before"), and the windows had passed."""
    edit = _key_edit(lambda p, before: p.update(at=before.isoformat()))

    def same_instant(events: Lines) -> None:
        edit(events)

    report = _verify(tampered(built, tmp_path, same_instant))
    assert "V33" not in report.failed_checks(), [str(f) for f in report.findings()][:5]


# --- item 8: what a reviewer plants ---------------------------------------------------------------


def test_v13_flags_a_ballot_from_a_revoked_device(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> Lines:
        position = max(i for i, e in enumerate(events) if e["type"] == "ballot_cast")
        ballot = events[position]["payload"]
        revoked_at = dt.datetime.fromisoformat(ballot["received_at"]) - dt.timedelta(minutes=1)
        revocation = {
            "type": "device_enrolment",
            "payload": {
                "device": ballot["ballot"]["device"],
                "revoked": True,
                "revoked_at": revoked_at.isoformat(),
                "reason": "stolen",
            },
        }
        return events[:position] + [revocation] + events[position:]

    assert "revoked" in _findings(_verify(tampered(built, tmp_path, edit)), "V13")


def _cli(argv: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, err.getvalue()


def test_roll_parts_as_a_string_is_a_finding_and_exit_8(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        next(e for e in events if e["type"] == "roll_commitment")["payload"]["parts"] = "1"

    record = tampered(built, tmp_path, edit)
    assert "V9" in _verify(record).failed_checks()
    code, err = _cli(["verify", str(record), "--workers", "1"])
    assert code == 8, err
    assert "Traceback" not in err


_WRONG: list[object] = ["1", 1, -1, None, [], {}, True, "zz", 10**30]


def _mutate(value: Any, rng: random.Random) -> tuple[Any, str]:
    """One structural change somewhere inside ``value``; returns it and where."""
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        if rng.random() < 0.25:
            return {k: v for k, v in value.items() if k != key}, f".{key} removed"
        inner, where = _mutate(value[key], rng)
        return {**value, key: inner}, f".{key}{where}"
    if isinstance(value, list) and value:
        i = rng.randrange(len(value))
        inner, where = _mutate(value[i], rng)
        return [*value[:i], inner, *value[i + 1 :]], f"[{i}]{where}"
    return rng.choice([w for w in _WRONG if w != value]), f" = {value!r:.20}"


def test_structurally_fuzzed_records_never_crash_the_verifier(built: Built, tmp_path: Path) -> None:
    """Each run changes one field of one event of each type (type, removal), re-signs every
    head, and verifies: a report every time, never an exception, never a pass."""
    rng = random.Random(20)
    events = read_events(built.record)
    by_type: dict[str, list[int]] = {}
    for i, e in enumerate(events):
        by_type.setdefault(e["type"], []).append(i)
    survived = []
    for run in range(len(by_type) * 2):
        kind = sorted(by_type)[run % len(by_type)]
        index = rng.choice(by_type[kind])
        payload, where = _mutate(events[index]["payload"], rng)
        mutated = [*events[:index], {**events[index], "payload": payload}, *events[index + 1 :]]
        if not isinstance(payload, dict):
            continue
        out = tmp_path / f"run{run}"
        shutil.copytree(built.record, out)
        lines = [encode(e) for e in mutated]
        (out / "events.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
        _resign(out, HEAD_KEY)
        report = _verify(out)  # must not raise
        if report.ok:
            survived.append(f"{kind}{where}")
        shutil.rmtree(out)
    # A change that the record does not depend on may pass (e.g. a reason's wording); most
    # must not. Every one that passed is named.
    assert len(survived) <= len(by_type) // 2, survived
