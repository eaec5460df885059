"""The dashboard: this quarter's five targets against their goals, what needs attention, trend charts.

The figures come from ``ReportService.dashboard`` on the database worker; the view redraws when
tips or persons change (``bridge.changed``), at most once per ``REFRESH_DELAY_MS``, and only while
shown (a hidden dashboard refreshes when it is shown again). Clicking a target card, or pressing
Enter on it, asks for the tips behind its figure (``drill_requested``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tipdesk.events import Changes
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.i18n import _, format_number
from tipdesk.reports.charts import nice_scale
from tipdesk.services.reports import ReportService
from tipdesk.services.reports_types import DashboardData, FigureRef, KpiPart, KpiResult, vn_time

REFRESH_DELAY_MS = 600
MET, NOT_MET, NO_DATA = QColor("#1b5e20"), QColor("#b00020"), QColor("#666666")
SERIES = [QColor("#1F4E79"), QColor("#C55A11"), QColor("#548235"), QColor("#7030A0"), QColor("#BF9000")]
GRID = QColor("#d9d9d9")


def _scaled(font: QFont, factor: float, bold: bool = False) -> QFont:
    result = QFont(font)
    result.setPointSizeF(max(font.pointSizeF(), 9.0) * factor)
    result.setBold(bold)
    return result


class KpiCard(QFrame):
    """One target: rate in large type, numerator/denominator, goal and verdict; activates a drill-down."""

    activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = ""
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.name = QLabel(self)
        self.name.setWordWrap(True)
        self.name.setMinimumHeight(34)
        self.rate = QLabel(self)
        self.rate.setFont(_scaled(self.font(), 2.0, bold=True))
        self.figures = QLabel(self)
        self.goal = QLabel(self)
        self.verdict = QLabel(self)
        self.verdict.setFont(_scaled(self.font(), 1.0, bold=True))
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 8, 10, 8)
        box.setSpacing(2)
        for widget in (self.name, self.rate, self.figures, self.goal, self.verdict):
            widget.setWordWrap(True)
            widget.setMinimumWidth(60)
            box.addWidget(widget)

    def show_result(self, k: KpiResult) -> None:
        self.code = k.code
        self.name.setText(k.short_name)
        self.rate.setText(k.rate_text)
        self.figures.setText(_("Numerator/denominator: {numerator}/{denominator}").format(
            numerator=format_number(k.numerator), denominator=format_number(k.denominator)))
        self.goal.setText(_("Goal: {goal}").format(goal=k.target_text))
        colour = NO_DATA if k.met is None else (MET if k.met else NOT_MET)
        self.verdict.setText(k.verdict)
        self.verdict.setStyleSheet(f"color: {colour.name()};")
        self.rate.setStyleSheet(f"color: {colour.name()};")
        self.setToolTip(f"{k.name}\n\n{k.footnote}")
        self.setAccessibleName(f"{k.short_name}: {k.rate_text}, {k.verdict}")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.code:
            self.activated.emit(self.code)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.code:
            self.activated.emit(self.code)
            return
        super().keyPressEvent(event)


class TrendChart(QWidget):
    """A small painted chart: bars (counts) or lines (rates, gaps where there is no data), with a legend."""

    def __init__(self, bars: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = bars
        self.title = ""
        self.labels: list[str] = []
        self.series: dict[str, list[float | None]] = {}
        self.percent = not bars
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, title: str, labels: Sequence[str], series: dict[str, list[float | None]]) -> None:
        self.title, self.labels, self.series = title, list(labels), series
        self.setAccessibleName(title)
        self.update()

    def _scale(self) -> tuple[float, float]:
        """Axis top and step: 0-100% by 25 for rates, round steps for counts."""
        if self.percent:
            return 100.0, 25.0
        values = [v for s in self.series.values() for v in s if v is not None]
        top, step = nice_scale(max(values, default=1.0))
        if step < 1:
            top, step = float(max(math.ceil(top), 1)), 1.0
        return top, step

    def _top(self) -> float:
        return self._scale()[0]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        line = metrics.height()
        painter.drawText(QRectF(0, 0, self.width(), line + 4), Qt.AlignmentFlag.AlignLeft, self.title)
        legend_rows = math.ceil(len(self.series) / 2) if self.series else 0
        plot = QRectF(44, line + 10, max(self.width() - 54, 10), max(self.height() - 2 * line - 24 - legend_rows * line, 10))
        if not self.labels or not self.series:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, _("No data"))
            return
        self._axes(painter, plot)
        if self.bars:
            self._draw_bars(painter, plot)
        else:
            self._draw_lines(painter, plot)
        self._legend(painter, plot.bottom() + line + 8)

    def _y(self, plot: QRectF, value: float) -> float:
        return plot.bottom() - plot.height() * value / self._top()

    def _axes(self, painter: QPainter, plot: QRectF) -> None:
        top, step = self._scale()
        for tick in range(int(round(top / step)) + 1):
            value = tick * step
            y = self._y(plot, value)
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(self.palette().text().color())
            text = f"{format_number(round(value))}%" if self.percent else format_number(round(value))
            painter.drawText(QRectF(0, y - 8, plot.left() - 4, 16), Qt.AlignmentFlag.AlignRight, text)
        slot = plot.width() / len(self.labels)
        for index, label in enumerate(self.labels):
            rect = QRectF(plot.left() + index * slot, plot.bottom() + 2, slot, painter.fontMetrics().height() + 2)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)

    def _draw_bars(self, painter: QPainter, plot: QRectF) -> None:
        slot = plot.width() / len(self.labels)
        width = slot * 0.7 / len(self.series)
        for s_index, values in enumerate(self.series.values()):
            painter.setBrush(SERIES[s_index % len(SERIES)])
            painter.setPen(Qt.PenStyle.NoPen)
            for index, value in enumerate(values):
                if value is None:
                    continue
                x = plot.left() + index * slot + slot * 0.15 + s_index * width
                y = self._y(plot, value)
                painter.drawRect(QRectF(x, y, width - 2, plot.bottom() - y))

    def _draw_lines(self, painter: QPainter, plot: QRectF) -> None:
        slot = plot.width() / len(self.labels)
        for s_index, values in enumerate(self.series.values()):
            colour = SERIES[s_index % len(SERIES)]
            painter.setPen(QPen(colour, 2))
            painter.setBrush(colour)
            previous: QPointF | None = None
            for index, value in enumerate(values):
                if value is None:
                    previous = None
                    continue
                point = QPointF(plot.left() + (index + 0.5) * slot, self._y(plot, min(value, 100.0)))
                if previous is not None:
                    painter.drawLine(previous, point)
                painter.drawEllipse(point, 3, 3)
                previous = point

    def _legend(self, painter: QPainter, top: float) -> None:
        line = painter.fontMetrics().height()
        column = self.width() / 2
        for index, name in enumerate(self.series):
            x = 8 + (index % 2) * column
            y = top + (index // 2) * line
            painter.fillRect(QRectF(x, y + 3, 10, 10), SERIES[index % len(SERIES)])
            painter.setPen(self.palette().text().color())
            painter.drawText(QRectF(x + 14, y, column - 22, line), Qt.AlignmentFlag.AlignLeft, name)


class AttentionItem(QLabel):
    """A count that needs attention, red when not zero."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setMinimumWidth(80)

    def show_count(self, label: str, count: int) -> None:
        self.setText(f"{label}: <b>{format_number(count)}</b>")
        self.setStyleSheet(f"color: {NOT_MET.name() if count else '#333333'};")
        self.setAccessibleName(f"{label}: {count}")


