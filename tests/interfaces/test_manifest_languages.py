"""Names in every language (``docs/languages.md``, ``docs/manifest.md``): the title and each
region, district and precinct name may be one string or one text per declared language;
``manifest check`` refuses a name that lacks a declared language, naming the field; the pages
show the name in the page's language; the CLI's one-line errors speak the locale's language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest_hash import manifest_document, manifest_hash
from plebiscite.domain.manifest_load import parse_manifest, parse_manifest_json
from plebiscite.errors import ManifestError
from plebiscite.interfaces.app import create_app
from plebiscite.interfaces.cli import main
from plebiscite.interfaces.i18n import cli_language
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.definition import publish_manifest
from plebiscite.services.voting.casting import CastingService, SimulatedClock

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
TITLE = "title = { uk = "
REGION = (
    'id = "donetsk"\nname = { uk = "Донецька область", ru = "Донецкая область", en = "Donetsk" }\n'
)
DISTRICT = 'region = "donetsk"\nname = { uk = "Донецьк", ru = "Донецк", en = "Donetsk" }\n'
NAMES_UK_RU_EN = (
    'title = { uk = "Голосування 2022", ru = "Голосования 2022", en = "Votes of 2022" }\n#',
    'id = "donetsk"\nname = { uk = "Донеччина", ru = "Донетчина", en = "Donetsk" }\n',
    'region = "donetsk"\nname = { uk = "Донецьк", ru = "Донецк", en = "Donetsk" }\n',
)
ONE_STRING = ('title = "Votes of 2022"\n#', 'id = "donetsk"\nname = "Donetsk"\n', DISTRICT)


def _seed_with(title: str, region: str, district: str) -> str:
    """The seed manifest with its title, first region and first district replaced (a title
    ending in ``#`` comments out the rest of the seed's title line)."""
    text = SEED.read_text(encoding="utf-8")
    assert TITLE in text and REGION in text and DISTRICT in text
    return text.replace(TITLE, title, 1).replace(REGION, region, 1).replace(DISTRICT, district, 1)


def test_names_in_every_language_load_and_hash_as_given() -> None:
    manifest = parse_manifest(_seed_with(*NAMES_UK_RU_EN), "m.toml")
    region = manifest.region_by_id["donetsk"]
    assert region.names == {"uk": "Донеччина", "ru": "Донетчина", "en": "Donetsk"}
    assert region.name == "Donetsk"  # the CLI's and the exports' name: the English one
    assert manifest.titles["ru"] == "Голосования 2022" and manifest.title == "Votes of 2022"
    document = manifest_document(manifest)
    assert document["regions"][0]["name"] == region.names
    again = parse_manifest_json(json.dumps(document), "manifest.json")
    assert manifest_hash(again) == manifest_hash(manifest)
    plain = parse_manifest(_seed_with(*ONE_STRING), "plain.toml")
    assert plain.regions[0].names == {} and plain.titles == {}  # one string serves every language
    assert manifest_document(plain)["regions"][0]["name"] == "Donetsk"
    assert manifest_document(plain)["referendum"]["title"] == "Votes of 2022"


def test_the_seed_names_its_territory_in_its_three_languages() -> None:
    seed = parse_manifest(SEED.read_text(encoding="utf-8"), "seed.toml")
    for thing in (*seed.regions, *seed.districts, *seed.precincts):
        assert set(thing.names) == set(seed.languages), thing.id
        assert thing.name == thing.names["en"]
    assert set(seed.titles) == set(seed.languages)


@pytest.mark.parametrize("where", ["title", "region", "district"])
def test_a_name_without_a_declared_language_is_refused_naming_the_field(where: str) -> None:
    title, region, district = NAMES_UK_RU_EN
    if where == "title":
        title = title.replace('ru = "Голосования 2022", ', "")
    elif where == "region":
        region = region.replace('ru = "Донетчина", ', "")
    else:
        district = district.replace('ru = "Донецк", ', "")
    with pytest.raises(ManifestError) as caught:
        parse_manifest(_seed_with(title, region, district), "m.toml")
    field = {"title": "referendum.title", "region": "regions[0].name"}.get(where, "districts[")
    message = str(caught.value)
    assert field in message and "no 'ru' text" in message, message


def test_manifest_check_refuses_it_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    title, region, district = NAMES_UK_RU_EN
    path = tmp_path / "manifest.toml"
    path.write_text(_seed_with(title, region.replace('uk = "Донеччина", ', ""), district))
    with pytest.raises(SystemExit) as exited:
        main(["manifest", "check", str(path)])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.count("\n") == 1 and "regions[0].name: no 'uk' text" in err, err
    assert "Traceback" not in err


def test_the_pages_show_the_names_in_the_pages_language() -> None:
    manifest = parse_manifest(_seed_with(*NAMES_UK_RU_EN), "m.toml")
    board = MemoryBoard()
    publish_manifest(board, manifest)
    clock = SimulatedClock(manifest.open_spans(manifest.locations[0])[0][0])
    service = CastingService(board, SigningKey.generate(), clock)
    client = TestClient(create_app(service, admin_token="tok"))
    for lang, title in (("uk", "Голосування 2022"), ("ru", "Голосования 2022"), ("en", "Votes")):
        assert f"<h1>{title}" in client.get(f"/?lang={lang}").text, lang
    bearer = {"Authorization": "Bearer tok"}
    protocol = client.get("/officials/protocol?lang=ru", headers=bearer).text
    assert "Донетчина / " in protocol and "Donetsk / " not in protocol
    english = client.get("/officials/protocol?lang=en", headers=bearer).text
    assert "Donetsk / " in english and "Донетчина" not in english


def test_the_cli_speaks_the_locales_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_language({"LANG": "C.UTF-8"}) == "en"
    assert cli_language({"LANG": "uk_UA.UTF-8"}) == "uk"
    assert cli_language({"LANGUAGE": "ru:en", "LANG": "uk_UA.UTF-8"}) == "ru"
    assert cli_language({"PLEBISCITE_LANG": "en", "LANG": "ru_RU.UTF-8"}) == "en"
    assert cli_language({}) == "en"


def test_a_cli_error_title_in_ukrainian(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLEBISCITE_LANG", "uk")
    path = tmp_path / "manifest.toml"
    path.write_text("not toml [", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["manifest", "check", str(path)])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("plebiscite: неправильний маніфест: "), err
