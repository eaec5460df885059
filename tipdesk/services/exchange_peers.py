"""Province side: enrolled installations and their signing keys (enrol, revoke, rotate) and the
database-backed ``TrustStore`` the importer checks senders against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models.exchange import Peer, PeerKey
from tipdesk.domain import units
from tipdesk.domain.roles import Perm, Profile
from tipdesk.errors import UserError
from tipdesk.events import Changes
from tipdesk.exchange import keys as xkeys
from tipdesk.exchange.enrolment import ROTATION_KEYS, Enrolment, verify_enrolment, verify_rotation
from tipdesk.exchange.envelope import load_body, open_envelope
from tipdesk.exchange.format import DEFAULT_LIMITS, KEY_ID_RE, ROTATION_PAYLOAD_TYPE, Limits
from tipdesk.exchange.rejects import Reject, reject
from tipdesk.exchange.trust import Revocation, TrustedKey
from tipdesk.services.exchange_codes import XCode, xerror
from tipdesk.services.exchange_common import read_input_file, require_profile

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

CHANGES = "exchange"


@dataclass(frozen=True)
class PeerKeyView:
    key_id: str
    fingerprint: str
    install_id: str
    commune: str
    source: str
    added_at: dt.datetime
    revoked_after: tuple[int, int] | None
    revoke_reason: str


class DbTrustStore:
    """``TrustStore`` over ``exchange_peer_keys`` in the caller's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def sender_key(self, key_id: str) -> TrustedKey | None:
        if not KEY_ID_RE.match(key_id):
            return None
        row = self.session.get(PeerKey, key_id)
        if row is None:
            return None
        peer = self.session.get(Peer, row.install_id)
        revocation = None
        if row.revoked_after_epoch is not None:
            revocation = Revocation(row.key_id, row.revoked_after_epoch, row.revoked_after_seq or 0)
        return TrustedKey(
            key_id=row.key_id,
            public_key=xkeys.b64decode(row.public_key),
            algorithm=row.algorithm,
            install_id=row.install_id,
            commune=peer.commune if peer is not None else None,
            revocation=revocation,
        )


def _key_view(row: PeerKey, commune: str) -> PeerKeyView:
    point = None
    if row.revoked_after_epoch is not None:
        point = (row.revoked_after_epoch, row.revoked_after_seq or 0)
    return PeerKeyView(row.key_id, xkeys.fingerprint_of_key_id(row.key_id), row.install_id, commune, row.source,
                       row.added_at, point, row.revoke_reason)


