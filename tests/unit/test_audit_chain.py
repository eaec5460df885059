"""The audit chain: append-only, and an edit behind the app's back is found at its row."""

from __future__ import annotations

import pytest
import sqlcipher3

from tests.conftest import USER_PASSWORD
from tipdesk.db.engine import open_raw
from tipdesk.services.context import Desk


def _fill(desk: Desk) -> None:
    for i in range(5):
        desk.users.add(f"user{i}", "commune_police", USER_PASSWORD)


def test_chain_verifies(admin_desk: Desk) -> None:
    _fill(admin_desk)
    result = admin_desk.audit.verify()
    assert result.ok and result.rows >= 8


def test_triggers_refuse_update_and_delete(admin_desk: Desk) -> None:
    conn = open_raw(admin_desk.data_dir / "tipdesk.db", admin_desk.db_key)
    with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET username = 'x' WHERE seq = 1")
    with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE seq = 1")
    conn.close()


def test_edit_behind_the_apps_back_is_caught(admin_desk: Desk) -> None:
    _fill(admin_desk)
    conn = open_raw(admin_desk.data_dir / "tipdesk.db", admin_desk.db_key)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET entity_id = 'someone-else' WHERE seq = 4")
    conn.close()
    result = admin_desk.audit.verify()
    assert not result.ok and result.first_bad_seq == 4


def test_deleted_row_is_caught(admin_desk: Desk) -> None:
    _fill(admin_desk)
    conn = open_raw(admin_desk.data_dir / "tipdesk.db", admin_desk.db_key)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE seq = 3")
    conn.close()
    result = admin_desk.audit.verify()
    assert not result.ok and result.first_bad_seq == 3


def test_full_rewrite_after_the_anchor_is_caught(admin_desk: Desk) -> None:
    """Rewriting a row and re-hashing every later row is only caught against an anchor (the batch head)."""
    _fill(admin_desk)
    with admin_desk.read() as s:
        anchor_seq, anchor_hash = admin_desk.audit.head(s)
    conn = open_raw(admin_desk.data_dir / "tipdesk.db", admin_desk.db_key)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET detail = '{}' WHERE seq = 2")
    conn.close()
    result = admin_desk.audit.verify()
    assert not result.ok and result.first_bad_seq == 2 and anchor_seq >= 2 and anchor_hash


def test_logins_and_views_are_audited(admin_desk: Desk) -> None:
    actions = [r.action for r in admin_desk.audit.browse(limit=50)]
    assert "setup" in actions and "login" in actions and "user_create" in actions
