"""Foundation tables: installation, users, settings, audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tipdesk.db.fieldcrypt import Sealed
from tipdesk.db.models.base import Base, TravellingMixin, UTCDateTime, new_uuid, utcnow


class Installation(Base):
    """This installation: exactly one row."""

    __tablename__ = "installation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    profile: Mapped[str] = mapped_column(String(16), nullable=False)  # commune | province
    unit_code: Mapped[str] = mapped_column(String(8), nullable=False)
    unit_name: Mapped[str] = mapped_column(String(200), nullable=False)
    province_code: Mapped[str] = mapped_column(String(2), nullable=False)
    remote: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    app_version: Mapped[str] = mapped_column(String(32), nullable=False)


class User(TravellingMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ChangeCounter(Base):
    """One row: the last local change number handed out (see TravellingMixin.change_seq)."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False)


class DocCounter(Base):
    """Yearly numbering of registers and documents (restarts on 1 January, never reused)."""

    __tablename__ = "doc_counters"

    series: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # unit code
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False)


class Setting(Base):
    """Settings that belong to the database (not to the machine): JSON values."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class EditLease(Base):
    """Who is editing a record right now, so other workstations can say so (never exchanged)."""

    __tablename__ = "edit_leases"

    record_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    user_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    workstation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class AuditEntry(Base):
    """Append-only, hash-chained log. Triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("row_hash"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("users.id"), nullable=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(48), nullable=False, index=True)
    entity_type: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    row_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class InstallKey(Base):
    """This installation's own keys (Ed25519 signing, X25519 encryption, receipt signing).

    Private keys sit in the SQLCipher database, so they are encrypted exactly like it.
    """

    __tablename__ = "install_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # sign | encrypt | receipt
    public_key: Mapped[str] = mapped_column(String(88), nullable=False)
    private_key: Mapped[str] = mapped_column(Sealed(88, column="install_keys.private_key"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
