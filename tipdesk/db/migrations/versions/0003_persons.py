"""Persons: victims and persons being identified, events, support ledger, plans, tip links, duplicate decisions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _travel_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("origin_install_id", sa.String(36), nullable=False),
        sa.Column("change_seq", sa.Integer, nullable=False),
    ]


def _text(name: str, length: int | None = None) -> sa.Column:
    return sa.Column(name, sa.String(length) if length else sa.Text, nullable=False)


def _persons() -> None:
    op.create_table(
        "persons",
        *_travel_columns(),
        _text("pseudonym", 24), _text("unit_code", 8),
        sa.Column("received_on", sa.Date, nullable=False),
        _text("intake", 24),
        _text("full_name", 200), _text("other_names", 300), _text("id_number", 16),
        _text("address_unit_code", 8), _text("address_detail", 300), _text("address_old", 300),
        _text("phone", 64), _text("guardian_name", 200), _text("guardian_relation", 100),
        _text("guardian_contact", 200),
        sa.Column("photo", sa.LargeBinary, nullable=True),
        _text("sex", 16),
        sa.Column("birth_date", sa.Date, nullable=True),
        sa.Column("birth_year", sa.Integer, nullable=True),
        sa.Column("birth_sort", sa.Date, nullable=True),
        _text("ethnic_code", 4), _text("nationality", 4),
        _text("origin_unit_code", 8), _text("origin_detail", 300), _text("origin_old", 300),
        _text("languages", 200), _text("disability", 300),
        sa.Column("pregnant", sa.Boolean, nullable=False),
        sa.Column("accompanying_children", sa.Integer, nullable=False),
        _text("status", 24), _text("identified_by", 300),
        sa.Column("identified_on", sa.Date, nullable=True),
        _text("evidence"),
        _text("from_country", 4), _text("from_place", 300),
        sa.Column("returned_on", sa.Date, nullable=True),
        _text("border_gate", 200), _text("receiving_agency", 300), _text("repatriation_route", 300),
        sa.Column("consent_share", sa.Boolean, nullable=False),
        sa.Column("consent_on", sa.Date, nullable=True),
        sa.Column("consent_by_guardian", sa.Boolean, nullable=False),
        _text("confidentiality", 16), _text("notes"),
        _text("name_key", 260), _text("name_sort", 200), _text("search_public"), _text("search_full"),
        sa.Column("next_due_at", sa.DateTime, nullable=False),
        _text("next_due_rule", 64),
        sa.UniqueConstraint("pseudonym", name="uq_persons_pseudonym"),
    )
    op.create_index("ix_persons_change_seq", "persons", ["change_seq"])
    op.create_index("ix_persons_received", "persons", ["received_on", "id"])
    op.create_index("ix_persons_due", "persons", ["next_due_at", "id"])
    op.create_index("ix_persons_status", "persons", ["status", "received_on"])
    op.create_index("ix_persons_name_key", "persons", ["name_key"])
    op.create_index("ix_persons_id_number", "persons", ["id_number"])
    op.create_index("ix_persons_name_sort", "persons", ["name_sort", "id"])
    op.create_index("ix_persons_birth_sort", "persons", ["birth_sort"])
    op.create_index("ix_persons_ethnic_code", "persons", ["ethnic_code"])
    op.create_index("ix_persons_from_country", "persons", ["from_country"])


def _children() -> None:
    op.create_table(
        "person_forms",
        sa.Column("person_id", sa.String(36), sa.ForeignKey("persons.id", name="fk_person_forms_person_id_persons"),
                  primary_key=True),
        sa.Column("form_code", sa.String(48), primary_key=True),
    )
    op.create_index("ix_person_forms_form_code", "person_forms", ["form_code"])
    op.create_table(
        "person_events",
        *_travel_columns(),
        sa.Column("person_id", sa.String(36),
                  sa.ForeignKey("persons.id", name="fk_person_events_person_id_persons"), nullable=False),
        _text("kind", 40),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("days", sa.Integer, nullable=True),
        _text("agency", 300), _text("officer_name", 200), _text("note"),
    )
    op.create_index("ix_person_events_change_seq", "person_events", ["change_seq"])
    op.create_index("ix_person_events_person_id", "person_events", ["person_id", "occurred_at"])
    op.create_table(
        "support_entries",
        *_travel_columns(),
        sa.Column("person_id", sa.String(36),
                  sa.ForeignKey("persons.id", name="fk_support_entries_person_id_persons"), nullable=False),
        _text("type_code", 48),
        sa.Column("given_on", sa.Date, nullable=False),
        _text("provider", 300),
        sa.Column("amount_vnd", sa.BigInteger, nullable=False),
        _text("note"), _text("recorded_by", 64),
    )
    op.create_index("ix_support_entries_change_seq", "support_entries", ["change_seq"])
    op.create_index("ix_support_entries_person_id", "support_entries", ["person_id", "given_on"])
    op.create_index("ix_support_entries_type", "support_entries", ["type_code", "person_id"])
    op.create_table(
        "person_plan_items",
        *_travel_columns(),
        sa.Column("person_id", sa.String(36),
                  sa.ForeignKey("persons.id", name="fk_person_plan_items_person_id_persons"), nullable=False),
        _text("kind", 24), _text("title", 300),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("done_on", sa.Date, nullable=True),
        _text("note"),
    )
    op.create_index("ix_person_plan_items_change_seq", "person_plan_items", ["change_seq"])
    op.create_index("ix_person_plan_items_person_id", "person_plan_items", ["person_id", "due_on"])


def _links() -> None:
    op.create_table(
        "tip_persons",
        *_travel_columns(),
        sa.Column("tip_id", sa.String(36), sa.ForeignKey("tips.id", name="fk_tip_persons_tip_id_tips"),
                  nullable=False),
        sa.Column("person_id", sa.String(36), sa.ForeignKey("persons.id", name="fk_tip_persons_person_id_persons"),
                  nullable=False),
        _text("role", 24),
        sa.Column("unlinked_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("tip_id", "person_id", name="uq_tip_persons_tip_id"),
    )
    op.create_index("ix_tip_persons_change_seq", "tip_persons", ["change_seq"])
    op.create_index("ix_tip_persons_person_id", "tip_persons", ["person_id"])
    op.create_table(
        "person_matches",
        *_travel_columns(),
        sa.Column("person_id", sa.String(36),
                  sa.ForeignKey("persons.id", name="fk_person_matches_person_id_persons"), nullable=False),
        sa.Column("other_id", sa.String(36),
                  sa.ForeignKey("persons.id", name="fk_person_matches_other_id_persons"), nullable=False),
        _text("decision", 16), _text("decided_by", 64),
        sa.UniqueConstraint("person_id", "other_id", name="uq_person_matches_person_id"),
    )
    op.create_index("ix_person_matches_change_seq", "person_matches", ["change_seq"])
    op.create_index("ix_person_matches_other_id", "person_matches", ["other_id"])


def upgrade() -> None:
    _persons()
    _children()
    _links()


def downgrade() -> None:
    raise NotImplementedError("tipdesk never downgrades a database; restore a backup instead")
