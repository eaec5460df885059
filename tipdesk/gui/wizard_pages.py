"""The first pages of the set-up wizard: language, kind of installation, unit."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QButtonGroup, QCheckBox, QLabel, QRadioButton, QVBoxLayout, QWidget, QWizardPage

from tipdesk import i18n
from tipdesk.domain.roles import Profile
from tipdesk.gui import common
from tipdesk.gui.language import LANGUAGE_BUTTONS, Retranslatable, apply_language
from tipdesk.gui.unit_picker import UnitPicker
from tipdesk.i18n import _
from tipdesk.services.setup import SetupResult

PAGE_LANGUAGE, PAGE_PROFILE, PAGE_UNIT, PAGE_ADMIN, PAGE_DONE = range(5)


@dataclass
class SetupState:
    """What the wizard has collected so far."""

    profile: Profile = Profile.COMMUNE
    unit_code: str = ""
    unit_name: str = ""
    remote: bool = False
    result: SetupResult | None = None


class StatePage(Retranslatable, QWizardPage):
    """A wizard page that reads and writes the wizard's ``SetupState``."""

    def notify_complete(self) -> None:
        self.completeChanged.emit()

    @property
    def state(self) -> SetupState:
        wizard = self.wizard()
        state: SetupState = wizard.state  # type: ignore[attr-defined]
        return state


class LanguagePage(StatePage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.question = QLabel(self)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addSpacing(12)
        layout.addWidget(self.question)
        for lang, name in LANGUAGE_BUTTONS.items():
            button = QRadioButton(name, self)
            button.setChecked(lang == i18n.language())
            button.toggled.connect(lambda on, lang=lang: self._choose(lang, on))
            self.group.addButton(button)
            self.buttons[lang] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(_("Welcome to tipdesk"))
        self.setSubTitle(_("This assistant prepares tipdesk on this computer. It takes about two minutes."))
        self.intro.setText(_(
            "You will choose the unit that uses this computer and create the administrator account. "
            "All data is kept encrypted on this computer; nothing is sent over the internet."
        ))
        self.question.setText(_("Language of the program (it can be changed later):"))

    def _choose(self, lang: str, on: bool) -> None:
        if on:
            apply_language(lang, persist=True)


class ProfilePage(StatePage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.commune = QRadioButton(self)
        self.commune.setChecked(True)
        self.commune_hint = common.hint_label("", self)
        self.province = QRadioButton(self)
        self.province_hint = common.hint_label("", self)
        group = QButtonGroup(self)
        group.addButton(self.commune)
        group.addButton(self.province)
        layout = QVBoxLayout(self)
        for button, hint in ((self.commune, self.commune_hint), (self.province, self.province_hint)):
            layout.addWidget(button)
            hint.setContentsMargins(24, 0, 0, 12)
            layout.addWidget(hint)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(_("Who uses this computer?"))
        self.setSubTitle(_("Choose the kind of office. This cannot be changed later."))
        self.commune.setText(_("A &commune or ward: police and social workers"))
        self.commune_hint.setText(_(
            "Records tips, victims and the support given, and sends encrypted batches to the provincial office."
        ))
        self.province.setText(_("The &provincial office"))
        self.province_hint.setText(_(
            "Receives and checks the communes' batches and prepares the reports of the whole province."
        ))

    def validatePage(self) -> bool:
        self.state.profile = Profile.PROVINCE if self.province.isChecked() else Profile.COMMUNE
        return True


class UnitPage(StatePage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picker = UnitPicker(self)
        self.picker.changed.connect(self.completeChanged)
        self.remote = QCheckBox(self)
        self.remote_hint = common.hint_label("", self)
        self.remote_hint.setContentsMargins(24, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addSpacing(12)
        layout.addWidget(self.remote)
        layout.addWidget(self.remote_hint)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(_("Your unit"))
        if self.picker.profile is Profile.PROVINCE:
            self.setSubTitle(_("Choose your province or city. Type a few letters; accents are optional."))
        else:
            self.setSubTitle(_("Choose the province, then the commune or ward. Type a few letters; "
                               "accents are optional."))
        self.remote.setText(_("This is a &remote or island commune"))
        self.remote_hint.setText(_("Tips must then be transferred within 48 hours instead of 24."))

    def initializePage(self) -> None:
        self.picker.set_profile(self.state.profile)
        is_commune = self.state.profile is Profile.COMMUNE
        self.remote.setVisible(is_commune)
        self.remote_hint.setVisible(is_commune)
        self.retranslate()
        self.picker.province.setFocus()

    def isComplete(self) -> bool:
        return self.picker.unit_code() is not None

    def validatePage(self) -> bool:
        code = self.picker.unit_code()
        if code is None:
            return False
        self.state.unit_code = code
        self.state.unit_name = self.picker.unit_name()
        self.state.remote = self.remote.isChecked() and self.state.profile is Profile.COMMUNE
        return True
