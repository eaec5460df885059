"""Stable refusal codes of the exchange layer and the translated message for each.

Every file from outside that is refused raises ``ImportRejected(code, message)``. The code is
stable and language-independent (import log, CLI ``--json``, tests, receipts); the message is a
one-line translated sentence that tells a person what to do next.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tipdesk.errors import UserError
from tipdesk.i18n import N_, _

if TYPE_CHECKING:
    from tipdesk.exchange.format import BatchHeader


class Reject(StrEnum):
    # outer layer
    TOO_LARGE = "TOO_LARGE"
    NOT_A_BATCH = "NOT_A_BATCH"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    BAD_HEADER = "BAD_HEADER"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    REVOKED_KEY = "REVOKED_KEY"
    BAD_ALGORITHM = "BAD_ALGORITHM"
    WRONG_RECIPIENT = "WRONG_RECIPIENT"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    DECRYPT_FAILED = "DECRYPT_FAILED"
    # inner archive
    BAD_ARCHIVE = "BAD_ARCHIVE"
    ZIP_BOMB = "ZIP_BOMB"
    PATH_TRAVERSAL = "PATH_TRAVERSAL"
    BAD_MANIFEST_SIGNATURE = "BAD_MANIFEST_SIGNATURE"
    BAD_MANIFEST = "BAD_MANIFEST"
    HEADER_MANIFEST_MISMATCH = "HEADER_MANIFEST_MISMATCH"
    SENDER_MISMATCH = "SENDER_MISMATCH"
    FILE_SET_MISMATCH = "FILE_SET_MISMATCH"
    HASH_MISMATCH = "HASH_MISMATCH"
    COUNT_MISMATCH = "COUNT_MISMATCH"
    SCHEMA_TOO_NEW = "SCHEMA_TOO_NEW"
    SCHEMA_TOO_OLD = "SCHEMA_TOO_OLD"
    # records
    FIELD_TOO_LARGE = "FIELD_TOO_LARGE"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    NAN = "NAN"
    TOO_DEEP = "TOO_DEEP"
    BAD_JSON = "BAD_JSON"
    BAD_RECORD = "BAD_RECORD"
    # signed side files
    BAD_RECEIPT = "BAD_RECEIPT"
    BAD_RECEIPT_SIGNATURE = "BAD_RECEIPT_SIGNATURE"
    BAD_ENROLMENT = "BAD_ENROLMENT"
    BAD_TRUST_BUNDLE = "BAD_TRUST_BUNDLE"
    TRUST_BUNDLE_SIGNATURE = "TRUST_BUNDLE_SIGNATURE"
    TRUST_BUNDLE_EXPIRED = "TRUST_BUNDLE_EXPIRED"
    TRUST_BUNDLE_ROLLBACK = "TRUST_BUNDLE_ROLLBACK"
    BAD_ROTATION = "BAD_ROTATION"
    BAD_KEY = "BAD_KEY"
    BAD_FINGERPRINT = "BAD_FINGERPRINT"
    # export side
    BATCH_TOO_LARGE = "BATCH_TOO_LARGE"
    RECORD_TOO_LARGE = "RECORD_TOO_LARGE"
    EXPORT_WRITE_FAILED = "EXPORT_WRITE_FAILED"
    EXPORT_VERIFY_FAILED = "EXPORT_VERIFY_FAILED"


_ASK_AGAIN = N_("Ask the commune to export the batch again.")

MESSAGES: dict[Reject, str] = {
    Reject.TOO_LARGE: N_(
        "This file is larger than {limit_mib} MiB, the most a batch may be. Ask the sender to export "
        "again: large exports are split into several files."
    ),
    Reject.NOT_A_BATCH: N_(
        "This file is not a tipdesk batch, or it was cut short while copying. Copy the .tdb file again "
        "from the USB stick and retry."
    ),
    Reject.UNSUPPORTED_FORMAT: N_(
        "This batch uses a file format this version of tipdesk does not understand. Update tipdesk, "
        "then import it again."
    ),
    Reject.BAD_HEADER: N_("The label of this batch is damaged or was changed. {again}"),
    Reject.UNKNOWN_KEY: N_(
        "This batch was signed by an installation that is not enrolled at this office. Enrol the "
        "commune first, then import again."
    ),
    Reject.REVOKED_KEY: N_(
        "This batch was signed with a key that was revoked before the batch was made. Do not trust "
        "it; phone the commune to find out what happened."
    ),
    Reject.BAD_ALGORITHM: N_(
        "This batch was signed with an outdated or unsupported kind of key. Ask the commune to update "
        "tipdesk and enrol again."
    ),
    Reject.WRONG_RECIPIENT: N_(
        "This batch is addressed to another office, or to a key this office no longer holds. Ask the "
        "commune to install the current trust bundle and export again."
    ),
    Reject.BAD_SIGNATURE: N_(
        "The signature of this batch is not valid: the file was damaged or changed after it was made. "
        "Copy it again; if that does not help, ask the commune to export again."
    ),
    Reject.DECRYPT_FAILED: N_(
        "This batch could not be decrypted with this office's key. The file may be damaged. {again}"
    ),
    Reject.BAD_ARCHIVE: N_("The contents of this batch are damaged or malformed. {again}"),
    Reject.ZIP_BOMB: N_(
        "The contents of this batch are much larger than declared, a sign of a malicious file. It was "
        "not imported; report it to the provincial administrator."
    ),
    Reject.PATH_TRAVERSAL: N_(
        "This batch contains a file name that tries to leave its folder, a sign of a malicious file. "
        "It was not imported; report it to the provincial administrator."
    ),
    Reject.BAD_MANIFEST_SIGNATURE: N_(
        "The list of contents of this batch is not signed by the installation that sent it. Do not "
        "trust this file. {again}"
    ),
    Reject.BAD_MANIFEST: N_("The list of contents of this batch is damaged or incomplete. {again}"),
    Reject.HEADER_MANIFEST_MISMATCH: N_(
        "The label of this batch does not match its signed contents, so it may have been altered. {again}"
    ),
    Reject.SENDER_MISMATCH: N_(
        "This batch claims to come from a different installation or commune than the key that signed "
        "it. Do not trust it; phone the commune."
    ),
    Reject.FILE_SET_MISMATCH: N_(
        "This batch contains files that are missing from, or not listed in, its list of contents. {again}"
    ),
    Reject.HASH_MISMATCH: N_("A file inside this batch does not match its recorded checksum. {again}"),
    Reject.COUNT_MISMATCH: N_(
        "The number of records in this batch does not match its list of contents. {again}"
    ),
    Reject.SCHEMA_TOO_NEW: N_(
        "This batch was made by a newer version of tipdesk (data version {found}; this office reads up "
        "to {supported}). It has been kept aside: update tipdesk, then import it again."
    ),
    Reject.SCHEMA_TOO_OLD: N_(
        "This batch was made by a version of tipdesk that is too old (data version {found}; the oldest "
        "accepted is {oldest}). Ask the commune to update tipdesk and export again."
    ),
    Reject.FIELD_TOO_LARGE: N_(
        "A record in this batch has a field larger than allowed. Ask the commune to shorten it and "
        "export again."
    ),
    Reject.DUPLICATE_KEY: N_(
        "A record in this batch names the same field twice. Ask the commune to update tipdesk and "
        "export again."
    ),
    Reject.NAN: N_(
        "A record in this batch holds an invalid number (NaN or infinity). Ask the commune to update "
        "tipdesk and export again."
    ),
    Reject.TOO_DEEP: N_(
        "A record in this batch is nested too deeply to be read safely. Ask the commune to update "
        "tipdesk and export again."
    ),
    Reject.BAD_JSON: N_("A record in this batch is not valid data. {again}"),
    Reject.BAD_RECORD: N_("A record in this batch has the wrong shape. {again}"),
    Reject.BAD_RECEIPT: N_("This receipt is damaged or malformed. Ask the province to send it again."),
    Reject.BAD_RECEIPT_SIGNATURE: N_(
        "This receipt is not signed by the province's receipt key. Do not treat the batch as "
        "acknowledged; contact the province."
    ),
    Reject.BAD_ENROLMENT: N_(
        "This enrolment file is damaged or its signature is not valid. Ask the commune to make a new "
        "enrolment file."
    ),
    Reject.BAD_TRUST_BUNDLE: N_("This trust bundle is damaged or malformed. Ask the province for a new one."),
    Reject.TRUST_BUNDLE_SIGNATURE: N_(
        "This trust bundle is not signed by the province root key printed in the installation guide. "
        "Do not install it; contact the province."
    ),
    Reject.TRUST_BUNDLE_EXPIRED: N_(
        "This trust bundle expired on {date}. Ask the province for a current one."
    ),
    Reject.TRUST_BUNDLE_ROLLBACK: N_(
        "This trust bundle (version {found}) is older than the one already installed (version "
        "{installed}). Keep the current one and ask the province for the newest."
    ),
    Reject.BAD_ROTATION: N_(
        "This key change record is damaged or not signed by both the old and the new key. Do not "
        "accept it; phone the commune."
    ),
    Reject.BAD_KEY: N_("The key data is damaged or has the wrong length."),
    Reject.BAD_FINGERPRINT: N_(
        "This fingerprint is not valid. Check it for a typing mistake: it has 16 characters in 4 groups."
    ),
    Reject.BATCH_TOO_LARGE: N_(
        "The export is larger than {limit_mib} MiB, the most one batch file may be, even after "
        "splitting. Remove or shrink very large attachments, then export again."
    ),
    Reject.RECORD_TOO_LARGE: N_(
        "Record {uuid} ({record_type}) is too large to export: a text field or the whole record is over "
        "{limit_kib} KiB. Shorten it, then export again."
    ),
    Reject.EXPORT_WRITE_FAILED: N_(
        "The batch file could not be written to {directory}: {error}. Check that the USB stick is "
        "inserted, not full and not write-protected, then export again."
    ),
    Reject.EXPORT_VERIFY_FAILED: N_(
        "The batch file written to {directory} reads back differently from what was written. The USB "
        "stick may be faulty: use another one and export again."
    ),
}


class ImportRejected(UserError):
    """A file from outside was refused. ``code`` is a ``Reject`` value; ``header`` is the outer
    header when it could be read (for the import log)."""

    def __init__(self, code: str, message: str, header: BatchHeader | None = None) -> None:
        super().__init__(message, code)
        self.header = header


class ExportFailed(UserError):
    """Writing a batch failed or would produce a file the importer refuses."""


def reject_message(code: Reject, **params: Any) -> str:
    params.setdefault("again", _(_ASK_AGAIN))
    return _(MESSAGES[code]).format(**params)


def reject(code: Reject, header: BatchHeader | None = None, **params: Any) -> ImportRejected:
    """Build (not raise) the ``ImportRejected`` for ``code`` with its translated message."""
    return ImportRejected(str(code), reject_message(code, **params), header)


def export_error(code: Reject, **params: Any) -> ExportFailed:
    return ExportFailed(reject_message(code, **params), str(code))
