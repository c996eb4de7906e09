"""Tracking codes people can copy: prefixes in the CLI and the page, and the public list."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plebiscite.crypto.randomness import SeededRng, SystemRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.roll import build_roll, generate_roll
from plebiscite.errors import InputError, NotFoundError
from plebiscite.interfaces import cli
from plebiscite.interfaces.app import create_app
from plebiscite.record.sql import SqlBoard
from plebiscite.services.ceremony.steps import TrusteeState, run_local_ceremony
from plebiscite.services.election.definition import load_election, publish_manifest, publish_roll
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.simulation.synthetic import enrolment_events, synthetic_ballots
from plebiscite.services.voting.casting import CastingService, SimulatedClock
from plebiscite.services.voting.codes import expand, grouped, normalise

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
KEY = SigningKey(bytes(range(32)))


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A SQLite board with 40 ballots under a signed head; their codes, sorted."""
    db = str(tmp_path_factory.mktemp("codes") / "board.sqlite")
    manifest = load_manifest(SEED)
    digest = manifest_hash(manifest)
    with SqlBoard.open(db, create=True) as opened:
        publish_manifest(opened, manifest)
        roll = generate_roll(manifest, 60, random.Random(1))
        publish_roll(opened, build_roll(manifest, digest, roll, bytes(32)))
        run_local_ceremony(opened, [TrusteeState.create(i, digest) for i in range(1, 6)],
                           SystemRng())  # fmt: skip
        opened.append_batch(enrolment_events(manifest))
        made = list(
            synthetic_ballots(load_election(opened), 40, random.Random(2), SeededRng(b"codes"))
        )
        opened.append_batch([e for m in made for e in m.events])
        opened.sign_head(KEY, 1_700_000_000_000)
        codes = sorted(m.event.payload["tracking_code"] for m in made)
    yield db, codes


def test_codes_are_typed_as_people_type_them() -> None:
    codes = sorted(["ab12cd34" + "0" * 56, "ab12cd35" + "1" * 56, "ab12cd35" + "2" * 56])
    assert normalise(" AB12-cd34 ") == "ab12cd34"
    assert expand("AB12 CD34", codes) == codes[0]
    assert grouped(codes[0])[:14] == "ab12 cd34 0000"
    with pytest.raises(InputError, match="2 ballots have tracking codes starting ab12 cd35"):
        expand("ab12cd35", codes)
    with pytest.raises(InputError, match="at least 8 digits"):
        expand("ab12cd3", codes)
    with pytest.raises(NotFoundError, match="no ballot with tracking code"):
        expand("ffffffff", codes)
    with pytest.raises(InputError, match="0-9 and letters a-f"):
        expand("ab12cd3x", codes)


def test_cli_receipt_takes_a_spaced_upper_case_prefix(
    board: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    db, codes = board
    code = codes[7]
    typed = grouped(code[:12]).upper()  # "AB12 CD34 EF56"
    cli.main(["receipt", typed, "--db", db])
    out = capsys.readouterr().out
    assert grouped(code)[:24] in " ".join(out.split()) and "counts?" in out
    with pytest.raises(SystemExit) as exc:
        cli.main(["receipt", code[:5], "--db", db])
    assert exc.value.code == 2 and "at least 8 digits" in capsys.readouterr().err


@pytest.fixture
def client(board: tuple[str, list[str]]) -> Iterator[TestClient]:
    db, _ = board
    opened = SqlBoard.open(db)
    manifest = load_manifest(SEED)
    clock = SimulatedClock(manifest.open_spans(manifest.locations[0])[0][0])
    service = CastingService(opened, KEY, clock)
    yield TestClient(create_app(service, admin_token="codes-test-token"))
    opened.close()


def test_every_code_is_listed_paged_searchable_and_downloadable(
    client: TestClient, board: tuple[str, list[str]]
) -> None:
    _, codes = board
    first = client.get("/tracking-codes", params={"limit": 15}).json()
    assert first["total"] == 40 and len(first["codes"]) == 15
    seen = [row["tracking_code"] for row in first["codes"]]
    following = first["next"]
    while following:
        page = client.get("/tracking-codes", params={"limit": 15, "after": following}).json()
        seen += [row["tracking_code"] for row in page["codes"]]
        following = page["next"]
    assert seen == codes  # every code once, in order, across the pages
    prefix = codes[20][:3].upper()
    found = client.get("/tracking-codes", params={"prefix": prefix}).json()
    assert [r["tracking_code"] for r in found["codes"]] == [
        c for c in codes if c.startswith(prefix.lower())
    ]
    bad = client.get("/tracking-codes", params={"prefix": "xyz"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    text = client.get("/tracking-codes.txt")
    assert text.text.splitlines() == codes
    assert "/tracking-codes" in client.get("/openapi.json").json()["paths"]

    page = client.get("/codes", params={"prefix": grouped(codes[3][:8]), "lang": "uk"})
    assert page.status_code == 200 and grouped(codes[3]) in page.text
    assert f'href="/receipt?code={codes[3]}"' in page.text
    assert 'href="/codes"' in client.get("/receipt").text  # the receipt check links to it


def test_receipt_page_takes_a_prefix(client: TestClient, board: tuple[str, list[str]]) -> None:
    _, codes = board
    answer = client.get("/receipt", params={"code": grouped(codes[11][:8]).upper()})
    assert answer.status_code == 200 and codes[11] in answer.text
    missing = client.get("/receipt", params={"code": "ffff ffff ffff"})
    if not any(c.startswith("ffffffffffff") for c in codes):
        assert missing.status_code == 404


def test_api_reference_is_served_offline(client: TestClient) -> None:
    """/docs works without internet: no script or stylesheet from anywhere but this server."""
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for op in ("GET /tracking-codes", "POST /ballots", "GET /receipts/{tracking_code}"):
        assert op in page.text, op
    for src in re_sources(page.text):
        assert src.startswith(("/", "?", "data:")), src  # nothing from another host
    assert "cdn" not in page.text.lower()
    assert client.get("/redoc").status_code == 404


def re_sources(html: str) -> list[str]:
    import re

    return re.findall(r'(?:src|href)="([^"#]+)"', html)
