"""Plain values the tips service takes and returns (never ORM objects).

Reporter secrecy is applied by the service before these leave it: a masked view has
``reporter_masked=True`` and empty reporter fields, whoever displays or prints it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from tipdesk.domain.deadlines import DeadlineState
from tipdesk.domain.tips import Channel, SourceType, TipEventKind, TipStatus
from tipdesk.i18n import N_, _


class ReporterKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    ANONYMOUS = "anonymous"

    def label(self) -> str:
        return _(_REPORTER_KIND_LABELS[self.value])


_REPORTER_KIND_LABELS = {
    "person": N_("Individual"),
    "organisation": N_("Agency or organisation"),
    "anonymous": N_("Anonymous (identity not given)"),
}


class VerificationActivity(StrEnum):
    """What a preliminary-verification step was."""

    INTERVIEW = "interview"
    SITE_CHECK = "site_check"
    DOCUMENTS_REQUESTED = "documents_requested"
    OTHER = "other"

    def label(self) -> str:
        return _(_ACTIVITY_LABELS[self.value])


_ACTIVITY_LABELS = {
    "interview": N_("Interview (taking statements)"),
    "site_check": N_("Site check"),
    "documents_requested": N_("Documents or objects requested"),
    "other": N_("Other activity"),
}


class DeadlineFilter(StrEnum):
    """List filter on the denormalised next deadline."""

    ATTENTION = "attention"  # overdue or due soon
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    OPEN = "open"  # any open deadline
    NONE = "none"  # no open deadline

    def label(self) -> str:
        return _(_DEADLINE_FILTER_LABELS[self.value])


_DEADLINE_FILTER_LABELS = {
    "attention": N_("Overdue or due soon"),
    "overdue": N_("Overdue"),
    "due_soon": N_("Due soon"),
    "open": N_("With an open deadline"),
    "none": N_("No open deadline"),
}


class TipSort(StrEnum):
    RECEIVED = "received"
    REGISTER = "register"
    DUE = "due"

    def label(self) -> str:
        return _(_SORT_LABELS[self.value])


_SORT_LABELS = {"received": N_("Received"), "register": N_("Register number"), "due": N_("Next deadline")}


def register_label(number: int, year: int) -> str:
    """"05/2026": the register number as written in the book (zero-padded below 10)."""
    return f"{number:02d}/{year}"


@dataclass(frozen=True)
class TipInput:
    """What an officer records (create) or corrects (update)."""

    source_type: SourceType
    channel: Channel
    received_at: dt.datetime
    summary: str
    account: str = ""
    officer_name: str = ""  # default: the acting user's full name
    reporter_kind: ReporterKind = ReporterKind.PERSON
    reporter_name: str = ""
    reporter_contact: str = ""
    reporter_address: str = ""
    reporter_id_number: str = ""
    reporter_secret: bool = False
    place_unit_code: str = ""
    place_detail: str = ""
    suspects: str = ""
    forms: tuple[str, ...] = ()
    destination_country: str = ""
    border_route: str = ""
    urgent: bool = False


@dataclass(frozen=True)
class TipEventInput:
    """One workflow step or verification activity. Which fields matter depends on ``kind``."""

    kind: TipEventKind
    occurred_at: dt.datetime
    officer_name: str = ""  # default: the acting user's full name
    recipient: str = ""  # transfers: to whom
    method: str = ""  # transfers: how (in person, by post...)
    activity: str = ""  # verification activity: VerificationActivity code
    ground: str = ""  # no case opened: NoCaseGround code
    reason: str = ""  # suspension: SuspensionReason code
    decision_no: str = ""  # decisions reported back: number of the decision
    days: int | None = None
    note: str = ""  # findings, details


@dataclass(frozen=True)
class TipEventView:
    id: str
    kind: TipEventKind
    occurred_at: dt.datetime
    officer_name: str
    status_after: TipStatus
    recipient: str
    method: str
    activity: str
    ground: str
    reason: str
    decision_no: str
    days: int | None
    note: str
    created_at: dt.datetime

    def summary(self) -> str:
        """A one-line, translated description of the details (for timelines and prints)."""
        from tipdesk.services.tips_format import event_details

        return event_details(self)


@dataclass(frozen=True)
class DeadlineView:
    rule_code: str
    label: str  # translated
    legal_ref: str  # translated
    due_at: dt.datetime
    state: DeadlineState
    met_at: dt.datetime | None


@dataclass(frozen=True)
class AttachmentView:
    id: str
    filename: str
    mime_type: str
    size: int
    sha256: str
    description: str
    added_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Reporter:
    """The reporter as this user may see it. Masked: every identifying field is empty."""

    kind: ReporterKind
    secret: bool
    masked: bool
    name: str = ""
    contact: str = ""
    address: str = ""
    id_number: str = ""

    def display(self) -> str:
        if self.masked:
            return _("(kept confidential)")
        if self.kind is ReporterKind.ANONYMOUS:
            return _("(anonymous)")
        return self.name


@dataclass(frozen=True)
class TipRow:
    """One line of a tips list or of the register book."""

    id: str
    register_no: int
    register_year: int
    received_at: dt.datetime
    source_type: SourceType
    channel: Channel
    status: TipStatus
    urgent: bool
    summary: str
    reporter: Reporter
    officer_name: str
    place_unit_code: str
    next_due_at: dt.datetime | None
    next_due_rule: str
    next_due_label: str
    deadline_state: DeadlineState | None
    transferred_at: dt.datetime | None
    transferred_to: str
    decision_at: dt.datetime | None
    decision_ref: str
    printed: bool
    unit_code: str = ""  # the commune whose register holds the tip (the province shows it as a column)

    @property
    def register_label(self) -> str:
        return register_label(self.register_no, self.register_year)


@dataclass(frozen=True)
class TipView:
    """A tip with everything the detail view shows."""

    id: str
    version: int
    unit_code: str
    register_no: int
    register_year: int
    source_type: SourceType
    channel: Channel
    received_at: dt.datetime
    officer_name: str
    reporter: Reporter
    summary: str
    account: str
    place_unit_code: str
    place_detail: str
    suspects: str
    forms: tuple[str, ...]
    destination_country: str
    border_route: str
    urgent: bool
    status: TipStatus
    printed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    events: tuple[TipEventView, ...]
    deadlines: tuple[DeadlineView, ...]
    attachments: tuple[AttachmentView, ...]
    allowed_events: tuple[TipEventKind, ...]

    @property
    def register_label(self) -> str:
        return register_label(self.register_no, self.register_year)

    @property
    def next_deadline(self) -> DeadlineView | None:
        from tipdesk.domain.deadlines import OPEN_STATES

        open_ones = [d for d in self.deadlines if d.state in OPEN_STATES]
        return min(open_ones, key=lambda d: d.due_at) if open_ones else None

    def as_input(self) -> TipInput:
        """The editable fields, e.g. to pre-fill the edit form (reporter fields as seen)."""
        r = self.reporter
        return TipInput(
            source_type=self.source_type, channel=self.channel, received_at=self.received_at,
            summary=self.summary, account=self.account, officer_name=self.officer_name,
            reporter_kind=r.kind, reporter_name=r.name, reporter_contact=r.contact, reporter_address=r.address,
            reporter_id_number=r.id_number, reporter_secret=r.secret, place_unit_code=self.place_unit_code,
            place_detail=self.place_detail, suspects=self.suspects, forms=self.forms,
            destination_country=self.destination_country, border_route=self.border_route, urgent=self.urgent,
        )


@dataclass(frozen=True)
class DuePanel:
    """The "due soon / overdue" panel shown at login and above the tips list."""

    overdue: int
    due_soon: int
    rows: list[TipRow] = field(default_factory=list)
