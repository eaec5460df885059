"""Soft check of 12-digit citizen ID numbers: format errors block, the rest only warns."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tipdesk.domain import units
from tipdesk.domain.ids import (
    IdCheck,
    century_digit,
    check_id_number,
    make_id_number,
    normalise_id_number,
)

TODAY = dt.date(2026, 8, 1)


def check(number: str, sex: str | None = None, year: int | None = None) -> IdCheck:
    return check_id_number(number, sex, year, today=TODAY)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("001 090 123 456", "001090123456"),
        ("001.090.123.456", "001090123456"),
        (" 0010-9012\t3456 ", "001090123456"),
    ],
)
def test_normalise_strips_spaces_dots_and_hyphens(raw: str, clean: str) -> None:
    assert normalise_id_number(raw) == clean


def test_a_consistent_number_has_no_errors_or_warnings() -> None:
    result = check("001090123456", "male", 1990)
    assert result.valid_format and result.ok
    assert result.errors == [] and result.warnings == []


def test_formatted_input_is_accepted() -> None:
    assert check("001 090 123.456", "male", 1990).ok


@pytest.mark.parametrize("number", ["00109012345", "0010901234567", "1", "001 090 123 45"])
def test_wrong_length_is_an_error(number: str) -> None:
    result = check(number)
    assert not result.valid_format
    assert len(result.errors) == 1
    assert "12" in result.errors[0]
    assert result.warnings == []


@pytest.mark.parametrize("number", ["00109012345A", "O01090123456", "001090123４56"])
def test_letters_or_other_digits_are_an_error(number: str) -> None:
    result = check(number)
    assert not result.valid_format
    assert result.errors


def test_empty_is_an_error() -> None:
    result = check("  ")
    assert not result.valid_format and len(result.errors) == 1


@pytest.mark.parametrize("prefix", ["003", "028", "097", "100", "999"])
def test_unknown_province_prefix_is_only_a_warning(prefix: str) -> None:
    assert not units.is_old_province_code(prefix)
    result = check(prefix + "090123456", "male", 1990)
    assert result.valid_format and not result.errors
    assert len(result.warnings) == 1 and prefix in result.warnings[0]


def test_every_old_province_code_is_accepted_as_prefix() -> None:
    for old in units.old_provinces():
        assert check(old.code + "090123456", "male", 1990).ok, old.code


@pytest.mark.parametrize(
    ("digit", "recorded", "warns"),
    [
        ("0", "male", False),
        ("0", "female", True),
        ("1", "female", False),
        ("1", "male", True),
        ("2", "male", False),
        ("3", "male", True),
        ("3", "female", False),
        ("2", "female", True),
        ("1", "other", False),
        ("0", "unknown", False),
        ("0", None, False),
    ],
)
def test_sex_digit_against_recorded_sex(digit: str, recorded: str | None, warns: bool) -> None:
    year = 1990 if digit in "01" else 2010
    number = f"001{digit}{year % 100:02d}123456"
    result = check(number, recorded, year)
    assert result.valid_format
    assert bool(result.warnings) is warns
    if warns:
        assert digit in result.warnings[0]


@pytest.mark.parametrize(
    ("number", "recorded_year", "warns"),
    [
        ("001090123456", 1990, False),
        ("001090123456", 1991, True),
        ("001090123456", 2090, True),  # same two digits, other century
        ("001210123456", 2010, False),
        ("001310123456", 1910, True),
        ("001090123456", None, False),
    ],
)
def test_year_digits_against_recorded_birth_year(number: str, recorded_year: int | None, warns: bool) -> None:
    result = check(number, None, recorded_year)
    assert result.valid_format
    assert bool(result.warnings) is warns
    if warns:
        assert str(recorded_year) in result.warnings[0]


def test_birth_year_in_the_future_warns() -> None:
    result = check("001230123456", None, None)  # 2030 > 2026
    assert result.valid_format
    assert len(result.warnings) == 1 and "2030" in result.warnings[0]
    assert check("001426123456", None, None).warnings  # 2126


def test_several_warnings_are_all_reported() -> None:
    result = check("003190123456", "male", 1985)
    assert result.valid_format
    assert len(result.warnings) == 3


def test_unknown_sex_value_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        check_id_number("001090123456", "M", 1990)


@pytest.mark.parametrize(
    ("sex", "year", "digit"),
    [
        ("male", 1990, 0),
        ("female", 1990, 1),
        ("male", 2005, 2),
        ("female", 2005, 3),
        ("male", 2100, 4),
        ("female", 2199, 5),
        ("male", 2200, 6),
        ("female", 2399, 9),
    ],
)
def test_century_digit(sex: str, year: int, digit: int) -> None:
    assert century_digit(sex, year) == digit


@pytest.mark.parametrize("year", [1899, 2400])
def test_century_digit_out_of_range(year: int) -> None:
    with pytest.raises(ValueError):
        century_digit("male", year)


@pytest.mark.parametrize("sex", ["male", "female"])
@pytest.mark.parametrize("year", [1931, 1999, 2000, 2024])
def test_made_numbers_pass_the_check(sex: str, year: int) -> None:
    rng = random.Random(f"{sex}{year}")
    for old in units.old_provinces()[:10]:
        number = make_id_number(old.code, sex, year, rng)
        assert len(number) == 12 and number.isdigit() and number.startswith(old.code)
        assert check(number, sex, year).ok, number


def test_make_id_number_is_reproducible_and_handles_unknown_sex() -> None:
    first = make_id_number("079", None, 1990, random.Random(7))
    assert first == make_id_number("079", None, 1990, random.Random(7))
    assert first[3] in "01"
    assert check(first, None, 1990).ok
    other = make_id_number("079", "other", 2001, random.Random(8))
    assert other[3] in "23"


@pytest.mark.parametrize("province", ["79", "0790", "abc"])
def test_make_id_number_rejects_bad_province(province: str) -> None:
    with pytest.raises(ValueError):
        make_id_number(province, "male", 1990, random.Random(1))
