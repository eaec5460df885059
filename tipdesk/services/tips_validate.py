"""Checks on what an officer types, before anything touches the database.

Each failure raises ``ValidationError`` with a translated one-line message, a stable ``code`` and
the offending field in ``fields``, so the form can point at it and the CLI can print it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tipdesk.domain import reference, units
from tipdesk.domain.deadlines import local_date
from tipdesk.domain.persons import check_codes, trafficking_forms
from tipdesk.domain.tips import Channel, NoCaseGround, SourceType, SuspensionReason, TipEventKind
from tipdesk.errors import NotFound, ValidationError
from tipdesk.i18n import _, format_datetime
from tipdesk.services.tips_types import ReporterKind, TipEventInput, TipInput, VerificationActivity

EARLIEST_YEAR = 2000
# Lengths match the columns in tipdesk/db/models/tips.py.
LIMITS = {
    "officer_name": 200, "reporter_name": 200, "reporter_contact": 200, "reporter_address": 300,
    "reporter_id_number": 32, "place_detail": 300, "border_route": 200, "recipient": 300, "method": 200,
    "decision_no": 64,
}


def _fail(message: str, field_name: str, code: str) -> ValidationError:
    return ValidationError(message, {field_name: code}, code=code)


def check_length(field_name: str, value: str) -> str:
    value = value.strip()
    limit = LIMITS[field_name]
    if len(value) > limit:
        raise _fail(_("This text is too long ({length} characters; at most {limit}).").format(
            length=len(value), limit=limit), field_name, "too_long")
    return value


def check_when(value: dt.datetime, now: dt.datetime, field_name: str) -> dt.datetime:
    """An aware date-time, not in the future and not implausibly old."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise _fail(_("The date and time need a time zone."), field_name, "naive_datetime")
    if value > now:
        raise _fail(_("The date {when} is in the future; enter the real date and time.").format(
            when=format_datetime(value)), field_name, "future_date")
    if local_date(value).year < EARLIEST_YEAR:
        raise _fail(_("The date {when} is before {year}; check the year.").format(
            when=format_datetime(value), year=EARLIEST_YEAR), field_name, "too_old")
    return value


@dataclass(frozen=True)
class CleanTip:
    """Validated column values of a tip (forms apart)."""

    values: dict[str, object]
    forms: tuple[str, ...]


def _enum(enum: type[SourceType] | type[Channel] | type[ReporterKind], value: object, field_name: str) -> str:
    try:
        return enum(str(value)).value
    except ValueError:
        raise _fail(_("Unknown value: {value}").format(value=value), field_name, "unknown") from None


def _place(code: str) -> str:
    code = code.strip()
    if not code:
        return ""
    try:
        units.unit_name(code)
    except NotFound as exc:
        raise _fail(exc.message, "place_unit_code", "unknown_unit") from None
    return code


def _country(code: str) -> str:
    code = code.strip().upper()
    if not code:
        return ""
    try:
        reference.country_name(code)
    except NotFound as exc:
        raise _fail(exc.message, "destination_country", "unknown_country") from None
    return code


def _reporter(data: TipInput) -> dict[str, object]:
    kind = ReporterKind(_enum(ReporterKind, data.reporter_kind, "reporter_kind"))
    values: dict[str, object] = {
        "reporter_kind": kind.value,
        "reporter_name": check_length("reporter_name", data.reporter_name),
        "reporter_contact": check_length("reporter_contact", data.reporter_contact),
        "reporter_address": check_length("reporter_address", data.reporter_address),
        "reporter_id_number": check_length("reporter_id_number", data.reporter_id_number),
        "reporter_secret": bool(data.reporter_secret),
    }
    if kind is ReporterKind.ANONYMOUS and (values["reporter_name"] or values["reporter_id_number"]):
        raise _fail(_("An anonymous reporter has no name or ID number: choose “Individual” or clear them."),
                    "reporter_kind", "anonymous_with_identity")
    if kind is ReporterKind.ORGANISATION and not values["reporter_name"]:
        raise _fail(_("Enter the name of the reporting agency or organisation."), "reporter_name", "required")
    return values


