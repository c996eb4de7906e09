"""The web pages without a browser (TestClient): every page in every language over a finished
demo referendum and over a board open for voting; the officials' pages refuse without the
token; the receipt page says clearly when a code is not on the board; the booth flow and the
protocol check answer as the browser tests expect."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.app import create_app, open_app
from plebiscite.interfaces.demo import run_demo
from plebiscite.interfaces.pages.i18n import LANGUAGES, tr
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.simulation.testbed import publish_test_election
from plebiscite.services.voting.casting import CastingService, SimulatedClock

TOKEN = "pages-test-token"
SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
PUBLIC = ["/", "/receipt", "/board", "/results", "/legitimacy", "/forensics"]
OFFICIAL = ["/officials", "/officials/protocol", "/officials/protocol?pair=dn-0101|dn-q1"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    out = tmp_path_factory.mktemp("pages") / "demo"
    result = run_demo(out, voters=60, workers=1)
    app, service = open_app(result.db, admin_token=TOKEN, board_key=out / "private" / "board.key")
    with TestClient(app) as client:
        yield client, result
    service.board.close()


@pytest.fixture
def live() -> tuple[TestClient, CastingService, str]:
    """A board open for voting at a makeshift station on day 1, with a server-run booth."""
    manifest = load_manifest(SEED)
    board = MemoryBoard()
    publish_test_election(board, manifest, 40)
    loc = next(x for x in manifest.locations if x.kind is LocationKind.MAKESHIFT_STATION)
    clock = SimulatedClock(manifest.open_spans(loc)[0][0].replace(hour=10))
    service = CastingService(board, SigningKey.generate(), clock)
    app = create_app(service, admin_token=TOKEN, demo_clock=clock)
    app.state.stations.create(service, "booth-1", loc.id)
    return TestClient(app), service, loc.region_id


def sign_in(client: TestClient) -> None:
    """Sign in as the authority and send the session's CSRF token with every later request."""
    client.post("/officials/login", data={"token": TOKEN, "next": "/officials"})
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/officials").text)
    assert found is not None
    client.headers["X-CSRF-Token"] = found.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_page_answers_in_each_language(
    demo: tuple[TestClient, Any], lang: str
) -> None:
    client, _ = demo
    for path in PUBLIC:
        response = client.get(path, params={"lang": lang})
        assert response.status_code == 200, (path, response.text[:500])
        assert f'<html lang="{lang}">' in response.text
        assert tr(lang, "Skip to content") in response.text
        assert response.headers["content-type"].startswith("text/html")
    for path in OFFICIAL:
        response = client.get(
            path, params={"lang": lang}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 200, (path, response.text[:500])
        assert f'<html lang="{lang}">' in response.text


@pytest.mark.parametrize(
    ("lang", "region"), [("uk", "Донецька область"), ("ru", "Донецкая область")]
)
def test_results_name_the_territory_in_the_pages_language(
    demo: tuple[TestClient, Any], lang: str, region: str
) -> None:
    """The seed names every region, district and precinct in uk, ru and en (the manifest's
    tables); the pages show the page's language, never the English name beside it."""
    client, _ = demo
    html = client.get(f"/results?lang={lang}").text
    assert f">{region}</h2>" in html and "Donetsk" not in html
    assert "Mariupol" not in html and "Kherson" not in html
    home = client.get(f"/?lang={lang}").text
    assert ("Голосування про приєднання" if lang == "uk" else "Голосования о присоединении") in home


def test_results_page_shows_the_demo_numbers(demo: tuple[TestClient, Any]) -> None:
    client, result = demo
    html = client.get("/results?lang=en").text
    for region in result.results["regions"]:
        for option, votes in region["questions"][0]["options"].items():
            cell = f'data-region="{region["region"]}" data-option="{option}">{votes}</td>'
            assert cell in html
    summary = json.loads((result.record / "results.json").read_text())
    assert f'id="d-counted">{summary["ballots"]["counted"]}<' in html
    assert 'href="/files/results-nist.json"' in html
    assert tr("en", "Every check passed.") in html  # the demo's verification.json passed
    nist = client.get("/files/results-nist.json")
    assert nist.status_code == 200 and "ElectionReport" in nist.text


def test_officials_pages_refuse_without_the_token(demo: tuple[TestClient, Any]) -> None:
    client, _ = demo
    client.cookies.clear()
    for path in OFFICIAL:
        response = client.get(path)
        assert response.status_code == 401
        assert 'name="token"' in response.text
    assert client.post("/officials/close", data={"confirm": "yes"}).status_code == 401
    assert client.post("/officials/booths", data={"device": "x"}).status_code == 401
    check = client.post("/officials/protocol/check", json={})
    assert check.status_code == 401
    wrong = client.post("/officials/login", data={"token": "nope", "next": "/officials"})
    assert wrong.status_code == 401 and tr("en", "The token is wrong.") in wrong.text
    assert client.get("/station/booth-1").status_code == 401


def test_receipt_page_reports_not_found_clearly(demo: tuple[TestClient, Any]) -> None:
    client, _ = demo
    response = client.get("/receipt", params={"code": "ab" * 32, "lang": "uk"})
    assert response.status_code == 404
    assert tr("uk", "Not found") in response.text
    assert tr(
        "uk",
        "No ballot with this code is on the board. Check the code; if you have "
        "just voted, wait a minute. If it is still missing, tell an observer.",
    ) in _text(response.text).replace("&#39;", "'")


def test_receipt_page_says_a_door_to_door_ballot_is_cast_at_home(
    demo: tuple[TestClient, Any],
) -> None:
    """A mobile team's ballot is "home" (services/voting/receipts.py): the page names that status
    and its rule in the reader's language, never a "superseded" one."""
    client, _ = demo
    entries = client.get("/board/entries", params={"stop": 1000}).json()["entries"]
    manifest = next(e for e in entries if e["event"]["type"] == "manifest")["event"]["payload"]
    mobile = {x["id"] for x in manifest["manifest"]["locations"] if x["kind"] == "mobile_team"}
    code = next(
        e["event"]["payload"]["tracking_code"]
        for e in entries
        if e["event"]["type"] == "ballot_cast"
        and e["event"]["payload"]["ballot"]["location"] in mobile
    )
    why = (
        "A door-to-door ballot: it counts unless you voted again in a booth; the count "
        "applies that without showing anyone whether you did."
    )
    for lang in LANGUAGES:
        response = client.get("/receipt", params={"code": code, "lang": lang})
        assert response.status_code == 200
        text = _text(response.text)
        assert f'<span class="badge">{tr(lang, "Cast at home")}</span>' in response.text
        assert tr(lang, why) in text
        assert tr(lang, "Counted") not in text
        assert lang == "en" or why not in text


def test_receipt_page_finds_a_demo_ballot_with_its_receipt(demo: tuple[TestClient, Any]) -> None:
    client, result = demo
    receipt = json.loads((result.out / "receipts.jsonl").read_text().splitlines()[0])
    code = receipt["tracking_code"]
    spaced = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    response = client.post(
        "/receipt?lang=en", data={"code": spaced, "receipt": json.dumps(receipt)}
    )
    assert response.status_code == 200
    text = _text(response.text)
    assert tr("en", "Your ballot is on the board") in text
    assert (
        tr(
            "en",
            "Your receipt checks out: its head is signed by the board and the "
            "current board extends it (nothing was removed).",
        )
        in text
    )
    assert code in text


def test_board_page_shows_heads_and_activity(demo: tuple[TestClient, Any]) -> None:
    client, result = demo
    text = _text(client.get("/board?lang=en").text)
    assert "Latest signed head" in text and "Donetsk" in text
    assert "2022-09-27" in text  # the regular stations' day


def test_booth_flow_challenge_then_cast(live: tuple[TestClient, CastingService, str]) -> None:
    client, service, region = live
    sign_in(client)
    voter = service.voters_without_ballot(region, 1)[0]
    station = client.get("/station/booth-1").text
    pairing = re.search(r'id="pairing-code"[^>]*>([0-9a-f]{12})<', station)
    assert pairing is not None
    official, client = client, TestClient(client.app)  # the voter is at the booth terminal
    client.post("/kiosk/booth-1/pair", data={"code": pairing.group(1)})
    checked = official.post("/station/booth-1/check-in", data={"voter": voter, "lang": "ru"})
    assert checked.status_code == 200 and "/booth/" not in str(checked.url)
    opened = client.get("/kiosk/booth-1")
    assert opened.status_code == 200 and "Кабина для голосования" in opened.text
    sid = str(opened.url).split("/booth/")[1].split("?")[0]
    question = re.search(r'name="(q-[^"]+)"', opened.text)
    assert question is not None
    missing = client.post(f"/booth/{sid}/review", data={})
    assert missing.status_code == 422 and tr("ru", "Answer every question.") in missing.text
    review = client.post(f"/booth/{sid}/review", data={question.group(1): "no"})
    assert "Нет" in review.text
    sealed = client.post(f"/booth/{sid}/seal")
    code = "".join(re.findall(r"<span>([0-9a-f]{4})</span>", sealed.text))
    assert len(code) == 64
    challenged = client.post(f"/booth/{sid}/challenge")
    assert tr("ru", "This device recorded") in challenged.text
    assert re.search(r'id="recorded-1">Нет<', challenged.text)
    assert service.ballots[code].kind == "challenged"
    client.get(f"/booth/{sid}")
    client.post(f"/booth/{sid}/review", data={question.group(1): "yes"})
    sealed = client.post(f"/booth/{sid}/seal")
    cast_code = "".join(re.findall(r"<span>([0-9a-f]{4})</span>", sealed.text))
    done = client.post(f"/booth/{sid}/cast")
    assert done.status_code == 200 and tr("ru", "Your ballot is cast") in done.text
    assert service.ballots[cast_code].kind == "cast"
    receipt = client.get(f"/booth/{sid}/receipt.json").json()
    assert receipt["tracking_code"] == cast_code
    check = client.get("/receipt", params={"code": cast_code, "lang": "en"})
    assert tr("en", "Counted") in check.text, _text(check.text)[-600:]
    # the session is over: the booth shows the receipt again, never a second ballot
    again = client.get(f"/booth/{sid}")
    assert tr("ru", "Your ballot is cast") in again.text
    # Whoever comes to the booth screen next replays the voter's steps: every one is refused,
    # no choice is shown, and nothing more reaches the board.
    size = service.board.size()
    for step in ("seal", "challenge", "cast"):
        replay = client.post(f"/booth/{sid}/{step}")
        assert replay.status_code == 409, step
        assert tr("ru", "This ballot is already cast: the booth session is over.") in replay.text
        assert "Да" not in _text(replay.text) and "Нет" not in _text(replay.text)
    replay = client.post(f"/booth/{sid}/review", data={question.group(1): "no"})
    assert replay.status_code == 409
    assert service.board.size() == size


def test_protocol_check_and_submit(live: tuple[TestClient, CastingService, str]) -> None:
    client, service, _ = live
    sign_in(client)
    fields = {
        "pair": "dn-0101|dn-q1",
        "line-voters_on_list": "100",
        "line-ballots_received": "100",
        "line-issued_in_station": "60",
        "line-cancelled": "40",
        "line-in_stationary_boxes": "60",
        "line-valid": "59",
        "line-invalid": "1",
        "opt-yes": "30",
        "opt-no": "20",
        "signed_by": "A, B",
        "signed_at": "2022-09-27T21:00+03:00",
    }
    checks = client.post("/officials/protocol/check", json=fields).json()["checks"]
    failing = {c["id"] for c in checks if not c["ok"]}
    assert failing == {"K4"}  # 59 valid but the options add up to 50
    before = service.board.size()
    form = client.get("/officials/protocol", params={"pair": "dn-0101|dn-q1"}).text
    assert '<option value="booth-1">booth-1 (dn-0101-ms)</option>' in form
    unsigned = client.post("/officials/protocol", data=fields)  # no filing device chosen
    assert unsigned.status_code == 422 and "choose a station device" in unsigned.text
    stored = client.post("/officials/protocol", data={**fields, "device": "booth-1"})
    assert stored.status_code == 200
    assert 'id="stored-flags">K4<' in stored.text
    assert service.board.size() == before + 1
    payload = service.board.entry(before).event.payload
    assert payload["device"] == "booth-1" and len(payload["signature"]) == 128
    # a protocol pasted as signed, then changed: the service refuses it, nothing is stored
    forged = {**payload, "options": {"yes": 40, "no": 10}, "version": 2, "reason": "recount"}
    refused = client.post("/officials/protocol", data={**fields, "signed": json.dumps(forged)})
    assert refused.status_code == 422 and "does not verify" in refused.text
    assert service.board.size() == before + 1


def test_officials_create_booth_and_close(live: tuple[TestClient, CastingService, str]) -> None:
    client, service, _ = live
    sign_in(client)
    loc = next(iter(service.election.require_manifest().locations)).id
    made = client.post("/officials/booths", data={"device": "booth-2", "location": loc})
    assert made.status_code == 200 and "/station/booth-2" in made.text
    refused = client.post("/officials/close", data={})
    assert refused.status_code == 422 and service.election.closed_at is None
    closed = client.post("/officials/close", data={"confirm": "yes"})
    assert closed.status_code == 200
    assert service.election.closed_at is not None


def test_forensics_page_reads_the_record_and_sets_paper_beside_decrypted(
    demo: tuple[TestClient, Any],
) -> None:
    from plebiscite.services.forensics import read_results

    client, result = demo
    html = client.get("/forensics?lang=en").text
    table, _ = read_results(result.record)  # the same path as `plebiscite forensics DIR`
    assert f"{table.n_units} units in 4 regions" in html
    assert "National summary" in html
    assert "Paper protocols against the decrypted count" in html
