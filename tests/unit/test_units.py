"""Administrative units: 2025 list from vietnam-provinces, old 63 provinces from resources/data."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import vietnam_provinces as vp

from tipdesk.domain import refdata, units
from tipdesk.domain.text import fold
from tipdesk.errors import NotFound


def test_counts_match_the_2025_list() -> None:
    assert len(units.provinces()) == 34
    all_communes = [c for p in units.provinces() for c in units.communes(p.code)]
    assert len(all_communes) == 3321
    assert len({c.code for c in all_communes}) == 3321
    assert len(list(vp.Ward.iter_all())) == 3321


def test_codes_are_zero_padded_strings() -> None:
    assert all(len(p.code) == 2 and p.code.isdigit() for p in units.provinces())
    for province in units.provinces():
        for item in units.communes(province.code):
            assert len(item.code) == 5 and item.code.isdigit()
            assert item.province_code == province.code


def test_division_types_cover_communes_wards_and_special_zones() -> None:
    kinds = Counter(c.division_type for p in units.provinces() for c in units.communes(p.code))
    assert set(kinds) == {
        units.DivisionType.COMMUNE,
        units.DivisionType.WARD,
        units.DivisionType.SPECIAL_ZONE,
    }
    assert kinds[units.DivisionType.SPECIAL_ZONE] == 13
    assert {p.division_type for p in units.provinces()} == {
        units.DivisionType.CITY,
        units.DivisionType.PROVINCE,
    }
    assert all(p.division_label for p in units.provinces())


def test_lookups_agree_with_the_package() -> None:
    for package_province in vp.Province.iter_all():
        code = f"{int(package_province.code):02d}"
        assert units.province(code).name == package_province.name
        assert units.unit_name(code) == package_province.name
    sample = next(iter(vp.Ward.iter_all()))
    code = f"{int(sample.code):05d}"
    assert units.commune(code).name == sample.name
    assert units.commune(str(int(sample.code))) == units.commune(code)  # unpadded input is accepted
    assert units.unit_name(code) == sample.name


@pytest.mark.parametrize("code", ["99", "00", "x1", "", "123"])
def test_unknown_province_code_raises_not_found(code: str) -> None:
    with pytest.raises(NotFound) as info:
        units.province(code)
    assert info.value.code == "not_found"
    assert info.value.message


@pytest.mark.parametrize("code", ["99999", "00000", "abcde", "123456"])
def test_unknown_commune_code_raises_not_found(code: str) -> None:
    with pytest.raises(NotFound):
        units.commune(code)


@pytest.mark.parametrize("code", ["1", "123", "1234", "99999"])
def test_unit_name_rejects_other_codes(code: str) -> None:
    with pytest.raises(NotFound):
        units.unit_name(code)


def test_communes_of_unknown_province_raise() -> None:
    with pytest.raises(NotFound):
        units.communes("99")


def test_search_tuyen_quang_finds_the_province_first() -> None:
    expected = next(p for p in vp.Province.iter_all() if p.codename == "tuyen_quang")
    hits = units.search_units("tuyen quang")
    assert isinstance(hits[0], units.Province)
    assert hits[0].code == f"{int(expected.code):02d}"
    assert hits[0].name == "Tuyên Quang"


def test_search_is_accent_and_case_insensitive() -> None:
    assert units.search_units("TUYÊN QUANG") == units.search_units("tuyen quang")
    assert units.search_units("hoàn kiếm") == units.search_units("Hoan Kiem")
    hits = units.search_units("hoan kiem")
    assert hits and all("hoan kiem" in fold(u.name) for u in hits)


def test_search_matches_at_word_starts_only_and_respects_limit() -> None:
    assert all(not isinstance(u, units.Province) for u in units.search_units("uyen quang"))
    assert len(units.search_units("xa", limit=7)) == 7
    assert units.search_units("   ") == []
    assert units.search_units("zzzz qqqq") == []


def test_old_provinces_are_63_unique_three_digit_codes() -> None:
    old = units.old_provinces()
    assert len(old) == 63
    codes = [p.code for p in old]
    assert len(set(codes)) == 63
    assert all(len(c) == 3 and c.startswith("0") and 1 <= int(c) <= 96 for c in codes)
    assert len({p.name for p in old}) == 63
    raw = json.loads((refdata.data_dir() / units.OLD_PROVINCES_FILE).read_text(encoding="utf-8"))
    assert len(raw["provinces"]) == 63


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("001", "Thành phố Hà Nội"),
        ("002", "Hà Giang"),
        ("004", "Cao Bằng"),
        ("006", "Bắc Kạn"),
        ("008", "Tuyên Quang"),
        ("010", "Lào Cai"),
        ("038", "Thanh Hóa"),
        ("079", "Thành phố Hồ Chí Minh"),
        ("096", "Cà Mau"),
    ],
)
def test_old_province_names(code: str, name: str) -> None:
    assert units.old_province_name(code) == name
    assert units.old_province_name(code[1:]) == name


@pytest.mark.parametrize("code", ["003", "028", "097", "000", "abc"])
def test_unknown_old_province_code(code: str) -> None:
    assert not units.is_old_province_code(code)
    with pytest.raises(NotFound):
        units.old_province_name(code)


def test_old_provinces_map_onto_every_new_province() -> None:
    new_codes = {p.code for p in units.provinces()}
    targets = [p.new_province_code for p in units.old_provinces()]
    assert set(targets) == new_codes
    # Each 2025 province kept the code of one of the provinces it absorbed.
    for code in new_codes:
        assert units.old_province("0" + code).new_province_code == code


def _runs(codes: list[str]) -> list[str]:
    out: list[str] = []
    for code in codes:
        if not out or out[-1] != code:
            out.append(code)
    return out


def test_old_codes_and_merger_agree_with_commune_code_order() -> None:
    """Commune codes were given in old-province order and kept in 2025, so walking the 2025
    communes by code visits the new provinces in the order of the old provinces they absorbed.
    Hà Nội (01) is skipped after the start: in 2008 it absorbed Hà Tây (code 28, no longer in
    the list) and communes of Vĩnh Phúc and Hòa Bình, whose codes stayed in those ranges."""
    by_code = sorted(vp.Ward.iter_all(), key=lambda w: int(w.code))
    walked = _runs([f"{int(w.province_code):02d}" for w in by_code])
    expected = _runs([p.new_province_code for p in units.old_provinces()])
    assert walked[0] == expected[0] == "01"
    assert _runs([c for c in walked[1:] if c != "01"]) == _runs([c for c in expected[1:] if c != "01"])
