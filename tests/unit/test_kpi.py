"""The targets as data (numerator / denominator, verdicts, footnotes) and the reporting periods with cut-offs."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.reports_support import vietnamese
from tipdesk.domain import kpi, refdata
from tipdesk.domain.report_periods import (
    PeriodKind,
    date_range,
    load_period_rules,
    make_period,
    parse_period,
    parse_period_rules,
    period_containing,
    previous,
    rules_for,
    rules_to_json,
    trend_periods,
)
from tipdesk.errors import UserError

RULES = load_period_rules()
CALENDAR = RULES.rule("calendar")
DECREE09 = RULES.rule("decree09")


# --- targets ---------------------------------------------------------------------------------------------------


def test_shipped_targets_are_the_five_of_the_plan() -> None:
    targets = kpi.load_targets()
    assert [t.code for t in targets.targets] == ["tips_handled", "tips_resolved", "cases_solved", "cases_indicted",
                                                "cases_tried"]
    assert [(t.target_pct, t.comparison.value) for t in targets.targets] == [
        (100, "at_least"), (90, "above"), (90, "above"), (95, "at_least"), (90, "at_least")]
    assert "19/KH-BCĐ138/CP" in targets.plan_ref.vi
    assert targets.target("tips_resolved").exclude == ("transferred_other",)


@pytest.mark.parametrize(("code", "num", "den", "rate", "met"), [
    ("tips_handled", 10, 10, 100.0, True),
    ("tips_handled", 99, 100, 99.0, False),
    ("tips_resolved", 9, 10, 90.0, False),  # "above 90%": exactly 90% is not enough
    ("tips_resolved", 91, 100, 91.0, True),
    ("cases_indicted", 19, 20, 95.0, True),  # "95%": at least
    ("cases_tried", 0, 0, None, None),  # no data, never 0%
    ("cases_tried", 0, 3, 0.0, False),
])
def test_evaluate(code: str, num: int, den: int, rate: float | None, met: bool | None) -> None:
    outcome = kpi.load_targets().target(code).evaluate(num, den)
    assert (outcome.rate, outcome.met) == (rate, met)


def test_impossible_figures_are_a_bug() -> None:
    with pytest.raises(ValueError):
        kpi.load_targets().target("tips_handled").evaluate(3, 2)


def test_footnote_names_the_counted_events_in_vietnamese(tmp_path: Path) -> None:
    with vietnamese(tmp_path):
        targets = kpi.load_targets()
        resolved = targets.target("tips_resolved").footnote()
        tried = targets.target("cases_tried").footnote()
    assert "Tử số" in resolved and "Mẫu số" in resolved
    assert "“Quyết định khởi tố vụ án” hoặc “Quyết định không khởi tố vụ án”" in resolved
    assert "Không tính các nguồn tin đã có “Chuyển cơ quan khác (ngoài thẩm quyền)”" in resolved
    assert "“Vụ án được đưa ra xét xử sơ thẩm”" in tried and "Không tính" not in tried


def test_event_sets_share_columns() -> None:
    targets = kpi.load_targets()
    sets = targets.event_sets()
    assert len(set(sets.values())) == len(sets)  # each distinct set once
    assert targets.column_of(("received",)) in sets
    assert sets[targets.column_of(("received",)) or ""] == ("received",)


def _raw() -> dict[str, Any]:
    return copy.deepcopy(refdata.load(kpi.FILE_NAME))  # type: ignore[no-any-return]


@pytest.mark.parametrize(("change", "fragment"), [
    (lambda d: d["targets"][0].update(done=["verdict_announced"]), "verdict_announced"),
    (lambda d: d["targets"][0].update(done=[]), "done"),
    (lambda d: d["targets"][1].update(target_pct=120), "target_pct"),
    (lambda d: d["targets"][1].update(target_pct=True), "target_pct"),
    (lambda d: d["targets"][2].update(comparison="below"), "comparison"),
    (lambda d: d["report"].update(subject_vi="Báo cáo"), "{period}"),
    (lambda d: d.update(format=2), "kpi_targets.json"),
    (lambda d: d["targets"].append(d["targets"][0]), "tips_handled"),
])
def test_malformed_targets_are_refused(change: Any, fragment: str) -> None:
    data = _raw()
    change(data)
    with pytest.raises(UserError) as info:
        kpi.parse_targets(data, "kpi_targets.json")
    assert info.value.code == "data_invalid"
    assert "kpi_targets.json" in info.value.message and fragment in info.value.message


def test_an_edited_copy_in_the_data_folder_wins(tmp_path: Path) -> None:
    data = _raw()
    data["targets"][1]["target_pct"] = 85
    (tmp_path / kpi.FILE_NAME).write_text(json.dumps(data), encoding="utf-8")
    assert kpi.targets_for(tmp_path).target("tips_resolved").target_pct == 85
    assert kpi.targets_for(tmp_path / "elsewhere").target("tips_resolved").target_pct == 90


# --- periods ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "rule", "start", "end"), [
    ("2026-Q1", "calendar", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ("2026-Q4", "calendar", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ("2026-H2", "calendar", dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
    ("2026", "calendar", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ("2026-Q1", "decree09", dt.date(2025, 12, 15), dt.date(2026, 3, 14)),
    ("2026-q2", "decree09", dt.date(2026, 3, 15), dt.date(2026, 6, 14)),
    ("2026-H1", "decree09", dt.date(2025, 12, 15), dt.date(2026, 6, 14)),
    ("2026-H2", "decree09", dt.date(2026, 6, 15), dt.date(2026, 12, 14)),
    ("2026", "decree09", dt.date(2025, 12, 15), dt.date(2026, 12, 14)),
    ("2024-02-01:2024-02-29", "decree09", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
])
def test_parse_period(text: str, rule: str, start: dt.date, end: dt.date) -> None:
    period = parse_period(text, RULES.rule(rule))
    assert (period.start, period.end) == (start, end)
    assert parse_period(period.code, RULES.rule(rule)) == period


@pytest.mark.parametrize("text", ["2026-Q5", "2026-H3", "Q1", "26", "2026-03-01:2026-02-01", "2026-02-30:2026-03-01",
                                  "1990-01-01:2026-01-01", ""])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(UserError) as info:
        parse_period(text, CALENDAR)
    assert info.value.code == "period_invalid"


def test_bounds_are_vietnam_local_midnights() -> None:
    start, end = parse_period("2026-Q1", DECREE09).bounds()
    assert start == dt.datetime(2025, 12, 14, 17, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 14, 17, 0, tzinfo=dt.UTC)


def test_labels_in_vietnamese(tmp_path: Path) -> None:
    with vietnamese(tmp_path):
        assert parse_period("2026-Q3", CALENDAR).label() == "quý III năm 2026"
        assert parse_period("2026-H1", CALENDAR).label() == "6 tháng đầu năm 2026"
        assert parse_period("2026", CALENDAR).label() == "năm 2026"
        assert date_range(dt.date(2026, 1, 5), dt.date(2026, 2, 5)).label() == "từ ngày 05/01/2026 đến ngày 05/02/2026"
        assert parse_period("2026-Q1", CALENDAR).short_label() == "Quý 1/2026"


def test_period_containing_and_previous() -> None:
    day = dt.date(2026, 12, 20)
    assert period_containing(day, PeriodKind.QUARTER, DECREE09).code == "2027-Q1"
    assert period_containing(day, PeriodKind.QUARTER, CALENDAR).code == "2026-Q4"
    assert period_containing(day, PeriodKind.YEAR, DECREE09).code == "2027"
    assert previous(parse_period("2026-Q1", CALENDAR), CALENDAR).code == "2025-Q4"
    assert previous(parse_period("2026-H1", CALENDAR), CALENDAR).code == "2025-H2"
    span = date_range(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    assert (previous(span, CALENDAR).start, previous(span, CALENDAR).end) == (dt.date(2026, 2, 19),
                                                                             dt.date(2026, 2, 28))
    assert [p.code for p in trend_periods(parse_period("2026-Q2", CALENDAR), CALENDAR)] == [
        "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]


@given(st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)), st.sampled_from([PeriodKind.QUARTER, PeriodKind.HALF,
                                                                               PeriodKind.YEAR]),
       st.sampled_from(["calendar", "decree09"]))
def test_every_day_falls_in_exactly_one_period(day: dt.date, kind: PeriodKind, code: str) -> None:
    rule = RULES.rule(code)
    period = period_containing(day, kind, rule)
    assert period.contains(day)
    before = previous(period, rule)
    assert before.end + dt.timedelta(days=1) == period.start


def _rules_json() -> dict[str, Any]:
    return rules_to_json(RULES)


@pytest.mark.parametrize(("change", "fragment"), [
    (lambda d: d["rules"][1].update(end_day=10), "decree09"),  # a gap between periods
    (lambda d: d["rules"][1].update(start_day=31), "start_day"),
    (lambda d: d["rules"][0].update(start_month_offset=1), "start_month_offset"),
    (lambda d: d.update(default="fiscal"), "fiscal"),
    (lambda d: d["rules"].append(dict(d["rules"][0])), "calendar"),
])
def test_malformed_cutoff_tables_are_refused(change: Any, fragment: str) -> None:
    data = _rules_json()
    change(data)
    with pytest.raises(UserError) as info:
        parse_period_rules(data, "report_periods.json")
    assert info.value.code == "data_invalid" and fragment in info.value.message


def test_cutoff_table_round_trips_and_an_edited_copy_wins(tmp_path: Path) -> None:
    assert parse_period_rules(_rules_json(), "x") == RULES
    data = _rules_json()
    data["default"] = "decree09"
    (tmp_path / "report_periods.json").write_text(json.dumps(data), encoding="utf-8")
    assert rules_for(tmp_path).rule().code == "decree09"
    assert rules_for(None).rule().code == "calendar"
    assert make_period(PeriodKind.QUARTER, 2026, 1, rules_for(tmp_path).rule()).start == dt.date(2025, 12, 15)
