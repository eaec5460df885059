"""``tipdesk tips ...``: record, list, show, advance, print and import tips from a script.

A tip is named by its id or by its register number ("05/2026"). Dates are dd/mm/yyyy [hh:mm]
(or ISO), Vietnam local time.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tipdesk.cli.common import emit_json, open_for, print_table
from tipdesk.cli.types import SubParsers
from tipdesk.domain.tips import Channel, SourceType, TipEventKind
from tipdesk.errors import UserError
from tipdesk.i18n import _, format_datetime
from tipdesk.services.context import Desk
from tipdesk.services.paging import PageRequest
from tipdesk.services.tips import TipService
from tipdesk.services.tips_deadlines import OVERRIDE_FILE
from tipdesk.services.tips_format import timeline_line
from tipdesk.services.tips_import_read import parse_datetime
from tipdesk.services.tips_types import DeadlineFilter, ReporterKind, TipEventInput, TipInput, TipRow, TipSort


def register(sub: SubParsers) -> None:
    """Add the tips commands."""
    p = sub.add_parser("tips", help=_("record and follow crime tips"))
    tsub = p.add_subparsers(dest="tips_command", metavar="ACTION", required=True)
    _add_list(tsub)
    s = tsub.add_parser("show", help=_("show one tip with its timeline and deadlines"))
    s.add_argument("tip", metavar="ID", help=_("tip id or register number (05/2026)"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_show)
    _add_add(tsub)
    _add_event(tsub)
    pr = tsub.add_parser("print", help=_("print the reception record of a tip (fixes its register number)"))
    pr.add_argument("tip", metavar="ID")
    pr.add_argument("--out", required=True, metavar="FILE", help=_("PDF file to write"))
    pr.set_defaults(func=cmd_print)
    rg = tsub.add_parser("register", help=_("print the register book of a year"))
    rg.add_argument("--year", type=int, required=True)
    rg.add_argument("--out", required=True, metavar="FILE")
    rg.set_defaults(func=cmd_register)
    at = tsub.add_parser("attach", help=_("attach a file (scan, photo, recording) to a tip"))
    at.add_argument("tip", metavar="ID")
    at.add_argument("file", metavar="FILE")
    at.add_argument("--description", default="")
    at.set_defaults(func=cmd_attach)
    _add_import(tsub)
    ru = tsub.add_parser("rules", help=_("show the deadline rules in force, or export them to edit"))
    ru.add_argument("--export", metavar="FILE", help=_("write the rules in force as JSON"))
    ru.set_defaults(func=cmd_rules)
    rc = tsub.add_parser("recompute-deadlines", help=_("recompute every tip's next deadline after editing the rules"))
    rc.set_defaults(func=cmd_recompute)


def _add_list(tsub: Any) -> None:
    ls = tsub.add_parser("list", help=_("list tips (urgent first)"))
    ls.add_argument("--overdue", action="store_true", help=_("only tips with an overdue deadline"))
    ls.add_argument("--due-soon", action="store_true", help=_("only tips with a deadline due soon"))
    ls.add_argument("--status", action="append", choices=[s.value for s in _statuses()])
    ls.add_argument("--search", help=_("accent-insensitive text search"))
    ls.add_argument("--year", type=int, help=_("register year"))
    ls.add_argument("--sort", choices=[s.value for s in TipSort], default=TipSort.RECEIVED.value)
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)


def _statuses() -> list[Any]:
    from tipdesk.domain.tips import TipStatus

    return list(TipStatus)


def _add_add(tsub: Any) -> None:
    a = tsub.add_parser("add", help=_("record a received tip"))
    a.add_argument("--type", dest="source_type", required=True, choices=[s.value for s in SourceType])
    a.add_argument("--channel", required=True, choices=[c.value for c in Channel])
    a.add_argument("--received", help=_("date and time received (default: now)"))
    a.add_argument("--summary", required=True)
    a.add_argument("--account", default="")
    a.add_argument("--reporter-kind", choices=[k.value for k in ReporterKind], default=ReporterKind.PERSON.value)
    a.add_argument("--reporter-name", default="")
    a.add_argument("--reporter-contact", default="")
    a.add_argument("--reporter-address", default="")
    a.add_argument("--reporter-id", default="")
    a.add_argument("--secret", action="store_true", help=_("the reporter asks for secrecy"))
    a.add_argument("--place", default="", metavar="CODE", help=_("commune code of the place of the events"))
    a.add_argument("--place-detail", default="")
    a.add_argument("--suspects", default="")
    a.add_argument("--form", action="append", default=[], metavar="CODE", help=_("trafficking form tag (repeat)"))
    a.add_argument("--country", default="", metavar="CC", help=_("destination country (ISO code, e.g. CN)"))
    a.add_argument("--route", default="", help=_("border route"))
    a.add_argument("--urgent", action="store_true", help=_("a person is in immediate danger"))
    a.add_argument("--officer", default="", help=_("receiving officer (default: you)"))
    a.add_argument("--register-no", type=int, help=_("use this register number (back-filling a paper register)"))
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_add)


def _add_event(tsub: Any) -> None:
    e = tsub.add_parser("event", help=_("record a workflow step of a tip"))
    e.add_argument("tip", metavar="ID")
    e.add_argument("kind", metavar="KIND", choices=[k.value for k in TipEventKind if k is not TipEventKind.RECEIVED])
    e.add_argument("--at", help=_("date and time of the step (default: now)"))
    e.add_argument("--to", dest="recipient", default="", help=_("agency the tip is transferred to"))
    e.add_argument("--method", default="", help=_("how it was transferred"))
    e.add_argument("--activity", default="", help=_("verification activity code"))
    e.add_argument("--ground", default="", help=_("ground for not opening a case (code)"))
    e.add_argument("--reason", default="", help=_("reason for the suspension (code)"))
    e.add_argument("--decision-no", default="")
    e.add_argument("--days", type=int)
    e.add_argument("--note", default="", help=_("findings or details"))
    e.add_argument("--officer", default="")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_event)


def _add_import(tsub: Any) -> None:
    im = tsub.add_parser("import-register", help=_("import an existing register from .xlsx or .csv"))
    im.add_argument("file", metavar="FILE")
    im.add_argument("--mapping", metavar="FILE", help=_("saved column mapping (JSON); default: guessed"))
    im.add_argument("--save-mapping", metavar="FILE", help=_("write the mapping used, to edit and reuse"))
    im.add_argument("--sheet", help=_("sheet name (default: the first)"))
    im.add_argument("--dry-run", action="store_true", help=_("check and show errors only; write nothing"))
    im.add_argument("--skip-invalid", action="store_true",
                    help=_("import the valid rows and write the others to an error file"))
    im.add_argument("--errors", metavar="FILE", help=_("error file (default: next to FILE)"))
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=cmd_import)


def _with(args: argparse.Namespace, work: Any) -> Any:
    desk = open_for(args)
    try:
        return work(desk, TipService(desk))
    finally:
        desk.close()


def _when(text: str | None, desk: Desk) -> Any:
    if not text:
        return desk.now()
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise UserError(str(exc), "bad_date") from None


def _row_cells(r: TipRow) -> list[str]:
    due = f"{format_datetime(r.next_due_at)} {r.deadline_state.label() if r.deadline_state else ''}".strip()
    return [("! " if r.urgent else "") + r.register_label, format_datetime(r.received_at), r.status.label(),
            r.reporter.display(), due, r.summary[:60]]


def cmd_list(args: argparse.Namespace) -> int:
    filters: dict[str, Any] = {"status": args.status, "search": args.search, "year": args.year}
    if args.overdue:
        filters["deadline"] = DeadlineFilter.OVERDUE
    elif args.due_soon:
        filters["deadline"] = DeadlineFilter.DUE_SOON
    descending = args.sort == TipSort.RECEIVED.value
    request = PageRequest(filters=filters, sort=args.sort, descending=descending, limit=args.limit)
    page = _with(args, lambda desk, tips: tips.list(request))
    if args.json:
        emit_json({"rows": page.rows, "more": page.next_cursor is not None})
        return 0
    print_table([_("Reg. no."), _("Received at"), _("Status"), _("Reporter"), _("Next deadline"), _("Summary")],
                [_row_cells(r) for r in page.rows])
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    view = _with(args, lambda desk, tips: tips.get(tips.find_id(args.tip)))
    if args.json:
        emit_json(view)
        return 0
    print(f"{view.register_label}  {view.status.label()}  {view.source_type.label()} / {view.channel.label()}")
    print(_("Reporter: {reporter}").format(reporter=view.reporter.display()))
    print(view.summary)
    print()
    for event in view.events:
        print("  " + timeline_line(event))
    nxt = view.next_deadline
    if nxt is not None:
        print(_("Next deadline: {label}, {when} ({state})").format(label=nxt.label, when=format_datetime(nxt.due_at),
                                                                 state=nxt.state.label()))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    def work(desk: Desk, tips: TipService) -> Any:
        data = TipInput(
            source_type=SourceType(args.source_type), channel=Channel(args.channel),
            received_at=_when(args.received, desk), summary=args.summary, account=args.account,
            officer_name=args.officer, reporter_kind=ReporterKind(args.reporter_kind), reporter_name=args.reporter_name,
            reporter_contact=args.reporter_contact, reporter_address=args.reporter_address,
            reporter_id_number=args.reporter_id, reporter_secret=args.secret, place_unit_code=args.place,
            place_detail=args.place_detail, suspects=args.suspects, forms=tuple(args.form),
            destination_country=args.country, border_route=args.route, urgent=args.urgent)
        return tips.create(data, register_no=args.register_no)

    view = _with(args, work)
    if args.json:
        emit_json(view)
    else:
        print(_("Tip recorded with register number {number} (id {id}).").format(number=view.register_label,
                                                                                 id=view.id))
    return 0


def cmd_event(args: argparse.Namespace) -> int:
    def work(desk: Desk, tips: TipService) -> Any:
        event = TipEventInput(
            kind=TipEventKind(args.kind), occurred_at=_when(args.at, desk), officer_name=args.officer,
            recipient=args.recipient, method=args.method, activity=args.activity, ground=args.ground,
            reason=args.reason, decision_no=args.decision_no, days=args.days, note=args.note)
        return tips.record_event(tips.find_id(args.tip), event)

    view = _with(args, work)
    if args.json:
        emit_json(view)
    else:
        print(_("Recorded. The tip {number} is now: {status}.").format(number=view.register_label,
                                                                     status=view.status.label()))
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    pages = _with(args, lambda desk, tips: tips.printing.reception_record(tips.find_id(args.tip), Path(args.out)))
    print(_("Written {path} ({pages} pages).").format(path=args.out, pages=pages))
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    pages = _with(args, lambda desk, tips: tips.printing.register_book(args.year, Path(args.out)))
    print(_("Written {path} ({pages} pages).").format(path=args.out, pages=pages))
    return 0


def cmd_attach(args: argparse.Namespace) -> int:
    path = Path(args.file)

    def work(desk: Desk, tips: TipService) -> Any:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise UserError(_("Cannot read {path}: {error}").format(path=path, error=exc.strerror), "file") from exc
        tips.attachments.check(path.name, size)
        return tips.attachments.add(tips.find_id(args.tip), path.name, path.read_bytes(), args.description)

    view = _with(args, work)
    print(_("Attached {name} ({size} bytes, SHA-256 {sha}).").format(name=view.filename, size=view.size,
                                                                     sha=view.sha256[:16]))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from tipdesk.cli.cmd_tips_import import run_import

    return run_import(args, _with)


def cmd_rules(args: argparse.Namespace) -> int:
    def work(desk: Desk, tips: TipService) -> Any:
        rules = tips.rules
        if args.export:
            from tipdesk.domain import refdata

            source = desk.data_dir / OVERRIDE_FILE
            data = refdata.read_json(source) if source.exists() else refdata.load("deadline_rules.json")
            Path(args.export).write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
            print(_("Rules written to {path}. Edit them, save the file as {target} and run "
                    "“tipdesk tips recompute-deadlines”.").format(path=args.export, target=source))
            return None
        print(f"{rules.id} v{rules.version} ({rules.effective_from.isoformat()})")
        print_table([_("Code"), _("Deadline"), _("Legal basis")],
                    [[r.code, _(r.label), _(r.legal_ref)] for r in rules.rules if r.subject == "tip"])
        return None

    _with(args, work)
    return 0


def cmd_recompute(args: argparse.Namespace) -> int:
    changed = _with(args, lambda desk, tips: tips.recompute_deadlines())
    print(_("Deadlines recomputed; {count} tips changed.").format(count=changed))
    return 0
