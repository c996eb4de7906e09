"""The ballot encrypted in the voter's browser (``interfaces/static/ballot.mjs``), checked by
the Python side (``docs/pages.md``, "Encryption in the browser").

Chromium runs the module with libsodium's ristretto255 for JavaScript (npm package
``libsodium-wrappers-sumo``, installed by ``make setup`` under ``tests/interfaces/node_modules``).
The device key is made in the page and never leaves it: the test enrols its public part. The
page draws and signs the check-in id, encrypts the voter's tag and the choices, proves, hashes
and signs the ballot, and posts the check-in and the ballot to the central service. Then: the
ballot's ciphertexts are exactly those the Python encryption gives for the same nonce seed and
choices, every proof verifies with ``crypto/ballot.py`` and the tag's with
``domain/ballot.py``, the tag opens to the voter's tag point and no signed field names the
voter, the tracking code and signature check, the service accepted the ballot,
and nothing the service received or logged holds the plaintext choice (the attacker is whoever
runs the central service, reading its requests and logs).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plebiscite.crypto.ballot import EncryptedAnswer, encrypt_answer, verify_answer
from plebiscite.crypto.group import Scalar
from plebiscite.crypto.randomness import SystemRng
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.domain.ballot import (
    Ballot,
    election_context,
    genesis_code,
    question_spec,
    voter_tag,
)
from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.app import create_app
from plebiscite.interfaces.demo import free_port, running_server
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.simulation.testbed import publish_test_election
from plebiscite.services.voting.booth import Booth, choice_vectors
from plebiscite.services.voting.casting import CastingService, SimulatedClock

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
SODIUM = HERE / "node_modules" / "libsodium-wrappers-sumo"
SODIUM_CORE = HERE / "node_modules" / "libsodium-sumo"
MODULE = HERE.parents[1] / "src" / "plebiscite" / "interfaces" / "static" / "ballot.mjs"
SEED = HERE.parents[1] / "examples" / "seed-referendum" / "manifest.toml"
TOKEN = "kiosk-crypto-token"
ORIGIN = "http://kiosk.test"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium"),
    pytest.mark.skipif(
        not SODIUM.exists() or not SODIUM_CORE.exists(),
        reason="needs libsodium-wrappers-sumo under tests/interfaces/node_modules (make setup)",
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python")

BOOT = """
import sodium from "/libsodium-wrappers.mjs";
import * as b from "/ballot.mjs";
await sodium.ready;
let secretKey = null;  // the device key lives in this page only
window.kiosk = {
  keygen() {
    const pair = sodium.crypto_sign_keypair();
    secretKey = pair.privateKey;
    return sodium.to_hex(pair.publicKey);
  },
  async vote(spec) {
    const post = (path, body) => fetch(path, {
      method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body),
    });
    const checkin = b.newCheckIn(sodium);
    const signature = b.signCheckIn(sodium, secretKey, spec.election, spec.device, checkin);
    const checked = await post(
      `/api/devices/${spec.device}/check-ins`, {voter: spec.voter, checkin, signature});
    if (checked.status !== 201) {
      return {step: "check-in", status: checked.status, text: await checked.text()};
    }
    const nonceSeed = sodium.from_hex(spec.nonceSeed);
    const made = b.makeBallot(sodium, {...spec, checkin, secretKey, nonceSeed});
    const cast = await post("/api/ballots", {
      ballot: made.ballot, signature: made.signature, tag_opening: made.tag_opening,
    });
    return {step: "cast", status: cast.status, receipt: await cast.json(), made};
  },
};
window.ready = true;
"""


class Recorder:
    """The central service as its operator sees it: every request's path and body."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def recording() -> Any:
            message = await receive()
            chunks.append(message.get("body", b""))
            return message

        try:
            await self.app(scope, recording, send)
        finally:
            self.seen.append((scope["path"], b"".join(chunks)))


