"""Soft check of 12-digit citizen ID numbers (căn cước / CCCD; Decree 137/2015, Circular 07/2016).

Layout: 3 digits province of birth registration (``"0"`` + old province code, 001-096),
1 digit century and sex (1900s: 0 male / 1 female; 2000s: 2/3; 2100s: 4/5; 2200s: 6/7;
2300s: 8/9), 2 digits year of birth, 6 random digits. There is no check digit.

Only the format is an error (wrong length, not digits): callers block on it. Everything else
(unknown province prefix, century/sex digit against the recorded sex, year against the recorded
birth year) is a warning, because the recorded data may be the wrong side and codes for new
births after the 2025 mergers are not confirmed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from tipdesk.domain import units
from tipdesk.i18n import _

__all__ = [
    "ID_LENGTH",
    "IdCheck",
    "century_digit",
    "check_id_number",
    "make_id_number",
    "normalise_id_number",
]

ID_LENGTH = 12
FIRST_CENTURY = 1900
LAST_CENTURY = 2300
_SEPARATORS = str.maketrans("", "", " .-\u00a0\t")
_SEXES = ("male", "female", "other", "unknown", None)


@dataclass
class IdCheck:
    valid_format: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No errors and no warnings."""
        return self.valid_format and not self.warnings


def normalise_id_number(number: str) -> str:
    """``number`` without spaces, dots, hyphens or tabs (``"001 090.123 456"`` → ``"001090123456"``)."""
    return (number or "").translate(_SEPARATORS)


def century_digit(sex: str | None, birth_year: int) -> int:
    """The fourth digit for ``sex`` ("male"/"female") and ``birth_year`` (1900-2399)."""
    if not FIRST_CENTURY <= birth_year < LAST_CENTURY + 100:
        raise ValueError(f"birth year {birth_year} outside {FIRST_CENTURY}-{LAST_CENTURY + 99}")
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be 'male' or 'female', not {sex!r}")
    return (birth_year // 100 - FIRST_CENTURY // 100) * 2 + (1 if sex == "female" else 0)


def _format_errors(number: str) -> list[str]:
    if not number:
        return [_("The ID number is empty.")]
    errors: list[str] = []
    if not (number.isascii() and number.isdigit()):
        errors.append(_("The ID number may contain only digits."))
    if len(number) != ID_LENGTH:
        errors.append(
            _("The ID number must have {expected} digits; this one has {count} characters.").format(
                expected=ID_LENGTH, count=len(number)
            )
        )
    return errors


def _province_warning(number: str) -> list[str]:
    prefix = number[:3]
    if units.is_old_province_code(prefix):
        return []
    return [
        _("The first three digits ({prefix}) are not the code of a province of birth registration.").format(
            prefix=prefix
        )
    ]


def _sex_warning(digit: int, sex: str | None) -> list[str]:
    if sex == "male" and digit % 2 == 1:
        return [
            _("The fourth digit ({digit}) is used for women, but the person is recorded as male.").format(
                digit=digit
            )
        ]
    if sex == "female" and digit % 2 == 0:
        return [
            _("The fourth digit ({digit}) is used for men, but the person is recorded as female.").format(
                digit=digit
            )
        ]
    return []


def _year_warnings(id_year: int, birth_year: int | None, today: dt.date) -> list[str]:
    warnings: list[str] = []
    if id_year > today.year:
        warnings.append(_("The ID number gives a birth year in the future ({year}).").format(year=id_year))
    if birth_year is not None and birth_year != id_year:
        warnings.append(
            _(
                "The ID number gives the birth year {id_year}, but the recorded birth year is {birth_year}."
            ).format(id_year=id_year, birth_year=birth_year)
        )
    return warnings


def check_id_number(
    number: str, sex: str | None, birth_year: int | None, today: dt.date | None = None
) -> IdCheck:
    """Check ``number`` (normalised first) against the recorded ``sex`` and ``birth_year``.

    ``sex`` is "male", "female", "other", "unknown" or None; only male and female are compared.
    """
    if sex not in _SEXES:
        raise ValueError(f"unknown sex value {sex!r}")
    clean = normalise_id_number(number)
    errors = _format_errors(clean)
    if errors:
        return IdCheck(valid_format=False, errors=errors)
    digit = int(clean[3])
    id_year = FIRST_CENTURY + (digit // 2) * 100 + int(clean[4:6])
    warnings = [
        *_province_warning(clean),
        *_sex_warning(digit, sex),
        *_year_warnings(id_year, birth_year, today or dt.date.today()),
    ]
    return IdCheck(valid_format=True, warnings=warnings)


def make_id_number(province3: str, sex: str | None, birth_year: int, rng: random.Random) -> str:
    """A well-formed ID number for demo data; any ``sex`` but male/female picks one at random."""
    if len(province3) != 3 or not province3.isdigit():
        raise ValueError(f"province code must be three digits, not {province3!r}")
    if sex not in ("male", "female"):
        sex = rng.choice(("male", "female"))
    serial = rng.randrange(10**6)
    return f"{province3}{century_digit(sex, birth_year)}{birth_year % 100:02d}{serial:06d}"