def clean_tip(data: TipInput, now: dt.datetime, default_officer: str) -> CleanTip:
    summary = data.summary.strip()
    if not summary:
        raise _fail(_("Enter a short summary of the tip."), "summary", "required")
    values: dict[str, object] = {
        "source_type": _enum(SourceType, data.source_type, "source_type"),
        "channel": _enum(Channel, data.channel, "channel"),
        "received_at": check_when(data.received_at, now, "received_at"),
        "summary": summary,
        "account": data.account.strip(),
        "officer_name": check_length("officer_name", data.officer_name) or default_officer,
        "place_unit_code": _place(data.place_unit_code),
        "place_detail": check_length("place_detail", data.place_detail),
        "suspects": data.suspects.strip(),
        "destination_country": _country(data.destination_country),
        "border_route": check_length("border_route", data.border_route),
        "urgent": bool(data.urgent),
        **_reporter(data),
    }
    try:
        forms = check_codes(list(data.forms), trafficking_forms())
    except ValidationError as exc:
        raise _fail(exc.message, "forms", "unknown_form") from None
    return CleanTip(values, forms)


# --- events ----------------------------------------------------------------------------------------------

_K = TipEventKind
TRANSFERS = (_K.TRANSFERRED, _K.TRANSFERRED_OTHER)
DECISIONS = (_K.DECISION_PROSECUTE, _K.DECISION_NOT_PROSECUTE)


def _code_in(enum: type[NoCaseGround] | type[SuspensionReason] | type[VerificationActivity], value: str,
             field_name: str, missing: str) -> str:
    if not value:
        raise _fail(missing, field_name, "required")
    try:
        return enum(value).value
    except ValueError:
        raise _fail(_("Unknown value: {value}").format(value=value), field_name, "unknown") from None


def clean_event(event: TipEventInput, now: dt.datetime, received_at: dt.datetime,
                last_step_at: dt.datetime | None) -> dict[str, object]:
    """Column values of a new event; ``last_step_at``: when the status last changed."""
    kind = TipEventKind(event.kind)
    when = check_when(event.occurred_at, now, "occurred_at")
    if when < received_at:
        raise _fail(_("“{event}” cannot be dated before the tip was received ({received}).").format(
            event=kind.label(), received=format_datetime(received_at)), "occurred_at", "before_receipt")
    values: dict[str, object] = {
        "kind": kind.value, "occurred_at": when,
        "recipient": check_length("recipient", event.recipient), "method": check_length("method", event.method),
        "decision_no": check_length("decision_no", event.decision_no), "note": event.note.strip(),
        "activity": "", "ground": "", "reason": "", "days": None,
    }
    if kind in TRANSFERS and not values["recipient"]:
        raise _fail(_("Enter the agency the tip is transferred to."), "recipient", "required")
    if kind is _K.VERIFICATION_ACTIVITY:
        values["activity"] = _code_in(VerificationActivity, event.activity, "activity",
                                      _("Choose what the verification activity was."))
    if kind is _K.DECISION_NOT_PROSECUTE:
        values["ground"] = _code_in(NoCaseGround, event.ground, "ground",
                                    _("Choose the ground for not opening a case (Art 157)."))
    if kind is _K.SUSPENDED:
        values["reason"] = _code_in(SuspensionReason, event.reason, "reason",
                                    _("Choose the reason for the suspension (Art 148)."))
    if event.days is not None:
        if event.days <= 0:
            raise _fail(_("The number of days must be positive."), "days", "not_positive")
        values["days"] = event.days
    if last_step_at is not None and kind is not _K.VERIFICATION_ACTIVITY and when < last_step_at \
            and kind not in (_K.NOTE, _K.PROCURACY_NOTIFIED):
        raise _fail(_("“{event}” cannot be dated before the previous step ({when}).").format(
            event=kind.label(), when=format_datetime(last_step_at)), "occurred_at", "before_previous_step")
    return values