@pytest.fixture
def live() -> Iterator[tuple[str, CastingService, Recorder, Any]]:
    manifest = load_manifest(SEED)
    board = MemoryBoard()
    publish_test_election(board, manifest, 20)
    loc = next(x for x in manifest.locations if x.kind is LocationKind.MAKESHIFT_STATION)
    clock = SimulatedClock(manifest.open_spans(loc)[0][0].replace(hour=10))
    service = CastingService(board, SigningKey.generate(), clock)
    recorder = Recorder(create_app(service, admin_token=TOKEN, demo_clock=clock))
    with running_server(recorder, "127.0.0.1", free_port()) as url:
        yield url, service, recorder, loc


def _serve(route: Any, url: str) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    files = {
        "/": (
            "text/html",
            '<!doctype html><title>kiosk</title><script type="module" src="/boot.mjs"></script>',
        ),
        "/boot.mjs": ("text/javascript", BOOT),
        "/ballot.mjs": ("text/javascript", MODULE.read_text()),
        "/libsodium-sumo.mjs": (
            "text/javascript",
            (SODIUM_CORE / "dist" / "modules-sumo-esm" / "libsodium-sumo.mjs").read_text(),
        ),
        "/libsodium-wrappers.mjs": (
            "text/javascript",
            (SODIUM / "dist" / "modules-sumo-esm" / "libsodium-wrappers.mjs")
            .read_text()
            .replace('from"libsodium-sumo"', 'from"/libsodium-sumo.mjs"'),
        ),
    }
    if path.startswith("/api/"):
        answer = route.fetch(url=url + path.removeprefix("/api"))
        route.fulfill(response=answer)
    elif path in files:
        kind, body = files[path]
        route.fulfill(status=200, content_type=kind, body=body)
    else:
        route.fulfill(status=404, body="")


def _plaintext_in(data: bytes, option_ids: set[str]) -> list[str]:
    """The traces of a plaintext choice a request body or a log line could hold."""
    text = data.decode("utf-8", errors="replace")
    found = [o for o in option_ids if f'"{o}"' in text or f"={o}" in text]
    # A cast's "tag_opening" (the tag's randomness) is no choice: only the opening's keys are.
    return found + [k for k in ("choices", "opening", "nonce_seed") if f'"{k}"' in text]


