"""Shared CLI plumbing: output, passwords, opening the desk."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from tipdesk import paths
from tipdesk.errors import UserError
from tipdesk.i18n import _
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def emit_json(value: Any) -> None:
    json.dump(_jsonable(value), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def read_secret_file(path: str) -> str:
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise UserError(_("Cannot read the password file {path}: {error}").format(path=path, error=exc.strerror)) from exc
    return text.rstrip("\r\n")


def acting_password(args: argparse.Namespace, prompt: str | None = None) -> str:
    if getattr(args, "password_file", None):
        return read_secret_file(args.password_file)
    env = os.environ.get("TIPDESK_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise UserError(_("No password given: use --password-file, TIPDESK_PASSWORD or run in a terminal."),
                        "no_password")
    return getpass.getpass(prompt or _("Password for {user}: ").format(user=args.user))


def new_password(file_arg: str | None, who: str) -> str:
    if file_arg:
        return read_secret_file(file_arg)
    env = os.environ.get("TIPDESK_NEW_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise UserError(_("No new password given: use --new-password-file or run in a terminal."), "no_password")
    first = getpass.getpass(_("New password for {user}: ").format(user=who))
    again = getpass.getpass(_("Repeat the new password: "))
    if first != again:
        raise UserError(_("The two passwords differ."), "password_mismatch")
    return first


def open_for(args: argparse.Namespace) -> Desk:
    return open_desk(args.user, acting_password(args), data_dir=paths.data_dir())


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
