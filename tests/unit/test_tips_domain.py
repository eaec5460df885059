"""Tip enums and the status transition table."""

from __future__ import annotations

from enum import StrEnum

import pytest

from tipdesk.domain import tips
from tipdesk.domain.tips import (
    TERMINAL_STATUSES,
    TRANSITIONS,
    Channel,
    NoCaseGround,
    SourceType,
    SuspensionReason,
    TipEventKind,
    TipStatus,
    allowed_events,
    apply_event,
    replay,
)
from tipdesk.errors import ValidationError

ALL_ENUMS: list[type[StrEnum]] = [
    SourceType,
    Channel,
    TipStatus,
    NoCaseGround,
    SuspensionReason,
    TipEventKind,
]
K = TipEventKind
S = TipStatus


def test_no_rejection_anywhere() -> None:
    """Art 145: nobody may refuse a tip, so no code, label or transition expresses a rejection."""
    words = ("reject", "refus", "decline", "deny", "dismiss")
    for enum in ALL_ENUMS:
        for member in enum:
            text = f"{member.name} {member.value} {member.label()}".lower()  # type: ignore[attr-defined]
            assert not any(w in text for w in words), member
    for status, moves in TRANSITIONS.items():
        assert all(not any(w in k.value for w in words) for k in moves), status


@pytest.mark.parametrize("enum", ALL_ENUMS, ids=lambda e: e.__name__)
def test_codes_are_lowercase_and_labelled(enum: type[StrEnum]) -> None:
    for member in enum:
        assert member.value == member.value.lower() and " " not in member.value
        assert member.label().strip()  # type: ignore[attr-defined]


def test_required_codes_exist() -> None:
    assert {s.value for s in SourceType} == {"to_giac", "tin_bao", "kien_nghi_khoi_to"}
    assert "hotline_111" in {c.value for c in Channel}
    assert {s.point() for s in SuspensionReason} == {"a", "b", "c"}
    clauses = [g.clause() for g in NoCaseGround if g is not NoCaseGround.OTHER]
    assert sorted(clauses) == list(range(1, len(clauses) + 1))  # type: ignore[type-var]
    assert NoCaseGround.OTHER.clause() is None


def test_every_status_has_a_row_and_every_status_is_reachable() -> None:
    assert set(TRANSITIONS) == set(TipStatus)
    reachable = {S.RECEIVED}
    frontier = [S.RECEIVED]
    while frontier:
        for target in TRANSITIONS[frontier.pop()].values():
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(TipStatus)


def test_typical_lifecycle() -> None:
    kinds = [
        K.RECEIVED,
        K.VERIFICATION_STARTED,
        K.VERIFICATION_ACTIVITY,
        K.TRANSFERRED,
        K.PROCURACY_NOTIFIED,
        K.EXTENSION,
        K.SUSPENDED,
        K.RESUMED,
        K.DECISION_PROSECUTE,
        K.NOTE,
    ]
    assert replay(kinds) is S.PROSECUTED
    assert replay(["received", "transferred_other"]) is S.TRANSFERRED_OTHER


@pytest.mark.parametrize(
    ("status", "kind", "expected"),
    [
        (None, K.RECEIVED, S.RECEIVED),
        (S.RECEIVED, K.VERIFICATION_ACTIVITY, S.VERIFYING),
        (S.VERIFYING, K.DECISION_NOT_PROSECUTE, S.NOT_PROSECUTED),
        (S.TRANSFERRED, K.SUSPENDED, S.SUSPENDED),
        (S.SUSPENDED, K.RESUMED, S.RESUMED),
        (S.RESUMED, K.SUSPENDED, S.SUSPENDED),
        (S.TRANSFERRED, K.PROCURACY_EXTENSION, S.TRANSFERRED),
        (S.PROSECUTED, K.NOTE, S.PROSECUTED),
    ],
)
def test_allowed_transitions(status: TipStatus | None, kind: TipEventKind, expected: TipStatus) -> None:
    assert apply_event(status, kind) is expected
    assert kind in allowed_events(status)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (None, K.TRANSFERRED),
        (S.RECEIVED, K.RECEIVED),
        (S.RECEIVED, K.DECISION_PROSECUTE),  # verify or transfer first
        (S.VERIFYING, K.VERIFICATION_STARTED),
        (S.SUSPENDED, K.DECISION_PROSECUTE),  # resume first
        (S.RESUMED, K.EXTENSION),  # after resumption: one month, no extension
        (S.PROSECUTED, K.RESUMED),
        (S.NOT_PROSECUTED, K.TRANSFERRED),
        (S.TRANSFERRED_OTHER, K.DECISION_PROSECUTE),
    ],
)
def test_forbidden_transitions(status: TipStatus | None, kind: TipEventKind) -> None:
    with pytest.raises(ValidationError) as info:
        apply_event(status, kind)
    assert info.value.code in {"tip_transition_forbidden", "tip_not_received"}
    assert kind not in allowed_events(status)


def test_unknown_event_and_empty_replay() -> None:
    with pytest.raises(ValidationError):
        apply_event(S.RECEIVED, "reject")
    with pytest.raises(ValidationError):
        replay([])


def test_terminal_statuses_only_allow_records() -> None:
    for status in TERMINAL_STATUSES:
        assert set(TRANSITIONS[status].values()) == {status}


def test_forbidden_message_names_event_and_status() -> None:
    with pytest.raises(ValidationError) as info:
        apply_event(S.PROSECUTED, K.RESUMED)
    assert K.RESUMED.label() in info.value.message and S.PROSECUTED.label() in info.value.message


def test_labels_module_covers_every_enum() -> None:
    for enum in ALL_ENUMS:
        assert set(tips._LABELS[enum.__name__]) == {m.value for m in enum}
