"""Search: FTS5 indexes over the folded search text of tips and persons, kept in step by triggers.

Three external-content FTS5 tables read the denormalised folded columns the services maintain:
``tips_fts`` (``tips.search_text``), ``persons_public_fts`` (``persons.search_public``, no identity)
and ``persons_full_fts`` (``persons.search_full``, with identity). A role without identity access
is only ever matched against ``persons_public_fts``, so a name or an ID number cannot find a person
for it. SQL triggers on INSERT, DELETE and UPDATE OF the folded column keep each index in step with
every write, in the same transaction, whoever writes (services, batch import, bulk demo data).

The text is folded already (lower case, no marks, only letters, digits, spaces and ``/``), so the
``unicode61`` tokenizer keeps marks off and splits on ``/``: ``15/2026`` is the two tokens ``15`` and
``2026`` and the query ``15/2026`` is the phrase of both. The tables are not in the ORM metadata.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TOKENIZE = "unicode61 remove_diacritics 0"
# (fts table, content table, folded column)
INDEXES = (
    ("tips_fts", "tips", "search_text"),
    ("persons_public_fts", "persons", "search_public"),
    ("persons_full_fts", "persons", "search_full"),
)


def create_statements(fts: str, table: str, column: str) -> list[str]:
    """DDL of one external-content index and its three triggers (also used by ``reindex``)."""
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='rowid', "
        f"tokenize='{TOKENIZE}')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.rowid, new.{column}); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column}); END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column}); "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.rowid, new.{column}); END",
    ]


def drop_statements(fts: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {fts}_{suffix}" for suffix in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {fts}"
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL searches word tokens with trigram indexes (revision 0006)
    for fts, table, column in INDEXES:
        for statement in create_statements(fts, table, column):
            op.execute(statement)
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # index the existing rows


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for fts, _table, _column in INDEXES:
        for statement in drop_statements(fts):
            op.execute(statement)
