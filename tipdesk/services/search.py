"""Search across tips and persons: Vietnamese-folded, words in any order, search as you type.

The index is three FTS5 tables (migration 0005) over the folded columns the services maintain, kept in
step by SQL triggers. A query is folded with the same normaliser (``fold`` and ``fold_telex``), so
``nguyen van duc``, ``Nguyễn Vân Đúc`` and ``Nguyeenx vawn dduwcs`` all find ``Nguyễn Văn Đức``.

Ranking is by tiers, each one an FTS5 query, newest record first inside a tier:

1. exact: every query word is a whole word of the record;
2. prefix: as 1, but the last word may be the start of a word (typing is not finished);
3. fuzzy: a word longer than four letters may also be any word within edit distance 1 (one letter
   missing, extra, wrong or two swapped), with candidates generated from the word (bounded).

A later tier runs only while fewer than ``limit`` hits were found. Inside a tier, hits whose title
(name, register number and summary) holds more of the query words, in the typed order, rank first.

Identity: a role that sees every identity searches ``persons_full_fts``; commune police search it only
for persons linked to a tip and ``persons_public_fts`` for the rest; every other role with
``Perm.PERSON_VIEW`` searches ``persons_public_fts`` only and sees the pseudonym. Each search that shows
identity appends one ``view_identity`` audit row (``via: search``), as the persons service does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from tipdesk.domain import units
from tipdesk.domain.roles import Perm
from tipdesk.domain.text import fold, fold_telex
from tipdesk.errors import PermissionDenied
from tipdesk.i18n import _
from tipdesk.services.persons_access import audit_identity, reading, sees_all, sees_linked, visible_ids
from tipdesk.services.tips_types import register_label

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

__all__ = ["KINDS", "QueryWord", "ReindexResult", "SearchHit", "Span", "Tier", "build_match", "edits1",
           "highlight", "list_match", "parse_query", "reindex", "search", "title_score"]

KINDS = ("tip", "person")
FTS_TABLES = ("tips_fts", "persons_public_fts", "persons_full_fts")
FUZZY_MIN_LETTERS = 5  # fuzzy matching for words longer than four letters
MAX_FUZZY_CANDIDATES = 600
MAX_WORDS = 12  # longer queries are cut (each word is one AND group of the FTS5 expression)
MAX_FUZZY_WORD = 24  # no fuzzy candidates for longer words (26 x 2 x length candidates)
SNIPPET_CHARS = 140
TITLE_SUMMARY_CHARS = 80
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[^\W_]+")

Span = tuple[int, int]


class Tier(IntEnum):
    FUZZY = 1
    PREFIX = 2
    EXACT = 3


@dataclass(frozen=True)
class SearchHit:
    """One result: ``title``/``snippet`` are display text; spans are ``[start, end)`` character ranges in them
    that matched the query (to show in bold). ``score``: higher is better (the tier, plus below 1 for how
    well the title matches: see ``title_score``)."""

    kind: str  # "tip" | "person"
    id: str
    title: str
    title_spans: tuple[Span, ...]
    snippet: str
    snippet_spans: tuple[Span, ...]
    score: float
    tier: Tier


@dataclass(frozen=True)
class QueryWord:
    """One folded query word; ``variants``: its fold and fold_telex forms (``15/2026`` stays one word)."""

    variants: tuple[str, ...]
    last: bool


# --- query -----------------------------------------------------------------------------------------------


def _digit_runs(words: Sequence[str]) -> list[list[str]]:
    """Words, with runs of digit groups kept together (``0987 654 321`` is one phone number)."""
    runs: list[list[str]] = []
    for word in words:
        if word.isdigit() and runs and all(w.isdigit() for w in runs[-1]):
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def parse_query(query: str) -> list[QueryWord]:
    runs = _digit_runs(fold(query).split()[:MAX_WORDS])
    parsed: list[QueryWord] = []
    for index, run in enumerate(runs):
        if len(run) > 1:  # the digits joined (as indexed for phones) or the groups as a phrase
            parsed.append(QueryWord(("".join(run), " ".join(run)), index == len(runs) - 1))
            continue
        word = run[0]
        variants = [word]
        telex = fold_telex(word)
        if telex and telex not in variants:
            variants.append(telex)
        if word.isdigit() and len(word) == 1:
            variants.append("0" + word)  # register numbers below 10 are written 05/2026
        parsed.append(QueryWord(tuple(variants), index == len(runs) - 1))
    return parsed


def edits1(word: str) -> set[str]:
    """Every word within edit distance 1 of ``word`` (letters a-z), without ``word`` itself."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    out = deletes | swaps | replaces | inserts
    out.discard(word)
    return out


