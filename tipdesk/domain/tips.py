"""Crime tips: source types, channels, statuses and the status transition table.

Codes are stable, language-independent strings (stored in the database and in
exchange batches); display names are gettext msgids translated by ``label()``.

The law (Criminal Procedure Code 2015, Art 145) forbids refusing a tip, so there
is deliberately no "reject" status or event: a tip is received, then verified,
transferred, and its upstream outcome recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from tipdesk.errors import ValidationError
from tipdesk.i18n import N_, _


class _Labelled(StrEnum):
    """A str enum whose display name is a msgid registered in ``_LABELS``."""

    def label(self) -> str:
        return _(_LABELS[type(self).__name__][self.value])


class SourceType(_Labelled):
    """Art 144: tố giác (individual), tin báo (body or media), kiến nghị khởi tố (state body)."""

    TO_GIAC = "to_giac"
    TIN_BAO = "tin_bao"
    KIEN_NGHI_KHOI_TO = "kien_nghi_khoi_to"


class Channel(_Labelled):
    IN_PERSON_ORAL = "in_person_oral"
    IN_PERSON_WRITTEN = "in_person_written"
    PHONE = "phone"
    HOTLINE_111 = "hotline_111"
    POST = "post"
    ELECTRONIC = "electronic"
    AGENCY_TRANSFER = "agency_transfer"
    MEDIA = "media"


class TipStatus(_Labelled):
    RECEIVED = "received"
    VERIFYING = "verifying"
    TRANSFERRED = "transferred"
    PROSECUTED = "prosecuted"
    NOT_PROSECUTED = "not_prosecuted"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    TRANSFERRED_OTHER = "transferred_other"


class NoCaseGround(_Labelled):
    """Art 157 grounds for not opening a criminal case; ``clause()`` gives the clause number."""

    NO_CRIMINAL_EVENT = "no_criminal_event"
    NOT_A_CRIME = "not_a_crime"
    UNDER_AGE = "under_age"
    ALREADY_JUDGED = "already_judged"
    LIMITATION_EXPIRED = "limitation_expired"
    AMNESTY = "amnesty"
    OFFENDER_DEAD = "offender_dead"
    NO_VICTIM_REQUEST = "no_victim_request"
    OTHER = "other"

    def clause(self) -> int | None:
        """Clause of Art 157 (1-based), or None for OTHER."""
        return _NO_CASE_CLAUSES.get(self)


class SuspensionReason(_Labelled):
    """Art 148(1) points a, b and c (c added in 2021)."""

    PENDING_EXPERTISE = "pending_expertise"
    PENDING_DOCUMENTS = "pending_documents"
    FORCE_MAJEURE = "force_majeure"

    def point(self) -> str:
        return _SUSPENSION_POINTS[self]


class TipEventKind(_Labelled):
    RECEIVED = "received"
    VERIFICATION_STARTED = "verification_started"
    VERIFICATION_ACTIVITY = "verification_activity"
    TRANSFERRED = "transferred"
    TRANSFERRED_OTHER = "transferred_other"
    PROCURACY_NOTIFIED = "procuracy_notified"
    EXTENSION = "extension"
    PROCURACY_EXTENSION_REQUESTED = "procuracy_extension_requested"
    PROCURACY_EXTENSION = "procuracy_extension"
    DECISION_PROSECUTE = "decision_prosecute"
    DECISION_NOT_PROSECUTE = "decision_not_prosecute"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    CASE_SOLVED = "case_solved"
    INDICTED = "indicted"
    TRIED = "tried"
    NOTE = "note"


_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "SourceType": {
            "to_giac": N_("Denunciation (tố giác)"),
            "tin_bao": N_("Crime report (tin báo)"),
            "kien_nghi_khoi_to": N_("Proposal to prosecute (kiến nghị khởi tố)"),
        },
        "Channel": {
            "in_person_oral": N_("In person, oral"),
            "in_person_written": N_("In person, written"),
            "phone": N_("Telephone"),
            "hotline_111": N_("Hotline 111"),
            "post": N_("Post"),
            "electronic": N_("Electronic means"),
            "agency_transfer": N_("Transferred by another agency"),
            "media": N_("Mass media"),
        },
        "TipStatus": {
            "received": N_("Received"),
            "verifying": N_("Preliminary verification"),
            "transferred": N_("Transferred to investigation agency"),
            "prosecuted": N_("Case opened (khởi tố)"),
            "not_prosecuted": N_("No case opened"),
            "suspended": N_("Suspended"),
            "resumed": N_("Resumed"),
            "transferred_other": N_("Transferred elsewhere (outside remit)"),
        },
        "NoCaseGround": {
            "no_criminal_event": N_("No criminal event occurred"),
            "not_a_crime": N_("The act does not constitute a crime"),
            "under_age": N_("Below the age of criminal responsibility"),
            "already_judged": N_("Already subject to a final judgment or decision"),
            "limitation_expired": N_("Limitation period has expired"),
            "amnesty": N_("Covered by an amnesty"),
            "offender_dead": N_("The person who committed the act has died"),
            "no_victim_request": N_("The victim did not request prosecution"),
            "other": N_("Other ground"),
        },
        "SuspensionReason": {
            "pending_expertise": N_("Expert opinion, valuation or foreign legal assistance pending"),
            "pending_documents": N_("Requested key documents or objects pending"),
            "force_majeure": N_("Natural disaster, epidemic or other force majeure"),
        },
        "TipEventKind": {
            "received": N_("Tip received"),
            "verification_started": N_("Preliminary verification started"),
            "verification_activity": N_("Verification activity"),
            "transferred": N_("Transferred to the competent investigation agency"),
            "transferred_other": N_("Transferred to another body (outside remit)"),
            "procuracy_notified": N_("Procuracy notified"),
            "extension": N_("Resolution period extended (complex case)"),
            "procuracy_extension_requested": N_("Procuracy extension requested"),
            "procuracy_extension": N_("Extension granted by the procuracy"),
            "decision_prosecute": N_("Decision to open a case"),
            "decision_not_prosecute": N_("Decision not to open a case"),
            "suspended": N_("Resolution suspended"),
            "resumed": N_("Resolution resumed"),
            "case_solved": N_("Case solved (reported back by the investigation agency)"),
            "indicted": N_("Prosecuted before the court (indictment reported back)"),
            "tried": N_("Tried at first instance (reported back)"),
            "note": N_("Note"),
        },
    }
)

_NO_CASE_CLAUSES: Mapping[NoCaseGround, int] = MappingProxyType(
    {
        NoCaseGround.NO_CRIMINAL_EVENT: 1,
        NoCaseGround.NOT_A_CRIME: 2,
        NoCaseGround.UNDER_AGE: 3,
        NoCaseGround.ALREADY_JUDGED: 4,
        NoCaseGround.LIMITATION_EXPIRED: 5,
        NoCaseGround.AMNESTY: 6,
        NoCaseGround.OFFENDER_DEAD: 7,
        NoCaseGround.NO_VICTIM_REQUEST: 8,
    }
)

_SUSPENSION_POINTS: Mapping[SuspensionReason, str] = MappingProxyType(
    {
        SuspensionReason.PENDING_EXPERTISE: "a",
        SuspensionReason.PENDING_DOCUMENTS: "b",
        SuspensionReason.FORCE_MAJEURE: "c",
    }
)

# --- transition table -------------------------------------------------------------------------------

_S = TipStatus
_K = TipEventKind

# Events that record something without changing the status.
_RECORD_ONLY = (_K.NOTE, _K.PROCURACY_NOTIFIED)
# Events of an open verification (commune or upstream) that keep the status.
_OPEN_KEEP = (*_RECORD_ONLY, _K.VERIFICATION_ACTIVITY, _K.EXTENSION, _K.PROCURACY_EXTENSION_REQUESTED,
              _K.PROCURACY_EXTENSION)
_DECISIONS: dict[TipEventKind, TipStatus] = {
    _K.DECISION_PROSECUTE: _S.PROSECUTED,
    _K.DECISION_NOT_PROSECUTE: _S.NOT_PROSECUTED,
    _K.SUSPENDED: _S.SUSPENDED,
}


def _keep(status: TipStatus, kinds: Iterable[TipEventKind]) -> dict[TipEventKind, TipStatus]:
    return {kind: status for kind in kinds}


TRANSITIONS: Mapping[TipStatus, Mapping[TipEventKind, TipStatus]] = MappingProxyType(
    {
        _S.RECEIVED: {
            **_keep(_S.RECEIVED, _RECORD_ONLY),
            _K.VERIFICATION_STARTED: _S.VERIFYING,
            _K.VERIFICATION_ACTIVITY: _S.VERIFYING,
            _K.TRANSFERRED: _S.TRANSFERRED,
            _K.TRANSFERRED_OTHER: _S.TRANSFERRED_OTHER,
        },
        _S.VERIFYING: {
            **_keep(_S.VERIFYING, _OPEN_KEEP),
            _K.TRANSFERRED: _S.TRANSFERRED,
            _K.TRANSFERRED_OTHER: _S.TRANSFERRED_OTHER,
            **_DECISIONS,
        },
        _S.TRANSFERRED: {**_keep(_S.TRANSFERRED, _OPEN_KEEP), **_DECISIONS},
        _S.SUSPENDED: {**_keep(_S.SUSPENDED, _RECORD_ONLY), _K.RESUMED: _S.RESUMED},
        _S.RESUMED: {
            **_keep(_S.RESUMED, (*_RECORD_ONLY, _K.VERIFICATION_ACTIVITY)),
            **_DECISIONS,
        },
        # Upstream outcomes of an opened case, reported back to the commune: recorded, status unchanged.
        _S.PROSECUTED: _keep(_S.PROSECUTED, (*_RECORD_ONLY, _K.CASE_SOLVED, _K.INDICTED, _K.TRIED)),
        _S.NOT_PROSECUTED: _keep(_S.NOT_PROSECUTED, _RECORD_ONLY),
        _S.TRANSFERRED_OTHER: _keep(_S.TRANSFERRED_OTHER, (_K.NOTE,)),
    }
)
"""status -> {event kind allowed in that status -> resulting status}."""

TERMINAL_STATUSES = frozenset({_S.PROSECUTED, _S.NOT_PROSECUTED, _S.TRANSFERRED_OTHER})


def allowed_events(status: TipStatus | None) -> tuple[TipEventKind, ...]:
    """Event kinds that may be recorded in ``status`` (``None``: a tip not yet created)."""
    if status is None:
        return (_K.RECEIVED,)
    return tuple(TRANSITIONS[status])


def apply_event(status: TipStatus | None, kind: TipEventKind | str) -> TipStatus:
    """Return the status after recording ``kind`` in ``status``.

    ``status`` is ``None`` for a tip being created: only ``received`` is allowed then,
    and ``received`` is allowed nowhere else. Raises ``ValidationError`` otherwise.
    """
    try:
        kind = TipEventKind(kind)
    except ValueError:
        raise ValidationError(_("Unknown tip event: {kind}").format(kind=kind), code="tip_event_unknown") from None
    if status is None:
        if kind is _K.RECEIVED:
            return _S.RECEIVED
        raise ValidationError(_("A tip must be received before anything else is recorded."),
                              code="tip_not_received")
    result = TRANSITIONS[status].get(kind)
    if result is None:
        raise ValidationError(
            _("“{event}” cannot be recorded while the tip is “{status}”.").format(
                event=kind.label(), status=status.label()
            ),
            code="tip_transition_forbidden",
        )
    return result


def replay(kinds: Iterable[TipEventKind | str]) -> TipStatus:
    """Status after recording ``kinds`` in order, starting from a new tip."""
    status: TipStatus | None = None
    for kind in kinds:
        status = apply_event(status, kind)
    if status is None:
        raise ValidationError(_("A tip must be received before anything else is recorded."),
                              code="tip_not_received")
    return status
