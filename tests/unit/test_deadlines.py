"""The deadline engine against the shipped rule set, with a fixed clock."""

from __future__ import annotations

import copy
import datetime as dt
import json
import zoneinfo
from pathlib import Path
from typing import Any

import pytest

from tipdesk.domain import deadlines, refdata
from tipdesk.domain.deadlines import (
    VN_TZ,
    Deadline,
    DeadlineEvent,
    DeadlineState,
    RuleSet,
    add_months,
    compute_deadlines,
    load_rules,
    next_deadline,
)
from tipdesk.errors import UserError

S = DeadlineState
SECOND = dt.timedelta(seconds=1)
RULES_FILE = Path(__file__).resolve().parents[2] / "resources" / "data" / "deadline_rules.json"


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=VN_TZ)


def eod(y: int, m: int, d: int) -> dt.datetime:
    return at(y, m, d, 23, 59, 59)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def run(
    rules: RuleSet, events: list[tuple[str, dt.datetime]], now: dt.datetime, remote: bool = False
) -> dict[str, Deadline]:
    evs = [DeadlineEvent(kind, when) for kind, when in events]
    return {d.rule_code: d for d in compute_deadlines(evs, rules, now, remote)}


# --- transfer (24 h / 48 h) -----------------------------------------------------------------------------


def test_transfer_crosses_year_boundary(rules: RuleSet) -> None:
    got = run(rules, [("received", at(2024, 12, 31, 23, 30))], now=at(2025, 1, 1, 8))
    assert got["tip_transfer"].due_at == at(2025, 1, 1, 23, 30)
    assert got["tip_transfer"].state is S.DUE_SOON  # default pre-alarm of an hour rule: 1 day


def test_transfer_exact_due_is_not_overdue_one_second_later_is(rules: RuleSet) -> None:
    received = at(2025, 3, 5, 10, 15, 0)
    due = received + dt.timedelta(hours=24)
    assert run(rules, [("received", received)], now=due)["tip_transfer"].state is S.DUE_SOON
    assert run(rules, [("received", received)], now=due + SECOND)["tip_transfer"].state is S.OVERDUE


def test_transfer_remote_commune_gets_48_hours(rules: RuleSet) -> None:
    received = at(2025, 3, 5, 10)
    events = [("received", received)]
    early = run(rules, events, now=received + dt.timedelta(hours=20), remote=True)["tip_transfer"]
    assert early.due_at == at(2025, 3, 7, 10)
    assert early.state is S.PENDING
    assert run(rules, events, now=at(2025, 3, 6, 10), remote=True)["tip_transfer"].state is S.DUE_SOON
    assert (
        run(rules, events, now=at(2025, 3, 6, 10) + SECOND, remote=False)["tip_transfer"].state is S.OVERDUE
    )


def test_transfer_met_in_time_and_late(rules: RuleSet) -> None:
    received = at(2025, 3, 5, 10)
    on_time = run(rules, [("received", received), ("transferred", at(2025, 3, 6, 10))], now=at(2025, 3, 9))
    assert (on_time["tip_transfer"].state, on_time["tip_transfer"].met_at) == (S.MET, at(2025, 3, 6, 10))
    late = run(
        rules,
        [("received", received), ("transferred_other", at(2025, 3, 6, 10) + SECOND)],
        now=at(2025, 3, 9),
    )
    assert late["tip_transfer"].state is S.MET_LATE


def test_event_times_in_utc_are_the_same_instant(rules: RuleSet) -> None:
    received_utc = dt.datetime(2024, 12, 31, 16, 30, tzinfo=dt.UTC)  # 23:30 in Vietnam
    got = run(rules, [("received", received_utc)], now=at(2025, 1, 1))
    assert got["tip_transfer"].due_at == at(2025, 1, 1, 23, 30)
    assert got["tip_procuracy_notice"].due_at == eod(2025, 1, 3)


# --- procuracy notice (3 days) ------------------------------------------------------------------------