def _fuzzy_candidates(word: QueryWord) -> list[str]:
    seen: set[str] = set(word.variants)
    out: list[str] = []
    for variant in word.variants[-1:]:  # the Telex-decoded form when there is one: the raw keys are no word
        if not FUZZY_MIN_LETTERS <= len(variant) <= MAX_FUZZY_WORD or not (variant.isascii() and variant.isalpha()):
            continue
        for candidate in sorted(edits1(variant)):
            if candidate not in seen:
                seen.add(candidate)
                out.append(candidate)
    return out[:MAX_FUZZY_CANDIDATES]


def _phrase(word: str) -> str:
    # Folded words hold only letters, digits and "/": a quoted FTS5 string is safe; "15/2026" is a phrase.
    return '"' + word.replace("/", " ") + '"'


def build_match(words: Sequence[QueryWord], tier: Tier) -> str | None:
    """The FTS5 MATCH expression of ``words`` for ``tier`` (None when the tier adds nothing)."""
    groups: list[str] = []
    adds = tier is Tier.EXACT
    for word in words:
        alternatives = [_phrase(v) for v in word.variants]
        if word.last and tier <= Tier.PREFIX:
            alternatives += [_phrase(v) + "*" for v in word.variants]
            # The fuzzy tier keeps the prefix (all its words must still match) but adds hits only through its
            # typo candidates: without any it would repeat the prefix tier's query for nothing.
            adds = adds or tier is Tier.PREFIX
        if tier is Tier.FUZZY:
            fuzzy = _fuzzy_candidates(word)
            alternatives += [_phrase(c) for c in fuzzy]
            adds = adds or bool(fuzzy)
        groups.append("(" + " OR ".join(alternatives) + ")")
    if not groups or not adds:
        return None
    return " AND ".join(groups)


def list_match(query: str) -> tuple[str | None, list[str]]:
    """What a list's search box looks for: the FTS5 MATCH expression of the words with letters (each word, or
    its Telex reading, as the start of a word of the record; all required, in any order; None when there are
    none), and the numbers, each of which may be any part of an ID, phone or other number of the record
    (``012345`` in ``001301012345``), so they are matched as substrings."""
    numbers = [w for w in fold(query).split()[:MAX_WORDS] if w.isdigit()]
    others = [w for w in parse_query(query) if not w.variants[0].isdigit()]
    if not others:
        return None, numbers
    match = " AND ".join("(" + " OR ".join(_phrase(v) + "*" for v in w.variants) + ")" for w in others)
    return match, numbers


# --- highlighting ------------------------------------------------------------------------------------


def _within_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


@dataclass(frozen=True)
class _Part:
    text: str
    prefix: bool
    fuzzy: bool


@lru_cache(maxsize=64)
def _parts_of(words: tuple[QueryWord, ...]) -> tuple[_Part, ...]:
    out: list[_Part] = []
    for word in words:
        for variant in word.variants:
            pieces = variant.replace("/", " ").split()
            for index, piece in enumerate(pieces):
                last_piece = index == len(pieces) - 1
                out.append(_Part(piece, word.last and last_piece,
                                 len(piece) >= FUZZY_MIN_LETTERS and piece.isalpha()))
    return tuple(out)


@lru_cache(maxsize=1 << 16)
def _forms(token: str) -> frozenset[str]:
    """The folded forms of one displayed word (cached: the same words recur in every result)."""
    return frozenset((fold(token), fold_telex(token)))


