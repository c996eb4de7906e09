"""The pages' languages: the catalogs live in :mod:`plebiscite.interfaces.i18n` (gettext
``.po`` files, ``docs/languages.md``); this module keeps the pages' imports short."""

from __future__ import annotations

from plebiscite.interfaces.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    name_in,
    pick,
    tr,
    trp,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "N_",
    "name_in",
    "pick",
    "tr",
    "trp",
]
