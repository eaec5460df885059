"""Small pieces shared by the exchange services: own keys, the state row, profile checks, side files."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models import Installation, InstallKey
from tipdesk.db.models.exchange import ExchangeState
from tipdesk.domain.roles import Profile
from tipdesk.errors import UserError
from tipdesk.exchange import keys as xkeys
from tipdesk.i18n import _
from tipdesk.services.exchange_codes import XCode, xerror

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

CHUNK = 500  # ids per IN (...) query
RECEIPT_EXTENSION = ".tdr"
ENROLMENT_EXTENSION = ".tde"
TRUST_EXTENSION = ".tdt"
ROTATION_EXTENSION = ".tdk"


@contextmanager
def bulk_memory() -> Iterator[None]:
    """No cyclic garbage collection while a batch's records are alive: they hold no reference cycles
    (plain dicts, lists and strings, freed by reference counting), and every full collection would
    walk hundreds of thousands of them again. The collector is switched back on afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def require_profile(desk: Desk, profile: Profile) -> None:
    if desk.installation.profile is not profile:
        raise xerror(XCode.WRONG_PROFILE, profile=profile.label().lower())


def own_keys(session: Session, kind: str, *, include_retired: bool = False) -> list[InstallKey]:
    query = select(InstallKey).where(InstallKey.kind == kind)
    if not include_retired:
        query = query.where(InstallKey.retired_at.is_(None))
    return list(session.scalars(query.order_by(InstallKey.created_at.desc())))


def own_key(session: Session, kind: str) -> InstallKey:
    rows = own_keys(session, kind)
    if not rows:
        raise xerror(XCode.NO_KEY, kind=kind)
    return rows[0]


def signing_key(session: Session, kind: str = "sign") -> ed25519.Ed25519PrivateKey:
    return xkeys.load_signing_key(xkeys.b64decode(own_key(session, kind).private_key))


def decryption_keys(session: Session) -> list[x25519.X25519PrivateKey]:
    """Every X25519 key this installation ever held (old batches stay readable after a rotation)."""
    rows = own_keys(session, "encrypt", include_retired=True)
    return [xkeys.load_decryption_key(xkeys.b64decode(row.private_key)) for row in rows]


def state(session: Session) -> ExchangeState:
    """The state row, created on first use; a new installation epoch restarts the outgoing sequence."""
    row = session.get(ExchangeState, 1)
    epoch = session.scalars(select(Installation.epoch)).one()
    if row is None:
        row = ExchangeState(id=1, epoch=epoch, last_seq=0, mark=0, prev_sha256=None, audit_seq=0, bundle_version=0)
        session.add(row)
        session.flush()
    elif row.epoch != epoch:
        row.epoch, row.last_seq, row.prev_sha256 = epoch, 0, None
        session.flush()
    return row


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | None, default: Any) -> Any:
    if not text:
        return default
    return json.loads(text)


def write_side_file(path: Path, data: bytes) -> Path:
    """Write a small file (receipt, enrolment, trust bundle) atomically: temp, fsync, replace."""
    folder = path.parent
    temp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(temp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        raise UserError(
            _("The file {path} could not be written: {error}.").format(path=path, error=exc.strerror or exc),
            "write_failed",
        ) from exc
    return path


def read_input_file(path: Path, max_bytes: int) -> bytes:
    """Read a file given by the user, refusing anything larger than ``max_bytes``."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UserError(
                _("The file {path} is too large ({size} bytes) for this kind of file.").format(path=path, size=size),
                "file_too_large",
            )
        return path.read_bytes()
    except OSError as exc:
        raise xerror(XCode.UNREADABLE_FILE, path=path, error=exc.strerror or exc) from exc