class _Matcher:
    """What one query matches in displayed text, worked out once per query: the same names, places and words
    recur in every hit, so each displayed word is matched once (``matched``)."""

    def __init__(self, words: tuple[QueryWord, ...]) -> None:
        parts = _parts_of(words)
        self.exact = frozenset(p.text for p in parts)
        self.prefixes = tuple(p.text for p in parts if p.prefix)
        self.fuzzy = tuple(p.text for p in parts if p.fuzzy)
        self.digits = tuple(p.text for p in parts if len(p.text) >= 4 and p.text.isdigit())
        self.word_parts = tuple(frozenset(p.text for p in _parts_of((w,))) for w in words)
        self._seen: dict[tuple[str, bool], frozenset[str]] = {}

    def matched(self, token: str, fuzzy: bool) -> frozenset[str]:
        """The query parts that ``token`` (a displayed word) matches: whole, as a prefix of the last word, or
        (``fuzzy``) one edit away from a word long enough for typos."""
        key = (token, fuzzy)
        found = self._seen.get(key)
        if found is None:
            out: set[str] = set()
            for form in _forms(token):
                if form in self.exact:
                    out.add(form)
                out.update(p for p in self.prefixes if form.startswith(p))
                if fuzzy and len(form) >= FUZZY_MIN_LETTERS - 1:
                    out.update(p for p in self.fuzzy if _within_one(form, p))
            found = self._seen[key] = frozenset(out)
        return found


@lru_cache(maxsize=64)
def _matcher(words: tuple[QueryWord, ...]) -> _Matcher:
    return _Matcher(words)


def _digit_spans(value: str, digits: Sequence[str]) -> list[Span]:
    """Digit runs of the query found in ``value`` across separators (``0912345678`` in ``0912 345 678``)."""
    if not digits:
        return []
    positions = [i for i, ch in enumerate(value) if ch.isdigit()]
    found = "".join(value[i] for i in positions)
    spans: list[Span] = []
    for part in digits:
        start = found.find(part)
        if start >= 0:
            spans.append((positions[start], positions[start + len(part) - 1] + 1))
    return spans


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(value: str, words: Sequence[QueryWord], fuzzy: bool = True) -> list[Span]:
    """Character ranges of ``value`` (display text, with marks) whose words match the query
    (``fuzzy``: also words one edit away, for hits found by the fuzzy tier only)."""
    matcher = _matcher(tuple(words))
    spans = [(m.start(), m.end()) for m in _WORD.finditer(value) if matcher.matched(m.group(), fuzzy)]
    return _merge(spans + _digit_spans(value, matcher.digits))


def title_score(title: str, words: Sequence[QueryWord], fuzzy: bool) -> float:
    """Below 1: how much of the query the title matches (0.5 for every word), plus 0.3 for the words in order."""
    if not words:
        return 0.0
    matcher = _matcher(tuple(words))
    matched: set[str] = set()
    for m in _WORD.finditer(title):
        matched |= matcher.matched(m.group(), fuzzy)
    covered = sum(1 for parts in matcher.word_parts if parts & matched)
    score = 0.5 * covered / len(words)
    if covered == len(words) and " " + " ".join(w.variants[0] for w in words) in " " + fold(title):
        score += 0.3  # the words in the typed order
    return score


def _window(value: str, spans: Sequence[Span], width: int = SNIPPET_CHARS) -> tuple[str, tuple[Span, ...]]:
    """At most ``width`` characters of ``value`` around its first span, with the spans shifted."""
    if len(value) <= width:
        return value, tuple(spans)
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 4, len(value) - width))
    end = start + width
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(value) else ""
    shift = len(prefix) - start
    kept = tuple((max(s, start) + shift, min(e, end) + shift) for s, e in spans if e > start and s < end)
    return prefix + value[start:end] + suffix, kept


def _best_field(fields: Sequence[str], words: Sequence[QueryWord], fuzzy: bool) -> tuple[str, tuple[Span, ...]]:
    texts = [" ".join(f.split()) for f in fields if f and f.strip()]
    for value in texts:
        spans = highlight(value, words, fuzzy)
        if spans:
            return _window(value, spans)
    return _window(texts[0], []) if texts else ("", ())


# --- queries -----------------------------------------------------------------------------------------


def _rowids(session: Session, sql: str, match: str, limit: int) -> list[int]:
    return [int(r[0]) for r in session.execute(text(sql), {"q": match, "n": limit})]


def _tip_rowids(session: Session, match: str, limit: int) -> list[int]:
    return _rowids(session, "SELECT rowid FROM tips_fts WHERE tips_fts MATCH :q ORDER BY rowid DESC LIMIT :n",
                   match, limit)


