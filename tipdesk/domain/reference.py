"""Reference lists: ethnic groups, countries and sex values (``Sex`` is ``tipdesk.domain.persons.Sex``).

Ethnic groups are data (``resources/data/ethnic_groups.json``: the statistics office's 54 groups
with their codes). Country names come from Babel's CLDR data, so they are offline and follow the
language: ``country_name("KH", "vi") == "Campuchia"``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from babel import Locale

from tipdesk import i18n
from tipdesk.domain import refdata
from tipdesk.domain.persons import Sex
from tipdesk.domain.text import fold
from tipdesk.errors import NotFound
from tipdesk.i18n import _

__all__ = [
    "Country",
    "EthnicGroup",
    "Sex",
    "countries",
    "country_name",
    "ethnic_group",
    "ethnic_groups",
    "find_ethnic_group",
    "sex_values",
]

ETHNIC_GROUPS_FILE = "ethnic_groups.json"

# CLDR territory codes of two letters that are not ISO 3166-1 countries: exceptionally reserved
# codes (Ascension, Clipperton, Sark, Diego Garcia, Ceuta and Melilla, Canary Islands, Tristan da
# Cunha), groupings (EU, euro area, UN, outlying Oceania), pseudo-locales, user-assigned XK, unknown.
NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"}
)


def sex_values() -> list[Sex]:
    """The recorded sex values; the enum itself lives in ``tipdesk.domain.persons``."""
    return list(Sex)


@dataclass(frozen=True)
class EthnicGroup:
    code: str  # two digits, "01" Kinh ... "54" Ơ Đu
    name_vi: str
    name_en: str
    aliases: tuple[str, ...] = ()

    def name(self, lang: str | None = None) -> str:
        """The name in ``lang`` ("vi" or "en"; default: the current UI language)."""
        return self.name_en if (lang or i18n.language()) == "en" else self.name_vi


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str


def _ethnic_group(item: Mapping[str, object], index: int) -> EthnicGroup:
    where, source = f"groups[{index}]", ETHNIC_GROUPS_FILE
    code = refdata.text(item, "code", where, source)
    if len(code) != 2 or not code.isdigit():
        raise refdata.invalid(source, _("{where}: the code must have two digits").format(where=where))
    return EthnicGroup(
        code=code,
        name_vi=refdata.text(item, "name_vi", where, source),
        name_en=refdata.text(item, "name_en", where, source),
        aliases=refdata.text_list(item, "aliases", where, source),
    )


@functools.lru_cache(maxsize=1)
def _ethnic_table() -> dict[str, EthnicGroup]:
    data = refdata.load(ETHNIC_GROUPS_FILE)
    items = refdata.object_list(data, "groups", ETHNIC_GROUPS_FILE)
    groups = [_ethnic_group(item, index) for index, item in enumerate(items, start=1)]
    refdata.unique_codes([g.code for g in groups], ETHNIC_GROUPS_FILE)
    return {g.code: g for g in sorted(groups, key=lambda g: g.code)}


def ethnic_groups() -> list[EthnicGroup]:
    """The ethnic groups by code (Kinh first)."""
    return list(_ethnic_table().values())


def ethnic_group(code: str) -> EthnicGroup:
    found = _ethnic_table().get(str(code).strip().zfill(2))
    if found is None:
        raise NotFound(_("There is no ethnic group with the code “{code}”.").format(code=code))
    return found


@functools.lru_cache(maxsize=1)
def _ethnic_names() -> dict[str, EthnicGroup]:
    names: dict[str, EthnicGroup] = {}
    for group in _ethnic_table().values():
        for name in (group.name_vi, group.name_en, *group.aliases):
            names.setdefault(fold(name).replace(" ", ""), group)
    return names


def find_ethnic_group(name: str) -> EthnicGroup | None:
    """The group whose name or known spelling matches ``name`` (accents, case, spaces, hyphens ignored)."""
    return _ethnic_names().get(fold(name).replace(" ", ""))


@functools.lru_cache(maxsize=4)
def _country_table(lang: str) -> dict[str, str]:
    territories = Locale.parse(lang).territories
    return {
        code: name
        for code, name in territories.items()
        if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }


def _lang(lang: str | None) -> str:
    return lang if lang in i18n.LANGUAGES else i18n.language()


def countries(lang: str | None = None) -> list[Country]:
    """Countries and territories with ISO two-letter codes, sorted by name (accents ignored)."""
    table = _country_table(_lang(lang))
    rows = [Country(code, name) for code, name in table.items()]
    return sorted(rows, key=lambda c: (fold(c.name), c.name))


def country_name(code: str, lang: str | None = None) -> str:
    """The name of country ``code`` (ISO 3166-1 alpha-2, any case) in ``lang`` (default: UI language)."""
    name = _country_table(_lang(lang)).get(str(code).strip().upper())
    if name is None:
        raise NotFound(_("There is no country with the code “{code}”.").format(code=code))
    return name


def country_or_code(code: str) -> str:
    """The country's name for display; the code when unknown, "" for ""."""
    if not code:
        return ""
    try:
        return country_name(code)
    except NotFound:
        return code


def ethnic_or_code(code: str) -> str:
    """The ethnic group's name for display; the code when unknown, "" for ""."""
    if not code:
        return ""
    try:
        return ethnic_group(code).name()
    except NotFound:
        return code
