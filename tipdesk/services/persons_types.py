"""Plain values the persons service takes and returns (never ORM objects).

Identity fields (name, other names, ID number, address, phone, photo, guardian, notes) are
masked by the service before a view leaves it: ``identity_visible=False`` views carry the
pseudonym in ``full_name`` and empty identity fields, whoever displays, exports or prints them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from tipdesk.domain.deadlines import DeadlineState
from tipdesk.domain.persons import AgeGroup, IdentificationStatus, Sex, SupportPeriodState
from tipdesk.i18n import N_, _


class _Labelled(StrEnum):
    def label(self) -> str:
        return _(_LABELS[type(self).__name__][self.value])


class Intake(_Labelled):
    """How the person came to the commune's attention."""

    RETURNED = "returned"
    RESCUED = "rescued"
    SELF_REPORTED = "self_reported"
    NAMED_IN_TIP = "named_in_tip"
    REFERRED = "referred"
    OTHER = "other"


class Confidentiality(_Labelled):
    NORMAL = "normal"
    HIGH = "high"
    STRICT = "strict"


class LinkRole(_Labelled):
    """What the person is in a tip."""

    VICTIM = "victim"
    BEING_IDENTIFIED = "being_identified"
    AT_RISK = "at_risk"
    WITNESS = "witness"
    OTHER = "other"


class PlanKind(_Labelled):
    FOLLOW_UP = "follow_up"
    REINTEGRATION = "reintegration"


class MatchDecision(_Labelled):
    SAME = "same"
    DIFFERENT = "different"


class DueFilter(_Labelled):
    """List filter on the denormalised next deadline or plan item."""

    ATTENTION = "attention"  # overdue or due within 7 days
    OVERDUE = "overdue"
    OPEN = "open"


class PersonSort(StrEnum):
    RECEIVED = "received"
    DUE = "due"
    PSEUDONYM = "pseudonym"
    NAME = "name"  # identity roles only


_LABELS: Mapping[str, Mapping[str, str]] = {
    "Intake": {
        "returned": N_("Returned from abroad"),
        "rescued": N_("Rescued"),
        "self_reported": N_("Self-reported"),
        "named_in_tip": N_("Named in a tip"),
        "referred": N_("Referred by another agency"),
        "other": N_("Other"),
    },
    "Confidentiality": {
        "normal": N_("Normal"),
        "high": N_("High"),
        "strict": N_("Strict (named officers only)"),
    },
    "LinkRole": {
        "victim": N_("Victim"),
        "being_identified": N_("Person being identified"),
        "at_risk": N_("Person at risk"),
        "witness": N_("Witness"),
        "other": N_("Other"),
    },
    "PlanKind": {
        "follow_up": N_("Follow-up"),
        "reintegration": N_("Reintegration"),
    },
    "MatchDecision": {
        "same": N_("Possibly the same person"),
        "different": N_("Not the same person"),
    },
    "DueFilter": {
        "attention": N_("Overdue or due within 7 days"),
        "overdue": N_("Overdue"),
        "open": N_("With an open follow-up"),
    },
}


@dataclass
class PersonDraft:
    """What the person form edits (create and update). Dates are local calendar dates."""

    full_name: str = ""
    other_names: str = ""
    sex: str = Sex.UNKNOWN.value
    birth_date: dt.date | None = None
    birth_year: int | None = None
    ethnic_code: str = ""
    nationality: str = "VN"
    id_number: str = ""
    address_unit_code: str = ""
    address_detail: str = ""
    address_old: str = ""
    origin_unit_code: str = ""
    origin_detail: str = ""
    origin_old: str = ""
    phone: str = ""
    guardian_name: str = ""
    guardian_relation: str = ""
    guardian_contact: str = ""
    languages: str = ""
    disability: str = ""
    pregnant: bool = False
    accompanying_children: int = 0
    intake: str = Intake.OTHER.value
    received_on: dt.date | None = None  # None: today
    from_country: str = ""
    from_place: str = ""
    returned_on: dt.date | None = None
    border_gate: str = ""
    receiving_agency: str = ""
    repatriation_route: str = ""
    forms: tuple[str, ...] = ()
    consent_share: bool = False
    consent_on: dt.date | None = None
    consent_by_guardian: bool = False
    confidentiality: str = Confidentiality.HIGH.value
    notes: str = ""


