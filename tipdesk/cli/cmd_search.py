"""``tipdesk search QUERY``: ranked search across tips and persons; ``--reindex`` rebuilds the index.

Output shows what the acting user's role may see (the record code instead of a hidden name).
"""

from __future__ import annotations

import argparse

from tipdesk.cli.common import emit_json, open_for, print_table
from tipdesk.cli.types import SubParsers
from tipdesk.errors import UserError
from tipdesk.i18n import _
from tipdesk.services import search as search_service


def register(sub: SubParsers) -> None:
    """Add the search command."""
    p = sub.add_parser("search", help=_("search tips and persons (accents, word order and typos do not matter)"))
    p.add_argument("query", nargs="*", metavar="QUERY", help=_("words to search for"))
    p.add_argument("--limit", type=int, default=20, help=_("at most this many results (default 20)"))
    p.add_argument("--kind", choices=list(search_service.KINDS), help=_("only tips or only persons"))
    p.add_argument("--json", action="store_true")
    p.add_argument("--reindex", action="store_true", help=_("rebuild the search index"))
    p.set_defaults(func=cmd_search)


def _kind_label(kind: str) -> str:
    return _("Tip") if kind == "tip" else _("Person")


def _marked(value: str, spans: tuple[tuple[int, int], ...]) -> str:
    """``value`` with the matching parts in [brackets] (plain text output)."""
    out, last = [], 0
    for start, end in spans:
        out += [value[last:start], "[", value[start:end], "]"]
        last = end
    out.append(value[last:])
    return "".join(out)


def cmd_search(args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    if not args.reindex and not query.strip():
        raise UserError(_("Give the words to search for, or --reindex."), "no_query")
    if args.limit <= 0:
        raise UserError(_("The limit must be a positive number."), "bad_limit")
    desk = open_for(args)
    try:
        if args.reindex:
            result = search_service.reindex(desk)
            if args.json:
                emit_json(result)
            else:
                print(_("Search index rebuilt: {tips} tips, {persons} persons.").format(
                    tips=result.tips, persons=result.persons))
            if not query.strip():
                return 0
        kinds = (args.kind,) if args.kind else search_service.KINDS
        hits = search_service.search(desk, query, limit=args.limit, kinds=kinds)
    finally:
        desk.close()
    if args.json:
        emit_json({"query": query, "hits": hits})
        return 0
    if not hits:
        print(_("Nothing found."))
        return 0
    print_table([_("Kind"), _("Record"), _("Match"), _("Id")],
                [[_kind_label(h.kind), _marked(h.title, h.title_spans), _marked(h.snippet, h.snippet_spans), h.id]
                 for h in hits])
    return 0
