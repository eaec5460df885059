"""The provincial office's consolidated lists: which communes records come from, for the commune
column and the commune filter of the tips and persons lists.

Every imported record keeps the ``unit_code`` of the commune that recorded it; the lists filter on it
(``PageRequest.filters["unit_code"]``, see ``tips_query`` and ``persons_query``). The commune picker
offers the communes that have records of that kind here plus every enrolled commune (one that has not
sent anything yet still appears, so "nothing from it" can be seen).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from tipdesk.db.models.exchange import Peer
from tipdesk.domain import units
from tipdesk.domain.roles import Perm, Profile
from tipdesk.domain.text import fold
from tipdesk.services import persons_query, tips_query

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

RecordKind = Literal["tip", "person"]


@dataclass(frozen=True)
class CommuneChoice:
    code: str
    name: str  # "Xã Thượng Lâm"; the code itself when the unit list does not know it
    enrolled: bool  # an installation of this commune is enrolled at the province


@functools.lru_cache(maxsize=4096)
def commune_name(code: str) -> str:
    """The name of a commune (or, for the province's own records, of the province); the code if unknown."""
    return units.name_or_code(code)


def is_province(desk: Desk) -> bool:
    return desk.installation.profile is Profile.PROVINCE


class ProvinceViews:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def communes(self, kind: RecordKind) -> list[CommuneChoice]:
        """Communes with ``kind`` records here, and every enrolled commune, by name (accents ignored)."""
        if not is_province(self.desk):
            return []  # a commune's lists hold its own records only
        self.desk.require(Perm.TIP_VIEW if kind == "tip" else Perm.PERSON_VIEW)
        query = tips_query if kind == "tip" else persons_query
        with self.desk.read() as session:
            with_records = set(query.distinct_units(session))
            enrolled = set(session.scalars(select(Peer.commune).distinct()))
        choices = [CommuneChoice(code, commune_name(code), code in enrolled)
                   for code in with_records | enrolled if code]
        return sorted(choices, key=lambda c: (fold(c.name), c.code))
