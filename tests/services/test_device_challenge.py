"""The challenge step on an offline device (Benaloh; ``docs/devices.md``): the ballot is
spoiled, its opening shown, queued as challenged and published at sync, never counted.

Real parts: the device's SQLite file, its pages (FastAPI), the board service over HTTP
(TestClient), libsodium. Attack tests play a device whose opening lies.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient
from test_device import CHOICE, DAY1, TEAM, _home_voters, _setup
from voting_support import MANIFEST

from plebiscite.domain.ballot import genesis_code
from plebiscite.errors import InputError
from plebiscite.record.event_schemas import event_schema
from plebiscite.record.events import EventType
from plebiscite.services.tally.results import ballot_dispositions
from plebiscite.services.voting.device import OfflineDevice
from plebiscite.services.voting.device_sync import SyncStoppedError, sync
from plebiscite.verifier.offline import check_upload_record
from plebiscite.verifier.report import VerificationReport

OTHER = {
    q.id: q.options[-1].id for q in MANIFEST.region_by_id[TEAM.region_id].questions
}  # another choice than CHOICE


def test_challenge_then_cast_on_the_device_both_reach_the_board_in_its_chain(
    tmp_path: Path,
) -> None:
    day, server, device = _setup(tmp_path)
    voter = _home_voters(day)[0]
    at = DAY1 + dt.timedelta(hours=1)
    device.check_in(voter, at)
    spoiled = device.prepare(voter, OTHER, at)
    opening = device.challenge(voter, spoiled, at)
    assert opening["choices"] == [list(c) for c in spoiled.choices]
    assert "tag_opening" not in next(r.body for r in device.queue.rows() if r.kind == "challenged")
    kept = device.prepare(voter, CHOICE, at + dt.timedelta(minutes=2))  # a fresh ballot
    assert kept.ballot.previous_code == spoiled.tracking_code  # the chain goes through it
    with pytest.raises(InputError, match="seal the choice again"):
        device.cast(voter, spoiled, at)  # the spoiled ballot can never be cast
    receipt = device.cast(voter, kept, at + dt.timedelta(minutes=3))
    assert device.status()["challenged"] == 1 and device.status()["ballots"] == 1

    day.clock.set(DAY1 + dt.timedelta(hours=3))
    report = sync(device, server)
    assert (report.ballots, report.challenged) == (1, 1)
    entries = [e for e in day.board.entries() if e.event.type.value.startswith("ballot_")]
    assert [e.event.type for e in entries] == [EventType.BALLOT_CHALLENGED, EventType.BALLOT_CAST]
    challenged = entries[0].event.payload
    assert challenged["opening"]["choices"] == opening["choices"]
    assert challenged["cast_at"] == at.isoformat()  # the device's time, not the upload's
    assert challenged["ballot"]["previous_code"] == genesis_code(
        bytes.fromhex(device.booth.election), device.device_id
    )
    assert entries[1].event.payload["tracking_code"] == receipt.tracking_code
    assert ballot_dispositions(day.board.entries())["counted"] == 1
    assert ballot_dispositions(day.board.entries())["challenged"] == 1
    server.chain_end(device.device_id, device.chain_end())  # two ballots: the board agrees
    check_in = next(e for e in day.board.entries() if e.event.type is EventType.CHECK_IN)
    for event in (entries[0].event, check_in.event):  # the published schemas allow them
        assert not list(
            jsonschema.Draft202012Validator(event_schema(event.type)).iter_errors(event.payload)
        ), event.type
    assert "checked_at" in check_in.event.payload

    v70 = VerificationReport("test")  # the verifier's V70 judges a challenged upload too
    received = dt.datetime.fromisoformat(challenged["received_at"])
    key = device.key.verify_key.hex()
    check_upload_record(challenged, key, TEAM, MANIFEST, received, v70, 3, "challenged")
    assert v70.failed_checks() == []
    moved = {**challenged, "cast_at": (DAY1 + dt.timedelta(days=1)).isoformat()}
    check_upload_record(moved, key, TEAM, MANIFEST, received, v70, 3, "moved")
    assert v70.failed_checks() == ["V70"]
    device.close()


def test_a_queue_whose_opening_was_edited_cannot_publish_it(tmp_path: Path) -> None:
    """The opening is not signed: a device (or whoever edits its file) that shows the voter
    one choice and publishes another opening is refused by the board, which re-encrypts it."""
    day, server, device = _setup(tmp_path)
    voter = _home_voters(day)[0]
    at = DAY1 + dt.timedelta(hours=1)
    device.check_in(voter)
    device.challenge(voter, device.prepare(voter, CHOICE, at), at)
    device.close()
    with sqlite3.connect(tmp_path / "team.sqlite") as db:
        seq, body = db.execute("SELECT seq, body FROM queue WHERE kind = 'challenged'").fetchone()
        data = json.loads(body)
        data["opening"]["choices"] = [list(reversed(c)) for c in data["opening"]["choices"]]
        db.execute("UPDATE queue SET body = ? WHERE seq = ?", (json.dumps(data), seq))
    edited = OfflineDevice.open(tmp_path / "team.sqlite")
    day.clock.set(DAY1 + dt.timedelta(hours=3))
    size = day.board.size()
    with pytest.raises(SyncStoppedError, match="does not re-encrypt"):
        sync(edited, server)
    assert not any(e.event.type is EventType.BALLOT_CHALLENGED for e in day.board.entries(size))
    edited.close()


def test_the_device_pages_offer_the_challenge_step(tmp_path: Path) -> None:
    from plebiscite.interfaces.device_pages import create_device_app

    day, _server, device = _setup(tmp_path)
    voter = _home_voters(day)[0]
    device.close()
    pages = TestClient(
        create_device_app(tmp_path / "team.sqlite", clock=DAY1 + dt.timedelta(hours=1))
    )
    chose = pages.post("/check-in", data={"voter": voter, "lang": "en"})
    sid = re.search(r'action="/booth/([0-9a-f]+)/review"', chose.text)
    assert sid is not None
    booth = f"/booth/{sid.group(1)}"
    pages.post(f"{booth}/review", data={f"q-{q}": o for q, o in OTHER.items()})
    code_page = pages.post(f"{booth}/seal")
    assert 'id="challenge"' in code_page.text and 'id="cast"' in code_page.text
    opened = pages.post(f"{booth}/challenge")
    assert opened.status_code == 200 and 'id="opened"' in opened.text
    labels = [
        o.label["en"]
        for q in MANIFEST.region_by_id[TEAM.region_id].questions
        for o in q.options
        if o.id == OTHER[q.id]
    ]
    assert all(label in opened.text for label in labels)  # what the device encrypted, in words
    assert "published on the board when the team syncs" in opened.text
    assert pages.post(f"{booth}/challenge").status_code == 404  # spoiled: nothing to open again
    assert pages.post(f"{booth}/cast").status_code == 404  # nor to cast

    again = pages.get(booth)  # a fresh ballot for the same voter
    assert again.status_code == 200 and 'type="radio"' in again.text
    pages.post(f"{booth}/review", data={f"q-{q}": o for q, o in CHOICE.items()})
    pages.post(f"{booth}/seal")
    done = pages.post(f"{booth}/cast")
    assert done.status_code == 200 and 'id="done"' in done.text
    queued = OfflineDevice.open(tmp_path / "team.sqlite")
    kinds = [r.kind for r in queued.queue.rows() if r.kind != "check_in"]
    assert kinds == ["challenged", "cast"]
    queued.close()


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_the_device_pages_speak_the_voters_language(tmp_path: Path, lang: str) -> None:
    """The device's booth pages read the same catalogs as the station's: the challenged page's
    offline note and the device-signed receipt page come in the language chosen at check-in."""
    from plebiscite.interfaces.device_pages import create_device_app
    from plebiscite.interfaces.i18n import tr

    day, _server, device = _setup(tmp_path)
    voter = _home_voters(day)[0]
    device.close()
    pages = TestClient(
        create_device_app(tmp_path / "team.sqlite", clock=DAY1 + dt.timedelta(hours=1))
    )
    chose = pages.post("/check-in", data={"voter": voter, "lang": lang})
    assert f'<html lang="{lang}"' in chose.text
    sid = re.search(r'action="/booth/([0-9a-f]+)/review"', chose.text)
    assert sid is not None
    booth = f"/booth/{sid.group(1)}"
    pages.post(f"{booth}/review", data={f"q-{q}": o for q, o in OTHER.items()})
    pages.post(f"{booth}/seal")
    opened = pages.post(f"{booth}/challenge").text
    offline = "recorded on the device as challenged; published on the board when the team syncs"
    assert tr(lang, offline) != offline and tr(lang, offline) in opened
    assert offline not in opened
    pages.post(f"{booth}/review", data={f"q-{q}": o for q, o in CHOICE.items()})
    pages.post(f"{booth}/seal")
    done = pages.post(f"{booth}/cast").text
    for text in ("Cast at", "The device-signed receipt (QR)", "Your ballot is cast"):
        assert tr(lang, text) != text and tr(lang, text) in done, text
    over = pages.post(f"{booth}/cast")
    message = "This ballot is already cast: the booth session is over."
    assert over.status_code == 409 and tr(lang, message) in over.text
