"""Languages: gettext message catalogs for the pages, the CLI and the reports
(``docs/languages.md``).

The English text is the message id, written where it is used: ``_("...")`` in the templates
(Jinja2's i18n extension), :func:`tr` and :func:`trp` in Python, :func:`N_` where a text is
only marked to be translated later. ``pybabel extract`` collects them into
``locale/messages.pot`` and ``pybabel update`` carries them into each language's
``locale/<lang>/LC_MESSAGES/messages.po`` (``make i18n``). The ``.po`` files are read as they
are, at run time, with Babel: nothing is compiled, so a checkout runs as it is.

A message missing from a catalog shows in English; ``tests/interfaces/test_catalogs.py``
fails first, on any untranslated, fuzzy or missing message. Values are filled in with
``%(name)s``, as gettext's ``python-format`` and Jinja2's new-style gettext do.

Questions, option labels, the title and the territory's names come from the manifest in
every language it declares (:func:`pick`, :func:`name_in`), not from these catalogs.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Protocol

LANGUAGES: tuple[str, ...] = ("uk", "ru", "en")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES: Mapping[str, str] = {"uk": "Українська", "ru": "Русский", "en": "English"}
#: The languages with a catalog; English is the message ids themselves.
TRANSLATED: tuple[str, ...] = ("uk", "ru")
LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


def catalog_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang``, read from its ``.po`` file (English: the ids themselves).
    Fuzzy entries are left out, as ``msgfmt`` does."""
    if lang not in TRANSLATED:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _fill(text: str, values: Mapping[str, object]) -> str:
    return text % values if values else text


def tr(lang: str, message: str, **values: object) -> str:
    """``message`` (its English text) in ``lang``, with ``%(name)s`` filled from ``values``."""
    return _fill(translations(lang).gettext(message), values)


def trp(lang: str, context: str, message: str, **values: object) -> str:
    """:func:`tr` for a message whose translation depends on ``context`` (``msgctxt``)."""
    return _fill(translations(lang).pgettext(context, message), values)


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for "mark only")
    """Marks ``message`` for the catalogs; translated later, where the language is known."""
    return message


def pick(labels: Mapping[str, str], lang: str) -> str:
    """A manifest text in ``lang``, else English, else any language it has."""
    for candidate in (lang, DEFAULT_LANGUAGE):
        if labels.get(candidate):
            return labels[candidate]
    return next(iter(labels.values()), "")


class Named(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def names(self) -> Mapping[str, str]: ...


def name_in(thing: Named, lang: str) -> str:
    """A region's, district's or precinct's name in ``lang`` (one name serves every language)."""
    return pick(thing.names, lang) if thing.names else thing.name


def cli_language(environ: Mapping[str, str] | None = None) -> str:
    """The language of the CLI's messages: ``PLEBISCITE_LANG``, else the locale variables in
    gettext's order (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English."""
    env = os.environ if environ is None else environ
    for variable in ("PLEBISCITE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if not value:
            continue
        for part in value.split(":"):
            code = part.split("_")[0].split(".")[0].lower()
            if code in LANGUAGES:
                return code
        return DEFAULT_LANGUAGE  # set, but not a language of ours (e.g. C.UTF-8)
    return DEFAULT_LANGUAGE


#: Every error title (``plebiscite.errors``), for the catalogs: the CLI's one-line errors and
#: the pages' refusals show the title in the reader's language and the detail in English.
ERROR_TITLES = (
    N_("plebiscite error"),
    N_("set-up error"),
    N_("invalid input"),
    N_("invalid manifest"),
    N_("invalid roll"),
    N_("unreadable results data"),
    N_("invalid cryptographic data"),
    N_("invalid encoding"),
    N_("proof does not verify"),
    N_("signature does not verify"),
    N_("threshold protocol error"),
    N_("refused by a protocol rule"),
    N_("location closed"),
    N_("voter not eligible"),
    N_("ballot already cast"),
    N_("bulletin board unavailable"),
    N_("board schema version mismatch"),
    N_("not a plebiscite board"),
    N_("corrupt election record"),
    N_("verification failed"),
    N_("unknown device"),
    N_("device revoked"),
    N_("device already enrolled"),
    N_("ballot for another election"),
    N_("tracking-code chain broken"),
    N_("ballot replayed"),
    N_("voting closed"),
    N_("election not ready"),
    N_("not found"),
)


__all__ = [
    "DEFAULT_LANGUAGE",
    "ERROR_TITLES",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LOCALE",
    "N_",
    "TRANSLATED",
    "catalog_path",
    "cli_language",
    "name_in",
    "pick",
    "tr",
    "translations",
    "trp",
]
