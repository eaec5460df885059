"""The command line: the same services as the GUI.

Exit codes: 0 success, 1 a user error (one line on stderr), 2 a usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from tipdesk import __version__, paths
from tipdesk.cli import (
    cmd_admin,
    cmd_backup,
    cmd_demo,
    cmd_exchange,
    cmd_persons,
    cmd_reports,
    cmd_search,
    cmd_tips,
)
from tipdesk.cli.types import SubParsers
from tipdesk.config import MachineSettings
from tipdesk.errors import UserError
from tipdesk.i18n import _, set_language

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]
_REGISTRARS: list[Callable[[SubParsers], None]] = [
    cmd_admin.register, cmd_tips.register, cmd_persons.register, cmd_demo.register, cmd_backup.register,
    cmd_exchange.register,
    cmd_reports.register,
    cmd_search.register,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tipdesk",
        description=_("tipdesk: offline desk for anti-trafficking tips, victims and support."),
    )
    parser.add_argument("--version", action="version", version=f"tipdesk {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help=_("data folder (default: the user's data directory)"))
    parser.add_argument("--lang", choices=["vi", "en"], help=_("language of messages (vi or en)"))
    parser.add_argument("--user", default=os.environ.get("TIPDESK_USER", "admin"),
                        help=_("acting user (default: admin, or TIPDESK_USER)"))
    parser.add_argument("--password-file", metavar="FILE",
                        help=_("read the acting user's password from FILE (or set TIPDESK_PASSWORD)"))
    parser.add_argument("--self-test", action="store_true",
                        help=_("check this installation (database, PDF, signatures) and exit"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser("gui", help=_("start the graphical interface (the default)"))
    gui.set_defaults(func=_run_gui)
    for register in _REGISTRARS:
        register(sub)
    return parser


def _run_gui(args: argparse.Namespace) -> int:
    from tipdesk.gui.app import run_gui  # only the GUI path imports Qt

    return int(run_gui(args))


def _pre_parse_language(argv: Sequence[str]) -> None:
    lang = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
        elif arg == "--data-dir" and i + 1 < len(argv):
            paths.set_data_dir(argv[i + 1])
    if lang is None:
        lang = MachineSettings.load().language
    set_language(lang)


def run(argv: Sequence[str]) -> int:
    _pre_parse_language(argv)
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if args.data_dir:
        paths.set_data_dir(args.data_dir)
    from tipdesk.logs import setup_logging

    setup_logging()
    if args.lang:
        set_language(args.lang)
    func: Handler = cmd_backup.cmd_self_test if args.self_test else getattr(args, "func", _run_gui)
    try:
        return func(args)
    except UserError as exc:
        print(f"tipdesk: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("tipdesk: interrupted; nothing was changed by the unfinished step."), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: log it, say where the log is, never dump a traceback on the user
        from tipdesk.logs import log_crash

        where = log_crash(exc)
        print(_("tipdesk: an unexpected error occurred ({error}). Details were written to {path}.").format(
            error=type(exc).__name__, path=where), file=sys.stderr)
        return 1
