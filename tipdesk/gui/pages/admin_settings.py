"""Administration → Settings: the language of this computer and the idle auto-lock."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from tipdesk.domain.roles import Profile
from tipdesk.events import Changes
from tipdesk.gui import common
from tipdesk.gui.language import LanguageCombo, Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.i18n import _
from tipdesk.services.settings import SettingsView


class SettingsTab(Retranslatable, QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded = False
        self.language = LanguageCombo(self)
        self.language_label = QLabel(self)
        self.language_label.setBuddy(self.language)
        self.language_hint = common.hint_label("", self)
        self.idle = QSpinBox(self)
        self.idle.setRange(1, 120)
        self.idle_label = QLabel(self)
        self.idle_label.setBuddy(self.idle)
        self.idle_hint = common.hint_label("", self)
        self.server_button = QPushButton(self)  # "Database server…": province offices only (issue #7 §3)
        self.server_button.setAutoDefault(False)
        self.server_button.clicked.connect(self.open_database_server)
        self.server_label = QLabel(self)
        self.server_label.setBuddy(self.server_button)
        self.server_hint = common.hint_label("", self)
        self.save_button = QPushButton(self)
        self.save_button.setAutoDefault(True)
        self.save_button.clicked.connect(self.save)
        self.message = common.MessageLabel(self)
        self.idle.valueChanged.connect(lambda _v: self.message.clear_message())
        self.idle.setMinimumWidth(220)
        for hint in (self.language_hint, self.idle_hint, self.server_hint):
            hint.setMinimumWidth(560)
        self.language.setMinimumWidth(220)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.language_label, self.language)
        form.addRow("", self.language_hint)
        form.addRow(self.idle_label, self.idle)
        form.addRow("", self.idle_hint)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.message)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        server_form = QFormLayout()  # below "Save": saved by its own dialog, not by that button
        server_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        server_form.addRow(self.server_label, self.server_button)
        server_form.addRow("", self.server_hint)
        for widget in (self.server_button, self.server_hint):
            server_form.setRowVisible(widget, ctx.desk.installation.profile is Profile.PROVINCE)
        layout.addSpacing(16)
        layout.addLayout(server_form)
        layout.addStretch(1)
        ctx.bridge.changed.connect(self._on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        self.language_label.setText(_("La&nguage:"))
        self.language_hint.setText(_("Applies to this computer at once, including the login window."))
        self.idle_label.setText(_("&Lock the screen after:"))
        self.idle.setSuffix(" " + _("minutes without use"))
        self.idle_hint.setText(_("For every user of this installation. The password is then needed to continue."))
        self.save_button.setText(_("Sa&ve"))
        self.server_label.setText(_("Database server:"))
        self.server_button.setText(_("Database &server…"))
        self.server_hint.setText(_("For this computer only: the office's PostgreSQL server or the encrypted file "
                                   "on this computer. Used from the next log-in."))

    def page_shown(self) -> None:
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        self.ctx.tasks.run_db(self.ctx.desk.settings.view, self._show, self._failed)

    def _show(self, view: SettingsView) -> None:
        self.loaded = True
        self.idle.blockSignals(True)
        self.idle.setValue(view.idle_lock_minutes)
        self.idle.blockSignals(False)

    def save(self) -> None:
        minutes = self.idle.value()
        self.ctx.tasks.run_db(lambda: self.ctx.desk.settings.set("idle_lock_minutes", minutes), self._saved,
                              self._failed)

    def _saved(self, _result: object) -> None:
        self.message.set_ok(_("Saved."))

    def _failed(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def open_database_server(self) -> None:
        from tipdesk.gui.dialogs.database_server import DatabaseServerDialog  # only when asked for

        dialog = DatabaseServerDialog(self.ctx.tasks, data_dir=self.ctx.desk.data_dir, in_session=True, parent=self)
        dialog.saved.connect(self._server_saved)
        dialog.open()

    def _server_saved(self, old_url: str, new_url: str) -> None:
        from tipdesk.services.server_setting import record_change

        desk = self.ctx.desk
        self.ctx.tasks.run_db(lambda: record_change(desk, old_url, new_url), None, self._failed)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches("settings") and self.loaded:
            self.reload()