_LINKED_FULL = (
    "SELECT f.rowid FROM persons_full_fts f JOIN persons p ON p.rowid = f.rowid "
    "WHERE persons_full_fts MATCH :q AND EXISTS (SELECT 1 FROM tip_persons tp "
    "WHERE tp.person_id = p.id AND tp.unlinked_at IS NULL) ORDER BY f.rowid DESC LIMIT :n"
)


def _person_rowids(desk: Desk, session: Session, match: str, limit: int) -> list[int]:
    if sees_all(desk):
        return _rowids(session, "SELECT rowid FROM persons_full_fts WHERE persons_full_fts MATCH :q "
                                "ORDER BY rowid DESC LIMIT :n", match, limit)
    public = _rowids(session, "SELECT rowid FROM persons_public_fts WHERE persons_public_fts MATCH :q "
                              "ORDER BY rowid DESC LIMIT :n", match, limit)
    if not sees_linked(desk):
        return public
    linked = _rowids(session, _LINKED_FULL, match, limit)
    return sorted(set(public) | set(linked), reverse=True)[:limit]


def _rows(session: Session, sql: str, rowids: Sequence[int]) -> dict[int, Any]:
    if not rowids:
        return {}
    marks = ", ".join(str(int(r)) for r in rowids)
    return {int(row.rowid): row for row in session.execute(text(sql.format(ids=marks)))}


_TIP_COLUMNS = (
    "SELECT rowid, id, register_no, register_year, summary, place_detail, place_unit_code, reporter_name, "
    "reporter_secret, suspects FROM tips WHERE rowid IN ({ids})"
)
_PERSON_COLUMNS = (
    "SELECT rowid, id, pseudonym, full_name, other_names, id_number, phone, address_detail, address_old, "
    "origin_detail, guardian_name, guardian_contact, from_place, border_gate, receiving_agency, "
    "repatriation_route, identified_by, notes FROM persons WHERE rowid IN ({ids})"
)


def _shorten(value: str, width: int) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


@dataclass(frozen=True)
class _Candidate:
    """A found record before its snippet is made (snippets only for the hits kept)."""

    kind: str
    id: str
    title: str
    fields: tuple[str, ...]
    tier: Tier
    score: float


def _candidate(kind: str, row_id: str, title: str, fields: Sequence[str], words: Sequence[QueryWord],
               tier: Tier) -> _Candidate:
    score = float(tier) + title_score(title, words, tier is Tier.FUZZY)
    return _Candidate(kind, row_id, title, tuple(fields), tier, score)


def _finish(c: _Candidate, words: Sequence[QueryWord]) -> SearchHit:
    fuzzy = c.tier is Tier.FUZZY
    title_spans = tuple(highlight(c.title, words, fuzzy))
    snippet, snippet_spans = _best_field(c.fields, words, fuzzy)
    return SearchHit(c.kind, c.id, c.title, title_spans, snippet, snippet_spans, c.score, c.tier)


def _tip_candidate(row: Any, words: Sequence[QueryWord], tier: Tier) -> _Candidate:
    title = f"{register_label(row.register_no, row.register_year)} · {_shorten(row.summary, TITLE_SUMMARY_CHARS)}"
    reporter = "" if row.reporter_secret else row.reporter_name
    fields = [row.summary, row.place_detail, units.name_or_code(row.place_unit_code), reporter, row.suspects]
    return _candidate("tip", row.id, title, fields, words, tier)


def _person_candidate(row: Any, words: Sequence[QueryWord], tier: Tier, identity: bool) -> _Candidate:
    public = [row.from_place, row.border_gate, row.receiving_agency, row.repatriation_route, row.identified_by]
    if not identity:
        return _candidate("person", row.id, row.pseudonym, public, words, tier)
    title = f"{row.full_name} ({row.pseudonym})"
    fields = [row.other_names, row.id_number, row.phone, row.address_detail, row.address_old, row.origin_detail,
              row.guardian_name, row.guardian_contact, *public, row.notes]
    return _candidate("person", row.id, title, fields, words, tier)


@dataclass
class _Found:
    tips: dict[Any, Tier]  # SQLite rowid (or, on a server, the record id) -> tier
    persons: dict[Any, Tier]

    def count(self) -> int:
        return len(self.tips) + len(self.persons)


