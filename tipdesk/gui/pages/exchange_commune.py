"""Exchange page, commune side: "Export data" to a USB stick, the batches sent and their receipts,
re-sending, the enrolment file with the fingerprint and its QR code, the province trust bundle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.roles import Perm
from tipdesk.events import Changes
from tipdesk.exchange import keys as xkeys
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages import exchange as ui
from tipdesk.gui.pages.exchange_dialogs import TrustImportDialog
from tipdesk.gui.tasks import TaskContext, run_with_progress
from tipdesk.i18n import N_, _, format_date, format_datetime, format_number, ngettext
from tipdesk.services.exchange import Exchange
from tipdesk.services.exchange_export import BatchView, ExportResult
from tipdesk.services.exchange_keys import FileWritten, KeysView
from tipdesk.services.exchange_receipts import ReceiptView

BATCH_COLUMNS = (N_("Batch"), N_("Created"), N_("Records"), N_("Receipt from the province"), N_("Province has up to"),
                 N_("Province misses"), N_("Written to"))


@dataclass(frozen=True)
class CommuneState:
    pending: int
    batches: list[BatchView]
    keys: KeysView
    fingerprint: str
    qr_png: bytes


def load_state(ex: Exchange) -> CommuneState:
    keys = ex.keys.show()
    fp = ex.keys.fingerprint()
    batches = ex.export.batches() if ex.desk.can(Perm.EXCHANGE) else []
    pending = ex.export.pending() if ex.desk.can(Perm.EXCHANGE) else 0
    return CommuneState(pending, batches, keys, fp, xkeys.fingerprint_qr_png(fp, scale=7))


class SendTab(Retranslatable, QWidget):
    def __init__(self, page: CommuneExchangePage) -> None:
        super().__init__(page)
        self.page = page
        self.title = QLabel(self)
        self.title.setFont(common.title_font(self.font(), 1.3))
        self.hint = common.hint_label("", self)
        self.trust_line = QLabel(self)
        self.trust_line.setWordWrap(True)
        self.export_button = ui.button(self, page.export, default=True)
        self.export_button.setMinimumHeight(40)
        self.export_button.setFont(common.title_font(self.font(), 1.15))
        self.message = common.MessageLabel(self)
        self.batches = ui.table(self, len(BATCH_COLUMNS))
        self.batches.setSelectionMode(QTableWidget.SelectionMode.ExtendedSelection)
        self.batches_label = QLabel(self)
        self.batches_label.setBuddy(self.batches)
        self.resend_all = ui.button(self, lambda: page.resend(selected_only=False))
        self.resend_selected = ui.button(self, lambda: page.resend(selected_only=True))
        self.receipts = ui.button(self, page.import_receipts)
        self._layout()
        self.retranslate()

    def _layout(self) -> None:
        top = QGroupBox(self)
        grid = QGridLayout(top)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.export_button, 0, 1, 2, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.hint, 1, 0)
        grid.addWidget(self.trust_line, 2, 0, 1, 2)
        grid.addWidget(self.message, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        buttons = QHBoxLayout()
        for b in (self.resend_all, self.resend_selected, self.receipts):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(top)
        layout.addWidget(self.batches_label)
        layout.addWidget(self.batches, 1)
        layout.addLayout(buttons)

    def retranslate(self) -> None:
        self.export_button.setText(_("E&xport data"))
        self.export_button.setToolTip(_("Write every change since the last batch to a USB stick (Ctrl+E)"))
        self.export_button.setShortcut("Ctrl+E")
        self.hint.setText(_("Insert the USB stick, then press Export data and choose the stick. The file is "
                            "written, read back and checked before you are told to remove the stick."))
        self.batches_label.setText(_("&List of batches sent"))
        self.resend_all.setText(_("&Re-send batches without a receipt…"))
        self.resend_selected.setText(_("Re-send the selec&ted batches…"))
        self.receipts.setText(_("Import recei&pts…"))
        self.batches.setHorizontalHeaderLabels([_(c) for c in BATCH_COLUMNS])
        self.show_state(self.page.state)

    def show_state(self, state: CommuneState | None) -> None:
        if state is None:
            return
        self.title.setText(ngettext("{n} change waiting to be sent", "{n} changes waiting to be sent",
                                    state.pending).format(n=format_number(state.pending)))
        trust = state.keys.trust
        if trust is None:
            self.trust_line.setText(_("The province's trust bundle is not installed yet: import it on the Keys "
                                      "tab before the first export."))
            self.trust_line.setStyleSheet(common.ERROR_STYLE)
        elif trust.expired:
            self.trust_line.setText(_("The province's trust bundle expired on {date}: import a current one.")
                                    .format(date=format_date(trust.expires_at)))
            self.trust_line.setStyleSheet(common.ERROR_STYLE)
        else:
            self.trust_line.setText(_("Batches are encrypted for the province key {key} (trust bundle version "
                                      "{version}, valid until {date}).").format(
                key=trust.province_key_id, version=trust.version, date=format_date(trust.expires_at)))
            self.trust_line.setStyleSheet(common.HINT_STYLE)
        rows = [(f"{b.epoch}-{b.seq}", format_datetime(b.created_at), b.records,
                 ui.status_label(b.receipt_status, b.receipt_code),
                 "" if b.province_contiguous_seq is None else b.province_contiguous_seq,
                 ", ".join(map(str, b.province_missing)), b.written_to) for b in state.batches]
        ui.fill(self.batches, rows, [b.batch_id for b in state.batches])
        for r, b in enumerate(state.batches):
            item = self.batches.item(r, 3)
            if item is not None and not b.acknowledged:
                item.setForeground(Qt.GlobalColor.darkRed if b.receipt_status == "refused" else Qt.GlobalColor.darkGray)

    def selected_batches(self) -> list[str]:
        rows = sorted({index.row() for index in self.batches.selectedIndexes()})
        items = [self.batches.item(r, 0) for r in rows]
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in items if item is not None]


class KeysTab(Retranslatable, QWidget):
    def __init__(self, page: CommuneExchangePage) -> None:
        super().__init__(page)
        self.page = page
        self.own_box, self.trust_box = QGroupBox(self), QGroupBox(self)
        self.fp_caption = QLabel(self)
        self.fingerprint = QLabel(self)
        self.fingerprint.setFont(common.monospace_font(self.font(), 2.0))
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.qr = QLabel(self)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.fp_hint = common.hint_label("", self)
        self.enrol_button = ui.button(self, page.export_enrolment)
        self.rotate_button = ui.button(self, page.rotate_key)
        self.trust_info = QLabel(self)
        self.trust_info.setWordWrap(True)
        self.trust_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.trust_button = ui.button(self, page.import_trust)
        self.message = common.MessageLabel(self)
        self._layout()
        self.retranslate()

    def _layout(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self.fp_caption)
        left.addWidget(self.fingerprint)
        left.addWidget(self.fp_hint)
        row = QHBoxLayout()
        row.addWidget(self.enrol_button)
        row.addWidget(self.rotate_button)
        row.addStretch(1)
        left.addLayout(row)
        left.addStretch(1)
        own = QHBoxLayout(self.own_box)
        own.addLayout(left, 1)
        own.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        trust = QVBoxLayout(self.trust_box)
        trust.addWidget(self.trust_info)
        trust.addWidget(self.trust_button, 0, Qt.AlignmentFlag.AlignLeft)
        trust.addStretch(1)
        boxes = QHBoxLayout()
        boxes.addWidget(self.own_box, 3)
        boxes.addWidget(self.trust_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(boxes, 1)
        layout.addWidget(self.message)

    def retranslate(self) -> None:
        self.own_box.setTitle(_("This computer's key"))
        self.trust_box.setTitle(_("The province's trust bundle"))
        self.fp_caption.setText(_("Fingerprint of the signing key:"))
        self.fp_hint.setText(_("At enrolment, read these 16 characters to the province over the phone (or let "
                               "them scan the code). The province types them in; never send them by e-mail "
                               "alone."))
        self.enrol_button.setText(_("E&xport the enrolment file…"))
        self.rotate_button.setText(_("Change the signing &key…"))
        self.trust_button.setText(_("&Import the trust bundle…"))
        self.show_state(self.page.state)

    def show_state(self, state: CommuneState | None) -> None:
        if state is None:
            return
        self.fingerprint.setText(state.fingerprint)
        pixmap = QPixmap()
        pixmap.loadFromData(state.qr_png, "PNG")
        self.qr.setPixmap(pixmap)
        self.qr.setAccessibleName(_("QR code of the fingerprint {fp}").format(fp=state.fingerprint))
        trust = state.keys.trust
        if trust is None:
            self.trust_info.setText(_("Not installed. Ask the province for its trust bundle file and check it "
                                      "with the province fingerprint printed in the installation guide."))
            return
        lines = [
            _("Version {v}, issued {issued}, valid until {until}.").format(
                v=trust.version, issued=format_date(trust.issued_at), until=format_date(trust.expires_at)),
            _("Province root key: {fp}").format(fp=trust.root_fingerprint),
            _("Batches are encrypted for: {key}").format(key=trust.province_key_id),
            _("Receipts are signed by: {key}").format(key=trust.receipt_key_id),
            _("Installed {when}.").format(when=format_datetime(trust.installed_at)),
        ]
        if trust.expired:
            lines.append(_("EXPIRED: import a current trust bundle."))
        if trust.own_key_revoked:
            lines.append(_("The province has revoked this computer's key: contact the province."))
        self.trust_info.setText("\n".join(lines))


class CommuneExchangePage(Retranslatable, QTabWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ex = Exchange(ctx.desk)
        self.state: CommuneState | None = None
        self.send = SendTab(self)
        self.keys = KeysTab(self)
        if ctx.desk.can(Perm.EXCHANGE):
            self.addTab(self.send, "")
        if ctx.desk.can(Perm.KEYS_MANAGE):
            self.addTab(self.keys, "")
        ctx.bridge.changed.connect(self._on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        for widget, text in ((self.send, _("Send data")), (self.keys, _("Keys and enrolment"))):
            index = self.indexOf(widget)
            if index >= 0:
                self.setTabText(index, text)

    def page_shown(self) -> None:
        self.reload()

    def _on_changes(self, changes: Changes) -> None:
        if self.isVisible() and (changes.touches("exchange") or changes.touches("tip") or changes.touches("person")):
            self.reload()

    def reload(self) -> None:
        self.ctx.tasks.run_db(lambda: load_state(self.ex), self._show, self._failed)

    def _show(self, state: CommuneState) -> None:
        self.state = state
        self.send.show_state(state)
        self.keys.show_state(state)

    def _failed(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    # -- send --------------------------------------------------------------------------
    def export(self) -> None:
        folder = ui.choose_folder(self, _("Choose the USB stick or folder for the batch"))
        if folder is None:
            return
        self.send.message.clear_message()

        def work(context: TaskContext) -> ExportResult:
            return self.ex.export.export(folder, progress=lambda done, total: context.progress(
                done, total, _("Exporting records… {done} of {total}").format(done=done, total=total)))

        run_with_progress(self.ctx.tasks, self, _("Exporting…"), work, self._exported, self._send_failed,
                          cancellable=False)

    def _exported(self, result: ExportResult) -> None:
        names = ", ".join(p.name for p in result.paths)
        folder = result.paths[0].parent if result.paths else ""
        self.send.message.set_ok(ngettext(
            "{records} record written to {names} in {folder} and checked. You can remove the USB stick.",
            "{records} records written to {names} in {folder} and checked. You can remove the USB stick.",
            result.records).format(records=format_number(result.records), names=names, folder=folder))
        self.reload()

    def _send_failed(self, exc: BaseException) -> None:
        self.send.message.set_error(common.error_text(exc))
        self.reload()

    def resend(self, *, selected_only: bool) -> None:
        ids = self.send.selected_batches() if selected_only else None
        if selected_only and not ids:
            self.send.message.set_hint(_("Select one or more batches in the list first."))
            return
        folder = ui.choose_folder(self, _("Choose the USB stick or folder for the batches"))
        if folder is None:
            return
        self.ctx.tasks.run_db(lambda: self.ex.export.resend(folder, ids), self._resent, self._send_failed)

    def _resent(self, paths: list[Path]) -> None:
        if not paths:
            self.send.message.set_hint(_("Every batch has a receipt: nothing to re-send."))
        else:
            self.send.message.set_ok(ngettext(
                "{n} batch written again, byte for byte, and checked. You can remove the USB stick.",
                "{n} batches written again, byte for byte, and checked. You can remove the USB stick.",
                len(paths)).format(n=len(paths)))
        self.reload()

    def import_receipts(self) -> None:
        files = ui.choose_files(self, _("Choose the receipts from the province"), _(ui.RECEIPT_FILTER))
        if files:
            self.ctx.tasks.run_db(lambda: self.ex.receipts.import_paths(files), self._receipts_done,
                                  self._send_failed)

    def _receipts_done(self, views: list[ReceiptView]) -> None:
        self.send.message.set_ok(ngettext("{n} receipt recorded.", "{n} receipts recorded.", len(views))
                                 .format(n=len(views)))
        self.reload()

    # -- keys ----------------------------------------------------------------------------
    def export_enrolment(self) -> None:
        folder = ui.choose_folder(self, _("Choose where to save the enrolment file"))
        if folder is not None:
            self.ctx.tasks.run_db(lambda: self.ex.keys.write_enrolment(folder), self._enrolment_done,
                                  self._keys_failed)

    def _enrolment_done(self, written: FileWritten) -> None:
        self.keys.message.set_ok(_("Enrolment file written to {path}. Take it to the province and read the "
                                   "fingerprint {fp} to them over the phone.").format(path=written.path,
                                                                                       fp=written.fingerprint))

    def rotate_key(self) -> None:
        if not common.ask_yes_no(self, _("Make a new signing key? Batches from now on are signed with it; the "
                                         "province must receive the key change record before the next batch."),
                                 yes=_("Change the key")):
            return
        folder = ui.choose_folder(self, _("Choose where to save the key change record"))
        if folder is not None:
            self.ctx.tasks.run_db(lambda: self.ex.keys.rotate(folder), self._rotated, self._keys_failed)

    def _rotated(self, written: FileWritten) -> None:
        self.keys.message.set_ok(_("New key {fp}. Key change record written to {path}: take it to the province "
                                   "with the next batch.").format(fp=written.fingerprint, path=written.path))
        self.reload()

    def import_trust(self) -> None:
        dialog = TrustImportDialog(self.ctx, self.ex, self)
        dialog.accepted.connect(self._trust_installed)
        dialog.open()

    def _trust_installed(self) -> None:
        self.keys.message.set_ok(_("Trust bundle installed."))
        self.reload()

    def _keys_failed(self, exc: BaseException) -> None:
        self.keys.message.set_error(common.error_text(exc))
