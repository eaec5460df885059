"""Checking a person draft before anything is written: errors block, warnings never do.

``clean_draft`` returns the column values to store and the warnings to show (the ID-number
soft check, a minor without a guardian...). Every error found is collected, so the form can
mark all bad fields at once; the ``ValidationError`` message is the first of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

from tipdesk.domain import reference, units
from tipdesk.domain.ids import check_id_number, normalise_id_number
from tipdesk.domain.persons import (
    Sex,
    check_codes,
    evidence_items,
    is_minor,
    trafficking_forms,
    validate_birth_date,
    validate_birth_year,
    validate_not_future,
)
from tipdesk.errors import UserError, ValidationError
from tipdesk.i18n import _
from tipdesk.services.persons_types import Confidentiality, Intake, PersonDraft

MAX_CHILDREN = 30
_PHONE = re.compile(r"^\+?[0-9 .()-]{3,30}$")
_LIMITS = {
    "full_name": 200, "other_names": 300, "address_detail": 300, "address_old": 300, "origin_detail": 300,
    "origin_old": 300, "guardian_name": 200, "guardian_relation": 100, "guardian_contact": 200,
    "languages": 200, "disability": 300, "from_place": 300, "border_gate": 200, "receiving_agency": 300,
    "repatriation_route": 300,
}


class _Collector:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.warnings: list[str] = []

    def check(self, name: str, fn: Callable[[], Any]) -> Any:
        """Run ``fn``; a UserError becomes the error of field ``name`` and the result is None."""
        try:
            return fn()
        except UserError as exc:
            self.errors.setdefault(name, exc.message)
            return None

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.errors:
            first = next(iter(self.errors.values()))
            raise ValidationError(first, self.errors, code="person_invalid")


def _choice(value: str, enum: type[Any], message: str) -> str:
    try:
        return str(enum(value).value)
    except ValueError:
        raise UserError(message.format(value=value)) from None


def _unit(code: str) -> str:
    code = code.strip()
    if code:
        units.unit_name(code)  # NotFound (a UserError) names the bad code
    return code


def _country(code: str) -> str:
    code = code.strip().upper()
    if code:
        reference.country_name(code)
    return code


def _ethnic(code: str) -> str:
    code = code.strip()
    return reference.ethnic_group(code).code if code else ""


def _birth(draft: PersonDraft, today: dt.date, c: _Collector) -> tuple[dt.date | None, int | None]:
    if draft.birth_date is not None:
        born = c.check("birth_date", lambda: validate_birth_date(draft.birth_date, today))  # type: ignore[arg-type]
        if born is not None and draft.birth_year is not None and draft.birth_year != born.year:
            c.fail("birth_year", _("The year of birth does not match the date of birth."))
        return born, born.year if born is not None else None
    if draft.birth_year is not None:
        return None, c.check("birth_year", lambda: validate_birth_year(draft.birth_year, today))  # type: ignore[arg-type]
    return None, None


def _id_number(draft: PersonDraft, sex: str, year: int | None, today: dt.date, c: _Collector) -> str:
    number = normalise_id_number(draft.id_number.strip())
    if not number:
        return ""
    result = check_id_number(number, sex, year, today)
    if not result.valid_format:
        c.fail("id_number", " ".join(result.errors))
    c.warnings.extend(result.warnings)
    return number


def _texts(draft: PersonDraft, c: _Collector) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, limit in _LIMITS.items():
        text = " ".join(str(getattr(draft, name)).split())
        if len(text) > limit:
            c.fail(name, _("This text is too long (at most {n} characters).").format(n=limit))
        values[name] = text
    if not values["full_name"]:
        c.fail("full_name", _("The full name is required."))
    return values


def _dates(draft: PersonDraft, today: dt.date, c: _Collector) -> dict[str, dt.date | None]:
    received = draft.received_on or today
    c.check("received_on", lambda: validate_not_future(received, today, _("The date received")))
    for name, label in (("returned_on", _("The return date")), ("consent_on", _("The consent date"))):
        value: dt.date | None = getattr(draft, name)
        if value is not None:
            c.check(name, functools.partial(validate_not_future, value, today, label))
    return {"received_on": received, "returned_on": draft.returned_on, "consent_on": draft.consent_on}


def _consent(draft: PersonDraft, born: dt.date | int | None, today: dt.date, c: _Collector) -> None:
    minor = born is not None and is_minor(born, today)
    if draft.consent_share and draft.consent_on is None:
        c.fail("consent_on", _("Enter the date on which consent was given."))
    if minor and draft.consent_share and not draft.consent_by_guardian:
        c.fail("consent_by_guardian", _("For a child, consent to share must be given by the guardian."))
    if minor and not draft.guardian_name.strip():
        c.warnings.append(_("The person is a child: record the guardian."))


def _phone(value: str, name: str, c: _Collector) -> str:
    value = value.strip()
    if value and not _PHONE.match(value):
        c.fail(name, _("A telephone number may contain only digits, spaces, dots, dashes and a leading +."))
    return value


def clean_draft(draft: PersonDraft, today: dt.date) -> tuple[dict[str, Any], list[str]]:
    """The column values for ``draft`` and its warnings; raises ``ValidationError`` listing every bad field."""
    c = _Collector()
    values: dict[str, Any] = dict(_texts(draft, c))
    sex = c.check("sex", lambda: _choice(draft.sex, Sex, _("Unknown sex value: {value}"))) or Sex.UNKNOWN.value
    born_date, year = _birth(draft, today, c)
    values.update(
        sex=sex, birth_date=born_date, birth_year=year,
        id_number=_id_number(draft, sex, year, today, c),
        phone=_phone(draft.phone, "phone", c),
        ethnic_code=c.check("ethnic_code", lambda: _ethnic(draft.ethnic_code)) or "",
        nationality=c.check("nationality", lambda: _country(draft.nationality)) or "",
        from_country=c.check("from_country", lambda: _country(draft.from_country)) or "",
        address_unit_code=c.check("address_unit_code", lambda: _unit(draft.address_unit_code)) or "",
        origin_unit_code=c.check("origin_unit_code", lambda: _unit(draft.origin_unit_code)) or "",
        intake=c.check("intake", lambda: _choice(draft.intake, Intake, _("Unknown intake: {value}"))),
        confidentiality=c.check("confidentiality", lambda: _choice(
            draft.confidentiality, Confidentiality, _("Unknown confidentiality level: {value}"))),
        forms=c.check("forms", lambda: check_codes(draft.forms, trafficking_forms())) or (),
        pregnant=bool(draft.pregnant), consent_share=bool(draft.consent_share),
        consent_by_guardian=bool(draft.consent_by_guardian), notes=draft.notes.strip(),
    )
    values.update(_dates(draft, today, c))
    children = draft.accompanying_children
    if isinstance(children, bool) or not isinstance(children, int) or not 0 <= children <= MAX_CHILDREN:
        c.fail("accompanying_children", _("The number of accompanying children must be between 0 and {n}.")
               .format(n=MAX_CHILDREN))
    values["accompanying_children"] = children
    if draft.pregnant and sex == Sex.MALE.value:
        c.warnings.append(_("Pregnancy is recorded for a person recorded as male."))
    _consent(draft, born_date or year, today, c)
    c.raise_if_any()
    return values, c.warnings


def clean_evidence(codes: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Validated evidence-checklist codes (Law 53/2024 Art 32)."""
    return check_codes(list(codes), evidence_items())


def birth_sort(birth_date: dt.date | None, birth_year: int | None) -> dt.date | None:
    """The birth date, or 31 December of the birth year (as the domain's age rules count)."""
    if birth_date is not None:
        return birth_date
    return dt.date(birth_year, 12, 31) if birth_year is not None else None
