"""Reference lists: 54 ethnic groups (data file), countries (Babel), sex values."""

from __future__ import annotations

import pytest
from babel import Locale

from tipdesk.domain import reference
from tipdesk.domain.persons import Sex
from tipdesk.domain.text import fold
from tipdesk.errors import NotFound


def test_there_are_54_ethnic_groups_with_unique_two_digit_codes() -> None:
    groups = reference.ethnic_groups()
    assert len(groups) == 54
    assert [g.code for g in groups] == [f"{n:02d}" for n in range(1, 55)]
    assert len({g.name_vi for g in groups}) == 54
    assert len({g.name_en for g in groups}) == 54
    assert all(g.name_vi.strip() and g.name_en.strip() for g in groups)


def test_kinh_is_01_and_o_du_is_54() -> None:
    assert reference.ethnic_group("01").name_vi == "Kinh"
    assert reference.ethnic_group("1").code == "01"
    assert reference.ethnic_group("54").name_vi == "Ơ Đu"


def test_group_name_follows_language() -> None:
    kinh = reference.ethnic_group("01")
    assert kinh.name("vi") == kinh.name_vi
    assert kinh.name("en") == kinh.name_en


@pytest.mark.parametrize("code", ["00", "55", "xx"])
def test_unknown_ethnic_group(code: str) -> None:
    with pytest.raises(NotFound):
        reference.ethnic_group(code)


def test_every_name_and_alias_finds_its_own_group() -> None:
    for group in reference.ethnic_groups():
        for name in (group.name_vi, group.name_en, *group.aliases):
            assert reference.find_ethnic_group(name) == group, name
            assert reference.find_ethnic_group(fold(name).upper()) == group, name


def test_find_ethnic_group_ignores_accents_spacing_and_hyphens() -> None:
    mong = reference.find_ethnic_group("H'Mông")
    assert mong is not None and mong == reference.find_ethnic_group("hmong")
    assert reference.find_ethnic_group("ede") == reference.find_ethnic_group("Ê-đê")
    assert reference.find_ethnic_group("Martian") is None


def test_countries_are_babels_iso_countries() -> None:
    babel_vi = Locale.parse("vi").territories
    rows = reference.countries("vi")
    codes = [c.code for c in rows]
    assert len(codes) == len(set(codes)) > 240
    assert all(len(c) == 2 and c.isalpha() and c.isupper() for c in codes)
    assert not set(codes) & reference.NOT_COUNTRIES
    assert {"VN", "CN", "KH", "LA", "MM", "TH"} <= set(codes)
    assert all(c.name == babel_vi[c.code] for c in rows)
    assert set(reference.countries("en")) != set(rows)
    assert {c.code for c in reference.countries("en")} == set(codes)


def test_countries_are_sorted_by_folded_name() -> None:
    rows = reference.countries("vi")
    keys = [fold(c.name) for c in rows]
    assert keys == sorted(keys)


@pytest.mark.parametrize("code", ["CN", "KH", "MM", "LA", "TH", "VN", "KR", "TW"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_country_name_is_babels(code: str, lang: str) -> None:
    assert reference.country_name(code, lang) == Locale.parse(lang).territories[code]
    assert reference.country_name(code.lower(), lang) == reference.country_name(code, lang)


def test_country_names_differ_by_language() -> None:
    assert reference.country_name("CN", "vi") != reference.country_name("CN", "en")


@pytest.mark.parametrize("code", ["XX", "EU", "UN", "ZZ", "001", ""])
def test_unknown_country_code(code: str) -> None:
    with pytest.raises(NotFound):
        reference.country_name(code, "vi")


def test_sex_values_are_the_persons_enum() -> None:
    values = reference.sex_values()
    assert values == list(Sex)
    assert {"male", "female"} <= {s.value for s in values}
    labels = [s.label() for s in values]
    assert all(labels) and len(set(labels)) == len(values)
