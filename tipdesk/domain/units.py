"""Administrative units: the 2025 list (34 provinces, 3,321 communes) and the old 63 provinces.

The 2025 units come from the ``vietnam-provinces`` package (the statistics office's list, bundled
offline), never from a hand-typed list. Codes are zero-padded strings: two digits for a province,
five for a commune (xã, phường or đặc khu); they are permanent and never reused.

The 63 provinces before the 1 July 2025 merger live in ``resources/data/old_provinces.json``:
their three-digit codes (``"0"`` + the old province code) open every 12-digit citizen ID number,
and old addresses still name them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from tipdesk.domain import refdata
from tipdesk.domain.text import fold
from tipdesk.errors import NotFound, UserError
from tipdesk.i18n import N_, _

__all__ = [
    "Commune",
    "DivisionType",
    "OldProvince",
    "Province",
    "Unit",
    "commune",
    "communes",
    "is_old_province_code",
    "old_province",
    "old_province_name",
    "old_provinces",
    "province",
    "provinces",
    "search_units",
    "unit_name",
]

OLD_PROVINCES_FILE = "old_provinces.json"


class DivisionType(StrEnum):
    CITY = "city"  # thành phố trực thuộc trung ương
    PROVINCE = "province"  # tỉnh
    COMMUNE = "commune"  # xã
    WARD = "ward"  # phường
    SPECIAL_ZONE = "special_zone"  # đặc khu

    @property
    def label(self) -> str:
        return _(_DIVISION_LABELS[self])


_DIVISION_LABELS: dict[DivisionType, str] = {
    DivisionType.CITY: N_("centrally governed city"),
    DivisionType.PROVINCE: N_("province"),
    DivisionType.COMMUNE: N_("commune"),
    DivisionType.WARD: N_("ward"),
    DivisionType.SPECIAL_ZONE: N_("special zone"),
}

# vietnam_provinces.VietNamDivisionType member names → ours.
_PACKAGE_TYPES: dict[str, DivisionType] = {
    "THANH_PHO_TRUNG_UONG": DivisionType.CITY,
    "TINH": DivisionType.PROVINCE,
    "XA": DivisionType.COMMUNE,
    "PHUONG": DivisionType.WARD,
    "DAC_KHU": DivisionType.SPECIAL_ZONE,
}


@dataclass(frozen=True)
class Province:
    code: str  # two digits, e.g. "08"
    name: str  # e.g. "Tuyên Quang", "Thành phố Hà Nội"
    division_type: DivisionType

    @property
    def division_label(self) -> str:
        return self.division_type.label


@dataclass(frozen=True)
class Commune:
    code: str  # five digits, e.g. "00070"
    name: str  # with its type, e.g. "Phường Hoàn Kiếm"
    division_type: DivisionType
    province_code: str

    @property
    def division_label(self) -> str:
        return self.division_type.label


@dataclass(frozen=True)
class OldProvince:
    code: str  # three digits as in ID numbers, e.g. "079"
    name: str
    new_province_code: str  # the 2025 province that took over most of its territory


Unit: TypeAlias = Province | Commune


def _digits(code: str, width: int) -> str | None:
    """``code`` zero-padded to ``width`` digits, or None if it cannot be such a code."""
    value = str(code).strip()
    if not value.isascii() or not value.isdigit() or len(value) > width:
        return None
    return value.zfill(width)


def _division(package_type: object) -> DivisionType:
    return _PACKAGE_TYPES[getattr(package_type, "name", str(package_type))]


@functools.lru_cache(maxsize=1)
def _province_table() -> dict[str, Province]:
    from vietnam_provinces import Province as PackageProvince

    rows = (
        Province(f"{int(p.code):02d}", p.name, _division(p.division_type)) for p in PackageProvince.iter_all()
    )
    return {p.code: p for p in sorted(rows, key=lambda p: p.code)}


@functools.lru_cache(maxsize=1)
def _commune_table() -> dict[str, Commune]:
    from vietnam_provinces import Ward

    rows = (
        Commune(f"{int(w.code):05d}", w.name, _division(w.division_type), f"{int(w.province_code):02d}")
        for w in Ward.iter_all()
    )
    return {c.code: c for c in sorted(rows, key=lambda c: c.code)}


@functools.lru_cache(maxsize=1)
def _communes_by_province() -> dict[str, tuple[Commune, ...]]:
    grouped: dict[str, list[Commune]] = {code: [] for code in _province_table()}
    for item in _commune_table().values():
        grouped[item.province_code].append(item)
    return {code: tuple(items) for code, items in grouped.items()}


def provinces() -> list[Province]:
    """The 34 provinces and centrally governed cities, by code."""
    return list(_province_table().values())


def province(code: str) -> Province:
    found = _province_table().get(_digits(code, 2) or "")
    if found is None:
        raise NotFound(_("There is no province with the code “{code}”.").format(code=code))
    return found


def communes(province_code: str) -> list[Commune]:
    """The communes, wards and special zones of a province, by code."""
    return list(_communes_by_province()[province(province_code).code])


def commune(code: str) -> Commune:
    found = _commune_table().get(_digits(code, 5) or "")
    if found is None:
        raise NotFound(_("There is no commune or ward with the code “{code}”.").format(code=code))
    return found


def name_or_code(code: str) -> str:
    """The unit's name for display; the code itself when it is not in the list (old or mistyped), "" for ""."""
    if not code:
        return ""
    try:
        return unit_name(code)
    except UserError:  # not in the list, or not a unit code at all
        return code


