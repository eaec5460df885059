"""Demonstration tips: every status and deadline state, real unit codes, proper stamping, fast bulk insert."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from tests.conftest import Installed
from tests.unit.tips_support import police_desk, tip_input
from tipdesk.clock import FixedClock
from tipdesk.db.models.tips import Tip, TipEvent
from tipdesk.domain import units
from tipdesk.domain.deadlines import DeadlineState
from tipdesk.domain.text import fold
from tipdesk.domain.tips import TipStatus, replay
from tipdesk.services import demo_tips
from tipdesk.services.paging import PageRequest
from tipdesk.services.tips import TipService
from tipdesk.services.tips_store import search_text


def test_demo_tips_cover_every_status_and_deadline_state(admin_desk: Any, installed: Installed,
                                                         clock: FixedClock) -> None:
    assert demo_tips.generate(admin_desk, random.Random(7), 600, lambda *_a: None) == 600
    with admin_desk.read() as s:
        tips = list(s.scalars(select(Tip)))
        events = list(s.scalars(select(TipEvent).order_by(TipEvent.occurred_at, TipEvent.change_seq)))
        assert all(search_text(tip) == tip.search_text for tip in tips[:50])
        assert {TipStatus(t.status) for t in tips} == set(TipStatus)
        by_tip: dict[str, list[str]] = {}
        for e in events:
            by_tip.setdefault(e.tip_id, []).append(e.kind)
        assert all(replay(by_tip[t.id]) == TipStatus(t.status) for t in tips)  # statuses follow the events
        seqs = [t.change_seq for t in tips] + [e.change_seq for e in events]
        assert len(set(seqs)) == len(seqs) and min(seqs) > 0
        assert all(t.version == 1 and t.origin_install_id == installed.install_id for t in tips)
        numbers = Counter((t.register_year, t.register_no) for t in tips)
        communes = {c.code for c in units.communes("08")}
        assert all(t.place_unit_code in communes for t in tips if t.place_unit_code)
        assert any("ư" in t.summary or "ố" in t.summary for t in tips)
        counter = s.scalar(text("SELECT value FROM change_counter"))
    assert max(numbers.values()) == 1
    assert counter == max(seqs)  # the change counter moved past every stamped row
    service = TipService(police_desk(admin_desk, installed, clock))
    states = Counter(r.deadline_state for r in _all(service))
    assert {DeadlineState.OVERDUE, DeadlineState.DUE_SOON, DeadlineState.PENDING, None} <= set(states)
    latest = max(n for y, n in numbers if y == 2026)
    assert service.create(tip_input(clock)).register_no == latest + 1  # the counter knows the demo numbers


def _all(service: TipService) -> list[Any]:
    rows, request = [], PageRequest(limit=500)
    while True:
        page = service.list(request)
        rows += page.rows
        if page.next_cursor is None:
            return rows
        request = PageRequest(after=page.next_cursor, limit=500)


def test_demo_on_a_province_installation_makes_no_tips(admin_desk: Any, monkeypatch: Any) -> None:
    from dataclasses import replace

    from tipdesk.domain.roles import Profile

    monkeypatch.setattr(admin_desk, "installation", replace(admin_desk.installation, profile=Profile.PROVINCE))
    assert demo_tips.generate(admin_desk, random.Random(1), 10, lambda *_a: None) == 0


@given(st.lists(st.text(alphabet="aăâđeêioôơuưy ĐƯỜNG Đức-/.,1_'", max_size=12), max_size=8))
def test_fold_by_word_equals_fold(words: list[str]) -> None:
    text = " ".join(words)
    assert demo_tips.fold_by_word(text) == fold(text)
