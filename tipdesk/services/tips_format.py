"""Translated one-line texts about tips, shared by the GUI, the CLI and the printed documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tipdesk.domain import reference, units
from tipdesk.domain.persons import trafficking_forms
from tipdesk.domain.tips import NoCaseGround, SuspensionReason, TipEventKind
from tipdesk.errors import NotFound
from tipdesk.i18n import _, format_datetime
from tipdesk.services.tips_types import VerificationActivity

if TYPE_CHECKING:
    from tipdesk.services.tips_types import TipEventView


def _label_of(enum: type[NoCaseGround] | type[SuspensionReason] | type[VerificationActivity], code: str) -> str:
    try:
        return enum(code).label()
    except ValueError:
        return code


def ground_label(code: str) -> str:
    if not code:
        return ""
    clause = _clause(code)
    label = _label_of(NoCaseGround, code)
    return _("{label} (Art 157 clause {clause})").format(label=label, clause=clause) if clause else label


def _clause(code: str) -> int | None:
    try:
        return NoCaseGround(code).clause()
    except ValueError:
        return None


def reason_label(code: str) -> str:
    if not code:
        return ""
    try:
        reason = SuspensionReason(code)
    except ValueError:
        return code
    return _("{label} (Art 148(1) point {point})").format(label=reason.label(), point=reason.point())


def activity_label(code: str) -> str:
    return _label_of(VerificationActivity, code) if code else ""


def form_label(code: str) -> str:
    for item in trafficking_forms():
        if item.code == code:
            return item.name()
    return code


def country_label(code: str) -> str:
    return reference.country_or_code(code)


def place_label(unit_code: str, detail: str = "") -> str:
    """"Thôn 3, Xã Thượng Lâm, Tuyên Quang" from a commune code and free text."""
    parts = [detail.strip()] if detail.strip() else []
    if unit_code:
        try:
            commune = units.commune(unit_code)
            parts += [commune.name, units.province(commune.province_code).name]
        except NotFound:
            try:
                parts.append(units.unit_name(unit_code))
            except NotFound:
                parts.append(unit_code)
    return ", ".join(parts)


def lower_first_word(name: str) -> str:
    """"Xã Thượng Lâm" → "xã Thượng Lâm"; "Thành phố Hà Nội" → "thành phố Hà Nội" (inside a sentence)."""
    for prefix in ("Thành phố ", "Đặc khu ", "Phường ", "Xã ", "Tỉnh "):
        if name.startswith(prefix):
            return prefix.lower() + name[len(prefix):]
    return name


def province_phrase(code: str) -> str:
    """"tỉnh Tuyên Quang" or "thành phố Hà Nội", as written after "Công an"."""
    try:
        province = units.province(code)
    except NotFound:
        return code
    if province.division_type is units.DivisionType.CITY:
        return lower_first_word(province.name)
    return f"{units.DivisionType.PROVINCE.label} {province.name}"


def event_details(event: TipEventView) -> str:
    """What a timeline line says after the event name and before the officer."""
    k = TipEventKind
    bits: list[str] = []
    if event.kind in (k.TRANSFERRED, k.TRANSFERRED_OTHER) and event.recipient:
        bits.append(_("to {recipient}").format(recipient=event.recipient))
    if event.method:
        bits.append(_("by {method}").format(method=event.method))
    if event.activity:
        bits.append(activity_label(event.activity))
    if event.ground:
        bits.append(ground_label(event.ground))
    if event.reason:
        bits.append(reason_label(event.reason))
    if event.decision_no:
        bits.append(_("decision no. {number}").format(number=event.decision_no))
    if event.days:
        bits.append(_("{days} days").format(days=event.days))
    if event.note:
        bits.append(event.note)
    return "; ".join(bits)


def timeline_line(event: TipEventView) -> str:
    """"08:30 10/03/2026 — Tip received — details (officer)"."""
    details = event_details(event)
    text = f"{format_datetime(event.occurred_at)} — {event.kind.label()}"
    if details:
        text += f" — {details}"
    if event.officer_name:
        text += f" ({event.officer_name})"
    return text
