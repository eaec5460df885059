"""Person tables: victims and persons being identified, their events, support ledger, plans and tip links.

A person travels (``__exchange__ = "person"``); events, support entries, plan items, tip links and
duplicate decisions travel as their own records. The trafficking-form tags are a child table
(``person_forms``, shared codes with ``tip_forms``) so statistics can count them; changing them bumps
the person's version.

Denormalised columns maintained by the persons service on every write:

* ``search_public`` / ``search_full``: folded text without / with the identity fields. A role that may
  not see identity searches ``search_public`` only, so a name never matches for it.
* ``name_key``: folded name and birth year, for the possible-duplicates check.
* ``birth_sort``: the birth date, or 31 December of the birth year (age-group filters).
* ``next_due_at`` / ``next_due_rule``: the earliest open deadline or plan item (deadline panel, filters).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tipdesk.db.fieldcrypt import EQUAL, TOKENS, Sealed, SealedBytes
from tipdesk.db.models.base import Base, TravellingMixin, UTCDateTime

# ``next_due_at`` of a person without any open deadline: sorts after every real deadline, never overdue.
NO_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


class Person(TravellingMixin, Base):
    __tablename__ = "persons"
    __exchange__ = "person"
    __table_args__ = (
        UniqueConstraint("pseudonym", name="uq_persons_pseudonym"),
        Index("ix_persons_received", "received_on", "id"),
        Index("ix_persons_unit_received", "unit_code", "received_on", "id"),
        Index("ix_persons_due", "next_due_at", "id"),
        Index("ix_persons_status", "status", "received_on"),
        Index("ix_persons_name_key", "name_key"),
        Index("ix_persons_id_number", "id_number"),
        Index("ix_persons_name_sort", "name_sort", "id"),
    )

    pseudonym: Mapped[str] = mapped_column(String(24), nullable=False)
    unit_code: Mapped[str] = mapped_column(String(8), nullable=False)
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    intake: Mapped[str] = mapped_column(String(24), nullable=False, default="other")
    # identity (masked for roles without access)
    full_name: Mapped[str] = mapped_column(Sealed(200, column="persons.full_name"), nullable=False)
    other_names: Mapped[str] = mapped_column(Sealed(300, column="persons.other_names"), nullable=False, default="")
    id_number: Mapped[str] = mapped_column(Sealed(16, mode=EQUAL, column="persons.id_number"), nullable=False, default="")
    address_unit_code: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    address_detail: Mapped[str] = mapped_column(Sealed(300, column="persons.address_detail"), nullable=False, default="")
    address_old: Mapped[str] = mapped_column(Sealed(300, column="persons.address_old"), nullable=False, default="")
    phone: Mapped[str] = mapped_column(Sealed(64, column="persons.phone"), nullable=False, default="")
    guardian_name: Mapped[str] = mapped_column(Sealed(200, column="persons.guardian_name"), nullable=False, default="")
    guardian_relation: Mapped[str] = mapped_column(Sealed(100, column="persons.guardian_relation"), nullable=False, default="")
    guardian_contact: Mapped[str] = mapped_column(Sealed(200, column="persons.guardian_contact"), nullable=False, default="")
    photo: Mapped[bytes | None] = mapped_column(SealedBytes("persons.photo"), nullable=True, deferred=True)
    # particulars
    sex: Mapped[str] = mapped_column(String(16), nullable=False)
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    birth_sort: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    ethnic_code: Mapped[str] = mapped_column(String(4), nullable=False, default="", index=True)
    nationality: Mapped[str] = mapped_column(String(4), nullable=False, default="VN")
    origin_unit_code: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    origin_detail: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    origin_old: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    languages: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    disability: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    pregnant: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    accompanying_children: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # identification
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    identified_by: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    identified_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")  # space-separated codes
    # rescue and return
    from_country: Mapped[str] = mapped_column(String(4), nullable=False, default="", index=True)
    from_place: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    returned_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    border_gate: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    receiving_agency: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    repatriation_route: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    # consent and confidentiality
    consent_share: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    consent_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    consent_by_guardian: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    confidentiality: Mapped[str] = mapped_column(String(16), nullable=False, default="high")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # denormalised, maintained by the service
    name_key: Mapped[str] = mapped_column(Sealed(260, mode=EQUAL, column="persons.name_key"), nullable=False, default="")
    name_sort: Mapped[str] = mapped_column(Sealed(200, column="persons.name_sort"), nullable=False, default="")
    search_public: Mapped[str] = mapped_column(Text, nullable=False, default="")
    search_full: Mapped[str] = mapped_column(Sealed(mode=TOKENS, column="persons.search_full"), nullable=False, default="")
    next_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=NO_DUE)
    next_due_rule: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class PersonForm(Base):
    """A trafficking-form tag on a person (codes from resources/data/trafficking_forms.json)."""

    __tablename__ = "person_forms"

    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), primary_key=True)
    form_code: Mapped[str] = mapped_column(String(48), primary_key=True, index=True)


class PersonEvent(TravellingMixin, Base):
    """A dated step of identification or support (kinds: ``tipdesk.domain.persons.PersonEventKind``)."""

    __tablename__ = "person_events"
    __exchange__ = "person_event"
    __table_args__ = (Index("ix_person_events_person_id", "person_id", "occurred_at"),)

    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agency: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    officer_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class SupportEntry(TravellingMixin, Base):
    """One line of the support ledger: type, date, provider, amount in VND, note."""

    __tablename__ = "support_entries"
    __exchange__ = "support_entry"
    __table_args__ = (
        Index("ix_support_entries_person_id", "person_id", "given_on"),
        Index("ix_support_entries_type", "type_code", "person_id"),
    )

    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), nullable=False)
    type_code: Mapped[str] = mapped_column(String(48), nullable=False)
    given_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    provider: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    amount_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class PersonPlanItem(TravellingMixin, Base):
    """A follow-up or reintegration step with a due date (shown on the deadline panel)."""

    __tablename__ = "person_plan_items"
    __exchange__ = "person_plan_item"
    __table_args__ = (Index("ix_person_plan_items_person_id", "person_id", "due_on"),)

    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)  # follow_up | reintegration
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class TipPerson(TravellingMixin, Base):
    """A person named in a tip. Unlinking keeps the row (``unlinked_at``) so the change travels."""

    __tablename__ = "tip_persons"
    __exchange__ = "tip_person"
    __table_args__ = (
        UniqueConstraint("tip_id", "person_id", name="uq_tip_persons_tip_id"),
        Index("ix_tip_persons_person_id", "person_id"),
    )

    tip_id: Mapped[str] = mapped_column(String(36), ForeignKey("tips.id"), nullable=False)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(24), nullable=False, default="victim")
    unlinked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PersonMatch(TravellingMixin, Base):
    """A user's decision on a possible duplicate pair: the same person (linked) or different (dismissed).

    Never a merge: both records stay; ``same`` pairs are shown side by side on each record.
    """

    __tablename__ = "person_matches"
    __exchange__ = "person_match"
    __table_args__ = (UniqueConstraint("person_id", "other_id", name="uq_person_matches_person_id"),)

    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), nullable=False)
    other_id: Mapped[str] = mapped_column(String(36), ForeignKey("persons.id"), nullable=False, index=True)
    decision: Mapped[str] = mapped_column(String(16), nullable=False)  # same | different
    decided_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
