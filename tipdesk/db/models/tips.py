"""Tip tables: the register of received tips, workflow events, trafficking-form tags and attachments.

A tip travels (``__exchange__ = "tip"``); its events and attachments travel as their own records.
The trafficking-form tags are a child table (``tip_forms``) so statistics can count them; changing
them bumps the tip's version. ``search_text`` and ``next_due_*`` are denormalised and maintained by
the tips service on every write.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tipdesk.db.fieldcrypt import TOKENS, Sealed, SealedBytes
from tipdesk.db.models.base import Base, TravellingMixin, UTCDateTime

# ``next_due_at`` of a tip without any open deadline: sorts after every real deadline, never overdue.
NO_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


class Tip(TravellingMixin, Base):
    __tablename__ = "tips"
    __exchange__ = "tip"
    __table_args__ = (
        UniqueConstraint("unit_code", "register_year", "register_no", name="uq_tips_unit_code"),
        Index("ix_tips_received", "urgent", "received_at", "id"),
        Index("ix_tips_unit_received", "unit_code", "urgent", "received_at", "id"),
        Index("ix_tips_register", "urgent", "register_year", "register_no", "id"),
        Index("ix_tips_due", "urgent", "next_due_at", "id"),
        Index("ix_tips_next_due", "next_due_at", "next_alarm_at"),  # deadline panel counts, index only
        Index("ix_tips_status", "status", "received_at"),
        Index("ix_tips_officer_name", "officer_name"),
    )

    unit_code: Mapped[str] = mapped_column(String(8), nullable=False)
    register_year: Mapped[int] = mapped_column(Integer, nullable=False)
    register_no: Mapped[int] = mapped_column(Integer, nullable=False)
    source_type: Mapped[str] = mapped_column(String(24), nullable=False)
    channel: Mapped[str] = mapped_column(String(24), nullable=False)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    officer_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("users.id"), nullable=True)
    officer_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    reporter_kind: Mapped[str] = mapped_column(String(16), nullable=False, default="person")
    reporter_name: Mapped[str] = mapped_column(Sealed(200, column="tips.reporter_name"), nullable=False, default="")
    reporter_contact: Mapped[str] = mapped_column(Sealed(200, column="tips.reporter_contact"), nullable=False, default="")
    reporter_address: Mapped[str] = mapped_column(Sealed(300, column="tips.reporter_address"), nullable=False, default="")
    reporter_id_number: Mapped[str] = mapped_column(Sealed(32, column="tips.reporter_id_number"), nullable=False, default="")
    reporter_secret: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    account: Mapped[str] = mapped_column(Text, nullable=False, default="")
    place_unit_code: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    place_detail: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    suspects: Mapped[str] = mapped_column(Text, nullable=False, default="")
    destination_country: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    border_route: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    next_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=NO_DUE)
    next_due_rule: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # Earliest "due soon" start (due time minus pre-alarm) over all open deadlines.
    next_alarm_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=NO_DUE)
    transferred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    transferred_to: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    decision_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_ref: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    printed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    search_text: Mapped[str] = mapped_column(Sealed(mode=TOKENS, column="tips.search_text"), nullable=False, default="")


class TipEvent(TravellingMixin, Base):
    """One dated workflow step or verification activity, with its officer."""

    __tablename__ = "tip_events"
    __exchange__ = "tip_event"
    __table_args__ = (Index("ix_tip_events_tip_id", "tip_id", "occurred_at"),)

    tip_id: Mapped[str] = mapped_column(String(36), ForeignKey("tips.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    officer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    officer_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    status_after: Mapped[str] = mapped_column(String(24), nullable=False)
    recipient: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    method: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    activity: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    ground: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    reason: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    decision_no: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class TipForm(Base):
    """A trafficking-form tag on a tip (codes from resources/data/trafficking_forms.json)."""

    __tablename__ = "tip_forms"

    tip_id: Mapped[str] = mapped_column(String(36), ForeignKey("tips.id"), primary_key=True)
    form_code: Mapped[str] = mapped_column(String(48), primary_key=True, index=True)


class TipAttachment(TravellingMixin, Base):
    """A scan, photo or recording; the bytes live in the (SQLCipher-encrypted) database."""

    __tablename__ = "tip_attachments"
    __exchange__ = "tip_attachment"

    tip_id: Mapped[str] = mapped_column(String(36), ForeignKey("tips.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    mime_type: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    added_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    data: Mapped[bytes] = mapped_column(SealedBytes("tip_attachments.data"), nullable=False)
