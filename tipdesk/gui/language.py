"""Live language switching: gettext for our strings, a QTranslator for the few texts Qt draws itself.

Qt ships no Vietnamese catalog, so standard buttons ("OK", "Cancel") and the
line-edit context menu would stay English. ``GettextTranslator`` answers those
source texts from our own gettext catalog instead; there is one string system.

Widgets that show text implement ``retranslate()`` and inherit ``Retranslatable``:
``apply_language`` sends every window a ``LanguageChange`` event, which Qt passes
down to each child, so the whole interface changes language at once.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

from tipdesk import i18n
from tipdesk.config import MachineSettings
from tipdesk.errors import UserError
from tipdesk.i18n import N_, _

log = logging.getLogger(__name__)

# Language names are shown in their own language, never translated.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
LANGUAGE_BUTTONS = {"vi": "Tiếng &Việt", "en": "&English"}  # with a mnemonic that no wizard button uses

# Source texts of Qt's own widgets (QPlatformTheme, QLineEdit, QWidgetTextControl, QMessageBox).
QT_TEXTS = frozenset({
    N_("OK"), N_("&OK"), N_("Cancel"), N_("&Cancel"), N_("Yes"), N_("&Yes"), N_("No"), N_("&No"),
    N_("Close"), N_("&Close"), N_("Save"), N_("&Save"), N_("Apply"), N_("Open"), N_("&Open"),
    N_("&Undo"), N_("&Redo"), N_("Cu&t"), N_("&Copy"), N_("&Paste"), N_("Delete"), N_("Select All"),
    N_("Show Details..."), N_("Hide Details..."),
})


class GettextTranslator(QTranslator):
    """Translates Qt's built-in texts with tipdesk's gettext catalog; other texts come back unchanged."""

    def translate(self, context: str, source_text: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        if source_text in QT_TEXTS:
            return _(source_text)
        return source_text

    def isEmpty(self) -> bool:
        return False


class Retranslatable:
    """Mixin for widgets: calls ``self.retranslate()`` on every language change."""

    def retranslate(self) -> None:
        raise NotImplementedError

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)  # type: ignore[misc]


def install_translator(app: QCoreApplication) -> GettextTranslator:
    translator = GettextTranslator(app)
    app.installTranslator(translator)
    return translator


def qt_locale(lang: str) -> QLocale:
    if lang == "vi":
        return QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam)
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def _remember_language(lang: str) -> None:
    settings = MachineSettings.load()
    if settings.language == lang:
        return
    settings.language = lang
    try:
        settings.save()
    except UserError as exc:  # a read-only folder: the choice holds for this session only
        log.warning("language not saved: %s", exc.code)


def apply_language(lang: str | None, *, persist: bool = False) -> str:
    """Switch the whole interface to ``lang`` now; ``persist`` also stores it as the machine's language."""
    lang = i18n.set_language(lang)
    QLocale.setDefault(qt_locale(lang))
    if persist:
        _remember_language(lang)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        for widget in app.topLevelWidgets():
            QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.LanguageChange))
    return lang


class LanguageCombo(Retranslatable, QComboBox):
    """Tiếng Việt / English; switching applies at once and is remembered for this computer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for lang, name in LANGUAGE_NAMES.items():
            self.addItem(name, lang)
        self.sync()
        self.currentIndexChanged.connect(self._changed)

    def sync(self) -> None:
        self.blockSignals(True)
        self.setCurrentIndex(max(0, self.findData(i18n.language())))
        self.blockSignals(False)

    def retranslate(self) -> None:
        self.sync()

    def _changed(self, _index: int) -> None:
        apply_language(str(self.currentData()), persist=True)