def test_procuracy_notice_counts_days_after_the_local_receipt_day(rules: RuleSet) -> None:
    # 20:00 UTC on 5/3 is 03:00 on 6/3 in Vietnam: the receipt day is 6/3.
    received = dt.datetime(2025, 3, 5, 20, 0, tzinfo=dt.UTC)
    got = run(rules, [("received", received)], now=at(2025, 3, 6, 4))
    assert got["tip_procuracy_notice"].due_at == eod(2025, 3, 9)
    assert got["tip_procuracy_notice"].state is S.PENDING
    later = run(rules, [("received", received)], now=eod(2025, 3, 6))  # 3-day pre-alarm
    assert later["tip_procuracy_notice"].state is S.DUE_SOON


def test_procuracy_notice_edge_second_and_year_boundary(rules: RuleSet) -> None:
    events = [("received", at(2025, 12, 30, 22))]
    due = eod(2026, 1, 2)
    assert run(rules, events, now=due)["tip_procuracy_notice"].due_at == due
    assert run(rules, events, now=due)["tip_procuracy_notice"].state is S.DUE_SOON
    assert run(rules, events, now=at(2026, 1, 3))["tip_procuracy_notice"].state is S.OVERDUE
    met = run(rules, [*events, ("procuracy_notified", due)], now=at(2026, 1, 9))
    assert met["tip_procuracy_notice"].state is S.MET


# --- decision: 20 days, 2 months, procuracy extension ----------------------------------------------------


def test_decision_20_days_with_pre_alarm(rules: RuleSet) -> None:
    events = [("received", at(2025, 1, 15, 9))]
    assert run(rules, events, now=at(2025, 1, 16))["tip_decision"].due_at == eod(2025, 2, 4)
    assert run(rules, events, now=eod(2025, 2, 1) - SECOND)["tip_decision"].state is S.PENDING
    assert run(rules, events, now=eod(2025, 2, 1))["tip_decision"].state is S.DUE_SOON
    assert run(rules, events, now=eod(2025, 2, 4) + SECOND)["tip_decision"].state is S.OVERDUE


def test_decision_met_and_met_late(rules: RuleSet) -> None:
    received = ("received", at(2025, 1, 15, 9))
    met = run(rules, [received, ("decision_not_prosecute", at(2025, 1, 25))], now=at(2025, 3, 1))
    assert (met["tip_decision"].state, met["tip_decision"].met_at) == (S.MET, at(2025, 1, 25))
    late = run(rules, [received, ("decision_prosecute", at(2025, 2, 5))], now=at(2025, 3, 1))
    assert late["tip_decision"].state is S.MET_LATE


def test_later_stages_are_hidden_until_triggered(rules: RuleSet) -> None:
    got = run(rules, [("received", at(2025, 1, 15, 9))], now=at(2025, 1, 16))
    assert "tip_decision_extended" not in got
    assert "tip_decision_procuracy_extended" not in got
    assert "tip_decision_resumed" not in got


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2024, 12, 31, 10), eod(2025, 2, 28)),  # month end, common year
        (at(2023, 12, 31, 10), eod(2024, 2, 29)),  # month end, leap year
        (at(2025, 11, 30, 10), eod(2026, 1, 30)),  # year boundary
        (at(2025, 3, 1, 0, 30), eod(2025, 5, 1)),
    ],
)
def test_extension_two_months_from_receipt(rules: RuleSet, received: dt.datetime, due: dt.datetime) -> None:
    got = run(
        rules,
        [("received", received), ("extension", received + dt.timedelta(days=10))],
        now=received + dt.timedelta(days=12),
    )
    assert got["tip_decision_extended"].due_at == due
    assert got["tip_decision_extended"].state is S.PENDING
    assert got["tip_decision"].state is S.NOT_APPLICABLE


