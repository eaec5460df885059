"""Stable codes of the database side of the exchange (beyond the format codes in ``exchange.rejects``).

Refusals of a batch file raise ``ImportRejected(code, message, header)`` like the format layer,
so the import log, receipts, the CLI and the tests see one kind of refusal; other user errors
(a typed fingerprint that does not match, no trust bundle yet...) raise ``UserError(message, code)``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tipdesk.errors import UserError
from tipdesk.exchange.format import BatchHeader
from tipdesk.exchange.rejects import ImportRejected
from tipdesk.i18n import N_, _


class XCode(StrEnum):
    FORK = "FORK"
    UNKNOWN_RECORD_FIELDS = "UNKNOWN_RECORD_FIELDS"
    BAD_RECORD = "BAD_RECORD"
    ORIGIN_MISMATCH = "ORIGIN_MISMATCH"
    UNREADABLE_FILE = "UNREADABLE_FILE"
    CANCELLED = "CANCELLED"
    FINGERPRINT_MISMATCH = "FINGERPRINT_MISMATCH"
    NOT_THIS_PROVINCE = "NOT_THIS_PROVINCE"
    ALREADY_ENROLLED = "ALREADY_ENROLLED"
    NOT_ENROLLED = "NOT_ENROLLED"
    KEY_NOT_FOUND = "KEY_NOT_FOUND"
    NO_TRUST_BUNDLE = "NO_TRUST_BUNDLE"
    TRUST_EXPIRED = "TRUST_EXPIRED"
    ROOT_CHANGED = "ROOT_CHANGED"
    WRONG_PROFILE = "WRONG_PROFILE"
    NO_KEY = "NO_KEY"
    RECEIPT_NOT_OURS = "RECEIPT_NOT_OURS"
    NOT_OUR_BATCH = "NOT_OUR_BATCH"
    CONFLICT_NOT_FOUND = "CONFLICT_NOT_FOUND"
    CONFLICT_RESOLVED = "CONFLICT_RESOLVED"
    TAKE_INCOMING_FAILED = "TAKE_INCOMING_FAILED"
    BATCH_NOT_FOUND = "BATCH_NOT_FOUND"
    NOTHING_TO_EXPORT = "NOTHING_TO_EXPORT"
    BAD_ANNOTATION = "BAD_ANNOTATION"
    REVOKE_POINT = "REVOKE_POINT"


MESSAGES: dict[XCode, str] = {
    XCode.FORK: N_(
        "This batch has the same number ({epoch}-{seq}) as a different batch already imported from this "
        "commune. It was refused and flagged: phone the commune, the installation may have been copied "
        "or tampered with."
    ),
    XCode.UNKNOWN_RECORD_FIELDS: N_(
        "This batch holds kinds of records or fields this version of tipdesk does not know: it was made "
        "by a newer version. It has been kept aside: update tipdesk, then import it again."
    ),
    XCode.BAD_RECORD: N_("A record in this batch is not valid ({detail}). Ask the commune to export again."),
    XCode.ORIGIN_MISMATCH: N_(
        "A record in this batch claims to come from another installation. Do not trust this file; "
        "phone the commune."
    ),
    XCode.UNREADABLE_FILE: N_("The file {path} cannot be read: {error}."),
    XCode.CANCELLED: N_("The import was cancelled. Nothing was changed."),
    XCode.FINGERPRINT_MISMATCH: N_(
        "The fingerprint you typed ({typed}) does not match this file ({actual}). Read it again with the "
        "other office over the phone; do not go on if it still differs."
    ),
    XCode.NOT_THIS_PROVINCE: N_(
        "Commune {commune} is not in this province. Only communes of this province can be enrolled here."
    ),
    XCode.ALREADY_ENROLLED: N_(
        "This installation is already enrolled with another key ({key}). A changed key must come as a "
        "key rotation file, or the computer must be set up again as a new installation."
    ),
    XCode.NOT_ENROLLED: N_("No enrolled installation has this key. Enrol the commune first."),
    XCode.KEY_NOT_FOUND: N_("No key {key} is known here."),
    XCode.NO_TRUST_BUNDLE: N_(
        "The province's trust bundle is not installed yet. Import it first (Exchange page, or "
        "'tipdesk trust import')."
    ),
    XCode.TRUST_EXPIRED: N_(
        "The province's trust bundle expired on {date}. Ask the province for a current one and import it "
        "before exporting."
    ),
    XCode.ROOT_CHANGED: N_(
        "This trust bundle is signed by a different province key ({new}) than the one installed ({old}). "
        "It was not installed; contact the province."
    ),
    XCode.WRONG_PROFILE: N_("This is done at the {profile}, not here."),
    XCode.NO_KEY: N_("This installation has no {kind} key. Its setup is incomplete; contact support."),
    XCode.RECEIPT_NOT_OURS: N_("This receipt is for a batch this installation did not export."),
    XCode.NOT_OUR_BATCH: N_("This batch was not exported by this installation."),
    XCode.CONFLICT_NOT_FOUND: N_("There is no conflict number {id}."),
    XCode.CONFLICT_RESOLVED: N_("Conflict number {id} was already decided."),
    XCode.TAKE_INCOMING_FAILED: N_(
        "The incoming version cannot be applied: {detail}. Keep the local version, or import the "
        "missing batches first."
    ),
    XCode.BATCH_NOT_FOUND: N_("There is no exported batch {batch}."),
    XCode.NOTHING_TO_EXPORT: N_("Nothing has changed since the last export; no batch was made."),
    XCode.BAD_ANNOTATION: N_("The annotation is not valid: {detail}."),
    XCode.REVOKE_POINT: N_("The revocation point must be an epoch of 1 or more and a sequence number of 0 or more."),
}


def xmessage(code: XCode, **params: Any) -> str:
    return _(MESSAGES[code]).format(**params)


def xerror(code: XCode, **params: Any) -> UserError:
    """A user error with a stable code and its translated message."""
    return UserError(xmessage(code, **params), str(code))


def xreject(code: XCode, header: BatchHeader | None = None, **params: Any) -> ImportRejected:
    """A refusal of a batch file with one of the database-side codes."""
    return ImportRejected(str(code), xmessage(code, **params), header)
