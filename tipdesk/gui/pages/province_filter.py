"""Provincial office: the origin-commune column and the commune picker of the tips and persons lists.

A commune installation shows neither (``is_province(desk)`` is False there): its lists hold its own
records only.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from tipdesk.gui.models.paged import PagedColumn
from tipdesk.gui.pages import PageContext
from tipdesk.gui.unit_picker import SearchCombo
from tipdesk.i18n import N_, _
from tipdesk.services.province_views import CommuneChoice, ProvinceViews, RecordKind, commune_name

COMMUNE_COLUMN_WIDTH = 130


class _HasUnit(Protocol):
    unit_code: str


def commune_column() -> PagedColumn[Any]:
    """"Commune": the name of the commune that recorded the row (the code in the tooltip)."""
    def text(r: _HasUnit) -> str:
        return commune_name(r.unit_code)

    def tip(r: _HasUnit) -> str:
        return _("Recorded by {name} ({code})").format(name=commune_name(r.unit_code), code=r.unit_code)

    return PagedColumn(N_("Commune"), text, tooltip=tip, width=COMMUNE_COLUMN_WIDTH)


class CommuneFilter(SearchCombo):
    """"All communes" or one commune, typed with accents optional (``thuong lam``)."""

    changed = Signal()

    def __init__(self, ctx: PageContext, kind: RecordKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.service = ProvinceViews(ctx.desk)
        self.choices: list[CommuneChoice] = []
        self._value = ""
        self.setMinimumContentsLength(14)
        self.setSizeAdjustPolicy(SearchCombo.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picked.connect(self._on_picked)
        self._fill()

    def value(self) -> str:
        """The chosen commune code, "" for every commune."""
        return self._value

    def load(self) -> None:
        self.ctx.tasks.run_db(lambda: self.service.communes(self.kind), self._loaded, lambda _exc: None)

    def _loaded(self, choices: list[CommuneChoice]) -> None:
        self.choices = choices
        self._fill()

    def _fill(self) -> None:
        keep = self._value
        self.set_items([(_("All communes"), "")] + [(c.name, c.code) for c in self.choices])
        self.blockSignals(True)
        self.select_code(keep if self.findData(keep) >= 0 else "")
        self.blockSignals(False)
        self._value = str(self.currentData() or "")
        self.edit().setPlaceholderText(_("Commune: type a few letters"))

    def retranslate(self) -> None:
        self._fill()

    def reset(self) -> None:
        """Back to "All communes" without telling anyone (the caller reloads once for every filter)."""
        self.blockSignals(True)
        self.select_code("")
        self.blockSignals(False)
        self._value = ""

    def select_commune(self, code: str) -> bool:
        found = self.select_code(code)
        self._on_picked()
        return found

    def _on_picked(self) -> None:
        code = self.current_code()
        if code is None:  # half-typed text: keep the filter as it was
            return
        if code != self._value:
            self._value = code
            self.changed.emit()
