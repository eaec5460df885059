"""The recovery sheet printed at set-up: the one-time recovery code, to be kept in the unit's safe.

One A4 page in the Decree 30 layout: the unit, the administrator, the date, the
recovery code in large letters, the installation's key fingerprint and what to
do with the sheet. Nothing else from the database is printed on it.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import IO

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Spacer

from tipdesk.i18n import _, format_datetime, to_local
from tipdesk.reports.decree30 import (
    DocumentHeader,
    SignatureBlock,
    build_pdf,
    heading,
    key_value_table,
    paragraph,
)
from tipdesk.reports.styles import default_styles

CODE_SIZE = 18.0
CODE_GROUPS_PER_LINE = 4


def _code_style() -> ParagraphStyle:
    fonts = default_styles().fonts
    return ParagraphStyle(
        "recovery_code", fontName=fonts.sans_bold, fontSize=CODE_SIZE, leading=CODE_SIZE * 1.4,
        alignment=TA_CENTER, spaceBefore=12, spaceAfter=18, borderWidth=1, borderColor="black",
        borderPadding=10, splitLongWords=False,
    )


def code_lines(recovery_code: str) -> str:
    """The code in lines of four groups, so that it never wraps in the middle of a group."""
    groups = recovery_code.split("-")
    lines = ["-".join(groups[i : i + CODE_GROUPS_PER_LINE]) for i in range(0, len(groups), CODE_GROUPS_PER_LINE)]
    return "\n".join(lines)


def _instructions() -> list[str]:
    return [
        _("Keep this sheet in the unit's safe. Whoever holds it and the database file can open every record."),
        _("Use the code only when no one can log in any more: on the login screen choose “Forgot password?”, "
          "type this code, the user name and a new password."),
        _("Once the code has been used, tipdesk shows a new recovery code and this one stops working: "
          "print the new sheet and destroy this one."),
        _("The key fingerprint identifies this installation when it is enrolled with the provincial office."),
    ]


def _body(unit_name: str, admin: str, recovery_code: str, fingerprint: str,
          created_at: dt.datetime) -> list[Flowable]:
    details = key_value_table([
        (_("Unit"), unit_name),
        (_("Administrator"), admin),
        (_("Set up on"), format_datetime(created_at)),
        (_("Key fingerprint"), fingerprint),
    ])
    flowables: list[Flowable] = [details, Spacer(1, 8), heading(_("Recovery code")), Spacer(1, 8),
                                 paragraph(code_lines(recovery_code), _code_style()), Spacer(1, 4)]
    flowables.append(heading(_("What to do with this sheet")))
    flowables.extend(paragraph(f"{n}. {text}", "body_plain") for n, text in enumerate(_instructions(), start=1))
    return flowables


def build_recovery_sheet(path: str | os.PathLike[str] | IO[bytes], unit_name: str, admin: str, recovery_code: str,
                         fingerprint: str, created_at: dt.datetime) -> int:
    """Write the recovery sheet PDF (atomically for a path); returns the page count."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt.UTC)
    header = DocumentHeader(
        parent_agency="",
        unit_name=unit_name,
        number="......",
        place=unit_name,
        date=to_local(created_at).date(),
        title=_("Recovery sheet"),
        subtitle=_("Recovery code of the tipdesk database"),
    )
    signature = SignatureBlock(title=_("Administrator"), name=admin)
    return build_pdf(path, header, _body(unit_name, admin, recovery_code, fingerprint, created_at), signature,
                     footer_note=_("Confidential: keep in the unit's safe."))
