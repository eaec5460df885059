"""The banner of an edit form on a shared database: who else is editing the record, and "changed meanwhile".

``EditGuard`` takes the record's edit lease when the form opens (on the database worker), renews it every
``RENEW_SECONDS`` while the form stays open and gives it back when the form closes. If another user holds
the lease the banner says who, where and since when; the form stays editable (the version check on save
prevents a lost update). When a save is refused as stale, the banner shows the message and a Reload button.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from tipdesk.gui.pages import PageContext
from tipdesk.i18n import _
from tipdesk.services.leases import RENEW_SECONDS, LeaseInfo, LeaseService, StaleRecord

log = logging.getLogger(__name__)

HELD_STYLE = "QFrame#editGuard { background: #fff4d6; border: 1px solid #e0b34c; border-radius: 3px; }"
STALE_STYLE = "QFrame#editGuard { background: #fde7e9; border: 1px solid #b00020; border-radius: 3px; }"


def _ignore_lease_error(exc: BaseException) -> None:
    """A lease is advisory: if it cannot be taken or given back, the version check still protects the record."""
    log.warning("edit lease: %s", exc)


class EditGuard(QFrame):
    reload_requested = Signal()

    def __init__(self, ctx: PageContext, record_type: str, record_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record_type, self.record_id = record_type, record_id
        self.leases = LeaseService(ctx.desk)
        self.holder: LeaseInfo | None = None
        self.stale = False
        self._stopped = False
        self.setObjectName("editGuard")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.reload_button = QPushButton(_("&Reload"), self)
        self.reload_button.setToolTip(_("Load the record as it is now saved (your unsaved changes are dropped)"))
        self.reload_button.clicked.connect(self.reload_requested.emit)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.reload_button)
        self.timer = QTimer(self)
        self.timer.setInterval(RENEW_SECONDS * 1000)
        self.timer.timeout.connect(self.renew)
        self._show_state()

    # -- the lease ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        self.renew()
        self.timer.start()

    def renew(self) -> None:
        if self._stopped:
            return
        leases, record_type, record_id = self.leases, self.record_type, self.record_id
        self.ctx.tasks.run_db(lambda: leases.acquire(record_type, record_id), self._held, _ignore_lease_error)

    def stop(self) -> None:
        """Give the lease back (the form is closing)."""
        if self._stopped:
            return
        self._stopped = True
        self.timer.stop()
        leases, record_type, record_id = self.leases, self.record_type, self.record_id
        try:
            self.ctx.tasks.run_db(lambda: leases.release(record_type, record_id), None, _ignore_lease_error)
        except RuntimeError as exc:  # the worker already stopped (logging out): the lease lapses by itself
            _ignore_lease_error(exc)

    def _held(self, info: LeaseInfo) -> None:
        self.holder = info
        self._show_state()

    @property
    def held_by_other(self) -> bool:
        return self.holder is not None and not self.holder.mine

    # -- what the banner says -------------------------------------------------------------------------------------
    def show_stale(self, message: str) -> None:
        self.stale = True
        self.label.setText(message)
        self._show_state()

    def take_stale(self, exc: BaseException) -> bool:
        """Show a ``StaleRecord`` failure of a save in the banner, with Reload focused; False for others."""
        if not isinstance(exc, StaleRecord):
            return False
        self.show_stale(exc.message)
        self.reload_button.setFocus()
        return True

    def clear_stale(self) -> None:
        self.stale = False
        self._show_state()

    def _show_state(self) -> None:
        self.reload_button.setVisible(self.stale)
        if self.stale:
            self.setStyleSheet(STALE_STYLE)
            self.label.setStyleSheet("color: #b00020;")
        elif self.held_by_other and self.holder is not None:
            self.setStyleSheet(HELD_STYLE)
            self.label.setStyleSheet("color: #5c4300;")
            self.label.setText(self.holder.describe(self.ctx.desk.now()) + " " + _(
                "You can still make changes: if they save first, you will be asked to reload."))
        shown = self.stale or self.held_by_other
        self.setVisible(shown)
        if shown:
            self.setAccessibleDescription(self.label.text())
