"""Search on a server database (PostgreSQL), where there are no FTS5 tables and identity is sealed.

The folded search columns of tips (``search_text``) and persons (``search_full``) hold one keyed
token per word there (``tipdesk.db.fieldcrypt``, mode ``tokens``), so a query word is found when its
token is in the column: whole words only, in any order, with the same folding and Telex decoding as
on SQLite, through a trigram index (revision 0006). ``search_public`` (no identity) is clear text
and is matched as a substring, so typing the start of a place name already finds it. The identity
rules are those of ``tipdesk.services.search``: the caller passes what the role may search.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Text, and_, exists, false, or_, select, type_coerce
from sqlalchemy.orm import Session

from tipdesk.db.fieldcrypt import FieldCipher, cipher_of
from tipdesk.db.models.persons import Person, TipPerson
from tipdesk.db.models.tips import Tip

if TYPE_CHECKING:
    from tipdesk.services.search import QueryWord


def _cipher(session: Session) -> FieldCipher:
    cipher = cipher_of(session.get_bind().dialect)
    assert cipher is not None, "a server engine always carries its field cipher"
    return cipher


def _tokens_match(column: Any, words: Sequence[QueryWord], cipher: FieldCipher) -> ColumnElement[bool]:
    """Every query word (any of its variants; a digit run needs all its groups) is a token of ``column``."""
    plain = type_coerce(column, Text)  # compare the stored tokens, not a re-sealed pattern
    groups = []
    for word in words:
        variants = [and_(*(plain.contains(cipher.token(part)) for part in variant.split()))
                    for variant in word.variants if variant.split()]
        groups.append(or_(*variants) if variants else false())
    return and_(*groups)


def _public_match(column: Any, words: Sequence[QueryWord]) -> ColumnElement[bool]:
    plain = type_coerce(column, Text)
    return and_(*(or_(*(plain.contains(v, autoescape=True) for v in word.variants)) for word in words))


def tip_ids(session: Session, words: Sequence[QueryWord], limit: int) -> list[str]:
    stmt = (select(Tip.id).where(_tokens_match(Tip.search_text, words, _cipher(session)))
            .order_by(Tip.received_at.desc(), Tip.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def person_ids(session: Session, words: Sequence[QueryWord], limit: int, *, full: bool, linked: bool) -> list[str]:
    """``full``: the role sees every identity; ``linked``: it sees the identity of persons linked to a tip."""
    cipher = _cipher(session)
    if full:
        cond: ColumnElement[bool] = _tokens_match(Person.search_full, words, cipher)
    else:
        cond = _public_match(Person.search_public, words)
        if linked:
            is_linked = exists().where(TipPerson.person_id == Person.id, TipPerson.unlinked_at.is_(None))
            cond = or_(cond, and_(is_linked, _tokens_match(Person.search_full, words, cipher)))
    stmt = select(Person.id).where(cond).order_by(Person.received_on.desc(), Person.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def tip_rows(session: Session, ids: Sequence[str]) -> dict[str, Any]:
    if not ids:
        return {}
    cols = (Tip.id, Tip.register_no, Tip.register_year, Tip.summary, Tip.place_detail, Tip.place_unit_code,
            Tip.reporter_name, Tip.reporter_secret, Tip.suspects)
    return {row.id: row for row in session.execute(select(*cols).where(Tip.id.in_(ids)))}


def person_rows(session: Session, ids: Sequence[str]) -> dict[str, Any]:
    if not ids:
        return {}
    p = Person
    cols = (p.id, p.pseudonym, p.full_name, p.other_names, p.id_number, p.phone, p.address_detail, p.address_old,
            p.origin_detail, p.guardian_name, p.guardian_contact, p.from_place, p.border_gate, p.receiving_agency,
            p.repatriation_route, p.identified_by, p.notes)
    return {row.id: row for row in session.execute(select(*cols).where(p.id.in_(ids)))}
