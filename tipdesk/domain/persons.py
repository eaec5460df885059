"""Victims and persons being identified (Law 53/2024/QH15): statuses, checklists, support, validation.

Reference lists (evidence items, support types, trafficking forms) are data files
under ``resources/data``; the essential-needs period comes from the deadline rule
``person_essential_needs`` (see ``tipdesk.domain.deadlines``).

Day counting follows the deadline engine: a period of N days starting on day D
ends on day D + N (the start day is not counted, Civil Code Art 147).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from tipdesk.domain import refdata
from tipdesk.errors import ValidationError
from tipdesk.i18n import N_, _, language

ESSENTIAL_NEEDS_RULE = "person_essential_needs"
MAX_AMOUNT_VND = 10_000_000_000
MIN_BIRTH_YEAR = 1900


class _Labelled(StrEnum):
    def label(self) -> str:
        return _(_LABELS[type(self).__name__][self.value])


class IdentificationStatus(_Labelled):
    BEING_IDENTIFIED = "being_identified"
    IDENTIFIED_VICTIM = "identified_victim"
    NOT_VICTIM = "not_victim"


class PersonEventKind(_Labelled):
    RECEIVED = "person_received"
    HANDED_OVER = "handed_over"
    INITIAL_VERIFICATION_DONE = "initial_verification_done"
    IDENTIFIED = "identified"
    NOT_VICTIM = "found_not_victim"
    ESSENTIAL_SUPPORT_STARTED = "essential_support_started"
    ESSENTIAL_SUPPORT_EXTENDED = "essential_support_extended"
    ESSENTIAL_SUPPORT_ENDED = "essential_support_ended"
    NOTE = "person_note"


class Sex(_Labelled):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class AgeGroup(_Labelled):
    UNDER_16 = "under_16"
    AGE_16_17 = "16_17"
    AGE_18_29 = "18_29"
    AGE_30_44 = "30_44"
    AGE_45_PLUS = "45_plus"
    UNKNOWN = "unknown"


class SupportPeriodState(_Labelled):
    NOT_STARTED = "not_started"
    ACTIVE = "active"
    ENDING_SOON = "ending_soon"
    ENDED = "ended"


_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "IdentificationStatus": {
            "being_identified": N_("Being identified"),
            "identified_victim": N_("Identified victim"),
            "not_victim": N_("Not a victim"),
        },
        "PersonEventKind": {
            "person_received": N_("Person received"),
            "handed_over": N_("Handed over to the provincial health department"),
            "initial_verification_done": N_("Initial verification completed"),
            "identified": N_("Identified as a victim"),
            "found_not_victim": N_("Found not to be a victim"),
            "essential_support_started": N_("Essential-needs support started"),
            "essential_support_extended": N_("Essential-needs support extended"),
            "essential_support_ended": N_("Essential-needs support ended"),
            "person_note": N_("Note"),
        },
        "Sex": {"male": N_("Male"), "female": N_("Female"), "unknown": N_("Unknown")},
        "AgeGroup": {
            "under_16": N_("Under 16"),
            "16_17": N_("16–17"),
            "18_29": N_("18–29"),
            "30_44": N_("30–44"),
            "45_plus": N_("45 and over"),
            "unknown": N_("Unknown age"),
        },
        "SupportPeriodState": {
            "not_started": N_("Not started"),
            "active": N_("Active"),
            "ending_soon": N_("Ending soon"),
            "ended": N_("Ended"),
        },
    }
)

# --- identification status ---------------------------------------------------------------------------

_I = IdentificationStatus
IDENTIFICATION_TRANSITIONS: Mapping[IdentificationStatus, frozenset[IdentificationStatus]] = MappingProxyType(
    {
        _I.BEING_IDENTIFIED: frozenset({_I.IDENTIFIED_VICTIM, _I.NOT_VICTIM}),
        _I.NOT_VICTIM: frozenset({_I.BEING_IDENTIFIED}),  # reopened on new evidence
        _I.IDENTIFIED_VICTIM: frozenset(),
    }
)


def change_identification(current: IdentificationStatus, new: IdentificationStatus) -> IdentificationStatus:
    """Validate a change of identification status; returns ``new``."""
    if new not in IDENTIFICATION_TRANSITIONS[current]:
        raise ValidationError(
            _("The identification status cannot change from “{old}” to “{new}”.").format(
                old=current.label(), new=new.label()
            ),
            code="identification_transition_forbidden",
        )
    return new


def can_receive_support(status: IdentificationStatus) -> bool:
    """Support is given to victims and to persons still being identified."""
    return status is not IdentificationStatus.NOT_VICTIM


# --- age -----------------------------------------------------------------------------------------------


def birth_date_from_year(year: int) -> dt.date:
    """Year only: 31 December of that year is taken as the birth date (BLTTHS 2015 Art 417)."""
    return dt.date(year, 12, 31)


def age_on(birth: dt.date | int, on_date: dt.date) -> int:
    """Completed years on ``on_date``; a bare year means 31 December of that year."""
    if isinstance(birth, int):
        too_late = birth > on_date.year
        born = birth_date_from_year(birth)
    else:
        too_late = birth > on_date
        born = birth
    if too_late:
        raise ValidationError(_("The birth date is after the reference date."), code="birth_after_date")
    before_birthday = (on_date.month, on_date.day) < (born.month, born.day)
    return max(0, on_date.year - born.year - before_birthday)


def age_group(birth: dt.date | int | None, on_date: dt.date) -> AgeGroup:
    """Age group on ``on_date`` from a birth date or a birth year (``None``: unknown)."""
    if birth is None:
        return AgeGroup.UNKNOWN
    age = age_on(birth, on_date)
    if age < 16:
        return AgeGroup.UNDER_16
    if age < 18:
        return AgeGroup.AGE_16_17
    if age < 30:
        return AgeGroup.AGE_18_29
    if age < 45:
        return AgeGroup.AGE_30_44
    return AgeGroup.AGE_45_PLUS


def is_minor(birth: dt.date | int, on_date: dt.date) -> bool:
    """Under 18: the trafficking definition then needs no means (Law 53/2024 Art 2(1))."""
    return age_on(birth, on_date) < 18


# --- reference lists (data) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedItem:
    code: str
    name_vi: str
    name_en: str

    def name(self, lang: str | None = None) -> str:
        return self.name_vi if (lang or language()) == "vi" else self.name_en


@dataclass(frozen=True)
class EvidenceItem(NamedItem):
    kind: str  # "document", "statement" or "sign"


@dataclass(frozen=True)
class SupportType(NamedItem):
    essential_needs: bool  # counts toward the essential-needs period


@dataclass(frozen=True)
class TraffickingForm(NamedItem):
    pass


EVIDENCE_KINDS = ("document", "statement", "sign")


def _names(item: Mapping[str, Any], where: str, source: str) -> tuple[str, str, str]:
    return (refdata.text(item, "code", where, source), refdata.text(item, "vi", where, source),
            refdata.text(item, "en", where, source))


def _entries(data: Any, source: str) -> list[tuple[str, Mapping[str, Any]]]:
    items = refdata.object_list(data, "items", source)
    refdata.unique_codes([str(item.get("code")) for item in items], source)
    return [(_("entry {index}").format(index=i), item) for i, item in enumerate(items, start=1)]


def parse_evidence_items(data: Any, source: str) -> tuple[EvidenceItem, ...]:
    result = []
    for where, item in _entries(data, source):
        kind = refdata.text(item, "kind", where, source)
        if kind not in EVIDENCE_KINDS:
            raise refdata.invalid(source, _("{where}: unknown kind “{kind}”").format(where=where, kind=kind))
        result.append(EvidenceItem(*_names(item, where, source), kind=kind))
    return tuple(result)


def parse_support_types(data: Any, source: str) -> tuple[SupportType, ...]:
    return tuple(
        SupportType(*_names(item, where, source),
                    essential_needs=refdata.field(item, "essential_needs", bool, where, source))
        for where, item in _entries(data, source)
    )


def parse_trafficking_forms(data: Any, source: str) -> tuple[TraffickingForm, ...]:
    return tuple(TraffickingForm(*_names(item, where, source)) for where, item in _entries(data, source))


def evidence_items() -> tuple[EvidenceItem, ...]:
    """The Art 32 identification-evidence checklist (``resources/data/evidence_items.json``)."""
    return parse_evidence_items(refdata.load("evidence_items.json"), "evidence_items.json")


def support_types() -> tuple[SupportType, ...]:
    return parse_support_types(refdata.load("support_types.json"), "support_types.json")


def trafficking_forms() -> tuple[TraffickingForm, ...]:
    return parse_trafficking_forms(refdata.load("trafficking_forms.json"), "trafficking_forms.json")


def check_codes(codes: Sequence[str], items: Sequence[NamedItem]) -> tuple[str, ...]:
    """Validate chosen codes (checklist ticks, tags) against ``items``; duplicates are dropped."""
    known = {item.code for item in items}
    for code in codes:
        if code not in known:
            raise ValidationError(_("Unknown code: {code}").format(code=code), code="code_unknown")
    return tuple(dict.fromkeys(codes))


# --- essential-needs period ----------------------------------------------------------------------------


class EssentialNeedsStatus(NamedTuple):
    end_date: dt.date | None
    days_left: int | None
    state: SupportPeriodState


def _essential_needs_defaults() -> tuple[int, int]:
    # Imported here: the deadline engine imports this module for its event kinds.
    from tipdesk.domain.deadlines import load_rules

    rule = load_rules().rule(ESSENTIAL_NEEDS_RULE)
    if rule.duration.unit != "days":
        raise refdata.invalid("deadline_rules.json", _("{where}: the duration must be in days").format(
            where=ESSENTIAL_NEEDS_RULE))
    return rule.duration.amount, int(rule.pre_alarm.days)


def essential_needs_status(
    first_support_date: dt.date | None,
    extensions: Sequence[int],
    today: dt.date,
    *,
    period_days: int | None = None,
    warn_days: int | None = None,
) -> EssentialNeedsStatus:
    """End date, days left and state of the essential-needs support period.

    The period (default from the rule set, 120 days) starts on the first support date
    and is lengthened by each extension (positive day counts). ``days_left`` is 0 on
    the last day and negative once the period has ended.
    """
    if any(isinstance(n, bool) or not isinstance(n, int) or n <= 0 for n in extensions):
        raise ValidationError(_("An extension must be a positive number of days."), code="extension_invalid")
    if period_days is None or warn_days is None:
        default_period, default_warn = _essential_needs_defaults()
        period_days = default_period if period_days is None else period_days
        warn_days = default_warn if warn_days is None else warn_days
    if first_support_date is None or today < first_support_date:
        return EssentialNeedsStatus(None, None, SupportPeriodState.NOT_STARTED)
    end = first_support_date + dt.timedelta(days=period_days + sum(extensions))
    days_left = (end - today).days
    if days_left < 0:
        state = SupportPeriodState.ENDED
    elif days_left <= warn_days:
        state = SupportPeriodState.ENDING_SOON
    else:
        state = SupportPeriodState.ACTIVE
    return EssentialNeedsStatus(end, days_left, state)


# --- validation helpers --------------------------------------------------------------------------------

_GROUPED_DIGITS = re.compile(r"\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*|\d+")


def _amount_error() -> ValidationError:
    return ValidationError(
        _("The amount must be a whole number of đồng between 0 and 10,000,000,000."), code="amount_invalid"
    )


def _amount_from_text(value: str) -> int:
    text = value.strip().removesuffix("₫").removesuffix("đ").strip()
    if not _GROUPED_DIGITS.fullmatch(text):
        raise _amount_error()
    return int(re.sub(r"\D", "", text))


def validate_amount_vnd(amount: object) -> int:
    """A VND amount as an int: whole, not negative, at most 10 billion.

    Accepts int, an integral ``Decimal`` or float, or text such as ``1.500.000``.
    """
    if isinstance(amount, bool):
        raise _amount_error()
    if isinstance(amount, str):
        value = _amount_from_text(amount)
    elif isinstance(amount, int):
        value = amount
    elif isinstance(amount, Decimal | float):
        try:
            exact = Decimal(amount)
        except InvalidOperation:
            raise _amount_error() from None
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise _amount_error()
        value = int(exact)
    else:
        raise _amount_error()
    if not 0 <= value <= MAX_AMOUNT_VND:
        raise _amount_error()
    return value


def validate_not_future(value: dt.date, today: dt.date, field_label: str) -> dt.date:
    if value > today:
        raise ValidationError(_("{field} cannot be in the future.").format(field=field_label), code="date_in_future")
    return value


def validate_birth_date(value: dt.date, today: dt.date) -> dt.date:
    validate_not_future(value, today, _("Date of birth"))
    if value.year < MIN_BIRTH_YEAR:
        raise ValidationError(_("The year of birth is implausible."), code="birth_year_implausible")
    return value


def validate_birth_year(year: int, today: dt.date) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or year < MIN_BIRTH_YEAR:
        raise ValidationError(_("The year of birth is implausible."), code="birth_year_implausible")
    if year > today.year:
        raise ValidationError(_("{field} cannot be in the future.").format(field=_("Year of birth")),
                              code="date_in_future")
    return year
