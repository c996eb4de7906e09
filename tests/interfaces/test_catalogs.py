"""The message catalogs (``docs/languages.md``): every text the templates and the Python code
mark is in each language's ``.po`` file, translated, not fuzzy, with the same ``%(name)s``
placeholders as its English; the files read back through gettext as the pages read them."""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from plebiscite import errors
from plebiscite.interfaces.i18n import (
    ERROR_TITLES,
    TRANSLATED,
    catalog_path,
    tr,
    translations,
    trp,
)

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
MARKED = re.compile(r"(?<![\w.])(tr|trp|_|N_)\(\s*(\w+,\s*)*['\"]")


def _read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=lang)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What ``make i18n`` extracts from the sources today (the same options)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            *("-k", "tr:2", "-k", "trp:2c,3", "-k", "N_", "-k", "_spec:4"),
            "-o",
            str(pot),
            str(ROOT / "src"),
        ]
    )
    return _read(pot)


def _ids(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(m.context, str(m.id)) for m in catalog if m.id}


def _forms(text: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """A message's id or translation as a tuple: one text, or every plural form."""
    if text is None:
        return ("",)
    return (text,) if isinstance(text, str) else tuple(text)


def test_the_sources_mark_hundreds_of_texts(extracted: Catalog) -> None:
    ids = _ids(extracted)
    assert len(ids) > 300
    assert (None, "Statistical analysis of results") in ids  # the templates
    assert (None, "The token is wrong.") in ids  # tr() in the pages' Python
    assert (None, "No vote organised by an occupying power on occupied territory") in ids
    assert ("disposition", "cast") in ids  # pgettext's context


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_catalog_holds_every_text_and_nothing_else(extracted: Catalog, lang: str) -> None:
    catalog = _read(catalog_path(lang), lang)
    missing = _ids(extracted) - _ids(catalog)
    stale = _ids(catalog) - _ids(extracted)
    assert not missing, f"{lang}: not in the catalog (run make i18n): {sorted(missing)[:5]}"
    assert not stale, f"{lang}: no longer in the sources (run make i18n): {sorted(stale)[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_text_is_translated_and_none_is_fuzzy(lang: str) -> None:
    catalog = _read(catalog_path(lang), lang)
    assert catalog.locale is not None and str(catalog.locale) == lang
    for message in catalog:
        if not message.id:
            continue
        where = f"{lang}: {message.id!r}"
        assert not message.fuzzy, f"{where} is fuzzy"
        english = {name for form in _forms(message.id) for name in PLACEHOLDER.findall(form)}
        forms = _forms(message.string)
        if message.pluralizable:  # every plural form the language's Plural-Forms counts
            assert len(forms) == catalog.num_plurals, f"{where}: {len(forms)} plural forms"
        for form in forms:
            assert form.strip(), f"{where} is empty"
            assert set(PLACEHOLDER.findall(form)) == english, f"{where}: the placeholders differ"


def test_a_fuzzy_or_empty_entry_is_what_the_test_catches(tmp_path: Path) -> None:
    """The check above, played against a catalog with the two faults it looks for."""
    text = catalog_path("uk").read_text(encoding="utf-8")
    broken = text.replace(
        'msgid "Tracking code"\nmsgstr "Код відстеження"',
        '#, fuzzy\nmsgid "Tracking code"\nmsgstr "Код відстеження"',
    ).replace('msgid "Check"\nmsgstr "Перевірити"', 'msgid "Check"\nmsgstr ""')
    assert broken != text
    path = tmp_path / "messages.po"
    path.write_text(broken, encoding="utf-8")
    catalog = _read(path, "uk")
    assert catalog["Tracking code"] is not None and catalog["Tracking code"].fuzzy
    assert catalog["Check"] is not None and not catalog["Check"].string


def test_gettext_reads_the_catalogs_as_the_pages_do() -> None:
    assert tr("uk", "Statistical analysis of results") == "Статистичний аналіз результатів"
    assert tr("ru", "Statistical analysis of results") == "Статистический анализ результатов"
    assert tr("en", "Statistical analysis of results") == "Statistical analysis of results"
    assert tr("ru", "Done: board entry %(n)s.", n=7) == "Готово: запись 7 на доске."
    assert trp("uk", "disposition", "cast") == "подано"
    assert tr("uk", "cast") == "вкинутий"  # the same English, another context
    assert tr("uk", "a text no catalog has") == "a text no catalog has"
    entries = [
        translations("uk").ngettext("%(num)s entry", "%(num)s entries", n) for n in (1, 3, 5)
    ]
    assert entries == ["%(num)s запис", "%(num)s записи", "%(num)s записів"]


def test_every_error_title_is_marked_for_the_catalogs() -> None:
    titles = {
        cls.title
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.PlebisciteError)
    }
    assert titles <= set(ERROR_TITLES), titles - set(ERROR_TITLES)
    for title in titles:
        assert tr("uk", title) != title and tr("ru", title) != title, title


def test_no_text_to_translate_hides_in_an_f_string() -> None:
    """On Python 3.11 an f-string is one token: ``pybabel extract`` never sees a ``tr()``
    inside it, and its text would stay English without any test noticing."""
    hidden = []
    for path in sorted((ROOT / "src" / "plebiscite" / "interfaces").rglob("*.py")):
        with path.open("rb") as f:
            for token in tokenize.tokenize(f.readline):
                prefix = re.match(r"[A-Za-z]*", token.string)
                is_f = token.type == tokenize.STRING and prefix and "f" in prefix.group().lower()
                if is_f and MARKED.search(token.string):
                    hidden.append(f"{path.name}:{token.start[0]}")
    assert hidden == [], hidden


def test_every_board_event_type_and_forensics_test_has_a_translated_name() -> None:
    from plebiscite.interfaces.pages.public import EVENT_NAMES, FORENSICS_TITLES
    from plebiscite.record.events import EventType
    from plebiscite.services.forensics.html import TITLES

    assert set(EVENT_NAMES) == {t.value for t in EventType}
    assert FORENSICS_TITLES == TITLES  # the same English as the HTML report's
    for text in (*EVENT_NAMES.values(), *FORENSICS_TITLES.values()):
        assert tr("uk", text) != text and tr("ru", text) != text, text


def test_the_legitimacy_tables_speak_the_locales_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from plebiscite.interfaces.cli import main

    seed = ROOT / "examples" / "seed-referendum" / "manifest.toml"
    monkeypatch.setenv("PLEBISCITE_LANG", "ru")
    main(["legitimacy", str(seed)])
    out = capsys.readouterr().out
    assert out.startswith("вывод: уровень 1, ничтожность изначально: Недействителен"), out[:200]
    assert "Никакого" in out and "состояние" in out  # a condition title, a column
    monkeypatch.setenv("PLEBISCITE_LANG", "en")
    main(["legitimacy", str(seed)])
    assert capsys.readouterr().out.startswith("verdict: tier 1, void from the outset: ")