@dataclass(frozen=True)
class PersonView:
    """One person as the acting role may see it."""

    id: str
    pseudonym: str
    version: int
    identity_visible: bool
    full_name: str  # the pseudonym when identity is not visible
    other_names: str
    id_number: str
    address_unit_code: str
    address_detail: str
    address_old: str
    phone: str
    guardian_name: str
    guardian_relation: str
    guardian_contact: str
    has_photo: bool
    sex: Sex
    birth_date: dt.date | None  # None when masked: only the year is shown
    birth_year: int | None
    age_group: AgeGroup
    ethnic_code: str
    nationality: str
    origin_unit_code: str
    origin_detail: str
    origin_old: str
    languages: str
    disability: str
    pregnant: bool
    accompanying_children: int
    intake: Intake
    received_on: dt.date
    status: IdentificationStatus
    identified_by: str
    identified_on: dt.date | None
    evidence: tuple[str, ...]
    from_country: str
    from_place: str
    returned_on: dt.date | None
    border_gate: str
    receiving_agency: str
    repatriation_route: str
    forms: tuple[str, ...]
    consent_share: bool
    consent_on: dt.date | None
    consent_by_guardian: bool
    confidentiality: Confidentiality
    notes: str
    unit_code: str
    created_at: dt.datetime
    updated_at: dt.datetime
    next_due_at: dt.datetime | None
    next_due_rule: str
    id_warnings: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return self.full_name if self.identity_visible else self.pseudonym


@dataclass(frozen=True)
class PersonRow:
    """A line of the persons list."""

    id: str
    pseudonym: str
    identity_visible: bool
    display_name: str
    sex: Sex
    birth_year: int | None
    age_group: AgeGroup
    ethnic_code: str
    status: IdentificationStatus
    from_country: str
    received_on: dt.date
    next_due_at: dt.datetime | None
    next_due_rule: str
    next_due_label: str  # translated: the rule's label, or "Plan item"
    support_count: int
    support_total: int
    unit_code: str = ""  # the commune that recorded the person (the province shows it as a column)


@dataclass(frozen=True)
class SaveResult:
    person: PersonView
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DuplicateCandidate:
    """A record that may be the same person, with why it was offered."""

    id: str
    pseudonym: str
    full_name: str
    birth_year: int | None
    sex: Sex
    id_number: str
    status: IdentificationStatus
    received_on: dt.date
    reasons: tuple[str, ...]  # "name_year", "id_number"

    def reason_text(self) -> str:
        texts = {"name_year": _("same name and birth year"), "id_number": _("same ID number")}
        return ", ".join(texts[r] for r in self.reasons)


@dataclass(frozen=True)
class MatchView:
    other_id: str
    pseudonym: str
    display_name: str
    decision: MatchDecision
    decided_by: str


@dataclass(frozen=True)
class SupportEntryView:
    id: str
    person_id: str
    type_code: str
    type_name: str
    given_on: dt.date
    provider: str
    amount_vnd: int
    note: str
    recorded_by: str
    essential_needs: bool


@dataclass(frozen=True)
class EssentialNeedsView:
    start: dt.date | None
    end: dt.date | None
    days_left: int | None
    state: SupportPeriodState
    extensions: tuple[int, ...]
    ended_on: dt.date | None


@dataclass(frozen=True)
class PlanItemView:
    id: str
    person_id: str
    kind: PlanKind
    title: str
    due_on: dt.date
    done_on: dt.date | None
    note: str


@dataclass(frozen=True)
class DeadlineItem:
    """A line of the deadline panel: a legal deadline (rule) or a plan item."""

    label: str  # already translated
    due_at: dt.datetime
    state: DeadlineState
    legal_ref: str  # already translated; "" for plan items
    source: str  # "rule" or "plan"
    ref: str  # rule code or plan item id
    met_at: dt.datetime | None = None


@dataclass(frozen=True)
class PersonEventView:
    id: str
    kind: str
    label: str
    occurred_at: dt.datetime
    days: int | None
    agency: str
    officer_name: str
    note: str


@dataclass(frozen=True)
class SupportSummary:
    entries: tuple[SupportEntryView, ...]
    total_vnd: int
    by_type: tuple[tuple[str, int, int], ...]  # (type name, count, total VND)
    essential: EssentialNeedsView


@dataclass(frozen=True)
class LinkedPerson:
    """A person on a tip's side of a link."""

    link_id: str
    person_id: str
    pseudonym: str
    display_name: str
    identity_visible: bool
    status: IdentificationStatus
    sex: Sex
    birth_year: int | None
    role: LinkRole


@dataclass(frozen=True)
class LinkedTip:
    """A tip on a person's side of a link."""

    link_id: str
    tip_id: str
    register_label: str  # "12/2026"
    received_at: dt.datetime
    status_label: str
    role: LinkRole
    summary: str = ""  # empty for roles that may not view tips
