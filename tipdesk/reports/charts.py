"""Charts for reports (reportlab.graphics), drawn with the bundled Unicode sans font.

Each helper returns a Drawing (a flowable) as wide as the text column, so it
can go straight into ``build_pdf``'s flowables. Labels are already translated
by the caller; numbers are formatted for the interface language.

reportlab is imported inside the functions: the dashboard uses ``nice_scale`` and must not load
reportlab with the main window (see tests/unit/test_startup_imports.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tipdesk import i18n
from tipdesk.i18n import _

if TYPE_CHECKING:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.colors import Color

    from tipdesk.reports.fonts import FontNames

ACTUAL_COLOUR = "#1F4E79"
TARGET_COLOUR = "#A6A6A6"
GRID_COLOUR = "#D9D9D9"
SERIES_COLOURS = ["#1F4E79", "#C55A11", "#548235", "#7030A0", "#BF9000", "#2E75B6"]
MARKERS = ["FilledCircle", "FilledSquare", "FilledDiamond", "FilledTriangle", "Circle", "Square"]
FONT_SIZE = 8
LEGEND_HEIGHT = 16
ROW_HEIGHT = 26  # points per category in the bar chart (two bars and a gap)


def _percent(value: float) -> str:
    return f"{i18n.format_number(round(value, 1))}%"


def nice_scale(top: float, steps: Sequence[float] = (1, 2, 5, 10)) -> tuple[float, float]:
    """Axis maximum and step for values up to ``top``: about five ticks of a round step."""
    top = max(top, 1.0)
    magnitude = 10 ** math.floor(math.log10(top / 5))
    step = magnitude * steps[-1]
    for factor in steps:
        if factor * magnitude * 5 >= top:
            step = factor * magnitude
            break
    return float(math.ceil(top / step - 1e-9) * step), float(step)


def _no_data(width: float, height: float, fonts: FontNames) -> Drawing:
    from reportlab.graphics.shapes import Drawing, String

    drawing = Drawing(width, height)
    drawing.add(
        String(width / 2, height / 2, _("No data"), fontName=fonts.sans, fontSize=10, textAnchor="middle")
    )
    return drawing


def _legend(pairs: list[tuple[Color, str]], x: float, y: float, fonts: FontNames) -> Legend:
    from reportlab.graphics.charts.legends import Legend

    legend = Legend()
    legend.x, legend.y = x, y
    legend.alignment = "right"
    legend.boxAnchor = "sw"
    legend.columnMaximum = 1
    legend.fontName = fonts.sans
    legend.fontSize = FONT_SIZE
    legend.dx = legend.dy = 7
    legend.deltax = 20
    legend.autoXPadding = 16
    legend.colorNamePairs = pairs
    return legend


def bar_chart_targets(
    labels: Sequence[str],
    actual_pct: Sequence[float],
    target_pct: Sequence[float],
    *,
    width: float | None = None,
    actual_name: str | None = None,
    target_name: str | None = None,
) -> Drawing:
    """Horizontal bars of each indicator's actual percentage next to its target, values labelled.

    ``width`` is in points (default: the portrait text width). The first label is drawn at the top.
    """
    if not len(labels) == len(actual_pct) == len(target_pct):
        raise ValueError("labels, actual_pct and target_pct must have the same length")
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm

    from tipdesk.reports.fonts import register_fonts
    from tipdesk.reports.styles import page_geometry

    fonts = register_fonts()
    width = width if width is not None else page_geometry().content_width
    height = max(len(labels) * ROW_HEIGHT + LEGEND_HEIGHT + 36, 50 * mm)
    if not labels:
        return _no_data(width, 50 * mm, fonts)
    drawing = Drawing(width, height)
    label_area = width * 0.38
    chart = HorizontalBarChart()
    chart.x, chart.y = label_area, LEGEND_HEIGHT + 26
    chart.width = width - label_area - 36  # room for the value label of a 100% bar
    chart.height = height - chart.y - 6
    # reportlab draws the first category and the first series at the bottom: reverse both
    # so that the first label is on top and each actual bar sits above its target bar.
    chart.data = [list(reversed(target_pct)), list(reversed(actual_pct))]
    chart.categoryAxis.categoryNames = list(reversed(labels))
    _style_bar_axes(chart, fonts, label_area, [*actual_pct, *target_pct])
    actual, target = _hex(ACTUAL_COLOUR), _hex(TARGET_COLOUR)
    chart.bars[0].fillColor = target
    chart.bars[1].fillColor = actual
    chart.barLabelFormat = _percent
    chart.barLabels.fontName = fonts.sans
    chart.barLabels.fontSize = FONT_SIZE - 1
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    chart.barSpacing = 1
    chart.groupSpacing = 6
    drawing.add(chart)
    pairs = [(actual, actual_name or _("Achieved")), (target, target_name or _("Target"))]
    drawing.add(_legend(pairs, label_area, 2, fonts))
    return drawing


def _style_bar_axes(
    chart: HorizontalBarChart, fonts: FontNames, label_area: float, values: list[float]
) -> None:
    axis = chart.categoryAxis
    axis.labels.fontName = fonts.sans
    axis.labels.fontSize = FONT_SIZE
    axis.labels.boxAnchor = "e"
    axis.labels.textAnchor = "end"
    axis.labels.dx = -4
    axis.labels.maxWidth = label_area - 8
    axis.labels.leading = FONT_SIZE + 1
    value_axis = chart.valueAxis
    value_axis.valueMin = 0
    value_axis.valueMax, value_axis.valueStep = nice_scale(max([100.0, *values]), (1, 2, 2.5, 5, 10))
    value_axis.labels.fontName = fonts.sans
    value_axis.labels.fontSize = FONT_SIZE
    value_axis.labelTextFormat = _percent
    value_axis.visibleGrid = True
    value_axis.gridStrokeColor = _hex(GRID_COLOUR)


def trend_chart(
    periods: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    width: float | None = None,
    height: float | None = None,
) -> Drawing:
    """One line per series over the periods (e.g. tips received per quarter), with a legend.

    ``height`` is in points (default: 70 mm).
    """
    for name, values in series.items():
        if len(values) != len(periods):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(periods)} periods")
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.lib.units import mm

    from tipdesk.reports.fonts import register_fonts
    from tipdesk.reports.styles import page_geometry

    height = height if height is not None else 70 * mm
    fonts = register_fonts()
    width = width if width is not None else page_geometry().content_width
    if not periods or not series:
        return _no_data(width, height, fonts)
    drawing = Drawing(width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y = 36, LEGEND_HEIGHT + 24
    chart.width = width - chart.x - 10
    chart.height = height - chart.y - 8
    chart.data = [list(values) for values in series.values()]
    chart.joinedLines = 1
    _style_line_axes(chart, fonts, periods, [v for values in series.values() for v in values])
    pairs: list[tuple[Color, str]] = []
    for index, name in enumerate(series):
        colour = _hex(SERIES_COLOURS[index % len(SERIES_COLOURS)])
        chart.lines[index].strokeColor = colour
        chart.lines[index].strokeWidth = 1.5
        chart.lines[index].symbol = makeMarker(MARKERS[index % len(MARKERS)], size=4, fillColor=colour)
        pairs.append((colour, name))
    drawing.add(chart)
    drawing.add(_legend(pairs, chart.x, 2, fonts))
    return drawing


def _style_line_axes(
    chart: HorizontalLineChart, fonts: FontNames, periods: Sequence[str], values: list[float]
) -> None:
    axis = chart.categoryAxis
    axis.categoryNames = list(periods)
    axis.labels.fontName = fonts.sans
    axis.labels.fontSize = FONT_SIZE
    axis.labels.boxAnchor = "n"
    axis.labels.dy = -2
    axis.labels.maxWidth = chart.width / max(len(periods), 1) - 2
    axis.labels.leading = FONT_SIZE + 1
    value_axis = chart.valueAxis
    value_axis.valueMin = 0
    top, step = nice_scale(max(values, default=1.0))
    if all(float(v).is_integer() for v in values) and step < 1:
        top, step = max(math.ceil(top), 1), 1.0  # counts: whole-number ticks
    value_axis.valueMax, value_axis.valueStep = top, step
    value_axis.labels.fontName = fonts.sans
    value_axis.labels.fontSize = FONT_SIZE
    value_axis.labelTextFormat = lambda v: i18n.format_number(v)
    value_axis.visibleGrid = True
    value_axis.gridStrokeColor = _hex(GRID_COLOUR)


def _hex(colour: str) -> Color:
    from reportlab.lib.colors import HexColor

    return HexColor(colour)
