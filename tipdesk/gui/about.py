"""Help → About: version, licence and where the data is kept."""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from tipdesk import __version__
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.i18n import _

LICENCE = "GPL-3.0-or-later"


class AboutDialog(Retranslatable, QDialog):
    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.name = QLabel(self)
        self.name.setFont(common.title_font(self.font(), 1.6))
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QPushButton(self)
        self.close_button.setDefault(True)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.name, self.summary, self.details):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.retranslate()
        self.resize(520, 0)

    def retranslate(self) -> None:
        self.setWindowTitle(_("About tipdesk"))
        self.name.setText(f"tipdesk {__version__}")
        self.summary.setText(_("An offline desk for anti-trafficking tips, victims and the support given, with "
                               "signed and encrypted batches for the provincial office."))
        lines = [
            _("Licence: {licence} (free software).").format(licence=LICENCE),
            _("Data folder: {path}").format(path=self.data_dir),
            _("Python {python}, PySide6 {qt}").format(python=platform.python_version(), qt=pyside_version),
        ]
        self.details.setText("\n".join(lines))
        self.close_button.setText(_("&Close"))
