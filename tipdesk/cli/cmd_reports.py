"""``tipdesk report`` and ``tipdesk kpi``: periodic reports, the five targets and the records behind a figure.

Examples::

    tipdesk report --period 2026-Q1 --out bao-cao-quy-1.pdf
    tipdesk report --period 2026 --cutoff decree09 --out thong-ke-2026.xlsx
    tipdesk report --period 2026-01-01:2026-03-31 --json
    tipdesk kpi --period 2026-H1
    tipdesk kpi --period 2026-Q1 --drill tips_resolved:denominator
    tipdesk report --period 2026-Q1 --drill tips_by_channel:hotline_111
"""

from __future__ import annotations

import argparse

from tipdesk.cli.common import emit_json, open_for, print_table
from tipdesk.cli.types import SubParsers
from tipdesk.domain.report_periods import Period
from tipdesk.i18n import _
from tipdesk.services.paging import PageRequest
from tipdesk.services.reports import ReportService
from tipdesk.services.reports_types import DrillPage, FigureRef, KpiPart, KpiResult, ReportData

DRILL_LIMIT = 500


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", metavar="PERIOD",
                   help=_("2026-Q1, 2026-H1, 2026 or FROM:TO (ISO dates); default: the current quarter"))
    p.add_argument("--cutoff", metavar="RULE", help=_("cut-off rule (calendar, decree09...); default: the table's"))
    p.add_argument("--commune", metavar="CODE", default="", help=_("province: only this commune's figures"))
    p.add_argument("--drill", metavar="FIGURE",
                   help=_("list the records behind a figure: TARGET:numerator|denominator or TABLE:ROW"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))


def register(sub: SubParsers) -> None:
    p = sub.add_parser("report", help=_("periodic report: targets, statistics, PDF or spreadsheet export"))
    _common(p)
    p.add_argument("--out", metavar="FILE", help=_("write the report to FILE (.pdf, .xlsx or .csv)"))
    p.add_argument("--number", metavar="NO", help=_("document number to print (default: the next one)"))
    p.add_argument("--signer", metavar="NAME", default="", help=_("name printed under the signature"))
    p.add_argument("--list-cutoffs", action="store_true", help=_("list the cut-off rules and exit"))
    p.set_defaults(func=cmd_report)
    k = sub.add_parser("kpi", help=_("the five targets of the plan against their goals"))
    _common(k)
    k.set_defaults(func=cmd_kpi)


def _period(service: ReportService, args: argparse.Namespace) -> Period:
    if args.period:
        return service.resolve_period(args.period, args.cutoff)[0]
    return service.current_period(cutoff=args.cutoff)


def _figure(text: str, commune: str) -> FigureRef:
    table, _sep, rest = text.partition(":")
    if rest in (KpiPart.NUMERATOR.value, KpiPart.DENOMINATOR.value):
        return FigureRef(table, part=KpiPart(rest), unit_code=commune)
    return FigureRef(table, category=rest, unit_code=commune)


def _print_drill(service: ReportService, period: Period, args: argparse.Namespace) -> int:
    page: DrillPage = service.drill(period, _figure(args.drill, args.commune), PageRequest(limit=DRILL_LIMIT))
    if args.json:
        emit_json(page)
        return 0
    print(page.title)
    print_table(list(page.columns), [list(r.values) for r in page.rows])
    shown = len(page.rows)
    print(_("{shown} of {total} records.").format(shown=shown, total=page.total))
    return 0


def _print_kpis(kpis: tuple[KpiResult, ...]) -> None:
    rows = [[k.code, k.short_name, str(k.numerator), str(k.denominator), k.rate_text, k.target_text, k.verdict]
            for k in kpis]
    print_table([_("Code"), _("Target"), _("Numerator"), _("Denominator"), _("Rate"), _("Goal"), _("Assessment")],
                rows)


def _print_report(data: ReportData) -> None:
    print(f"{data.unit_name} — {data.period.label()} ({data.period.dates_label()})")
    _print_kpis(data.kpis)
    for table in data.tables:
        print()
        print(table.title)
        print_table([table.category_title, _("Number")], [[r.label, str(r.count)] for r in table.rows if r.count])
        print(_("Total: {total}").format(total=table.total))
    if data.silent_communes:
        print()
        print(_("Communes that sent no batch in the period ({count}): {names}.").format(
            count=len(data.silent_communes), names=", ".join(c.unit_name for c in data.silent_communes)))


def _list_cutoffs(service: ReportService, as_json: bool) -> int:
    rules = service.period_rules()
    if as_json:
        emit_json(rules)
        return 0
    print_table([_("Code"), _("Cut-off rule")],
                [[r.code + (" *" if r.code == rules.default else ""), r.name()] for r in rules.rules])
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    desk = open_for(args)
    try:
        service = ReportService(desk)
        if args.list_cutoffs:
            return _list_cutoffs(service, args.json)
        period = _period(service, args)
        if args.drill:
            return _print_drill(service, period, args)
        data = service.build(period, args.commune)
        if args.out:
            result = service.export(data, args.out, number=args.number, signer_name=args.signer)
            if args.json:
                emit_json(result)
            else:
                print(_("Report written to {path}.").format(path=result.path))
            return 0
        if args.json:
            emit_json(data)
        else:
            _print_report(data)
        return 0
    finally:
        desk.close()


def cmd_kpi(args: argparse.Namespace) -> int:
    desk = open_for(args)
    try:
        service = ReportService(desk)
        period = _period(service, args)
        if args.drill:
            return _print_drill(service, period, args)
        kpis = service.kpis(period, args.commune)
        if args.json:
            emit_json({"period": period, "kpis": kpis})
            return 0
        print(f"{period.label()} ({period.dates_label()})")
        _print_kpis(kpis)
        return 0
    finally:
        desk.close()

