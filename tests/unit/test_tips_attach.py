"""Attachments: bytes in the database with their hash, the size cap from the settings, audit."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.conftest import Installed
from tests.unit.tips_support import police_desk, tip_input
from tipdesk.clock import FixedClock
from tipdesk.errors import UserError
from tipdesk.services.tips import TipService


def test_attachment_roundtrip_and_size_cap(admin_desk: Any, installed: Installed, clock: FixedClock) -> None:
    admin_desk.settings.set("attachment_max_mb", 1)
    tips = TipService(police_desk(admin_desk, installed, clock))
    view = tips.create(tip_input(clock))
    scan = bytes(range(256)) * 4096  # exactly 1 MB: allowed
    added = tips.attachments.add(view.id, "C:\\Scans\\don to giac.pdf", scan, "Đơn viết tay")
    assert (added.filename, added.size, added.mime_type) == ("don to giac.pdf", len(scan), "application/pdf")
    assert added.sha256 == hashlib.sha256(scan).hexdigest()
    meta, data = tips.attachments.data(added.id)
    assert data == scan and meta == added
    assert [a.id for a in tips.get(view.id).attachments] == [added.id]
    with pytest.raises(UserError) as err:
        tips.attachments.add(view.id, "video.mp4", scan + b"x", "")
    assert err.value.code == "attachment_too_large"
    assert "video.mp4" in err.value.message and "1 MB" in err.value.message
    with pytest.raises(UserError) as err:
        tips.attachments.add(view.id, "empty.jpg", b"")
    assert err.value.code == "attachment_empty"
    assert len(tips.get(view.id).attachments) == 1  # nothing was added by the refused files