def test_procuracy_extension_request_due_five_days_before_current_expiry(rules: RuleSet) -> None:
    received = ("received", at(2025, 1, 15, 9))
    plain = run(rules, [received], now=at(2025, 1, 16))
    assert plain["tip_procuracy_extension_request"].due_at == eod(2025, 1, 30)  # 4/2 - 5 days
    extended = run(
        rules, [("received", at(2025, 3, 1, 9)), ("extension", at(2025, 3, 15))], now=at(2025, 4, 1)
    )
    assert extended["tip_procuracy_extension_request"].due_at == eod(2025, 4, 26)  # 1/5 - 5 days
    assert extended["tip_procuracy_extension_request"].state is S.PENDING
    assert (
        run(rules, [("received", at(2025, 3, 1, 9)), ("extension", at(2025, 3, 15))], now=eod(2025, 4, 23))[
            "tip_procuracy_extension_request"
        ].state
        is S.DUE_SOON
    )


def test_procuracy_extension_request_met_or_late(rules: RuleSet) -> None:
    base = [("received", at(2025, 3, 1, 9)), ("extension", at(2025, 3, 15))]
    in_time = run(rules, [*base, ("procuracy_extension_requested", eod(2025, 4, 26))], now=at(2025, 4, 28))
    assert in_time["tip_procuracy_extension_request"].state is S.MET
    late = run(rules, [*base, ("procuracy_extension_requested", at(2025, 4, 27))], now=at(2025, 4, 28))
    assert late["tip_procuracy_extension_request"].state is S.MET_LATE
    decided = run(rules, [*base, ("decision_prosecute", at(2025, 4, 1))], now=at(2025, 4, 28))
    assert decided["tip_procuracy_extension_request"].state is S.NOT_APPLICABLE


def test_procuracy_extension_adds_two_months_to_the_current_expiry(rules: RuleSet) -> None:
    events = [
        ("received", at(2024, 12, 31, 10)),
        ("extension", at(2025, 1, 10)),
        ("procuracy_extension_requested", at(2025, 2, 20)),
        ("procuracy_extension", at(2025, 2, 25)),
    ]
    got = run(rules, events, now=at(2025, 3, 1))
    # Chained month arithmetic: 31/12 -> 28/2 -> 28/4 (not 30/4).
    assert got["tip_decision_procuracy_extended"].due_at == eod(2025, 4, 28)
    assert got["tip_decision_procuracy_extended"].state is S.PENDING
    assert got["tip_decision_extended"].state is S.NOT_APPLICABLE
    assert got["tip_procuracy_extension_request"].state is S.MET


def test_procuracy_extension_directly_after_20_days(rules: RuleSet) -> None:
    events = [("received", at(2025, 1, 15, 9)), ("procuracy_extension", at(2025, 1, 29))]
    got = run(rules, events, now=at(2025, 2, 1))
    assert got["tip_decision_procuracy_extended"].due_at == eod(2025, 4, 4)  # 4/2 + 2 months


# --- suspension and resumption ----------------------------------------------------------------------------


def test_suspension_pauses_the_decision_clock(rules: RuleSet) -> None:
    events = [("received", at(2025, 3, 1, 9)), ("suspended", at(2025, 3, 10, 15))]
    got = run(rules, events, now=at(2025, 5, 1))  # long after the 20 days
    assert got["tip_decision"].state is S.PAUSED
    assert got["tip_procuracy_extension_request"].state is S.PAUSED
    notice = got["tip_suspension_notice"]
    assert (notice.due_at, notice.state) == (at(2025, 3, 11, 15), S.OVERDUE)
    assert next_deadline(list(got.values())) == got["tip_transfer"]  # paused clocks are not open


def test_resumption_gives_at_most_one_month_from_resumption(rules: RuleSet) -> None:
    events = [
        ("received", at(2025, 3, 1, 9)),
        ("suspended", at(2025, 3, 10)),
        ("resumed", at(2025, 5, 31, 14)),
    ]
    got = run(rules, events, now=at(2025, 6, 1))
    assert got["tip_decision"].state is S.NOT_APPLICABLE
    assert got["tip_decision_resumed"].due_at == eod(2025, 6, 30)  # 31/5 + 1 month, clamped
    assert got["tip_decision_resumed"].state is S.PENDING
    decided = run(rules, [*events, ("decision_not_prosecute", eod(2025, 6, 30))], now=at(2025, 7, 5))
    assert decided["tip_decision_resumed"].state is S.MET


