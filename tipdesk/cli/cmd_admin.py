"""Foundation commands: init, user, passwd, recover, audit, settings."""

from __future__ import annotations

import argparse
from typing import Any

from tipdesk import paths
from tipdesk.cli.common import (
    acting_password,
    emit_json,
    new_password,
    open_for,
    print_table,
    read_secret_file,
)
from tipdesk.cli.types import SubParsers
from tipdesk.config import MachineSettings
from tipdesk.errors import UserError
from tipdesk.i18n import _, format_datetime
from tipdesk.services import auth, setup
from tipdesk.services.audit import action_label


def register(sub: SubParsers) -> None:
    p = sub.add_parser("init", help=_("set up a new installation (commune or province)"))
    p.add_argument("--profile", required=True, choices=["commune", "province"])
    p.add_argument("--unit", required=True, metavar="CODE", help=_("unit code (5-digit commune or 2-digit province)"))
    p.add_argument("--admin", default="admin", metavar="NAME", help=_("administrator user name"))
    p.add_argument("--full-name", default="", help=_("administrator's full name"))
    p.add_argument("--remote", action="store_true", help=_("remote or island commune (48-hour transfer limit)"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_init)

    u = sub.add_parser("user", help=_("manage user accounts"))
    usub = u.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    a = usub.add_parser("add", help=_("add a user"))
    a.add_argument("name")
    a.add_argument("--role", required=True)
    a.add_argument("--full-name", default="")
    a.add_argument("--new-password-file", metavar="FILE")
    a.set_defaults(func=cmd_user_add)
    lst = usub.add_parser("list", help=_("list users"))
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_user_list)
    for name, helptext in (("unlock", _("clear a user's failed-login back-off")),
                           ("disable", _("disable a user")), ("enable", _("enable a user"))):
        x = usub.add_parser(name, help=helptext)
        x.add_argument("name")
        x.set_defaults(func=cmd_user_state, action=name)

    pw = sub.add_parser("passwd", help=_("change your password, or reset another user's (administrators)"))
    pw.add_argument("name")
    pw.add_argument("--new-password-file", metavar="FILE")
    pw.set_defaults(func=cmd_passwd)

    r = sub.add_parser("recover", help=_("set a new password with the recovery code"))
    r.add_argument("name")
    r.add_argument("--code-file", metavar="FILE", help=_("read the recovery code from FILE"))
    r.add_argument("--new-password-file", metavar="FILE")
    r.set_defaults(func=cmd_recover)

    au = sub.add_parser("audit", help=_("the audit log"))
    asub = au.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = asub.add_parser("verify", help=_("recompute the audit chain and name the first broken row"))
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_audit_verify)
    al = asub.add_parser("list", help=_("show the newest audit rows"))
    al.add_argument("--action")
    al.add_argument("--limit", type=int, default=50)
    al.add_argument("--json", action="store_true")
    al.set_defaults(func=cmd_audit_list)

    st = sub.add_parser("settings", help=_("show or change settings"))
    st.add_argument("key", nargs="?")
    st.add_argument("value", nargs="?", type=int)
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_settings)


def cmd_init(args: argparse.Namespace) -> int:
    password = new_password(None, args.admin) if not (args.password_file or _env_password()) \
        else acting_password(args)
    result = setup.initialise(args.profile, args.unit, args.admin, password, admin_full_name=args.full_name,
                              remote=args.remote, data_dir=paths.data_dir())
    settings = MachineSettings.load()
    settings.last_user = result.admin
    settings.save()
    if args.json:
        emit_json(result)
        return 0
    print(_("tipdesk is set up for {unit} ({profile}).").format(unit=result.unit_name, profile=result.profile.label()))
    print(_("Data folder: {path}").format(path=paths.data_dir()))
    print(_("Administrator: {name}").format(name=result.admin))
    print(_("Key fingerprint of this installation: {fp}").format(fp=result.fingerprint))
    print()
    print(_("RECOVERY CODE (print it, keep it in the unit's safe; it is shown only once):"))
    print("    " + result.recovery_code)
    return 0


def _env_password() -> bool:
    import os

    return os.environ.get("TIPDESK_PASSWORD") is not None


def cmd_user_add(args: argparse.Namespace) -> int:
    desk = open_for(args)
    try:
        view = desk.users.add(args.name, args.role, new_password(args.new_password_file, args.name), args.full_name)
    finally:
        desk.close()
    print(_("User {name} added with the role {role}.").format(name=view.username, role=view.role.label()))
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    desk = open_for(args)
    try:
        users = desk.users.list()
    finally:
        desk.close()
    if args.json:
        emit_json(users)
        return 0
    print_table(
        [_("User"), _("Full name"), _("Role"), _("Active"), _("Last login")],
        [[u.username, u.full_name, u.role.label(), _("yes") if u.active else _("no"),
          format_datetime(u.last_login_at)] for u in users],
    )
    return 0


def cmd_user_state(args: argparse.Namespace) -> int:
    desk = open_for(args)
    try:
        if args.action == "unlock":
            desk.users.unlock(args.name)
            print(_("User {name} unlocked.").format(name=args.name))
        else:
            desk.users.set_active(args.name, args.action == "enable")
            print(_("User {name} enabled.").format(name=args.name) if args.action == "enable"
                  else _("User {name} disabled.").format(name=args.name))
    finally:
        desk.close()
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    old = acting_password(args)
    desk = auth.open_desk(args.user, old, data_dir=paths.data_dir())
    try:
        new = new_password(args.new_password_file, args.name)
        if args.name.casefold() == desk.actor.username:
            desk.users.change_own_password(old, new)
        else:
            desk.users.reset_password(args.name, new)
    finally:
        desk.close()
    print(_("Password changed for {name}.").format(name=args.name))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    if args.code_file:
        code = read_secret_file(args.code_file)
    else:
        import getpass
        import sys

        if not sys.stdin.isatty():
            raise UserError(_("No recovery code given: use --code-file or run in a terminal."), "no_code")
        code = getpass.getpass(_("Recovery code: "))
    new_code = auth.recover(code, args.name, new_password(args.new_password_file, args.name),
                            data_dir=paths.data_dir())
    print(_("Password changed for {name}. The old recovery code no longer works.").format(name=args.name))
    print(_("NEW RECOVERY CODE (print it and keep it in the unit's safe):"))
    print("    " + new_code)
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    desk = open_for(args)
    try:
        result = desk.audit.verify()
    finally:
        desk.close()
    if args.json:
        emit_json(result)
    elif result.ok:
        print(_("The audit log is intact: {n} rows checked.").format(n=result.rows))
    else:
        print(_("The audit log is BROKEN at row {seq}: {reason}").format(seq=result.first_bad_seq,
                                                                          reason=result.reason))
    return 0 if result.ok else 1


def cmd_audit_list(args: argparse.Namespace) -> int:
    desk = open_for(args)
    try:
        rows = desk.audit.browse(action=args.action, limit=args.limit)
    finally:
        desk.close()
    if args.json:
        emit_json(rows)
        return 0
    print_table([_("No."), _("Time"), _("User"), _("Action"), _("Record")],
                [[str(r.seq), format_datetime(r.at), r.username, action_label(r.action),
                  f"{r.entity_type} {r.entity_id}".strip()] for r in rows])
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    desk = open_for(args)
    try:
        if args.key and args.value is not None:
            desk.settings.set(args.key, args.value)
        view: Any = desk.settings.view()
    finally:
        desk.close()
    if args.json:
        emit_json(view)
    else:
        for key, value in vars(view).items():
            print(f"{key} = {value}")
    return 0