class PeersService:
    def __init__(self, desk: Desk, limits: Limits = DEFAULT_LIMITS) -> None:
        self.desk = desk
        self.limits = limits

    def keys(self) -> list[PeerKeyView]:
        self.desk.require(Perm.EXCHANGE)
        with self.desk.read() as session:
            rows = session.execute(
                select(PeerKey, Peer.commune).join(Peer, Peer.install_id == PeerKey.install_id)
                .order_by(Peer.commune, PeerKey.added_at)
            ).all()
            return [_key_view(key, commune) for key, commune in rows]

    # -- enrolment ----------------------------------------------------------------
    def check_enrolment(self, data: bytes) -> Enrolment:
        """Parse an enrolment file (self-signature checked) without enrolling: for the dialog."""
        return verify_enrolment(data, limits=self.limits)

    def enrol(self, data: bytes, typed_fingerprint: str) -> PeerKeyView:
        """Enrol an installation after the operator typed the fingerprint read out over the phone."""
        self.desk.require(Perm.KEYS_MANAGE)
        require_profile(self.desk, Profile.PROVINCE)
        enrolment = verify_enrolment(data, limits=self.limits)
        typed = xkeys.key_id_from_fingerprint(typed_fingerprint)
        if typed != enrolment.key_id:
            raise xerror(XCode.FINGERPRINT_MISMATCH, typed=typed_fingerprint.strip().upper(),
                         actual=enrolment.fingerprint)
        self._check_commune(enrolment.commune)
        now = self.desk.now()
        with self.desk.write(Changes.of(CHANGES)) as session:
            peer = session.get(Peer, enrolment.install_id)
            existing = session.get(PeerKey, enrolment.key_id)
            if existing is not None and existing.install_id == enrolment.install_id and peer is not None:
                return _key_view(existing, peer.commune)  # enrolling twice changes nothing
            if existing is not None or peer is not None:
                current = existing or _current_key(session, enrolment.install_id)
                raise xerror(XCode.ALREADY_ENROLLED, key=current.key_id if current else "?")
            session.add(Peer(install_id=enrolment.install_id, commune=enrolment.commune, enrolled_at=now,
                             enrolled_by=self.desk.actor.username, missing="[]", fork_alarm=False))
            session.flush()
            row = PeerKey(key_id=enrolment.key_id, install_id=enrolment.install_id,
                          public_key=xkeys.b64encode(enrolment.sign_pub), algorithm=xkeys.SIGNING_ALGORITHM,
                          source="enrolment", added_at=now, added_by=self.desk.actor.username)
            session.add(row)
            self.desk.audit_log(session, "create", "peer", enrolment.install_id,
                                {"commune": enrolment.commune, "key_id": enrolment.key_id})
            session.flush()
            return _key_view(row, enrolment.commune)

    def enrol_file(self, path: Path, typed_fingerprint: str) -> PeerKeyView:
        return self.enrol(read_input_file(path, self.limits.max_envelope_bytes), typed_fingerprint)

    def _check_commune(self, code: str) -> None:
        try:
            commune = units.commune(code)
        except (KeyError, ValueError, UserError) as exc:
            raise xerror(XCode.NOT_THIS_PROVINCE, commune=code) from exc
        if commune.province_code != self.desk.installation.province_code:
            raise xerror(XCode.NOT_THIS_PROVINCE, commune=f"{commune.code} ({commune.name})")

    # -- revocation and rotation ---------------------------------------------------------
    def revoke(self, key_id: str, after_epoch: int, after_seq: int) -> PeerKeyView:
        """Refuse batches signed by ``key_id`` after ``(after_epoch, after_seq)``."""
        self.desk.require(Perm.KEYS_MANAGE)
        require_profile(self.desk, Profile.PROVINCE)
        if after_epoch < 1 or after_seq < 0:
            raise xerror(XCode.REVOKE_POINT)
        kid = key_id.strip().upper()
        with self.desk.write(Changes.of(CHANGES)) as session:
            row = session.get(PeerKey, kid) if KEY_ID_RE.match(kid) else None
            if row is None:
                raise xerror(XCode.KEY_NOT_FOUND, key=key_id)
            row.revoked_after_epoch, row.revoked_after_seq = after_epoch, after_seq
            row.revoked_at, row.revoked_by, row.revoke_reason = self.desk.now(), self.desk.actor.username, "revoked"
            peer = session.get(Peer, row.install_id)
            self.desk.audit_log(session, "update", "key", kid,
                                {"revoked_after": [after_epoch, after_seq], "install_id": row.install_id})
            session.flush()
            return _key_view(row, peer.commune if peer else "")

    def accept_rotation(self, data: bytes) -> PeerKeyView:
        """Trust the new key of a rotation record signed by the enrolled key and the new one."""
        self.desk.require(Perm.KEYS_MANAGE)
        require_profile(self.desk, Profile.PROVINCE)
        envelope = open_envelope(data, ROTATION_PAYLOAD_TYPE, Reject.BAD_ROTATION, self.limits)
        old_kid = load_body(envelope, ROTATION_KEYS, Reject.BAD_ROTATION, self.limits)["old_key_id"]
        now = self.desk.now()
        with self.desk.write(Changes.of(CHANGES)) as session:
            old = session.get(PeerKey, old_kid) if isinstance(old_kid, str) else None
            if old is None:
                raise xerror(XCode.NOT_ENROLLED)
            rotation = verify_rotation(data, xkeys.b64decode(old.public_key), limits=self.limits)
            if rotation.install_id != old.install_id:
                raise reject(Reject.BAD_ROTATION)
            existing = session.get(PeerKey, rotation.new_key_id)
            peer = session.get(Peer, old.install_id)
            commune = peer.commune if peer else ""
            if existing is not None:
                if existing.install_id != old.install_id:
                    raise reject(Reject.BAD_ROTATION)
                return _key_view(existing, commune)
            if old.revoked_after_epoch is None:
                old.revoked_after_epoch = rotation.effective_epoch
                old.revoked_after_seq = rotation.effective_seq - 1
                old.revoked_at, old.revoked_by, old.revoke_reason = now, self.desk.actor.username, "rotated"
            row = PeerKey(key_id=rotation.new_key_id, install_id=old.install_id,
                          public_key=xkeys.b64encode(rotation.new_pub), algorithm=xkeys.SIGNING_ALGORITHM,
                          source="rotation", added_at=now, added_by=self.desk.actor.username)
            session.add(row)
            self.desk.audit_log(session, "update", "key", old.key_id,
                                {"rotated_to": rotation.new_key_id,
                                 "effective": [rotation.effective_epoch, rotation.effective_seq]})
            session.flush()
            return _key_view(row, commune)

    def accept_rotation_file(self, path: Path) -> PeerKeyView:
        return self.accept_rotation(read_input_file(path, self.limits.max_envelope_bytes))


def _current_key(session: Session, install_id: str) -> PeerKey | None:
    return session.scalars(
        select(PeerKey).where(PeerKey.install_id == install_id, PeerKey.revoked_after_epoch.is_(None))
        .order_by(PeerKey.added_at.desc())
    ).first()
