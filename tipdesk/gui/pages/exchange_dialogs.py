"""Exchange dialogs: trust bundle import and enrolment (both need a fingerprint typed by a person),
revocation, and the import preview (per-type counts and the list of records)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain import units
from tipdesk.errors import UserError
from tipdesk.exchange import keys as xkeys
from tipdesk.exchange.enrolment import Enrolment
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages import exchange as ui
from tipdesk.i18n import N_, _, format_number
from tipdesk.services.exchange import Exchange
from tipdesk.services.exchange_sources import ImportReport
from tipdesk.services.exchange_upsert import ACTIONS

COUNT_COLUMNS = (N_("Records"), *(ui.ACTION_LABELS[a] for a in ACTIONS))
FILE_COLUMNS = (N_("File"), N_("Commune"), N_("Batch"), N_("Result"))
ITEM_COLUMNS = (N_("Kind of record"), N_("Record id"), N_("Version"), N_("Version here"), N_("What happens"))


def _fingerprint_state(text: str) -> tuple[bool, str]:
    """(valid, message) for a typed fingerprint: the check characters catch a mistyped one."""
    if not text.strip():
        return False, ""
    try:
        xkeys.key_id_from_fingerprint(text)
    except UserError as exc:
        return False, exc.message
    return True, _("The fingerprint is well formed.")


class _FingerprintDialog(Retranslatable, QDialog):
    """A dialog with a file, a fingerprint typed by a person and an OK button enabled when valid."""

    def __init__(self, ctx: PageContext, ex: Exchange, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.ex = ctx, ex
        self.path: Path | None = None
        self.file_label = QLabel(self)
        self.file_value = QLabel(self)
        self.file_value.setWordWrap(True)
        self.choose = ui.button(self, self.choose_file)
        self.fp_label = QLabel(self)
        self.fp_edit = QLineEdit(self)
        self.fp_edit.setFont(common.monospace_font(self.font(), 1.3))
        self.fp_edit.setPlaceholderText("XXXX-XXXX-XXXX-XXXX")
        self.fp_edit.setMaxLength(24)
        self.fp_edit.textChanged.connect(self._check)
        self.fp_label.setBuddy(self.fp_edit)
        self.fp_state = common.MessageLabel(self)
        self.hint = common.hint_label("", self)
        self.message = common.MessageLabel(self)
        self.buttons = QDialogButtonBox(self)
        self.ok = QPushButton(self)
        self.ok.setDefault(True)
        self.buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.file_value, 1)
        row.addWidget(self.choose)
        self.form.addRow(self.file_label, row)
        self.extra_rows()
        self.form.addRow(self.fp_label, self.fp_edit)
        self.form.addRow("", self.fp_state)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(620)
        self.retranslate()
        self._check()

    def extra_rows(self) -> None:
        """Rows between the file and the fingerprint (subclasses)."""

    def choose_file(self) -> None:
        raise NotImplementedError

    def _check(self) -> None:
        valid, text = _fingerprint_state(self.fp_edit.text())
        if text:
            (self.fp_state.set_ok if valid else self.fp_state.set_error)(text)
        else:
            self.fp_state.clear_message()
        self.ok.setEnabled(valid and self.path is not None)

    def submit(self) -> None:
        raise NotImplementedError

    def _failed(self, exc: BaseException) -> None:
        self.message.set_error(common.error_text(exc))
        self.ok.setEnabled(True)


class TrustImportDialog(_FingerprintDialog):
    """Commune: install the province trust bundle after typing the province fingerprint."""

    def retranslate(self) -> None:
        self.setWindowTitle(_("Import the province trust bundle"))
        self.hint.setText(_("Choose the trust bundle file from the province, then type the province fingerprint "
                            "printed in the installation guide (or read out by the province over the phone). "
                            "The bundle is installed only if it is signed by that key."))
        self.file_label.setText(_("Trust bundle:"))
        self.file_value.setText(str(self.path) if self.path else _("(no file chosen)"))
        self.choose.setText(_("C&hoose…"))
        self.fp_label.setText(_("Province &fingerprint:"))
        self.ok.setText(_("&Install"))

    def choose_file(self) -> None:
        path = ui.choose_file(self, _("Choose the trust bundle"), _(ui.TRUST_FILTER))
        if path is not None:
            self.path = path
            self.retranslate()
            self._check()
            self.fp_edit.setFocus()

    def submit(self) -> None:
        path, fp = self.path, self.fp_edit.text()
        if path is None:
            return
        self.ok.setEnabled(False)
        self.ctx.tasks.run_db(lambda: self.ex.keys.read_and_install_trust_bundle(path, fp),
                              lambda _view: self.accept(), self._failed)


class EnrolDialog(_FingerprintDialog):
    """Province: enrol a commune installation from its file and the fingerprint read over the phone."""

    def __init__(self, ctx: PageContext, ex: Exchange, parent: QWidget | None = None) -> None:
        self.enrolment: Enrolment | None = None
        super().__init__(ctx, ex, parent)

    def extra_rows(self) -> None:
        self.commune_label, self.commune_value = QLabel(self), QLabel(self)
        self.install_label, self.install_value = QLabel(self), QLabel(self)
        self.install_value.setFont(common.monospace_font(self.font()))
        self.form.addRow(self.commune_label, self.commune_value)
        self.form.addRow(self.install_label, self.install_value)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Enrol a commune"))
        self.hint.setText(_("Choose the commune's enrolment file. Then phone the commune at the number on file "
                            "and type the fingerprint they read out from their Exchange page. Do not copy it "
                            "from an e-mail or a message."))
        self.file_label.setText(_("Enrolment file:"))
        self.file_value.setText(str(self.path) if self.path else _("(no file chosen)"))
        self.choose.setText(_("C&hoose…"))
        self.commune_label.setText(_("Commune:"))
        self.install_label.setText(_("Installation:"))
        self.fp_label.setText(_("&Fingerprint read out:"))
        self.ok.setText(_("&Enrol"))
        if self.enrolment is not None:
            self.commune_value.setText(_commune_text(self.enrolment.commune))
            self.install_value.setText(self.enrolment.install_id)

    def choose_file(self) -> None:
        path = ui.choose_file(self, _("Choose the enrolment file"), _(ui.ENROLMENT_FILTER))
        if path is None:
            return
        try:
            self.enrolment = self.ex.peers.check_enrolment(path.read_bytes())
        except (UserError, OSError) as exc:
            self.message.set_error(common.error_text(exc) if isinstance(exc, UserError) else str(exc))
            return
        self.message.clear_message()
        self.path = path
        self.retranslate()
        self._check()
        self.fp_edit.setFocus()

    def submit(self) -> None:
        path, fp = self.path, self.fp_edit.text()
        if path is None:
            return
        self.ok.setEnabled(False)
        self.ctx.tasks.run_db(lambda: self.ex.peers.enrol_file(path, fp), lambda _view: self.accept(), self._failed)


def _commune_text(code: str) -> str:
    try:
        return f"{code} – {units.commune(code).name}"
    except UserError:
        return code


class RevokeDialog(Retranslatable, QDialog):
    """Province: refuse a key's batches after an (epoch, seq) point."""

    def __init__(self, ctx: PageContext, ex: Exchange, key_id: str, commune: str, epoch: int, seq: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.ex, self.key_id, self.commune = ctx, ex, key_id, commune
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.epoch, self.seq = QSpinBox(self), QSpinBox(self)
        self.epoch.setRange(1, 1_000_000)
        self.seq.setRange(0, 1_000_000_000)
        self.epoch.setValue(max(epoch, 1))
        self.seq.setValue(seq)
        self.epoch_label, self.seq_label = QLabel(self), QLabel(self)
        self.epoch_label.setBuddy(self.epoch)
        self.seq_label.setBuddy(self.seq)
        self.message = common.MessageLabel(self)
        self.buttons = QDialogButtonBox(self)
        self.ok = QPushButton(self)
        self.buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.epoch_label, self.epoch)
        form.addRow(self.seq_label, self.seq)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Revoke a key"))
        self.info.setText(_("Key {key} of {commune}. Batches up to and including the point below are still "
                            "accepted; every later batch signed with this key is refused. Use the last batch "
                            "received before the computer was lost or misused.").format(
            key=self.key_id, commune=_commune_text(self.commune)))
        self.epoch_label.setText(_("After &epoch:"))
        self.seq_label.setText(_("After &batch number:"))
        self.ok.setText(_("&Revoke"))

    def submit(self) -> None:
        self.ok.setEnabled(False)
        epoch, seq = self.epoch.value(), self.seq.value()
        self.ctx.tasks.run_db(lambda: self.ex.peers.revoke(self.key_id, epoch, seq), lambda _v: self.accept(),
                              self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.message.set_error(common.error_text(exc))
        self.ok.setEnabled(True)


class PreviewDialog(Retranslatable, QDialog):
    """What an import would do: per file, per kind of record, and the list of records."""

    def __init__(self, report: ImportReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.files = ui.table(self, len(FILE_COLUMNS))
        self.counts = ui.table(self, len(COUNT_COLUMNS) + 1)
        self.items_label = QLabel(self)
        self.items = QTableView(self)
        self.items_model = ui.RowsModel(ITEM_COLUMNS, self)
        self.items.setModel(self.items_model)
        self.items.verticalHeader().hide()
        header = self.items.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(200)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        self.items.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.items_label.setBuddy(self.items)
        self.buttons = QDialogButtonBox(self)
        self.import_button = QPushButton(self)
        self.import_button.setDefault(True)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.files)
        layout.addWidget(self.counts)
        layout.addWidget(self.items_label)
        layout.addWidget(self.items, 1)
        layout.addWidget(self.buttons)
        self.resize(1100, 660)
        self._fill()
        self.retranslate()

    def _fill(self) -> None:
        outcomes = self.report.outcomes
        ui.fill(self.files, [(o.source, _commune_text(o.commune) if o.commune else "",
                              f"{o.epoch}-{o.seq}" if o.epoch else "", ui.status_label(o.status, o.code))
                             for o in outcomes])
        totals = self.report.totals()
        rows: list[Sequence[object]] = []
        for name, counts in totals.items():
            rows.append((ui.type_label(name), counts.total, *(getattr(counts, a) for a in ACTIONS)))
        ui.fill(self.counts, rows)
        ui.fit_rows(self.files, 4)
        ui.fit_rows(self.counts, 9)
        items = [(ui.type_label(i.record_type), i.record_id, str(i.version),
                  "" if i.local_version is None else str(i.local_version), _(ui.ACTION_LABELS[i.action]))
                 for o in outcomes for i in o.items]
        self.items_model.set_rows(items)
        refused = sum(1 for o in outcomes if o.refused)
        self.import_button.setEnabled(refused < len(outcomes))

    def retranslate(self) -> None:
        self.setWindowTitle(_("Preview of the import"))
        n = len(self.report.outcomes)
        records = sum(c.total for c in self.report.totals().values())
        self.summary.setText(_("{files} file(s), {records} records. Nothing has been changed yet: press Import to "
                               "import them for real, or Close.").format(files=n, records=format_number(records)))
        self.files.setHorizontalHeaderLabels([_(c) for c in FILE_COLUMNS])
        self.counts.setHorizontalHeaderLabels([_("Kind of record"), *(_(c) for c in COUNT_COLUMNS)])
        self.items_label.setText(_("&Records"))
        self.items_model.retranslate()
        self.import_button.setText(_("&Import"))