class DashboardView(Retranslatable, QWidget):
    drill_requested = Signal(object)  # (Period, FigureRef)
    refreshed = Signal()

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = ReportService(ctx.desk)
        self.data: DashboardData | None = None
        self.stale = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self._build()
        ctx.bridge.changed.connect(self._on_changes)
        self.retranslate()

    def _build(self) -> None:
        self.heading = QLabel(self)
        self.heading.setFont(common.title_font(self.font(), 1.25))
        self.heading.setWordWrap(True)
        self.updated = common.hint_label("", self)
        self.updated.setMaximumWidth(200)
        self.refresh_button = QPushButton(self)
        self.refresh_button.clicked.connect(self.refresh)
        self.refresh_button.setShortcut("F5")
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.updated)
        top.addWidget(self.refresh_button)
        self.cards = [KpiCard(self) for _ in range(5)]
        cards = QHBoxLayout()
        for card in self.cards:
            card.activated.connect(self._on_card)
            cards.addWidget(card)
        self.attention_title = QLabel(self)
        self.attention_title.setFont(_scaled(self.font(), 1.05, bold=True))
        self.attention = [AttentionItem(self) for _ in range(6)]
        grid = QGridLayout()
        for index, item in enumerate(self.attention):
            grid.addWidget(item, index // 3, index % 3)
        self.counts_chart = TrendChart(bars=True, parent=self)
        self.rates_chart = TrendChart(bars=False, parent=self)
        charts = QHBoxLayout()
        charts.addWidget(self.counts_chart, 1)
        charts.addWidget(self.rates_chart, 1)
        self.message = common.MessageLabel(self)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.message)
        box.addLayout(cards)
        box.addWidget(self.attention_title)
        box.addLayout(grid)
        box.addLayout(charts, 1)

    def retranslate(self) -> None:
        self.refresh_button.setText(_("Refresh (F5)"))
        self.attention_title.setText(_("Needs attention now"))
        if self.data is None:
            self.heading.setText(_("Dashboard"))
        elif self.isVisible():
            self.refresh()  # names and labels come translated from the service
        else:
            self.stale = True

    # -- data ----------------------------------------------------------------------------------------------
    def page_shown(self) -> None:
        if self.stale:
            self.refresh()

    def refresh(self) -> None:
        self.stale = False
        self._timer.stop()
        self.refresh_button.setEnabled(False)
        self.ctx.tasks.run_db(self.service.dashboard, self._loaded, self._failed)

    def _loaded(self, data: DashboardData) -> None:
        self.refresh_button.setEnabled(True)
        self.message.clear_message()
        self.data = data
        self._show(data)
        self.refreshed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.message.set_error(common.error_text(exc))

    def _on_changes(self, changes: Changes) -> None:
        if not (changes.touches("tip") or changes.touches("person")):
            return
        if self.isVisible():
            self._timer.start()
        else:
            self.stale = True

    def _show(self, d: DashboardData) -> None:
        self.heading.setText(_("Targets of {period} ({dates})").format(period=d.period.label(),
                                                                        dates=d.period.dates_label()))
        self.updated.setText(_("Updated {moment}").format(moment=vn_time(d.as_of)))
        for card, k in zip(self.cards, d.kpis, strict=False):
            card.show_result(k)
        items = [
            (_("Tips with an overdue deadline"), d.tips_overdue),
            (_("Tips due soon"), d.tips_due_soon),
            (_("Persons with an overdue deadline"), d.persons_overdue),
            (_("Persons awaiting identification"), d.persons_being_identified),
            (_("Persons with follow-up due"), d.persons_follow_up),
            (_("Essential-needs support past its limit"), d.essential_needs_over),
        ]
        for item, (label, count) in zip(self.attention, items, strict=True):
            item.show_count(label, count)
        counts: dict[str, list[float | None]] = {k: [float(v) for v in vals] for k, vals in d.trend.counts.items()}
        self.counts_chart.set_data(_("Received per quarter"), d.trend.periods, counts)
        self.rates_chart.set_data(_("Rates of the targets per quarter"), d.trend.periods,
                                  {k: list(v) for k, v in d.trend.rates.items()})

    def _on_card(self, code: str) -> None:
        if self.data is not None:
            self.drill_requested.emit((self.data.period, FigureRef(code, part=KpiPart.NUMERATOR)))