def _collect(desk: Desk, session: Session, words: Sequence[QueryWord], limit: int,
             kinds: Sequence[str]) -> _Found:
    found = _Found({}, {})
    for tier in (Tier.EXACT, Tier.PREFIX, Tier.FUZZY):
        if found.count() >= limit:
            break
        match = build_match(words, tier)
        if match is None:
            continue
        if "tip" in kinds:
            for rowid in _tip_rowids(session, match, limit + len(found.tips)):
                found.tips.setdefault(rowid, tier)
        if "person" in kinds:
            for rowid in _person_rowids(desk, session, match, limit + len(found.persons)):
                found.persons.setdefault(rowid, tier)
    return found


def _collect_on_server(desk: Desk, session: Session, words: Sequence[QueryWord], limit: int,
                       kinds: Sequence[str]) -> tuple[_Found, dict[Any, Any], dict[Any, Any]]:
    """PostgreSQL: whole-word token matches, one tier (``tipdesk.services.search_server``)."""
    from tipdesk.services import search_server as srv

    tips = srv.tip_ids(session, words, limit) if "tip" in kinds else []
    persons = (srv.person_ids(session, words, limit, full=sees_all(desk), linked=sees_linked(desk))
               if "person" in kinds else [])
    found = _Found(dict.fromkeys(tips, Tier.EXACT), dict.fromkeys(persons, Tier.EXACT))
    return found, srv.tip_rows(session, tips), srv.person_rows(session, persons)


def _allowed_kinds(desk: Desk, kinds: Sequence[str]) -> list[str]:
    allowed = [k for k in kinds if (k == "tip" and desk.can(Perm.TIP_VIEW))
               or (k == "person" and desk.can(Perm.PERSON_VIEW))]
    if not allowed:
        raise PermissionDenied(_("Your role may not search these records."))
    return allowed


def search(desk: Desk, query: str, limit: int = 20, kinds: Sequence[str] = KINDS) -> list[SearchHit]:
    """Ranked hits for ``query`` (best first, at most ``limit``); an empty query gives no hits."""
    words = parse_query(query)
    if not words or limit <= 0:
        return []
    chosen = _allowed_kinds(desk, kinds)
    with reading(desk) as session:
        if session.get_bind().dialect.name == "sqlite":
            found = _collect(desk, session, words, limit, chosen)
            tip_rows = _rows(session, _TIP_COLUMNS, list(found.tips))
            people = _rows(session, _PERSON_COLUMNS, list(found.persons))
        else:
            found, tip_rows, people = _collect_on_server(desk, session, words, limit, chosen)
        shown = visible_ids(desk, session, [row.id for row in people.values()])
        # found.* are in tier order, newest first inside a tier
        candidates = [_tip_candidate(tip_rows[rid], words, tier) for rid, tier in found.tips.items()
                      if rid in tip_rows]
        candidates += [_person_candidate(people[rid], words, tier, people[rid].id in shown)
                       for rid, tier in found.persons.items() if rid in people]
        candidates.sort(key=lambda c: -c.score)  # stable
        hits = [_finish(c, words) for c in candidates[:limit]]
        audit_identity(desk, session, [h.id for h in hits if h.kind == "person" and h.id in shown], "search")
    return hits


# --- maintenance -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReindexResult:
    tips: int
    persons: int


def reindex(desk: Desk) -> ReindexResult:
    """Rebuild every search index from the folded columns (``tipdesk search --reindex``)."""
    if not (desk.can(Perm.SETTINGS_MANAGE) or desk.can(Perm.TIP_EDIT) or desk.can(Perm.PERSON_EDIT)):
        raise PermissionDenied(_("Your role may not rebuild the search index."))
    with desk.write() as session:
        for table in FTS_TABLES if session.get_bind().dialect.name == "sqlite" else ():  # a server has none
            session.execute(text(f"INSERT INTO {table}({table}) VALUES ('rebuild')"))
            session.execute(text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))
        tips = int(session.execute(text("SELECT count(*) FROM tips")).scalar_one())
        persons = int(session.execute(text("SELECT count(*) FROM persons")).scalar_one())
    return ReindexResult(tips, persons)
