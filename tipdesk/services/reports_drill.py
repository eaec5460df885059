"""The records behind a figure: one keyset page of tips, persons or support entries.

Tips are listed without reporter, summary or any free text (register number, commune, dates,
source, channel, status). Persons show their pseudonym; the name only for a role that may see
that person's identity (the persons rule, ``persons_access``), and each page that shows a name
appends one ``view_identity`` audit row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from tipdesk import i18n
from tipdesk.db.models.persons import Person, SupportEntry
from tipdesk.db.models.tips import Tip
from tipdesk.domain.kpi import KpiTargets
from tipdesk.domain.persons import AgeGroup, IdentificationStatus, Sex, age_group
from tipdesk.domain.roles import Perm
from tipdesk.domain.tips import Channel, SourceType, TipStatus
from tipdesk.errors import NotFound, UserError
from tipdesk.i18n import _
from tipdesk.services import persons_access
from tipdesk.services import reports_kpi as kq
from tipdesk.services import reports_stats as sq
from tipdesk.services.paging import Page, PageRequest, apply_keyset, make_page
from tipdesk.services.reports_tables import SPECS, SUBJECTS, table_title, unit_label
from tipdesk.services.reports_types import DrillPage, DrillRow, FigureRef, KpiPart, Subject, vn_time
from tipdesk.services.tips_types import register_label

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

TIP_COLUMNS = (Tip.id, Tip.register_no, Tip.register_year, Tip.unit_code, Tip.received_at, Tip.source_type,
               Tip.channel, Tip.status, Tip.transferred_at, Tip.decision_at)
PERSON_COLUMNS = (Person.id, Person.pseudonym, Person.full_name, Person.unit_code, Person.received_on, Person.sex,
                  Person.birth_sort, Person.ethnic_code, Person.status)
SUPPORT_COLUMNS = (SupportEntry.id, SupportEntry.given_on, SupportEntry.type_code, SupportEntry.provider,
                   SupportEntry.amount_vnd, SupportEntry.person_id, Person.pseudonym, Person.full_name)


def _label(enum: type[SourceType] | type[Channel] | type[TipStatus] | type[Sex] | type[IdentificationStatus],
           code: str) -> str:
    try:
        return enum(code).label()
    except ValueError:
        return code


class Drill:
    def __init__(self, desk: Desk, targets: KpiTargets) -> None:
        self.desk = desk
        self.targets = targets

    def page(self, ctx: sq.Context, figure: FigureRef, request: PageRequest) -> DrillPage:
        if figure.table in {t.code for t in self.targets.targets}:
            return self._kpi_page(ctx, figure, request)
        if figure.table not in sq.SHAPES:
            raise NotFound(_("There is no figure “{name}” in the report.").format(name=figure.table),
                           code="figure_unknown")
        shape = sq.SHAPES[figure.table](ctx)
        subject = SUBJECTS[figure.table]
        cond = [shape.matching(figure.category)]
        if figure.unit_code:
            cond.append(shape.unit == figure.unit_code)
        table = table_title(figure.table, _(ctx.deadline_rule.label), ctx.essential_days)
        title = f"{table}: {SPECS[figure.table].label(figure.category)}"
        if subject is Subject.TIP:
            return self._tips(shape.select(*TIP_COLUMNS).where(*cond), request, title)
        if subject is Subject.SUPPORT:
            return self._support(shape.select(*SUPPORT_COLUMNS).where(*cond), request, title)
        return self._persons(shape.select(*PERSON_COLUMNS).where(*cond), request, title)

    def _kpi_page(self, ctx: sq.Context, figure: FigureRef, request: PageRequest) -> DrillPage:
        target = self.targets.target(figure.table)
        scope = [figure.unit_code] if figure.unit_code else ctx.scope
        stmt = kq.drill_statement(self.targets, target, (ctx.start, ctx.upper), figure.part, scope, TIP_COLUMNS)
        part = _("numerator") if figure.part is KpiPart.NUMERATOR else _("denominator")
        return self._tips(stmt, request, f"{target.name.text()} ({part})")

    # -- lists -------------------------------------------------------------------------------------------------
    def _tips(self, stmt: Select[Any], request: PageRequest, title: str) -> DrillPage:
        self.desk.require(Perm.TIP_VIEW)
        with self.desk.read() as session:
            total = _total(session, stmt)
            rows = list(session.execute(apply_keyset(stmt, _keys(Tip.received_at, Tip.id), request)).all())
        page: Page[DrillRow] = make_page(rows, request, lambda r: (r.received_at, r.id), self._tip_row)
        columns = (_("Register no."), _("Commune"), _("Received on"), _("Type of source"), _("Channel"), _("Status"),
                   _("Transferred"), _("Decision"))
        return DrillPage(Subject.TIP, title, columns, page.rows, page.next_cursor, total)

    @staticmethod
    def _tip_row(r: Any) -> DrillRow:
        return DrillRow(r.id, (
            register_label(r.register_no, r.register_year), unit_label(r.unit_code),
            vn_time(r.received_at), _label(SourceType, r.source_type), _label(Channel, r.channel),
            _label(TipStatus, r.status), vn_time(r.transferred_at, False), vn_time(r.decision_at, False),
        ))

    def _persons(self, stmt: Select[Any], request: PageRequest, title: str) -> DrillPage:
        self.desk.require(Perm.PERSON_VIEW)
        with persons_access.reading(self.desk) as session:
            total = _total(session, stmt)
            rows = list(session.execute(apply_keyset(stmt, _keys(Person.received_on, Person.id), request)).all())
            page: Page[Any] = make_page(rows, request, lambda r: (r.received_on, r.id), lambda r: r)
            visible = self._visible(session, [r.id for r in page.rows], "report")
        names = persons_access.may_see_any(self.desk)
        columns = _with_name(names, (_("File code"), _("Commune"), _("Received on"), _("Sex"), _("Age group"),
                                     _("Ethnic group"), _("Identification status")))
        out = [DrillRow(r.id, _with_name(names, (
            r.pseudonym, unit_label(r.unit_code), i18n.format_date(r.received_on), _label(Sex, r.sex),
            _age(r.birth_sort, r.received_on), SPECS["persons_by_ethnic"].label(r.ethnic_code or sq.NO_VALUE),
            _label(IdentificationStatus, r.status),
        ), r.full_name if r.id in visible else _("(hidden)"))) for r in page.rows]
        return DrillPage(Subject.PERSON, title, columns, out, page.next_cursor, total, bool(visible))

    def _support(self, stmt: Select[Any], request: PageRequest, title: str) -> DrillPage:
        self.desk.require(Perm.PERSON_VIEW)
        with persons_access.reading(self.desk) as session:
            total = _total(session, stmt)
            rows = list(session.execute(apply_keyset(stmt, _keys(SupportEntry.given_on, SupportEntry.id), request)).all())
            page: Page[Any] = make_page(rows, request, lambda r: (r.given_on, r.id), lambda r: r)
            visible = self._visible(session, [r.person_id for r in page.rows], "report_support")
        names = persons_access.may_see_any(self.desk)
        columns = _with_name(names, (_("File code"), _("Date"), _("Type of support"), _("Provider"), _("Amount")))
        out = [DrillRow(r.id, _with_name(names, (
            r.pseudonym, i18n.format_date(r.given_on), SPECS["support_by_type"].label(r.type_code), r.provider,
            i18n.format_vnd(r.amount_vnd),
        ), r.full_name if r.person_id in visible else _("(hidden)"))) for r in page.rows]
        return DrillPage(Subject.SUPPORT, title, columns, out, page.next_cursor, total, bool(visible))

    def _visible(self, session: Session, ids: Sequence[str], via: str) -> set[str]:
        visible = persons_access.visible_ids(self.desk, session, set(ids))
        persons_access.audit_identity(self.desk, session, visible, via)
        return visible


def _with_name(shown: bool, values: tuple[str, ...], name: str | None = None) -> tuple[str, ...]:
    """Insert the name column (its title, or ``name``) after the file code, for roles that may see names."""
    if not shown:
        return values
    return (values[0], _("Full name") if name is None else name, *values[1:])


def _keys(*columns: Any) -> list[Any]:
    return list(columns)


def _total(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def _age(birth: Any, received: Any) -> str:
    try:
        return age_group(birth, received).label()
    except UserError:
        return AgeGroup.UNKNOWN.label()
