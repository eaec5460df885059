"""Storage helpers of the persons service: finding a person, pseudonyms, applying cleaned values, photos."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tipdesk.db.models.persons import Person, PersonForm
from tipdesk.errors import NotFound, UserError
from tipdesk.i18n import _
from tipdesk.services.persons_validate import birth_sort

UUID_LENGTH = 36


def pseudonym_for(unit_code: str, year: int, number: int) -> str:
    """``P-02269-26-0042``: unit, two-digit year of recording, yearly number. Reveals no identity."""
    return f"P-{unit_code}-{year % 100:02d}-{number:04d}"


def get_person(session: Session, ref: str, *, lock: bool = False) -> Person:
    """A person by id or pseudonym (any case); ``lock`` (for an update) takes its row lock on PostgreSQL."""
    ref = ref.strip()
    found = session.get(Person, ref, with_for_update=lock or None) if len(ref) == UUID_LENGTH else None
    if found is None:
        stmt = select(Person).where(Person.pseudonym == ref.upper())
        found = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if found is None:
        raise NotFound(_("There is no person with the code “{ref}”.").format(ref=ref))
    return found


def apply_values(p: Person, values: Mapping[str, Any]) -> list[str]:
    """Set the cleaned draft values on ``p``; returns the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if name == "forms":
            continue
        if getattr(p, name) != value:
            setattr(p, name, value)
            changed.append(name)
    p.birth_sort = birth_sort(p.birth_date, p.birth_year)
    return changed


def sync_forms(session: Session, p: Person, forms: Sequence[str]) -> bool:
    current = set(session.scalars(select(PersonForm.form_code).where(PersonForm.person_id == p.id)))
    if current == set(forms):
        return False
    session.execute(delete(PersonForm).where(PersonForm.person_id == p.id))
    session.add_all(PersonForm(person_id=p.id, form_code=code) for code in forms)
    return True


MAX_PHOTO_BYTES = 2 * 1024 * 1024


def check_photo_size(size: int) -> None:
    """Refuse a photo file by its size alone (before reading it)."""
    if size > MAX_PHOTO_BYTES:
        raise UserError(_("The photo is too large (at most 2 MB)."), "photo_too_large")


def check_photo(data: bytes) -> None:
    check_photo_size(len(data))
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise UserError(_("The photo must be a JPEG or PNG image."), "photo_format")
