"""Exchange commands: keys, enrolment, trust bundle, export, verify, import, receipts, status.

A refused batch exits 1 and prints its stable code with the translated message
(``tipdesk: UNKNOWN_KEY: ...``); ``--json`` prints the same as one JSON object.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tipdesk.cli.cmd_persons import parse_day
from tipdesk.cli.common import emit_json, open_for, print_table
from tipdesk.cli.types import SubParsers
from tipdesk.exchange.format import DEFAULT_LIMITS
from tipdesk.exchange.rejects import ImportRejected
from tipdesk.i18n import _, format_date, format_datetime
from tipdesk.services.context import Desk
from tipdesk.services.exchange import Exchange
from tipdesk.services.exchange_common import read_input_file
from tipdesk.services.exchange_sources import FileOutcome, ImportReport
from tipdesk.services.exchange_status import ANNOTATION_KINDS

Handler = Callable[[argparse.Namespace], int]


# ---------------------------------------------------------------- parsers


def _json(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    return p


def register(sub: SubParsers) -> None:
    _register_keys(sub)
    e = _json(sub.add_parser("enrol", help=_("enrol a commune installation from its enrolment file (province)")))
    e.add_argument("file", type=Path)
    e.add_argument("--fingerprint", required=True, metavar="FP",
                   help=_("the fingerprint read out by the commune over the phone"))
    e.set_defaults(func=cmd_enrol)
    _register_trust(sub)
    x = _json(sub.add_parser("export", help=_("export the changes since the last batch (commune)")))
    x.add_argument("--out", type=Path, metavar="DIR", help=_("folder or USB stick to write the batch to"))
    x.set_defaults(func=cmd_export)
    r = _json(sub.add_parser("resend", help=_("write unacknowledged batches again, byte for byte (commune)")))
    r.add_argument("batch_ids", nargs="*", metavar="BATCH_ID")
    r.add_argument("--out", type=Path, metavar="DIR")
    r.set_defaults(func=cmd_resend)
    b = _json(sub.add_parser("batches", help=_("list the batches sent and whether they were acknowledged")))
    b.set_defaults(func=cmd_batches)
    v = _json(sub.add_parser("verify", help=_("check a batch file without changing the database")))
    v.add_argument("file", type=Path)
    v.set_defaults(func=cmd_verify)
    i = _json(sub.add_parser("import", help=_("import batch files or folders of them (province)")))
    i.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR")
    i.add_argument("--dry-run", action="store_true", help=_("show what would change, change nothing"))
    i.add_argument("--receipts", type=Path, metavar="DIR", help=_("write the signed receipts to DIR"))
    i.set_defaults(func=cmd_import)
    rc = sub.add_parser("receipt", help=_("receipts from the province (commune)"))
    rsub = rc.add_subparsers(dest="receipt_command", metavar="ACTION", required=True)
    ri = _json(rsub.add_parser("import", help=_("import receipt files or folders of them")))
    ri.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR")
    ri.set_defaults(func=cmd_receipt_import)
    c = _json(sub.add_parser("communes", help=_("per-commune exchange status (province)")))
    c.set_defaults(func=cmd_communes)
    _register_conflicts(sub)
    _register_annotations(sub)


def _register_keys(sub: SubParsers) -> None:
    k = sub.add_parser("keys", help=_("this installation's keys, enrolment and key changes"))
    ksub = k.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    _json(ksub.add_parser("show", help=_("show the keys and their fingerprints"))).set_defaults(func=cmd_keys_show)
    en = _json(ksub.add_parser("export-enrolment", help=_("write the enrolment file for the province")))
    en.add_argument("out", type=Path, metavar="OUT")
    en.set_defaults(func=cmd_keys_enrolment)
    rv = _json(ksub.add_parser("revoke", help=_("refuse batches signed by a key after a point (province)")))
    rv.add_argument("key_id", metavar="KEYID")
    rv.add_argument("--after-epoch", type=int, required=True, metavar="E")
    rv.add_argument("--after-seq", type=int, required=True, metavar="S")
    rv.set_defaults(func=cmd_keys_revoke)
    ro = _json(ksub.add_parser("rotate", help=_("change this installation's signing key (commune)")))
    ro.add_argument("--out", type=Path, default=Path("."), metavar="PATH",
                    help=_("file or folder for the key change record (default: current folder)"))
    ro.set_defaults(func=cmd_keys_rotate)
    ac = _json(ksub.add_parser("accept-rotation", help=_("trust a commune's new key from its key change record")))
    ac.add_argument("file", type=Path)
    ac.set_defaults(func=cmd_keys_accept_rotation)


def _register_trust(sub: SubParsers) -> None:
    t = sub.add_parser("trust", help=_("the province trust bundle"))
    tsub = t.add_subparsers(dest="trust_command", metavar="ACTION", required=True)
    te = _json(tsub.add_parser("export", help=_("write a new trust bundle for the communes (province)")))
    te.add_argument("out", type=Path, metavar="OUT")
    te.add_argument("--days", type=int, default=365, help=_("days the bundle stays valid"))
    te.set_defaults(func=cmd_trust_export)
    ti = _json(tsub.add_parser("import", help=_("install the province trust bundle (commune)")))
    ti.add_argument("file", type=Path)
    ti.add_argument("--fingerprint", required=True, metavar="FP",
                    help=_("the province fingerprint printed in the installation guide"))
    ti.set_defaults(func=cmd_trust_import)


def _register_conflicts(sub: SubParsers) -> None:
    c = sub.add_parser("conflicts", help=_("incoming records that need a decision (province)"))
    csub = c.add_subparsers(dest="conflicts_command", metavar="ACTION", required=True)
    _json(csub.add_parser("list", help=_("list open conflicts"))).set_defaults(func=cmd_conflicts_list)
    cr = _json(csub.add_parser("resolve", help=_("keep the local record or take the incoming one")))
    cr.add_argument("conflict_id", type=int, metavar="ID")
    choice = cr.add_mutually_exclusive_group(required=True)
    choice.add_argument("--keep-local", action="store_true")
    choice.add_argument("--take-incoming", action="store_true")
    cr.set_defaults(func=cmd_conflicts_resolve)


def _register_annotations(sub: SubParsers) -> None:
    a = _json(sub.add_parser("annotate", help=_("add a provincial note beside a commune's record (province)")))
    a.add_argument("record_type", metavar="TYPE", help=_("kind of record: tip, person…"))
    a.add_argument("record_id", metavar="ID")
    a.add_argument("--kind", choices=ANNOTATION_KINDS, default="note")
    a.add_argument("--text", default="", help=_("the note or the decision"))
    a.add_argument("--due", type=parse_day, metavar="DATE", help=_("follow-up decisions: due date (dd/mm/yyyy)"))
    a.add_argument("--link-type", default="", metavar="TYPE", help=_("links: kind of the other record"))
    a.add_argument("--link-id", default="", metavar="ID", help=_("links: id of the other record"))
    a.set_defaults(func=cmd_annotate)
    ls = _json(sub.add_parser("annotations", help=_("list the provincial notes beside a record (province)")))
    ls.add_argument("record_type", metavar="TYPE")
    ls.add_argument("record_id", metavar="ID")
    ls.set_defaults(func=cmd_annotations)


# ---------------------------------------------------------------- plumbing


@contextmanager
def _exchange(args: argparse.Namespace) -> Iterator[Exchange]:
    desk: Desk = open_for(args)
    try:
        yield Exchange(desk)
    finally:
        desk.close()


def _refused(args: argparse.Namespace, exc: ImportRejected) -> int:
    if getattr(args, "json", False):
        emit_json({"status": "refused", "code": exc.code, "message": exc.message})
    else:
        print(f"tipdesk: {exc.code}: {exc.message}", file=sys.stderr)
    return 1


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ImportRejected as exc:
            return _refused(args, exc)

    run.__doc__ = handler.__doc__
    return run


# ---------------------------------------------------------------- keys, enrolment, trust


@_guarded
def cmd_keys_show(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        view = ex.keys.show()
    if args.json:
        emit_json(view)
        return 0
    print(_("Installation {id} ({unit}), epoch {epoch}").format(id=view.install_id, unit=view.unit_name,
                                                               epoch=view.epoch))
    print_table([_("Kind"), _("Key id"), _("Fingerprint"), _("Created"), _("Retired")],
                [[k.kind, k.key_id, k.fingerprint, format_datetime(k.created_at), format_datetime(k.retired_at)]
                 for k in view.keys])
    if view.trust is not None:
        t = view.trust
        print(_("Trust bundle version {v} from the province key {fp}, valid until {until}.").format(
            v=t.version, fp=t.root_fingerprint, until=format_datetime(t.expires_at)))
    return 0


@_guarded
def cmd_keys_enrolment(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        written = ex.keys.write_enrolment(args.out)
    if args.json:
        emit_json(written)
        return 0
    print(_("Enrolment file written to {path}.").format(path=written.path))
    print(_("Read this fingerprint to the province over the phone: {fp}").format(fp=written.fingerprint))
    return 0


@_guarded
def cmd_enrol(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        view = ex.peers.enrol_file(args.file, args.fingerprint)
    if args.json:
        emit_json(view)
        return 0
    print(_("Commune {commune} enrolled with the key {fp}.").format(commune=view.commune, fp=view.fingerprint))
    return 0


@_guarded
def cmd_keys_revoke(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        view = ex.peers.revoke(args.key_id, args.after_epoch, args.after_seq)
    if args.json:
        emit_json(view)
        return 0
    print(_("Key {key} revoked: batches after {epoch}-{seq} will be refused.").format(
        key=view.key_id, epoch=args.after_epoch, seq=args.after_seq))
    return 0


@_guarded
def cmd_keys_rotate(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        written = ex.keys.rotate(args.out)
    if args.json:
        emit_json(written)
        return 0
    print(_("New signing key {fp}. Key change record written to {path}: take it to the province with the "
            "next batch.").format(fp=written.fingerprint, path=written.path))
    return 0


@_guarded
def cmd_keys_accept_rotation(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        view = ex.peers.accept_rotation_file(args.file)
    if args.json:
        emit_json(view)
        return 0
    print(_("Commune {commune} now signs with the key {fp}.").format(commune=view.commune, fp=view.fingerprint))
    return 0


@_guarded
def cmd_trust_export(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        written = ex.keys.write_trust_bundle(args.out, args.days)
    if args.json:
        emit_json(written)
        return 0
    print(_("Trust bundle written to {path}. Communes check it against the fingerprint {fp}.").format(
        path=written.path, fp=written.fingerprint))
    return 0


@_guarded
def cmd_trust_import(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        view = ex.keys.read_and_install_trust_bundle(args.file, args.fingerprint)
    if args.json:
        emit_json(view)
        return 0
    print(_("Trust bundle version {v} installed; valid until {until}.").format(
        v=view.version, until=format_datetime(view.expires_at)))
    return 0


# ---------------------------------------------------------------- batches


@_guarded
def cmd_export(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        result = ex.export.export(args.out)
    if args.json:
        emit_json({"batches": result.batches, "paths": result.paths, "records": result.records})
        return 0
    for path in result.paths:
        print(path)
    print(_("{n} records exported and checked; the USB stick can be removed.").format(n=result.records),
          file=sys.stderr)
    return 0


@_guarded
def cmd_resend(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        paths = ex.export.resend(args.out or ex.export.default_folder(), args.batch_ids or None)
    if args.json:
        emit_json({"paths": paths})
        return 0
    for path in paths:
        print(path)
    return 0


@_guarded
def cmd_batches(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        batches = ex.export.batches()
    if args.json:
        emit_json(batches)
        return 0
    print_table([_("Batch"), _("Created"), _("Records"), _("Receipt from the province")],
                [[b.filename, format_datetime(b.created_at), str(b.records),
                  (b.receipt_status + (f" {b.receipt_code}" if b.receipt_code else "")) or _("waiting")]
                 for b in batches])
    return 0


@_guarded
def cmd_verify(args: argparse.Namespace) -> int:
    data = read_input_file(args.file, DEFAULT_LIMITS.max_batch_bytes)
    with _exchange(args) as ex:
        if ex.desk.installation.profile.value == "commune":
            view = ex.export.verify_own(data)
            result: dict[str, Any] = {"status": "ok", "batch_id": view.batch_id, "epoch": view.epoch,
                                      "seq": view.seq, "counts": view.counts}
        else:
            outcome = ex.imports.verify(data)
            if outcome.status == "refused":
                return _refused(args, ImportRejected(outcome.code, outcome.message))
            result = {**_outcome_json(outcome), "status": "ok" if outcome.status == "accepted" else outcome.status}
    if args.json:
        emit_json(result)
    else:
        print(_("The batch {epoch}-{seq} is intact and authentic ({status}).").format(
            epoch=result["epoch"], seq=result["seq"], status=result["status"]))
    return 0


def _outcome_json(outcome: FileOutcome) -> dict[str, Any]:
    return {
        "source": outcome.source, "status": outcome.status, "code": outcome.code, "message": outcome.message,
        "batch_id": outcome.batch_id, "install_id": outcome.install_id, "commune": outcome.commune,
        "epoch": outcome.epoch, "seq": outcome.seq, "sha256": outcome.sha256,
        "counts": {t: c.to_json() for t, c in outcome.counts.items()},
        "released": {t: c.to_json() for t, c in outcome.released.items()},
        "highest_contiguous_seq": outcome.highest_contiguous_seq, "missing": outcome.missing,
        "receipt": str(outcome.receipt_path) if outcome.receipt_path else None,
    }


@_guarded
def cmd_import(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        report = ex.imports.import_paths(args.paths, dry_run=args.dry_run, receipts_dir=args.receipts)
    if args.json:
        emit_json({"dry_run": report.dry_run, "files": [_outcome_json(o) for o in report.outcomes]})
    else:
        _print_report(report)
    return 1 if report.any_refused else 0


def _print_report(report: ImportReport) -> None:
    for o in report.outcomes:
        if o.refused:
            print(f"tipdesk: {o.source}: {o.code}: {o.message}", file=sys.stderr)
            continue
        t = o.totals()
        print(_("{file}: {status}; new {new}, updated {updated}, unchanged {unchanged}, older {older}, "
                "conflicts {conflicting}, waiting {waiting}").format(
            file=o.source, status=o.status, new=t.new, updated=t.updated, unchanged=t.unchanged, older=t.older,
            conflicting=t.conflicting, waiting=t.waiting))
        if o.missing:
            print(_("  still missing from this commune: {seqs}").format(seqs=", ".join(map(str, o.missing))))
    if report.dry_run:
        print(_("Dry run: nothing was changed."))


@_guarded
def cmd_receipt_import(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        views = ex.receipts.import_paths(args.paths)
    if args.json:
        emit_json(views)
        return 0
    for v in views:
        print(_("Batch {epoch}-{seq}: {status}{code}").format(epoch=v.epoch, seq=v.seq, status=v.status,
                                                              code=f" ({v.reject_code})" if v.reject_code else ""))
    return 0


# ---------------------------------------------------------------- province status


@_guarded
def cmd_communes(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        peers = ex.status.peers()
    if args.json:
        emit_json(peers)
        return 0
    print_table([_("Commune"), _("Last seq"), _("Missing"), _("Days since batch"), _("Late"),
                 _("Receipts not confirmed"), _("Last result"), _("Alarm")],
                [[f"{p.commune} {p.commune_name}", f"{p.epoch}-{p.last_seq}", ", ".join(map(str, p.missing)),
                  "" if p.days_since_last_batch is None else str(p.days_since_last_batch),
                  _("late") if p.late else "", str(p.unconfirmed_receipts),
                  p.last_status + (f" {p.last_code}" if p.last_code else ""), "FORK" if p.fork_alarm else ""]
                 for p in peers])
    return 0


# ---------------------------------------------------------------- provincial annotations


@_guarded
def cmd_annotate(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        view = ex.status.annotate(args.record_type, args.record_id, args.kind, args.text, due_on=args.due,
                                  link_type=args.link_type, link_id=args.link_id)
    if args.json:
        emit_json(view)
        return 0
    print(_("Annotation {id} added.").format(id=view.id))
    return 0


@_guarded
def cmd_annotations(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        views = ex.status.annotations(args.record_type, args.record_id)
    if args.json:
        emit_json(views)
        return 0
    print_table([_("Time"), _("By"), _("Kind"), _("Due on"), _("Text")],
                [[format_datetime(a.created_at), a.created_by, a.kind, format_date(a.due_on) if a.due_on else "",
                  a.text + (f" → {a.link_type} {a.link_id}" if a.link_id else "")] for a in views])
    return 0


@_guarded
def cmd_conflicts_list(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        conflicts = ex.status.conflicts()
    if args.json:
        emit_json(conflicts)
        return 0
    print_table([_("No."), _("Record"), _("Version"), _("Reason"), _("Differs in")],
                [[str(c.id), f"{c.record_type} {c.record_id}", str(c.version), c.reason,
                  ", ".join(c.differences()[:6])] for c in conflicts])
    return 0


@_guarded
def cmd_conflicts_resolve(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        view = ex.status.resolve(args.conflict_id, take_incoming=args.take_incoming)
    if args.json:
        emit_json(view)
        return 0
    print(_("Conflict {id} decided: {resolution}.").format(id=view.id, resolution=view.resolution))
    return 0
