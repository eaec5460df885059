"""``tipdesk persons ...``: record, list, show, support, identify, link and print persons.

A person is named by its id or its record code (``P-02269-26-0001``). Dates are dd/mm/yyyy (or
ISO), Vietnam local time. Output shows exactly what the acting user's role may see: roles without
access to identity see the record code instead of the name, and no identity field.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from tipdesk.cli.common import emit_json, open_for, print_table
from tipdesk.cli.types import SubParsers
from tipdesk.domain import reference
from tipdesk.domain.persons import IdentificationStatus, Sex, evidence_items, support_types
from tipdesk.errors import UserError
from tipdesk.i18n import _, format_date, format_datetime, format_vnd
from tipdesk.services.context import Desk
from tipdesk.services.paging import PageRequest
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_dupes import PossibleDuplicates
from tipdesk.services.persons_types import (
    Confidentiality,
    DuplicateCandidate,
    Intake,
    LinkRole,
    MatchDecision,
    PersonDraft,
    PersonRow,
    PersonSort,
)

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")


def parse_day(text: str) -> dt.date:
    """A date typed on the command line: dd/mm/yyyy or yyyy-mm-dd (a usage error otherwise)."""
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(_("“{value}” is not a date (dd/mm/yyyy).").format(value=text))


def register(sub: SubParsers) -> None:
    """Add the persons commands."""
    p = sub.add_parser("persons", help=_("victims and persons being identified: records and support"))
    psub = p.add_subparsers(dest="persons_command", metavar="ACTION", required=True)
    ls = psub.add_parser("list", help=_("list persons (the newest first)"))
    ls.add_argument("--status", choices=[s.value for s in IdentificationStatus])
    ls.add_argument("--query", help=_("accent-insensitive search"))
    ls.add_argument("--sort", choices=[s.value for s in PersonSort], default=PersonSort.RECEIVED.value)
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    sh = psub.add_parser("show", help=_("show one person with support, deadlines and linked tips"))
    sh.add_argument("person", metavar="ID", help=_("person id or record code"))
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)
    _add_add(psub)
    _add_support(psub)
    _add_identify(psub)
    lk = psub.add_parser("link", help=_("name a person in a tip"))
    lk.add_argument("person", metavar="ID")
    lk.add_argument("--tip", required=True, metavar="TIP", help=_("tip id or register number (05/2026)"))
    lk.add_argument("--role", choices=[r.value for r in LinkRole], default=LinkRole.VICTIM.value)
    lk.add_argument("--remove", action="store_true", help=_("remove the link instead"))
    lk.set_defaults(func=cmd_link)
    pr = psub.add_parser("print", help=_("print a person's support history (PDF, Decree 30 layout)"))
    pr.add_argument("person", metavar="ID")
    pr.add_argument("--out", required=True, metavar="FILE", help=_("PDF file to write"))
    pr.set_defaults(func=cmd_print)
    _add_cross_duplicates(psub)


def _add_cross_duplicates(psub: Any) -> None:
    """Province: possible duplicates across communes and the decisions on them (``persons_xdupes``)."""
    d = psub.add_parser("duplicates", help=_("possible duplicates across communes (province)"))
    d.add_argument("--min-score", type=int, default=0, metavar="N", help=_("only pairs scoring at least N (0-100)"))
    d.add_argument("--all", action="store_true", help=_("also pairs already decided"))
    d.add_argument("--limit", type=int, default=100)
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_duplicates)
    for name, helptext in (("same", _("record that two records of different communes are the same person")),
                           ("different", _("record that two records are different persons")),
                           ("undo", _("undo the decision on a pair"))):
        c = psub.add_parser(name, help=helptext)
        c.add_argument("person", metavar="A", help=_("person id or record code"))
        c.add_argument("other", metavar="B", help=_("person id or record code"))
        if name != "undo":
            c.add_argument("--note", default="")
        c.set_defaults(func=cmd_decide, decision=name)


def _add_add(psub: Any) -> None:
    a = psub.add_parser("add", help=_("record a person"))
    a.add_argument("--name", required=True, help=_("full name"))
    a.add_argument("--other-names", default="")
    a.add_argument("--sex", choices=[s.value for s in Sex], default=Sex.UNKNOWN.value)
    a.add_argument("--birth-date", type=parse_day, metavar="DATE")
    a.add_argument("--birth-year", type=int, metavar="YEAR")
    a.add_argument("--ethnic", default="", help=_("ethnic group: code (01-54) or name"))
    a.add_argument("--nationality", default="VN", metavar="CC")
    a.add_argument("--id-number", default="", help=_("12-digit citizen ID number"))
    a.add_argument("--address-unit", default="", metavar="CODE", help=_("commune code of residence (2025 list)"))
    a.add_argument("--address", default="", help=_("hamlet, street, house number"))
    a.add_argument("--address-old", default="", help=_("address before the 2025 mergers (free text)"))
    a.add_argument("--origin-unit", default="", metavar="CODE")
    a.add_argument("--phone", default="")
    a.add_argument("--guardian", default="", help=_("guardian's name (for a child)"))
    a.add_argument("--guardian-relation", default="")
    a.add_argument("--guardian-contact", default="")
    a.add_argument("--intake", choices=[i.value for i in Intake], default=Intake.OTHER.value)
    a.add_argument("--received", type=parse_day, metavar="DATE", help=_("date received (default: today)"))
    a.add_argument("--from-country", default="", metavar="CC", help=_("country returned from (ISO code)"))
    a.add_argument("--from-place", default="")
    a.add_argument("--returned", type=parse_day, metavar="DATE")
    a.add_argument("--border-gate", default="")
    a.add_argument("--agency", default="", help=_("rescuing or receiving agency"))
    a.add_argument("--form", action="append", default=[], metavar="CODE", help=_("trafficking form tag (repeat)"))
    a.add_argument("--consent", type=parse_day, metavar="DATE", help=_("date of consent to share with the province"))
    a.add_argument("--guardian-consent", action="store_true", help=_("consent given by the guardian"))
    a.add_argument("--confidentiality", choices=[c.value for c in Confidentiality], default=Confidentiality.HIGH.value)
    a.add_argument("--note", default="")
    a.add_argument("--same-as", action="append", default=[], metavar="ID",
                   help=_("a possible duplicate that may be the same person (link, never merge)"))
    a.add_argument("--not-same", action="append", default=[], metavar="ID",
                   help=_("a possible duplicate that is another person (dismiss)"))
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_add)


def _add_support(psub: Any) -> None:
    s = psub.add_parser("support", help=_("record support given to a person"))
    s.add_argument("person", metavar="ID")
    s.add_argument("--type", required=True, choices=[t.code for t in support_types()])
    s.add_argument("--amount", required=True, help=_("amount in đồng (1500000 or 1.500.000)"))
    s.add_argument("--date", required=True, type=parse_day, metavar="DATE")
    s.add_argument("--provider", default="")
    s.add_argument("--note", default="")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_support)


def _add_identify(psub: Any) -> None:
    i = psub.add_parser("identify", help=_("record the identification decision and evidence"))
    i.add_argument("person", metavar="ID")
    i.add_argument("--status", required=True, choices=[s.value for s in IdentificationStatus])
    i.add_argument("--agency", default="", help=_("identifying agency"))
    i.add_argument("--date", type=parse_day, metavar="DATE")
    i.add_argument("--evidence", action="append", default=[], choices=[e.code for e in evidence_items()])
    i.add_argument("--note", default="")
    i.set_defaults(func=cmd_identify)


def _with(args: argparse.Namespace, work: Any) -> Any:
    desk = open_for(args)
    try:
        return work(desk, PersonService(desk))
    finally:
        desk.close()


def _row_cells(r: PersonRow) -> list[str]:
    return [r.pseudonym, r.display_name, r.sex.label(), str(r.birth_year or ""), r.status.label(),
            format_date(r.received_on), format_vnd(r.support_total), format_date(r.next_due_at)]


def cmd_list(args: argparse.Namespace) -> int:
    filters = {"status": args.status, "query": args.query}
    request = PageRequest(filters={k: v for k, v in filters.items() if v}, sort=args.sort,
                          descending=args.sort == PersonSort.RECEIVED.value, limit=args.limit)
    page = _with(args, lambda desk, svc: svc.list(request))
    if args.json:
        emit_json({"rows": page.rows, "more": page.next_cursor is not None})
        return 0
    print_table([_("Code"), _("Name"), _("Sex"), _("Born"), _("Status"), _("Received"), _("Support"),
                 _("Next deadline")], [_row_cells(r) for r in page.rows])
    return 0


def _gather(desk: Desk, svc: PersonService, ref: str) -> dict[str, Any]:
    from tipdesk.services.persons_links import LinkService
    from tipdesk.services.persons_support import SupportService

    view = svc.get(ref)
    support = SupportService(desk)
    return {"person": view, "support": support.summary(view.id), "deadlines": support.deadlines(view.id),
            "plan": support.plan_items(view.id), "events": svc.events(view.id),
            "tips": LinkService(desk).tips_of_person(view.id), "matches": svc.matches(view.id)}


def cmd_show(args: argparse.Namespace) -> int:
    data = _with(args, lambda desk, svc: _gather(desk, svc, args.person))
    if args.json:
        emit_json(data)
        return 0
    p = data["person"]
    print(f"{p.pseudonym}  {p.display_name}  {p.sex.label()}  {p.birth_year or ''}  {p.status.label()}")
    if not p.identity_visible:
        print(_("Identity not shown to your role."))
    else:
        for label, value in ((_("ID number"), p.id_number), (_("Telephone"), p.phone),
                             (_("Address"), p.address_detail)):
            if value:
                print(f"{label}: {value}")
        for warning in p.id_warnings:
            print(_("Warning: {text}").format(text=warning))
    print(_("Received on {date}").format(date=format_date(p.received_on)))
    summary = data["support"]
    for e in summary.entries:
        print(f"  {format_date(e.given_on)}  {e.type_name}  {format_vnd(e.amount_vnd)}  {e.provider}")
    print(_("Total support: {amount}").format(amount=format_vnd(summary.total_vnd)))
    for item in data["deadlines"]:
        print(f"  {item.label}: {format_datetime(item.due_at)} ({item.state.label()})")
    for tip in data["tips"]:
        print(_("Tip {number} ({status})").format(number=tip.register_label, status=tip.status_label))
    return 0


def _draft(args: argparse.Namespace) -> PersonDraft:
    ethnic = args.ethnic.strip()
    if ethnic and not ethnic.isdigit():
        group = reference.find_ethnic_group(ethnic)
        if group is None:
            raise UserError(_("Unknown ethnic group: {name}").format(name=ethnic), "bad_ethnic_group")
        ethnic = group.code
    return PersonDraft(
        full_name=args.name, other_names=args.other_names, sex=args.sex, birth_date=args.birth_date,
        birth_year=args.birth_year, ethnic_code=ethnic, nationality=args.nationality, id_number=args.id_number,
        address_unit_code=args.address_unit, address_detail=args.address, address_old=args.address_old,
        origin_unit_code=args.origin_unit, phone=args.phone, guardian_name=args.guardian,
        guardian_relation=args.guardian_relation, guardian_contact=args.guardian_contact, intake=args.intake,
        received_on=args.received, from_country=args.from_country, from_place=args.from_place,
        returned_on=args.returned, border_gate=args.border_gate, receiving_agency=args.agency,
        forms=tuple(args.form), consent_share=args.consent is not None, consent_on=args.consent,
        consent_by_guardian=args.guardian_consent, confidentiality=args.confidentiality, notes=args.note,
    )


def _print_candidates(candidates: list[DuplicateCandidate]) -> None:
    import sys

    print(_("Possibly the same person:"), file=sys.stderr)
    for c in candidates:
        print(f"  {c.pseudonym}  {c.full_name}  {c.birth_year or ''}  {c.id_number}  ({c.reason_text()})",
              file=sys.stderr)
    print(_("Run again with --same-as CODE or --not-same CODE for each of them."), file=sys.stderr)


def _create(desk: Desk, svc: PersonService, args: argparse.Namespace) -> Any:
    draft = _draft(args)
    decisions: dict[str, MatchDecision] = {}
    for refs, decision in ((args.same_as, MatchDecision.SAME), (args.not_same, MatchDecision.DIFFERENT)):
        for ref in refs:
            decisions[svc.get(ref).id] = decision
    found = svc.find_duplicates(draft)
    if any(c.id not in decisions for c in found):
        _print_candidates([c for c in found if c.id not in decisions])
        raise PossibleDuplicates([(c.id, c.pseudonym) for c in found if c.id not in decisions])
    return svc.create(draft, decisions)


def cmd_add(args: argparse.Namespace) -> int:
    result = _with(args, lambda desk, svc: _create(desk, svc, args))
    if args.json:
        emit_json(result)
        return 0
    print(_("Person recorded with the code {code}.").format(code=result.person.pseudonym))
    for warning in result.warnings:
        print(_("Warning: {text}").format(text=warning))
    return 0


def cmd_support(args: argparse.Namespace) -> int:
    from tipdesk.services.persons_support import SupportService

    entry = _with(args, lambda desk, svc: SupportService(desk).add_entry(
        args.person, args.type, args.date, args.amount, provider=args.provider, note=args.note))
    if args.json:
        emit_json(entry)
        return 0
    print(_("Support recorded: {type}, {amount}, {date}.").format(
        type=entry.type_name, amount=format_vnd(entry.amount_vnd), date=format_date(entry.given_on)))
    return 0


def cmd_identify(args: argparse.Namespace) -> int:
    view = _with(args, lambda desk, svc: svc.record_identification(
        args.person, args.status, agency=args.agency, on=args.date, evidence=args.evidence, note=args.note))
    print(_("{code}: {status}.").format(code=view.pseudonym, status=view.status.label()))
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    from tipdesk.services.persons_links import LinkService
    from tipdesk.services.tips import TipService

    def work(desk: Desk, svc: PersonService) -> None:
        tip_id = TipService(desk).find_id(args.tip)
        links = LinkService(desk)
        if args.remove:
            links.unlink(tip_id, args.person)
        else:
            links.link(tip_id, args.person, args.role)

    _with(args, work)
    print(_("Link removed.") if args.remove else _("Person linked to the tip."))
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    from tipdesk.services.persons_print import print_support_history

    result = _with(args, lambda desk, svc: print_support_history(desk, args.person, args.out))
    print(_("Written {path}: {pages} pages, no. {number}.").format(path=args.out, pages=result.pages,
                                                                   number=result.number))
    return 0


def cmd_duplicates(args: argparse.Namespace) -> int:
    from tipdesk.services.persons_xdupes import CrossDuplicates

    def work(desk: Desk, svc: PersonService) -> Any:
        return CrossDuplicates(desk).pairs(min_score=args.min_score, include_decided=args.all, limit=args.limit)

    pairs = _with(args, work)
    if args.json:
        emit_json({"pairs": pairs})
        return 0
    print_table([_("Score"), _("Why"), _("Record"), _("Commune"), _("Record"), _("Commune"), _("Decision")],
                [[str(p.score), p.reason_text(), f"{p.a.pseudonym} {p.a.display_name if p.a.identity_visible else ''}",
                  p.a.commune, f"{p.b.pseudonym} {p.b.display_name if p.b.identity_visible else ''}", p.b.commune,
                  p.decision_text()] for p in pairs])
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from tipdesk.services.persons_xdupes import CrossDuplicates

    def work(desk: Desk, svc: PersonService) -> str:
        xd = CrossDuplicates(desk)
        if args.decision == "same":
            return xd.link_same(args.person, args.other, args.note)
        if args.decision == "different":
            return xd.mark_different(args.person, args.other, args.note)
        return xd.undo(args.person, args.other)

    result = _with(args, work)
    print({"same": _("Linked as the same person; both records are kept."),
           "different": _("Recorded as different persons."),
           "": _("Decision undone: the pair is undecided again.")}[result])
    return 0