def test_a_ballot_encrypted_in_chromium_verifies_and_the_service_never_sees_the_choice(
    live: tuple[str, CastingService, Recorder, Any],
) -> None:
    url, service, recorder, loc = live
    election = service.election
    assert election.manifest is not None and election.election_key is not None
    questions = election.manifest.region_by_id[loc.region_id].questions
    option_ids = {o.id for q in questions for o in q.options}
    voter = service.voters_without_ballot(loc.region_id, 1)[0]
    choices = choice_vectors(questions, {q.id: q.options[-1].id for q in questions})
    nonce_seed = secrets.token_bytes(32)
    records: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "plebiscite")]
    levels = [x.level for x in loggers]
    for x in loggers:
        x.addHandler(handler)
        x.setLevel(logging.DEBUG)
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page()
            page.route(f"{ORIGIN}/**", lambda route: _serve(route, url))
            page.goto(f"{ORIGIN}/")
            page.wait_for_function("window.ready === true")
            public_key = page.evaluate("window.kiosk.keygen()")
            enrolled = page.request.post(
                f"{url}/authority/devices",
                data={"device": "kiosk-1", "location": loc.id, "public_key": public_key},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            assert enrolled.status == 201, enrolled.text()
            spec = {
                "election": election.manifest_hash.hex(),
                "electionKey": election.election_key.hex(),
                "device": "kiosk-1",
                "location": loc.id,
                "voter": voter,
                "previousCode": genesis_code(election.manifest_hash, "kiosk-1"),
                "questions": [
                    {
                        "id": s.question_id,
                        "n": s.n_options,
                        "min": s.min_selections,
                        "max": s.max_selections,
                    }
                    for s in map(question_spec, questions)
                ],  # fmt: skip
                "choices": [list(c) for c in choices],
                "nonceSeed": nonce_seed.hex(),
            }
            done = page.evaluate("spec => window.kiosk.vote(spec)", spec)
            browser.close()
    finally:
        for x, level in zip(loggers, levels, strict=True):
            x.removeHandler(handler)
            x.setLevel(level)
    assert done["status"] == 201, done

    # The Python verifier's view of the browser's ballot.
    ballot = Ballot.from_json(done["made"]["ballot"])
    key, context = (
        election.election_key,
        election_context(election.manifest_hash, election.election_key),
    )
    for question, answer, chosen in zip(questions, ballot.answers, choices, strict=True):
        spec_q = question_spec(question)
        verify_answer(key, context, spec_q, EncryptedAnswer.from_json(answer.to_json()))
        mine = encrypt_answer(key, context, spec_q, chosen, nonce_seed, SystemRng())
        assert mine.selections == answer.selections  # same seed, same choice: same ciphertexts
    assert (
        ballot.tracking_code() == done["made"]["tracking_code"] == done["receipt"]["tracking_code"]
    )
    ballot.verify_signature(VerifyKey.from_hex(public_key), done["made"]["signature"])
    assert service.ballots[ballot.tracking_code()].kind == "cast"
    ballot.tag.verify(context, "kiosk-1", ballot.checkin)
    opening = Scalar.from_hex(done["made"]["tag_opening"])
    assert ballot.tag.opens_to(key, voter_tag(context, voter), opening)
    assert voter not in json.dumps(done["made"]["ballot"])

    # What the central service received and logged holds no plaintext choice.
    received = [
        body for path, body in recorder.seen if path in ("/ballots", "/devices/kiosk-1/check-ins")
    ]
    assert len(received) == 2
    for body in received:
        assert _plaintext_in(body, option_ids) == [], body[:200]
    for line in records:
        assert _plaintext_in(line.encode(), option_ids) == [], line
    # The check can fail: a server-run booth's challenge body holds the choice in clear.
    booth = Booth(
        election.manifest, election.manifest_hash, key, "other", loc.id, SigningKey.generate()
    )
    booth.check_in(voter)
    prepared = booth.prepare(voter, {q.id: q.options[-1].id for q in questions})
    assert _plaintext_in(json.dumps(prepared.challenge_body()).encode(), option_ids)


@pytest.fixture
def browser_station() -> Iterator[tuple[str, CastingService, Recorder, Any]]:
    """A station whose booth terminal encrypts in its browser (``Stations.create_browser``)."""
    manifest = load_manifest(SEED)
    board = MemoryBoard()
    publish_test_election(board, manifest, 20)
    loc = next(x for x in manifest.locations if x.kind is LocationKind.MAKESHIFT_STATION)
    clock = SimulatedClock(manifest.open_spans(loc)[0][0].replace(hour=10))
    service = CastingService(board, SigningKey.generate(), clock)
    app = create_app(service, admin_token=TOKEN, demo_clock=clock)
    app.state.stations.create_browser(service, "kiosk-1", loc.id)
    recorder = Recorder(app)
    with running_server(recorder, "127.0.0.1", free_port()) as url:
        yield url, service, recorder, loc


def _desk_check_in(desk: Any, voter: str) -> None:
    desk.fill("#voter", voter)
    desk.click("#voter ~ button[type=submit]")
    desk.wait_for_selector("#checked-in")


def _kiosk_votes(kiosk: Any, option: str) -> str:
    kiosk.wait_for_selector("#review", timeout=15000)
    kiosk.check(f"input[value={option}]")
    kiosk.click("#review")
    kiosk.click("#seal")
    code = "".join(kiosk.inner_text("#tracking-code").split())
    kiosk.click("#cast")
    kiosk.wait_for_selector("#done")
    assert "".join(kiosk.inner_text("#cast-code").split()) == code
    return code


def _serious_axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (none without axe)."""
    axe = HERE / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        return []
    page.evaluate(axe.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']}))"
        ".violations.map(v => ({id: v.id, impact: v.impact}))"
    )
    return [f"{v['id']} ({v['impact']})" for v in found if v["impact"] in ("serious", "critical")]


def test_the_kiosk_encrypts_in_its_browser_and_the_service_never_sees_a_choice(
    browser_station: tuple[str, CastingService, Recorder, Any],
) -> None:
    url, service, recorder, loc = browser_station
    election = service.election
    assert election.manifest is not None and election.election_key is not None
    questions = election.manifest.region_by_id[loc.region_id].questions
    option_ids = {o.id for q in questions for o in q.options}
    first, second = service.voters_without_ballot(loc.region_id, 2)
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        desk = browser.new_context().new_page()
        desk.goto(f"{url}/officials?lang=en")
        desk.fill("#token", TOKEN)
        desk.press("#token", "Enter")
        desk.wait_for_url(f"{url}/officials")
        desk.goto(f"{url}/station/kiosk-1?lang=en")
        pairing = desk.inner_text("#pairing-code")

        terminal = browser.new_context()
        kiosk = terminal.new_page()
        kiosk.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        kiosk.on("pageerror", lambda e: errors.append(str(e)))
        kiosk.goto(f"{url}/kiosk/kiosk-1?lang=en")
        kiosk.wait_for_selector("#pair:enabled")
        kiosk.fill("#code", pairing)
        kiosk.click("#pair")
        kiosk.wait_for_selector("#kiosk-waiting")
        stored = kiosk.evaluate("localStorage.getItem('plebiscite-kiosk-key:kiosk-1')")
        assert service.devices["kiosk-1"].public_key.hex() == stored[64:]  # Ed25519 sk = seed|pk

        _desk_check_in(desk, first)
        # The first voter challenges a "no" (read back from the board), then casts "no".
        kiosk.wait_for_selector("#review", timeout=15000)
        kiosk.check(f"input[value={questions[0].options[-1].id}]")
        kiosk.click("#review")
        kiosk.click("#seal")
        challenged = "".join(kiosk.inner_text("#tracking-code").split())
        kiosk.click("#challenge")
        kiosk.wait_for_selector("#opened")
        label = questions[0].options[-1].label["en"]
        assert kiosk.inner_text("#recorded-1") == label
        problems = _serious_axe_violations(kiosk)
        kiosk.click("#again")
        kiosk.wait_for_selector("#review")
        problems += _serious_axe_violations(kiosk)
        assert problems == []
        no = _kiosk_votes(kiosk, questions[0].options[-1].id)
        kiosk.click("#next-voter")
        kiosk.wait_for_selector("#kiosk-waiting")
        _desk_check_in(desk, second)
        yes = _kiosk_votes(kiosk, questions[0].options[0].id)
        # The terminal's browser holds no official power.
        for path in ("/officials", "/station/kiosk-1"):
            assert terminal.request.get(f"{url}{path}").status == 401
        browser.close()
    assert errors == []
    assert service.ballots[no].kind == "cast" and service.ballots[yes].kind == "cast"
    assert service.ballots[challenged].kind == "challenged"

    casts = [json.loads(body) for path, body in recorder.seen if path == "/ballots"]
    assert len(casts) == 2
    key = election.election_key
    context = election_context(election.manifest_hash, key)
    for body in casts:
        ballot = Ballot.from_json(body["ballot"])
        ballot.verify_signature(service.devices["kiosk-1"].public_key, body["signature"])
        for question, answer in zip(questions, ballot.answers, strict=True):
            verify_answer(key, context, question_spec(question), answer)
    # Nothing the central service received holds a choice (the server-run booth's form post
    # "q-<question>=<option>" or a JSON option id would).
    assert len(recorder.seen) > 10
    # A challenge publishes its opening by design (that ballot never counts): only there.
    for path, body in recorder.seen:
        if path != "/challenges":
            assert _plaintext_in(body, option_ids) == [], (path, body[:200])
    assert _plaintext_in(f"q-{questions[0].id}=no".encode(), option_ids)
