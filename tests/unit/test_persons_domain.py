"""Persons being identified and victims: statuses, age groups, reference data, support period, validation."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tipdesk.domain import persons, refdata
from tipdesk.domain.deadlines import DeadlineEvent, compute_deadlines, load_rules, local_date
from tipdesk.domain.persons import (
    AgeGroup,
    IdentificationStatus,
    SupportPeriodState,
    age_group,
    can_receive_support,
    change_identification,
    check_codes,
    essential_needs_status,
    validate_amount_vnd,
    validate_birth_date,
    validate_birth_year,
)
from tipdesk.errors import UserError, ValidationError

I = IdentificationStatus  # noqa: E741


# --- identification --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (I.BEING_IDENTIFIED, I.IDENTIFIED_VICTIM),
        (I.BEING_IDENTIFIED, I.NOT_VICTIM),
        (I.NOT_VICTIM, I.BEING_IDENTIFIED),
    ],
)
def test_allowed_identification_changes(old: IdentificationStatus, new: IdentificationStatus) -> None:
    assert change_identification(old, new) is new


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (I.IDENTIFIED_VICTIM, I.NOT_VICTIM),
        (I.IDENTIFIED_VICTIM, I.BEING_IDENTIFIED),
        (I.NOT_VICTIM, I.IDENTIFIED_VICTIM),
        (I.BEING_IDENTIFIED, I.BEING_IDENTIFIED),
    ],
)
def test_forbidden_identification_changes(old: IdentificationStatus, new: IdentificationStatus) -> None:
    with pytest.raises(ValidationError):
        change_identification(old, new)


def test_support_before_identification() -> None:
    assert can_receive_support(I.BEING_IDENTIFIED) and can_receive_support(I.IDENTIFIED_VICTIM)
    assert not can_receive_support(I.NOT_VICTIM)


def test_enum_labels() -> None:
    for enum in (I, persons.PersonEventKind, persons.Sex, AgeGroup, SupportPeriodState):
        assert set(persons._LABELS[enum.__name__]) == {m.value for m in enum}
        assert all(m.label() for m in enum)


# --- age groups ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (dt.date(2009, 6, 15), dt.date(2025, 6, 14), AgeGroup.UNDER_16),
        (dt.date(2009, 6, 15), dt.date(2025, 6, 15), AgeGroup.AGE_16_17),
        (dt.date(2007, 6, 15), dt.date(2025, 6, 14), AgeGroup.AGE_16_17),
        (dt.date(2007, 6, 15), dt.date(2025, 6, 15), AgeGroup.AGE_18_29),
        (dt.date(1995, 1, 1), dt.date(2024, 12, 31), AgeGroup.AGE_18_29),
        (dt.date(1995, 1, 1), dt.date(2025, 1, 1), AgeGroup.AGE_30_44),
        (dt.date(1980, 3, 10), dt.date(2025, 3, 9), AgeGroup.AGE_30_44),
        (dt.date(1980, 3, 10), dt.date(2025, 3, 10), AgeGroup.AGE_45_PLUS),
        (dt.date(2008, 2, 29), dt.date(2024, 2, 28), AgeGroup.UNDER_16),  # leap-day birthday
        (dt.date(2025, 6, 1), dt.date(2025, 6, 1), AgeGroup.UNDER_16),
        (2009, dt.date(2025, 12, 30), AgeGroup.UNDER_16),  # year only: 31/12 assumed
        (2009, dt.date(2025, 12, 31), AgeGroup.AGE_16_17),
        (2025, dt.date(2025, 1, 1), AgeGroup.UNDER_16),
        (None, dt.date(2025, 1, 1), AgeGroup.UNKNOWN),
    ],
)
def test_age_group(birth: dt.date | int | None, on: dt.date, expected: AgeGroup) -> None:
    assert age_group(birth, on) is expected


@pytest.mark.parametrize("birth", [dt.date(2025, 6, 2), 2026])
def test_age_group_refuses_birth_after_reference(birth: dt.date | int) -> None:
    with pytest.raises(ValidationError):
        age_group(birth, dt.date(2025, 6, 1))


def test_minor_needs_no_means() -> None:
    assert persons.is_minor(dt.date(2008, 1, 2), dt.date(2026, 1, 1))
    assert not persons.is_minor(dt.date(2008, 1, 1), dt.date(2026, 1, 1))


# --- reference data --------------------------------------------------------------------------------------


def test_evidence_checklist_covers_article_32() -> None:
    items = persons.evidence_items()
    codes = {i.code for i in items}
    assert {
        "procedural_documents",
        "rescuer_confirmation",
        "mission_abroad",
        "other_domestic_body",
        "foreign_body",
        "statement_person",
        "statement_relatives",
        "statement_offenders",
        "statement_other_victims",
        "statement_witnesses",
        "sign_rescued_with_victims",
    } <= codes
    assert {i.kind for i in items} == set(persons.EVIDENCE_KINDS)


def test_support_types_and_essential_needs_flag() -> None:
    types = {t.code: t for t in persons.support_types()}
    assert {
        "essential_needs",
        "travel_home",
        "medical",
        "psychological",
        "legal_aid",
        "schooling",
        "vocational_training",
        "initial_difficulty_allowance",
        "loan",
        "shelter",
        "interpretation",
        "health_insurance",
        "other",
    } <= set(types)
    assert {c for c, t in types.items() if t.essential_needs} == {"essential_needs", "shelter"}
    assert (
        types["legal_aid"].name("vi") == "Trợ giúp pháp lý" and types["legal_aid"].name("en") == "Legal aid"
    )


def test_trafficking_forms() -> None:
    codes = {f.code for f in persons.trafficking_forms()}
    assert {
        "forced_marriage",
        "sexual_exploitation",
        "forced_labour_scam_compound",
        "organ_removal",
        "newborn_sale",
        "surrogacy_forced_births",
        "foetus_sale",
        "forced_begging",
        "forced_crime",
        "other",
    } <= codes


def test_check_codes() -> None:
    items = persons.trafficking_forms()
    assert check_codes(["other", "forced_begging", "other"], items) == ("other", "forced_begging")
    with pytest.raises(ValidationError):
        check_codes(["kidnap"], items)


def _support_data() -> dict[str, Any]:
    return copy.deepcopy(refdata.load("support_types.json"))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["items"][0].pop("vi"),
        lambda d: d["items"][0].__setitem__("essential_needs", "yes"),
        lambda d: d["items"][1].__setitem__("code", d["items"][0]["code"]),
        lambda d: d["items"][0].__setitem__("code", "  "),
        lambda d: d.__setitem__("items", []),
        lambda d: d.pop("items"),
    ],
)
def test_malformed_support_types(mutate: Any) -> None:
    data = _support_data()
    mutate(data)
    with pytest.raises(UserError) as info:
        persons.parse_support_types(data, "support_types.json")
    assert info.value.code == "data_invalid"


def test_malformed_evidence_kind() -> None:
    data = copy.deepcopy(refdata.load("evidence_items.json"))
    data["items"][0]["kind"] = "rumour"
    with pytest.raises(UserError):
        persons.parse_evidence_items(data, "evidence_items.json")


# --- essential-needs period ------------------------------------------------------------------------------


def test_essential_needs_default_period_from_rules() -> None:
    start = dt.date(2025, 1, 1)
    status = essential_needs_status(start, [], start)
    assert status == (dt.date(2025, 5, 1), 120, SupportPeriodState.ACTIVE)
    assert essential_needs_status(start, [], dt.date(2025, 4, 21)).state is SupportPeriodState.ENDING_SOON
    assert essential_needs_status(start, [], dt.date(2025, 4, 20)).state is SupportPeriodState.ACTIVE
    assert essential_needs_status(start, [], dt.date(2025, 5, 1)) == (
        dt.date(2025, 5, 1),
        0,
        SupportPeriodState.ENDING_SOON,
    )
    assert essential_needs_status(start, [], dt.date(2025, 5, 2)).state is SupportPeriodState.ENDED


def test_essential_needs_extensions_and_not_started() -> None:
    end, left, state = essential_needs_status(dt.date(2025, 1, 1), [30, 15], dt.date(2025, 5, 2))
    assert (end, left, state) == (dt.date(2025, 6, 15), 44, SupportPeriodState.ACTIVE)
    assert essential_needs_status(None, [], dt.date(2025, 1, 1)).state is SupportPeriodState.NOT_STARTED
    assert essential_needs_status(dt.date(2025, 2, 1), [], dt.date(2025, 1, 1)).end_date is None
    custom = essential_needs_status(dt.date(2025, 1, 1), [], dt.date(2025, 1, 5), period_days=5, warn_days=0)
    assert custom == (dt.date(2025, 1, 6), 1, SupportPeriodState.ACTIVE)


@pytest.mark.parametrize("bad", [[0], [-5], [True], [1.5]])
def test_essential_needs_bad_extension(bad: list[Any]) -> None:
    with pytest.raises(ValidationError):
        essential_needs_status(dt.date(2025, 1, 1), bad, dt.date(2025, 1, 2))


def test_essential_needs_agrees_with_the_deadline_engine() -> None:
    tz = dt.timezone(dt.timedelta(hours=7))
    events = [
        DeadlineEvent("essential_support_started", dt.datetime(2024, 11, 20, 15, tzinfo=tz)),
        DeadlineEvent("essential_support_extended", dt.datetime(2025, 3, 1, tzinfo=tz), days=40),
    ]
    (deadline,) = compute_deadlines(
        events, load_rules(), dt.datetime(2025, 3, 2, tzinfo=tz), subject="person"
    )
    status = essential_needs_status(dt.date(2024, 11, 20), [40], dt.date(2025, 3, 2))
    assert local_date(deadline.due_at) == status.end_date


# --- validation helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (1_500_000, 1_500_000),
        (10_000_000_000, 10_000_000_000),
        ("1.500.000", 1_500_000),
        ("1,500,000", 1_500_000),
        ("1 500 000 ₫", 1_500_000),
        ("250000", 250_000),
        (Decimal("200000"), 200_000),
        (Decimal("200000.00"), 200_000),
        (300000.0, 300_000),
    ],
)
def test_amount_ok(value: object, expected: int) -> None:
    assert validate_amount_vnd(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        -1,
        10_000_000_001,
        1.5,
        Decimal("1.5"),
        "1.5",
        "1.50.000",
        "-100",
        "abc",
        "",
        True,
        None,
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        [100],
    ],
)
def test_amount_rejected(value: object) -> None:
    with pytest.raises(UserError) as info:
        validate_amount_vnd(value)
    assert info.value.code == "amount_invalid"


def test_birth_date_and_year_validation() -> None:
    today = dt.date(2025, 6, 1)
    assert validate_birth_date(dt.date(2000, 1, 1), today) == dt.date(2000, 1, 1)
    assert validate_birth_date(today, today) == today
    for bad in (dt.date(2025, 6, 2), dt.date(1899, 12, 31)):
        with pytest.raises(ValidationError):
            validate_birth_date(bad, today)
    assert validate_birth_year(2025, today) == 2025
    for bad_year in (2026, 1899, True):
        with pytest.raises(ValidationError):
            validate_birth_year(bad_year, today)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        persons.validate_not_future(dt.date(2025, 6, 2), today, "Support date")