def test_second_suspension_and_resumption_use_the_latest(rules: RuleSet) -> None:
    events = [
        ("received", at(2025, 1, 2)),
        ("suspended", at(2025, 1, 10)),
        ("resumed", at(2025, 2, 1)),
        ("suspended", at(2025, 2, 20)),
    ]
    assert run(rules, events, now=at(2025, 4, 1))["tip_decision_resumed"].state is S.PAUSED
    events.append(("resumed", at(2025, 4, 15)))
    got = run(rules, events, now=at(2025, 4, 16))
    assert got["tip_decision_resumed"].due_at == eod(2025, 5, 15)
    assert got["tip_suspension_notice"].due_at == at(2025, 2, 21)


def test_transferred_other_supersedes_the_tip_clocks(rules: RuleSet) -> None:
    events = [("received", at(2025, 3, 1, 9)), ("transferred_other", at(2025, 3, 1, 12))]
    got = run(rules, events, now=at(2025, 6, 1))
    assert got["tip_transfer"].state is S.MET
    assert got["tip_procuracy_notice"].state is S.NOT_APPLICABLE
    assert got["tip_decision"].state is S.NOT_APPLICABLE
    assert next_deadline(list(got.values())) is None


# --- persons -------------------------------------------------------------------------------------------


def test_person_initial_verification_three_days(rules: RuleSet) -> None:
    evs = [DeadlineEvent("handed_over", at(2025, 7, 30, 16))]
    got = compute_deadlines(evs, rules, at(2025, 8, 3), subject="person")
    assert [(d.rule_code, d.due_at, d.state) for d in got] == [
        ("person_initial_verification", eod(2025, 8, 2), S.OVERDUE)
    ]
    assert compute_deadlines(evs, rules, at(2025, 8, 3), subject="tip") == []


def test_essential_needs_120_days_and_extensions(rules: RuleSet) -> None:
    start = DeadlineEvent("essential_support_started", at(2025, 1, 1, 9))
    base = {d.rule_code: d for d in compute_deadlines([start], rules, at(2025, 4, 1))}
    assert base["person_essential_needs"].due_at == eod(2025, 5, 1)
    assert base["person_essential_needs"].state is S.PENDING
    extended = [start, DeadlineEvent("essential_support_extended", at(2025, 4, 25), days=30)]
    got = {d.rule_code: d for d in compute_deadlines(extended, rules, at(2025, 5, 2))}
    assert got["person_essential_needs"].due_at == eod(2025, 5, 31)
    assert got["person_essential_needs"].state is S.PENDING  # pre-alarm 10 days in the rule
    with pytest.raises(ValueError):
        compute_deadlines(
            [start, DeadlineEvent("essential_support_extended", at(2025, 4, 25))], rules, at(2025, 5, 2)
        )


# --- engine generalities --------------------------------------------------------------------------------


def test_events_after_now_are_ignored(rules: RuleSet) -> None:
    events = [("received", at(2025, 3, 1, 9)), ("transferred", at(2025, 3, 2, 8))]
    assert run(rules, events, now=at(2025, 3, 2, 7))["tip_transfer"].state is S.DUE_SOON
    assert run(rules, events, now=at(2025, 3, 2, 9))["tip_transfer"].state is S.MET
    assert run(rules, events, now=at(2025, 2, 1)) == {}


