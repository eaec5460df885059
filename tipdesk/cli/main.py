"""The command line: the same services as the GUI.

Exit codes: 0 success, 1 a user error (one line on stderr), 2 a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from tipdesk import __version__, paths
from tipdesk.cli.types import SubParsers
from tipdesk.config import MachineSettings
from tipdesk.errors import UserError
from tipdesk.i18n import _, set_language

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]
Registrar = Callable[[SubParsers], None]
# The command modules import the services (SQLAlchemy, the models, reportlab...): they are loaded only
# when a command may be parsed, never for the plain GUI start (see ``_gui_only``).
_COMMAND_MODULES = ("cmd_admin", "cmd_tips", "cmd_persons", "cmd_demo", "cmd_backup", "cmd_exchange",
                    "cmd_reports", "cmd_search")
# The global options that take a value, for ``_gui_only``; keep in step with ``build_parser``.
_VALUE_OPTIONS = ("--data-dir", "--database-url", "--lang", "--user", "--password-file")


def __getattr__(name: str) -> list[Registrar]:
    """``_REGISTRARS``, the ``register`` function of each command module, loaded on first use."""
    if name != "_REGISTRARS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    registrars: list[Registrar] = [importlib.import_module(f"tipdesk.cli.{module}").register
                                   for module in _COMMAND_MODULES]
    globals()["_REGISTRARS"] = registrars
    return registrars


def _registrars() -> list[Registrar]:
    found: list[Registrar] | None = globals().get("_REGISTRARS")
    return found if found is not None else __getattr__("_REGISTRARS")


def _gui_only(argv: Sequence[str]) -> bool:
    """True when ``argv`` only starts the GUI: global options with their values and at most ``gui``.

    Then the parser is built without the commands, so the login window comes up before the core is
    imported. Anything else (a command, ``--help``, ``--version``, ``--self-test``, an abbreviated or
    unknown option) goes through the full parser.
    """
    args = list(argv)
    seen_gui = False
    while args:
        arg = args.pop(0)
        if arg in _VALUE_OPTIONS:
            if not args:
                return False
            args.pop(0)
        elif arg.startswith(tuple(f"{option}=" for option in _VALUE_OPTIONS)):
            continue
        elif arg == "gui" and not seen_gui:
            seen_gui = True
        else:
            return False
    return True


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The command line parser; ``commands=False`` leaves out every command but ``gui``."""
    parser = argparse.ArgumentParser(
        prog="tipdesk",
        description=_("tipdesk: offline desk for anti-trafficking tips, victims and support."),
    )
    parser.add_argument("--version", action="version", version=f"tipdesk {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help=_("data folder (default: the user's data directory)"))
    parser.add_argument("--database-url", metavar="URL",
                        help=_("use a PostgreSQL database (postgresql+psycopg://user:password@host/name) instead of "
                               "the file in the data folder; also TIPDESK_DATABASE_URL; remembered by init"))
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
    for register in _registrars() if commands else ():
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
    parser = build_parser(commands=not _gui_only(argv))
    args = parser.parse_args(list(argv))
    if args.data_dir:
        paths.set_data_dir(args.data_dir)
    if args.database_url:
        paths.set_database_url(args.database_url)
    from tipdesk.logs import setup_logging

    setup_logging()
    if args.lang:
        set_language(args.lang)
    func: Handler = getattr(args, "func", _run_gui)
    if args.self_test:
        from tipdesk.cli.cmd_backup import cmd_self_test

        func = cmd_self_test
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
