"""CLI commands for backups, restore and the self-test.

``tipdesk backup OUT``        write an encrypted backup (OUT: a file, or a folder such as a USB stick)
``tipdesk backup verify IN``  check a backup completely (hash, MAC, SQLCipher integrity checks)
``tipdesk backup status``     when the last backup was made, and whether a reminder is due
``tipdesk restore IN``        restore a backup into the data folder (empty, or replacing the current one)
``tipdesk self-test``         (also ``tipdesk --self-test``) check this installation and exit 0 or 1
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from tipdesk import paths
from tipdesk.cli.common import acting_password, emit_json, open_for, read_secret_file
from tipdesk.cli.types import SubParsers
from tipdesk.i18n import _, format_datetime
from tipdesk.logs import setup_logging
from tipdesk.services import backup as svc


def register(sub: SubParsers) -> None:
    """Add the backup commands."""
    p = sub.add_parser(
        "backup",
        help=_("write an encrypted backup (backup OUT), check one (backup verify IN), or show the last one "
               "(backup status)"),
    )
    p.add_argument("target", nargs="+", metavar="OUT",
                   help=_("a file or a folder (for example a USB stick); or: verify IN; or: status"))
    p.add_argument("--force", action="store_true", help=_("replace OUT if it exists"))
    _secret_options(p)
    p.set_defaults(func=cmd_backup, _parser=p)
    r = sub.add_parser("restore", help=_("restore an encrypted backup into the data folder"))
    r.add_argument("source", metavar="IN", help=_("the backup file"))
    _secret_options(r)
    r.set_defaults(func=cmd_restore)
    s = sub.add_parser("self-test", help=_("check this installation (database, PDF, signatures) and exit"))
    s.add_argument("--qt", action="store_true", help=_("also start the graphical toolkit offscreen"))
    s.set_defaults(func=cmd_self_test)


def _secret_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--recovery-code-file", metavar="FILE",
                   help=_("open the backup with the recovery code in FILE instead of a user's password"))
    p.add_argument("--json", action="store_true")


def _credentials(args: argparse.Namespace) -> svc.Credentials:
    if args.recovery_code_file:
        return svc.Credentials(read_secret_file(args.recovery_code_file))
    return svc.Credentials(acting_password(args), args.user)


def _header_json(h: svc.BackupHeader) -> dict[str, Any]:
    return {"format": h.format, "app_version": h.app_version, "schema_revision": h.schema_revision,
            "install_id": h.install_id, "profile": h.profile, "unit_code": h.unit_code, "epoch": h.epoch,
            "created_at": h.created_at, "db_bytes": h.db_bytes, "body_sha256": h.body_sha256}


def cmd_backup(args: argparse.Namespace) -> int:
    setup_logging()
    target: list[str] = args.target
    if target[0] == "verify" and len(target) == 2:
        return _verify(args, Path(target[1]))
    if target == ["status"]:
        return _status(args)
    if len(target) != 1:
        args._parser.error(_("use: backup OUT | backup verify IN | backup status"))
    return _backup(args, Path(target[0]))


def _backup(args: argparse.Namespace, out: Path) -> int:
    desk = open_for(args)
    try:
        result = svc.create_backup(desk, out, overwrite=args.force)
    finally:
        desk.close()
    if args.json:
        emit_json({"path": result.path, "size": result.size, **_header_json(result.header)})
        return 0
    print(_("Backup written and verified: {path} ({size} bytes).").format(path=result.path, size=result.size))
    print(_("It opens with any user's password or the recovery code. Keep it away from this computer."))
    return 0


def _verify(args: argparse.Namespace, source: Path) -> int:
    report = svc.verify_backup(source, _credentials(args))
    h = report.header
    if args.json:
        emit_json({**_header_json(h), "ok": True, "restorable": report.restorable})
        return 0
    print(_("The backup is intact: unit {unit}, made {when} by tipdesk {version} (schema {schema}).").format(
        unit=h.unit_code, when=format_datetime(h.created_at), version=h.app_version, schema=h.schema_revision))
    if not report.restorable:
        print(_("This version of tipdesk cannot restore it: install tipdesk {version} or newer.").format(
            version=h.app_version))
        return 1
    return 0


def _status(args: argparse.Namespace) -> int:
    desk = open_for(args)
    try:
        status = svc.reminder(desk)
    finally:
        desk.close()
    if args.json:
        emit_json(status)
        return 0
    if status.last_backup_at is not None:
        print(_("Last backup: {when}.").format(when=format_datetime(status.last_backup_at)))
    if status.due:
        print(status.message())
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    setup_logging()
    result = svc.restore_backup(Path(args.source), _credentials(args), data_dir=paths.data_dir())
    if setup_logging():  # on a new PC the data folder exists only now
        logging.getLogger("tipdesk.backup").info("backup restored here: epoch %d -> %d",
                                                 result.previous_epoch, result.epoch)
    if args.json:
        emit_json(result)
        return 0
    print(_("Backup of {when} restored (unit {unit}). Batches continue in a new epoch: {epoch}.").format(
        when=format_datetime(result.backup_created_at), unit=result.unit_code, epoch=result.epoch))
    if result.kept:
        print(_("The replaced database was kept as {path}.").format(path=result.kept[0]))
    print(_("Passwords are those that were in force when the backup was made."))
    return 0


def cmd_self_test(args: argparse.Namespace) -> int:
    from tipdesk.selftest import run_self_test

    return run_self_test(sys.stdout, qt=bool(getattr(args, "qt", False)))
