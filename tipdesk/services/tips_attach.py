"""Tip attachments (scans, photos, recordings): bytes in the encrypted database, hashed, size-capped."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import PurePath
from typing import TYPE_CHECKING

from tipdesk.db.models.tips import TipAttachment
from tipdesk.domain.roles import Perm
from tipdesk.errors import NotFound, UserError
from tipdesk.events import Changes
from tipdesk.i18n import _
from tipdesk.services import tips_store as store
from tipdesk.services.tips_types import AttachmentView

if TYPE_CHECKING:
    from tipdesk.services.tips import TipService

MB = 1024 * 1024


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",") if size % MB else str(size // MB)


class TipAttachments:
    def __init__(self, tips: TipService) -> None:
        self.tips = tips
        self.desk = tips.desk

    def limit_bytes(self) -> int:
        return int(self.desk.settings.get("attachment_max_mb")) * MB

    def check(self, filename: str, size: int) -> None:
        """Refuse an empty or oversized file before reading it all (the form calls this too)."""
        name = PurePath(filename).name
        if size <= 0:
            raise UserError(_("The file {name} is empty; nothing was attached.").format(name=name),
                            "attachment_empty")
        limit = self.limit_bytes()
        if size > limit:
            raise UserError(_("The file {name} is {size} MB, more than the {limit} MB allowed per attachment; "
                              "nothing was attached. Scan at a lower resolution or split the file.").format(
                name=name, size=_megabytes(size), limit=_megabytes(limit)), "attachment_too_large")

    def add(self, tip_id: str, filename: str, data: bytes, description: str = "",
            mime_type: str = "") -> AttachmentView:
        self.desk.require(Perm.TIP_EDIT)
        name = PurePath(filename.replace("\\", "/")).name.strip()[:255] or "file"
        self.check(name, len(data))
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        now = self.desk.now()
        with self.desk.write(Changes.of("tip", ids=(tip_id,))) as session:
            tip = store.get_tip(session, tip_id)
            row = TipAttachment(tip_id=tip.id, filename=name, mime_type=mime[:100], size=len(data),
                                sha256=hashlib.sha256(data).hexdigest(), description=description.strip()[:300],
                                added_by=self.desk.actor.username, data=data,
                                origin_install_id=self.desk.installation.install_id, created_at=now,
                                updated_at=now)
            session.add(row)
            session.flush()
            self.desk.audit.append(session, "update", "tip", tip.id, {
                "attachment": row.id, "sha256": row.sha256, "size": row.size})
            return store.attachment_view(row)

    def data(self, attachment_id: str) -> tuple[AttachmentView, bytes]:
        """The bytes of an attachment (to open or save it); audited as an export."""
        self.desk.require(Perm.TIP_VIEW)
        with self.desk.write() as session:
            row = session.get(TipAttachment, attachment_id)
            if row is None:
                raise NotFound(_("There is no attachment with the id {id}.").format(id=attachment_id))
            self.desk.audit.append(session, "export", "tip_attachment", row.id, {"tip": row.tip_id})
            return store.attachment_view(row), bytes(row.data)
