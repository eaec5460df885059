"""Each target's formula pinned on hand-built tips, with the records behind every figure and empty periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Installed
from tests.unit.reports_support import TipSpec, insert, user_desk, vn
from tipdesk.clock import FixedClock
from tipdesk.errors import PermissionDenied, UserError
from tipdesk.services.context import Desk
from tipdesk.services.paging import PageRequest
from tipdesk.services.reports import ReportService
from tipdesk.services.reports_types import FigureRef, KpiPart

NOW = dt.datetime(2026, 4, 10, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def police(admin_desk: Any, installed: Installed, clock: FixedClock) -> Iterator[Desk]:
    clock.at = NOW
    desk = user_desk(admin_desk, installed, clock, "canbo", "commune_police")
    yield desk
    desk.close()


# A: carried over from 2025, resolved, solved and indicted in Q1, tried after Q1.
# B: received and transferred in Q1.          C: received in Q1, nothing done.
# D: received on the last evening of Q1, verified the next day.   E: received just after Q1.
# F: received and resolved before Q1.         G: transferred outside the remit in Q1.
# H: received, transferred and prosecuted in Q1, not solved yet.
TIPS = {
    "A": TipSpec(vn(2025, 12, 20), [("transferred", vn(2025, 12, 21)), ("decision_prosecute", vn(2026, 1, 10)),
                                    ("case_solved", vn(2026, 2, 1)), ("indicted", vn(2026, 3, 1)),
                                    ("tried", vn(2026, 4, 5))]),
    "B": TipSpec(vn(2026, 1, 5), [("transferred", vn(2026, 1, 6))]),
    "C": TipSpec(vn(2026, 2, 1)),
    "D": TipSpec(vn(2026, 3, 31, 23, 30), [("verification_started", vn(2026, 4, 1, 8))]),
    "E": TipSpec(vn(2026, 4, 1, 0, 10)),
    "F": TipSpec(vn(2025, 11, 1), [("transferred", vn(2025, 11, 2)), ("decision_not_prosecute", vn(2025, 12, 1))]),
    "G": TipSpec(vn(2026, 1, 10), [("transferred_other", vn(2026, 1, 11))]),
    "H": TipSpec(vn(2026, 2, 10), [("transferred", vn(2026, 2, 11)), ("decision_prosecute", vn(2026, 3, 20))]),
}

# target -> (numerator tips, denominator tips) for 2026-Q1 (calendar).
EXPECTED_Q1 = {
    "tips_handled": ("BGH", "BCDGH"),
    "tips_resolved": ("AH", "ABCDH"),
    "cases_solved": ("A", "AH"),
    "cases_indicted": ("A", "A"),
    "cases_tried": ("", "A"),
}


@pytest.fixture
def ids(police: Desk) -> dict[str, str]:
    names = list(TIPS)
    tip_ids, _persons = insert(police, [TIPS[n] for n in names])
    return dict(zip(names, tip_ids, strict=True))


def _drill(service: ReportService, code: str, part: KpiPart, text: str = "2026-Q1") -> set[str]:
    period, _rule = service.resolve_period(text)
    found: set[str] = set()
    request = PageRequest(limit=2)  # small pages: the cursor is exercised too
    while True:
        page = service.drill(period, FigureRef(code, part=part), request)
        found |= {r.id for r in page.rows}
        if page.next_cursor is None:
            return found
        request = PageRequest(limit=2, after=page.next_cursor)


def test_each_formula_on_hand_built_tips(police: Desk, ids: dict[str, str]) -> None:
    service = ReportService(police)
    period, _rule = service.resolve_period("2026-Q1")
    kpis = {k.code: k for k in service.kpis(period)}
    for code, (num, den) in EXPECTED_Q1.items():
        assert (kpis[code].numerator, kpis[code].denominator) == (len(num), len(den)), code
        assert _drill(service, code, KpiPart.NUMERATOR) == {ids[n] for n in num}, code
        assert _drill(service, code, KpiPart.DENOMINATOR) == {ids[n] for n in den}, code
    assert kpis["tips_resolved"].rate == pytest.approx(40.0) and kpis["tips_resolved"].met is False
    assert kpis["cases_indicted"].rate == 100.0 and kpis["cases_indicted"].met is True
    assert kpis["cases_tried"].rate == 0.0 and kpis["cases_tried"].met is False


def test_a_running_period_counts_up_to_now(police: Desk, ids: dict[str, str]) -> None:
    service = ReportService(police)
    period, _rule = service.resolve_period("2026-Q2")
    kpis = {k.code: k for k in service.kpis(period)}
    # C (never handled), D (verified on 1 April) and E (received on 1 April, not handled).
    assert (kpis["tips_handled"].numerator, kpis["tips_handled"].denominator) == (1, 3)  # D of C, D, E
    assert (kpis["cases_tried"].numerator, kpis["cases_tried"].denominator) == (1, 1)  # A, tried on 5 April
    assert (kpis["cases_solved"].numerator, kpis["cases_solved"].denominator) == (0, 1)  # H


def test_the_cutoff_rule_moves_the_figures(police: Desk, ids: dict[str, str]) -> None:
    service = ReportService(police)
    period, _rule = service.resolve_period("2026-Q1", "decree09")  # 15/12/2025 - 14/03/2026
    kpis = {k.code: k for k in service.kpis(period)}
    # A (received 20/12/2025, transferred the next day) now falls inside; D (31/03) falls outside.
    assert (kpis["tips_handled"].numerator, kpis["tips_handled"].denominator) == (4, 5)
    numerator = service.drill(period, FigureRef("tips_handled"), PageRequest(limit=50)).rows
    assert {r.id for r in numerator} == {ids[n] for n in "ABGH"}
    assert period.rule_code == "decree09"


def test_an_empty_period_has_no_data_not_zero(police: Desk, ids: dict[str, str]) -> None:
    service = ReportService(police)
    period, _rule = service.resolve_period("2025-Q2")
    for k in service.kpis(period):
        assert (k.numerator, k.denominator, k.rate, k.met) == (0, 0, None, None)
        assert k.rate_text == "không có số liệu" or k.rate_text == "no data"
        assert service.drill(period, FigureRef(k.code, part=KpiPart.DENOMINATOR)).rows == []


def test_a_future_period_is_refused(police: Desk) -> None:
    service = ReportService(police)
    period, _rule = service.resolve_period("2026-Q3")
    with pytest.raises(UserError) as info:
        service.kpis(period)
    assert info.value.code == "period_future"


def test_an_edited_target_changes_the_verdict(police: Desk, ids: dict[str, str]) -> None:
    import json

    from tipdesk.domain import kpi, refdata

    data = json.loads(json.dumps(refdata.load(kpi.FILE_NAME)))
    data["targets"][1]["target_pct"] = 35  # tips_resolved: 40% now meets "above 35%"
    (police.data_dir / kpi.FILE_NAME).write_text(json.dumps(data), encoding="utf-8")
    service = ReportService(police)
    period, _rule = service.resolve_period("2026-Q1")
    resolved = next(k for k in service.kpis(period) if k.code == "tips_resolved")
    assert resolved.met is True and resolved.target_text == "> 35%"


def test_permissions(admin_desk: Desk, police: Desk, ids: dict[str, str]) -> None:
    service = ReportService(admin_desk)  # commune administrator: may view reports, not tips
    period, _rule = service.resolve_period("2026-Q1")
    assert len(service.kpis(period)) == 5
    with pytest.raises(PermissionDenied):
        service.drill(period, FigureRef("tips_resolved"))