def test_naive_datetimes_are_refused(rules: RuleSet) -> None:
    with pytest.raises(ValueError):
        DeadlineEvent("received", dt.datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        compute_deadlines([], rules, dt.datetime(2025, 1, 1))


def test_next_deadline_is_the_earliest_open_one(rules: RuleSet) -> None:
    got = run(
        rules, [("received", at(2025, 3, 1, 9)), ("transferred", at(2025, 3, 1, 10))], now=at(2025, 3, 2)
    )
    first = next_deadline(list(got.values()))
    assert first is not None and first.rule_code == "tip_procuracy_notice"
    assert next_deadline([got["tip_transfer"]]) is None
    assert next_deadline([]) is None


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2025, 12, 15), 1, dt.date(2026, 1, 15)),
        (dt.date(2025, 3, 31), -1, dt.date(2025, 2, 28)),
        (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def test_fixed_offset_fallback_without_tzdata(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(key: str) -> Any:
        raise zoneinfo.ZoneInfoNotFoundError(key)

    monkeypatch.setattr(deadlines, "ZoneInfo", missing)
    tz = deadlines._vietnam_tz()
    assert tz.utcoffset(dt.datetime(2025, 1, 1)) == dt.timedelta(hours=7)


def test_custom_pre_alarm(tmp_path: Path) -> None:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    data["rules"][0]["pre_alarm_days"] = 0.25  # 6 hours for the transfer rule
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    custom = load_rules(path)
    events = [("received", at(2025, 3, 1, 9))]
    assert run(custom, events, now=at(2025, 3, 2, 2, 59))["tip_transfer"].state is S.PENDING
    assert run(custom, events, now=at(2025, 3, 2, 3))["tip_transfer"].state is S.DUE_SOON


def test_shipped_rule_texts_are_extractable_msgids() -> None:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    texts = {r["label"] for r in data["rules"]} | {r["legal_ref"] for r in data["rules"]}
    assert texts == set(refdata.DEFAULT_RULE_MSGIDS)


def test_state_labels_translate() -> None:
    assert all(state.label() for state in DeadlineState)


# --- malformed rule files -------------------------------------------------------------------------------


def _mutations() -> list[tuple[str, Any]]:
    def drop(key: str) -> Any:
        return lambda d: d["rules"][0].pop(key)

    def setr(index: int, key: str, value: Any) -> Any:
        return lambda d: d["rules"][index].__setitem__(key, value)

    return [
        ("missing start_event", drop("start_event")),
        ("missing legal_ref", drop("legal_ref")),
        ("two units", setr(0, "duration", {"hours": 24, "days": 1})),
        ("unknown unit", setr(0, "duration", {"weeks": 1})),
        ("zero duration", setr(0, "duration", {"days": 0})),
        ("text amount", setr(0, "duration", {"days": "3"})),
        ("negative without anchor", setr(1, "duration", {"days": -3})),
        ("unknown event", setr(0, "stop_events", ["transferd"])),
        ("no stop event", setr(0, "stop_events", [])),
        ("stop events not a list", setr(0, "stop_events", "transferred")),
        ("unknown subject", setr(0, "subject", "case")),
        ("anchor to a later rule", setr(2, "anchor", ["tip_decision_resumed"])),
        ("negative pre-alarm", setr(0, "pre_alarm_days", -1)),
        ("bad occurrence", setr(0, "start_occurrence", "middle")),
        ("hour rule extended", setr(0, "extend_events", ["extension"])),
        ("duplicate code", setr(1, "code", "tip_transfer")),
        ("bad date", lambda d: d.__setitem__("effective_from", "01/07/2025")),
        ("wrong format", lambda d: d.__setitem__("format", 99)),
        ("no rules", lambda d: d.__setitem__("rules", [])),
        ("rule not an object", lambda d: d["rules"].append("x")),
    ]


@pytest.mark.parametrize(("name", "mutate"), _mutations(), ids=[m[0] for m in _mutations()])
def test_malformed_rules_file_is_a_user_error(tmp_path: Path, name: str, mutate: Any) -> None:
    data = copy.deepcopy(json.loads(RULES_FILE.read_text(encoding="utf-8")))
    mutate(data)
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_rules(path)
    assert info.value.code == "data_invalid"
    assert str(path) in info.value.message


def test_rules_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text('{"format": 1, "rules": [', encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_rules(path)
    assert info.value.code == "data_invalid"


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(UserError) as info:
        load_rules(tmp_path / "absent.json")
    assert info.value.code == "data_unreadable"


def test_shipped_rule_set_is_versioned() -> None:
    rules = load_rules()
    assert rules.id and rules.version >= 1
    assert rules.effective_from <= dt.date(2025, 7, 1)
    assert all(r.legal_ref for r in rules.rules)
    assert {r.subject for r in rules.rules} == {"tip", "person"}
