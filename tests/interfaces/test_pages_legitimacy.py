"""The /legitimacy page: the verdict first, the tiers, each finding's evidence and sources one
click away, in uk, ru and en, from the board the server holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plebiscite.crypto.signing import SigningKey
from plebiscite.interfaces.app import create_app
from plebiscite.interfaces.pages.i18n import LANGUAGES, tr
from plebiscite.interfaces.pages.legitimacy_view import TIERS, VERDICTS
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.definition import publish_manifest
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.legitimacy import SPECS, Tier
from plebiscite.services.voting.casting import CastingService, SimulatedClock

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"


@pytest.fixture(scope="module")
def client() -> TestClient:
    manifest = load_manifest(SEED)
    board = MemoryBoard()
    publish_manifest(board, manifest)
    clock = SimulatedClock(manifest.open_spans(manifest.locations[0])[0][0])
    return TestClient(
        create_app(CastingService(board, SigningKey.generate(), clock), admin_token="t")
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_leads_with_the_verdict_in_each_language(client: TestClient, lang: str) -> None:
    html = client.get(f"/legitimacy?lang={lang}").text
    verdict = html.index(tr(lang, VERDICTS[1]))
    tiers = [html.index(f"{int(t)}. {tr(lang, TIERS[int(t)])}") for t in Tier]
    assert verdict < tiers[0] and tiers == sorted(tiers)
    assert html.count("<details>") == len(SPECS)
    assert tr(lang, "same fact as %(id)s; not counted again", id="P2") in html
    assert tr(lang, "not applicable") in html
    row = html[html.index('id="c-CX3"') :]
    row = row[: row.index("</tr>")]
    assert "facts.armed_presence.with_mobile_teams" in row
    assert "reported: UN Under-Secretary-General" in row and "2022-09-27" in row
    assert "CDL-AD(2014)002, paragraph not given" in row
    # the condition's title, in the page's language
    assert tr(lang, "No massive presence of (para)military forces") in row
    if lang != "en":  # the structure is translated, the evidence is marked English
        assert VERDICTS[1] not in html
        assert re.search(r'<p lang="en">armed persons with the door-to-door teams', row)


def test_every_condition_title_is_in_the_catalog() -> None:
    for spec in SPECS:
        assert tr("en", spec.title) == spec.title, spec.id
        assert tr("uk", spec.title) != spec.title, spec.id
        assert tr("ru", spec.title) != spec.title, spec.id