def unit_name(code: str) -> str:
    """The name of the province (two-digit code) or commune (five-digit code)."""
    value = str(code).strip()
    if len(value) == 2:
        return province(value).name
    if len(value) == 5:
        return commune(value).name
    raise NotFound(_("“{code}” is not an administrative unit code.").format(code=code))


def _bare(name: str) -> str:
    """Folded name without its type word (``xa``, ``phuong``, ``dac khu``, ``thanh pho``)."""
    folded = fold(name)
    for prefix in ("thanh pho ", "tinh ", "xa ", "phuong ", "dac khu "):
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return folded


@functools.lru_cache(maxsize=1)
def _search_index() -> tuple[tuple[str, str, Unit], ...]:
    units: list[Unit] = [*_province_table().values(), *_commune_table().values()]
    return tuple((f" {fold(u.name)}", _bare(u.name), u) for u in units)


def _rank(query: str, bare: str, unit: Unit) -> tuple[int, int, str]:
    exactness = 0 if bare == query else 1 if bare.startswith(query) else 2
    return exactness, 0 if isinstance(unit, Province) else 1, unit.code


def search_units(query: str, limit: int = 50) -> list[Unit]:
    """Provinces and communes whose name contains ``query`` at a word start, accent-insensitively.

    Exact names first, then names starting with the query; provinces before communes.
    """
    folded = fold(query)
    if not folded:
        return []
    needle = f" {folded}"
    hits = [(bare, unit) for name, bare, unit in _search_index() if needle in name]
    hits.sort(key=lambda hit: _rank(folded, *hit))
    return [unit for _bare_name, unit in hits[:limit]]


@functools.lru_cache(maxsize=1)
def _old_province_table() -> dict[str, OldProvince]:
    data = refdata.load(OLD_PROVINCES_FILE)
    rows: list[OldProvince] = []
    for index, item in enumerate(refdata.object_list(data, "provinces", OLD_PROVINCES_FILE), start=1):
        where = f"provinces[{index}]"
        rows.append(
            OldProvince(
                code=refdata.text(item, "code", where, OLD_PROVINCES_FILE),
                name=refdata.text(item, "name", where, OLD_PROVINCES_FILE),
                new_province_code=refdata.text(item, "new_province_code", where, OLD_PROVINCES_FILE),
            )
        )
    refdata.unique_codes([row.code for row in rows], OLD_PROVINCES_FILE)
    return {row.code: row for row in rows}


def old_provinces() -> list[OldProvince]:
    """The 63 provinces before 1 July 2025, by code."""
    return sorted(_old_province_table().values(), key=lambda p: p.code)


def is_old_province_code(code3: str) -> bool:
    return (_digits(code3, 3) or "") in _old_province_table()


def old_province(code3: str) -> OldProvince:
    """The old province with ID-number prefix ``code3`` (``"079"``; ``"79"`` is accepted too)."""
    found = _old_province_table().get(_digits(code3, 3) or "")
    if found is None:
        raise NotFound(_("There is no former province with the code “{code}”.").format(code=code3))
    return found


def old_province_name(code3: str) -> str:
    return old_province(code3).name


def clear_cache() -> None:
    """Forget the cached tables (tests)."""
    for cached in (
        _province_table,
        _commune_table,
        _communes_by_province,
        _search_index,
        _old_province_table,
    ):
        cached.cache_clear()
