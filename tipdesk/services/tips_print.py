"""Printing tip documents: the reception record (fixes the register number) and the register book.

Printing is audited. What is printed is what the user may see: a secret reporter stays masked
unless the user holds ``Perm.TIP_VIEW_REPORTER``, and printing an unmasked one says so in the audit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tipdesk.domain.deadlines import local_date
from tipdesk.domain.roles import Perm
from tipdesk.events import Changes
from tipdesk.reports import tip_docs
from tipdesk.services import tips_store as store
from tipdesk.services.paging import PageRequest
from tipdesk.services.tips_types import TipRow, TipSort

if TYPE_CHECKING:
    from tipdesk.services.tips import TipService

MAX_REGISTER_ROWS = 200_000


class TipPrinting:
    def __init__(self, tips: TipService) -> None:
        self.tips = tips
        self.desk = tips.desk

    def issuing_unit(self) -> tip_docs.IssuingUnit:
        inst = self.desk.installation
        return tip_docs.IssuingUnit.for_commune(inst.unit_code, inst.unit_name)

    def reception_record(self, tip_id: str, target: tip_docs.Target) -> int:
        """Write the reception record; the first print fixes the register number. Returns the page count."""
        self.desk.require(Perm.TIP_PRINT)
        now = self.desk.now()
        with self.desk.write(Changes.of("tip", ids=(tip_id,))) as session:
            tip = store.get_tip(session, tip_id)
            first = tip.printed_at is None
            if first:
                tip.printed_at = now
                tip.touch(now)
            view = self.tips._view(session, tip)
            pages = tip_docs.reception_record(target, view, self.issuing_unit(), local_date(now))
            self.desk.audit.append(session, "print", "tip", tip.id, {
                "document": "reception_record", "register": view.register_label, "first_print": first,
                "reporter_revealed": view.reporter.secret and not view.reporter.masked})
        return pages

    def register_rows(self, year: int) -> list[TipRow]:
        """Every tip of ``year`` in register order (reporter masked as for lists)."""
        self.desk.require(Perm.TIP_VIEW)
        rows: list[TipRow] = []
        request = PageRequest(filters={"year": year, "urgent_first": False}, sort=TipSort.REGISTER, limit=500)
        while True:
            page = self.tips.list(request)
            rows.extend(page.rows)
            if page.next_cursor is None or len(rows) >= MAX_REGISTER_ROWS:
                return rows
            request = PageRequest(filters=request.filters, sort=request.sort, after=page.next_cursor, limit=500)

    def register_book(self, year: int, target: tip_docs.Target) -> int:
        """Write the register book of ``year`` (landscape). Returns the page count."""
        self.desk.require(Perm.TIP_PRINT)
        rows = self.register_rows(year)
        pages = tip_docs.register_book(target, rows, self.issuing_unit(), year, local_date(self.desk.now()))
        with self.desk.write() as session:
            revealed = sum(1 for r in rows if r.reporter.secret and not r.reporter.masked)
            self.desk.audit.append(session, "print", "tip_register", str(year), {
                "document": "register", "year": year, "rows": len(rows), "reporters_revealed": revealed})
        return pages
