"""``tipdesk demo``: fill the database with realistic synthetic data."""

from __future__ import annotations

import argparse
import sys

from tipdesk.cli.common import emit_json, open_for
from tipdesk.cli.types import SubParsers
from tipdesk.i18n import _
from tipdesk.services import demo


def register(sub: SubParsers) -> None:
    p = sub.add_parser("demo", help=_("fill the database with realistic demonstration data"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tips", type=int, default=200, metavar="N")
    p.add_argument("--persons", type=int, default=80, metavar="N")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    desk = open_for(args)

    def progress(stage: str, done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{stage}: {done}/{total}", end="", file=sys.stderr)

    try:
        result = demo.generate(desk, seed=args.seed, counts={"tips": args.tips, "persons": args.persons},
                               progress=progress)
    finally:
        desk.close()
    if args.json:
        emit_json(result)
        return 0
    print(_("Demonstration data created: {counts}.").format(
        counts=", ".join(f"{k} {v}" for k, v in result.counts.items()) or "-"))
    print(_("Demonstration users (password \"{password}\"): {users}").format(
        password=result.password, users=", ".join(result.users)))
    return 0
